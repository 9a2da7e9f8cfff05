/**
 * `eval --shard K/N` (one part of a run, written with --json for `onnx2snn merge`) and
 * `eval --queue redis://…` (the run split into shard jobs for `onnx2snn worker`s, merged here).
 */
import { resolve } from 'node:path';
import {
  calibPreprocessOf,
  calibrate,
  checkThresholdsFor,
  type Config,
  dataIdentity,
  DEFAULT_METHOD,
  type EvalRecord,
  evaluateShard,
  loadModel,
  modelHash,
  openDataset,
  preprocessOf,
  readThresholds,
  redactUrl,
  refineOf,
  refineThresholds,
  resolveOf,
  resolveThresholds,
  selectionSize,
  type ShardInfo,
  type ShardRecord,
  snnOptionsOf,
  type ThresholdsFile,
} from '../../index.js';
import { optionError } from '../options.js';
import { c, pct, progressReporter, withoutRepeats } from '../render.js';
import { renderComparison, reportOutputs, writeOutputs } from '../outputs.js';

/** The configuration as recorded: the queue URL without its password. */
export function redactedConfig(cfg: Config): Config {
  return cfg.run.queue ? { ...cfg, run: { ...cfg.run, queue: redactUrl(cfg.run.queue) } } : cfg;
}

function refusals(cfg: Config, flag: string): void {
  const refine = refineOf(cfg);
  const which = refine.biasCalibration
    ? '--bias-calibration'
    : refine.potentialCalibration
      ? '--potential-calibration'
      : refine.finetune
        ? '--finetune'
        : undefined;
  if (which && flag === '--shard')
    throw optionError(
      which,
      'the shards of a run share one thresholds file: run it once with `onnx2snn calibrate … ' +
        which +
        ' T -o thresholds.json` and give each shard --thresholds',
    );
  if (cfg.run.engine !== 'auto' && cfg.run.engine !== 'onnxruntime' && flag === '--queue') throw optionError('--engine', '--queue runs on onnxruntime only');
}

/** What the run prints: the tables of an SNN evaluation, or the ANN line. */
function summary(r: Record<string, unknown>, title: string): string {
  const ann = r['ann'] as { accuracy: number; top5: number };
  if (!Array.isArray(r['snn'])) return `${c.bold('ANN')} ${title}: accuracy ${c.green(pct(ann.accuracy))}, top-5 ${pct(ann.top5)}`;
  return `${c.bold(String(r['model']))} ${title}\n${renderComparison(r as unknown as EvalRecord)}`;
}

function writeRecord(r: Record<string, unknown>, cfg: Config): void {
  const out = cfg.output;
  const files: { path: string; data: string | Uint8Array }[] = [];
  if (out.json) files.push({ path: out.json, data: `${JSON.stringify(r, null, 2)}\n` });
  const rep = Array.isArray(r['snn'])
    ? reportOutputs(r as unknown as EvalRecord, {
        ...(out.report ? { html: out.report } : {}),
        ...(out.plots ? { plots: out.plots } : {}),
        ...(cfg.report.scatterLayer ? { scatterLayer: cfg.report.scatterLayer } : {}),
      })
    : { files: [], summary: [] };
  files.push(...rep.files);
  writeOutputs(files, redactedConfig(cfg));
  for (const line of rep.summary) process.stdout.write(`${line}\n`);
}

async function evalShard(cfg: Config): Promise<void> {
  const out = cfg.output;
  if (!out.json) throw optionError('--json', '--shard writes its part of the run with --json FILE; then `onnx2snn merge PART.json… -o run.json`');
  if (out.report || out.plots)
    throw optionError(
      out.report ? '--report' : '--plots',
      'a shard holds part of the run: write the report of the merged run (`onnx2snn merge PART.json… -o run.json --report run.html`)',
    );
  refusals(cfg, '--shard');
  const annOnly = cfg.evaluation.annOnly;
  const thresholdsPath = cfg.calibration.thresholds;
  if (!annOnly && !thresholdsPath)
    throw optionError(
      '--thresholds',
      'the shards of a run share one thresholds file: calibrate once with `onnx2snn calibrate … -o thresholds.json`, then give every shard --thresholds thresholds.json',
    );
  const model = loadModel(cfg.model!);
  const thresholds = !annOnly && thresholdsPath ? readThresholds(thresholdsPath) : undefined;
  const rec: ShardRecord = await evaluateShard(cfg, model, {
    ...(thresholds ? { thresholds, thresholdsPath: thresholdsPath! } : {}),
    onProgress: progressReporter(cfg.run.quiet),
  });
  const s: ShardInfo = rec.shard;
  process.stdout.write(`${summary(rec, `on ${cfg.data.file}: shard ${s.index}/${s.count}, samples ${s.start}…${s.start + s.samples - 1} of ${s.total}`)}\n`);
  writeRecord(rec, cfg);
}

/** The thresholds of a queued run, made once by the coordinator (read, or calibrated and refined). */
async function coordinatorThresholds(cfg: Config, model: ReturnType<typeof loadModel>): Promise<{ thresholds?: ThresholdsFile; thresholdsPath?: string }> {
  if (cfg.evaluation.annOnly) return {};
  const path = cfg.calibration.thresholds;
  const refine = refineOf(cfg);
  const refining = Boolean(refine.biasCalibration || refine.potentialCalibration || refine.finetune);
  const run = { device: cfg.run.device, ...(cfg.run.threads ? { threads: cfg.run.threads } : {}) };
  const onProgress = progressReporter(cfg.run.quiet);
  let thresholds: ThresholdsFile | undefined;
  if (path) {
    thresholds = readThresholds(path);
    checkThresholdsFor(model, thresholds, path);
  }
  const calib = !path || refining ? openDataset(cfg.calibration.file!, calibPreprocessOf(cfg)) : undefined;
  thresholds = await resolveThresholds(model, {
    ...(thresholds ? { thresholds } : {}),
    ...(calib ? { calib } : {}),
    ...resolveOf(cfg),
    ...(cfg.calibration.method ? { method: cfg.calibration.method } : {}),
    ...(refining ? { refine } : {}),
    snn: snnOptionsOf(cfg),
    batchSize: 64,
    ...run,
    onProgress,
    modelPath: cfg.model!,
  });
  return { thresholds, ...(path ? { thresholdsPath: path } : {}) };
}

async function evalQueued(cfg: Config, t0: number): Promise<void> {
  if (cfg.data.shard) throw optionError('--shard', '--queue splits the run into shards itself: drop --shard');
  refusals(cfg, '--queue');
  const model = loadModel(cfg.model!);
  const pre = preprocessOf(cfg);
  const dataPath = resolve(cfg.data.file!);
  const total = selectionSize(dataPath, pre);
  // BullMQ and ioredis take a second to load: only for --queue
  const { defaultJobs, runQueued } = await import('../../queue.js');
  const jobs = cfg.run.queueJobs ?? defaultJobs(total);
  if (!cfg.evaluation.annOnly && cfg.report.sample >= total)
    throw optionError('--raster-sample', `sample ${cfg.report.sample} is not one of the ${total} evaluated samples`, cfg.report.sample, `< ${total}`);
  const { thresholds, thresholdsPath } = await coordinatorThresholds(cfg, model);
  const expect = {
    model: modelHash(model),
    data: dataIdentity(dataPath, { ...pre, ...(pre.labels ? { labels: resolve(pre.labels) } : {}) }, { offset: pre.offset ?? 0, count: total }),
  };
  const jobCfg: Config = {
    ...cfg,
    model: resolve(cfg.model!),
    data: { ...cfg.data, file: dataPath, ...(cfg.data.labels ? { labels: resolve(cfg.data.labels) } : {}) },
    run: { ...cfg.run, queue: undefined, quiet: true },
    output: {},
  };
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const note = withoutRepeats((m: string) => void (cfg.run.quiet || process.stderr.write(`${m}\n`)));
  note(`queue ${redactUrl(cfg.run.queue!)} (${cfg.run.queueName}): ${jobs} shard jobs of ${total} samples`);
  let merged: Record<string, unknown>;
  try {
    merged = await runQueued({
      queue: cfg.run.queue!,
      queueName: cfg.run.queueName,
      jobs,
      total,
      cfg: jobCfg,
      ...(thresholds ? { thresholds } : {}),
      ...(thresholdsPath ? { thresholdsPath } : {}),
      expect,
      ...(cfg.output.json ? { output: cfg.output.json } : {}),
      onProgress: progressReporter(cfg.run.quiet),
      onNote: note,
      signal: ac.signal,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  const record = {
    ...merged,
    model: cfg.model,
    dataset: cfg.data.file,
    ...('config' in merged ? { config: redactedConfig(cfg) } : {}),
    seconds: { ...(merged['seconds'] as object), total: (performance.now() - t0) / 1000 },
  };
  process.stdout.write(`${summary(record, `on ${cfg.data.file} (${total} samples, ${jobs} shard jobs merged)`)}\n`);
  writeRecord(record, cfg);
}

/** `eval` with --shard or --queue. */
export function evalDistributed(cfg: Config, t0: number): Promise<void> {
  return cfg.run.queue ? evalQueued(cfg, t0) : evalShard(cfg);
}
