import type { Command } from 'commander';
import { readThresholds } from '../../../calibration/thresholds.js';
import { addConfigOptions, configFromCommand, configPathFor } from '../../config/cli.js';
import { evaluateOptionsOf, refineOf, calibPreprocessOf, preprocessOf, snnOptionsOf } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { openDataset, type Dataset } from '../../data/index.js';
import type { Device } from '../../engine/ort.js';
import { evaluateAnn } from '../../eval/ann.js';
import { diagnosisText } from '../../eval/diagnose.js';
import { checkThresholdsFor, loadModel } from '../../pipeline.js';
import { evaluate } from '../../report/evaluate.js';
import type { EvalRecord } from '../../report/types.js';
import { autoSummary } from '../../report/why.js';
import { writeFileAtomic } from '../io.js';
import { optionError, parseChoice, parseNumber } from '../options.js';
import { c, pct, progressReporter, table } from '../render.js';
import { evalDistributed } from './eval-dist.js';
import { reportOutputs } from './report.js';

export interface RunFlags {
  batchSize: number;
  device: Device;
  threads?: number;
}

export function runFlags(o: { batchSize?: string; device?: string; threads?: string }, dflt = 256): RunFlags {
  const batchSize = parseNumber('--batch-size', o.batchSize ?? String(dflt), { min: 1, integer: true });
  const device = parseChoice('--device', o.device ?? 'cpu', ['cpu', 'webgpu', 'cuda'] as const) as Device;
  const threads = o.threads !== undefined ? parseNumber('--threads', o.threads, { min: 1, integer: true }) : undefined;
  return { batchSize, device, ...(threads ? { threads } : {}) };
}

/** Run settings of a resolved config; `dflt` is the command's default batch size. */
export function runOf(cfg: Config, dflt: number): RunFlags {
  return { batchSize: cfg.run.batchSize ?? dflt, device: cfg.run.device, ...(cfg.run.threads ? { threads: cfg.run.threads } : {}) };
}

export function fmtThreshold(t: number | readonly number[]): string {
  if (typeof t === 'number') return t.toPrecision(4);
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  return `${mean.toPrecision(4)} (mean of ${t.length})`;
}

const fmtOps = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

/** The eval tables: accuracy/agreement vs T, the layers (the diagnosed one marked), operations, the diagnosis. */
export function renderComparison(r: Pick<EvalRecord, 'ann' | 'snn' | 'layers' | 'ops' | 'diagnosis'>): string {
  const lines: string[] = [];
  lines.push(table(['', 'T', 'accuracy', 'agreement'], [['ANN', '', pct(r.ann.accuracy), ''], ...r.snn.map((s) => ['SNN', String(s.timesteps), pct(s.accuracy), pct(s.agreement)])]));
  lines.push('');
  const bad = r.diagnosis?.layer?.name;
  const min = r.diagnosis?.minCorrelation ?? 0.95;
  lines.push(
    table(
      ['layer', 'threshold', 'spike rate', 'corr(ANN, SNN)', ''],
      r.layers.map((l) => [
        l.name === bad ? c.red(l.name) : l.name,
        fmtThreshold(l.threshold),
        l.spikeRate.toFixed(4),
        l.correlation < min ? c.yellow(l.correlation.toFixed(4)) : l.correlation.toFixed(4),
        l.name === bad ? c.red(`← first below ${min}`) : '',
      ]),
      ['l', 'r', 'r', 'r', 'l'],
    ),
  );
  if (r.ops) {
    const o = r.ops;
    lines.push('');
    lines.push(
      table(
        ['layer', 'ANN MACs', `SNN ops (T=${o.timesteps})`, 'kind'],
        o.layers.map((l) => [l.name, fmtOps(l.macs), `${fmtOps(l.synops)}${l.approximate ? ' *' : ''}`, l.kind === 'ac' ? 'AC' : l.kind === 'mac-once' ? 'MAC, once' : 'MAC, every step']),
        ['l', 'r', 'r', 'l'],
      ),
    );
    lines.push(
      `energy per sample (estimate, ${o.energy.pjPerMac} pJ/MAC, ${o.energy.pjPerAc} pJ/AC, 45 nm, Horowitz 2014): ANN ${o.energy.annNj.toFixed(1)} nJ, SNN ${o.energy.snnNj.toFixed(1)} nJ${o.layers.some((l) => l.approximate) ? ' (* events behind a max/average pool estimated)' : ''}`,
    );
  }
  if (r.diagnosis) {
    lines.push('');
    const d = r.diagnosis;
    const text = diagnosisText(d);
    lines.push(`${c.bold('diagnosis')}: ${d.ok ? c.green(text[0]!) : c.red(text[0]!)}`);
    for (const t of text.slice(1)) lines.push(`  ${t}`);
  }
  return lines.join('\n');
}

/** Writes each output (already rendered) and the resolved config next to it. */
export function writeOutputs(files: readonly { path: string; data: string | Uint8Array }[], configNextTo: readonly { path: string; dir?: boolean }[], cfg: Config): void {
  const configText = `${JSON.stringify(cfg, null, 2)}\n`;
  const all = [...files];
  const seen = new Set(files.map((f) => f.path));
  for (const o of configNextTo) {
    const p = configPathFor(o.path, o.dir);
    if (!seen.has(p)) {
      seen.add(p);
      all.push({ path: p, data: configText });
    }
  }
  for (const f of all) writeFileAtomic(f.path, f.data);
}

/** ", 2 unreadable files skipped" after the sample count (image folders with --skip-bad). */
function skippedText(ds: Dataset): string {
  const n = ds.skipped?.length ?? 0;
  return n ? `, ${n} unreadable file${n > 1 ? 's' : ''} skipped` : '';
}

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate a model on a labelled dataset: the ANN, and the converted SNN at several time steps')
    .argument('[model]', 'ONNX file (or "model" in the config file)');
  addConfigOptions(cmd, 'eval');
  cmd.action(async (modelArg: string | undefined, o: Record<string, unknown>) => {
    const t0 = performance.now();
    const cfg = configFromCommand(cmd, 'eval', o, modelArg);
    const modelPath = cfg.model;
    if (!modelPath) throw optionError('<model>', 'no model: give the ONNX file as the first argument or "model" in the config file');
    const dataPath = cfg.data.file;
    if (!dataPath) throw optionError('--data', 'no test data: give --data FILE or data.file in the config file');
    const annOnly = cfg.evaluation.annOnly;
    const out = cfg.output;
    const pre = preprocessOf(cfg);
    const run = runOf(cfg, annOnly ? 256 : 64);
    const progress = progressReporter(cfg.run.quiet);
    snnOptionsOf(cfg); // validates the neuron settings before any work
    if (annOnly && (out.report || out.plots)) throw optionError(out.report ? '--report' : '--plots', 'the report needs the SNN comparison: drop --ann-only');
    const calibPath = cfg.calibration.file;
    const thresholdsPath = cfg.calibration.thresholds;
    if (!annOnly && !calibPath && !thresholdsPath) throw optionError('--calib', 'SNN evaluation needs calibration data (--calib FILE) or a thresholds file (--thresholds FILE); or pass --ann-only');
    if (thresholdsPath && cfg.calibration.method) throw optionError('--method', '--method applies to calibration and cannot be combined with --thresholds');
    if (cfg.data.shard || cfg.run.queue) return evalDistributed(cfg, t0);
    const model = loadModel(modelPath);
    const ds = openDataset(dataPath, pre);
    if (!annOnly && cfg.report.sample >= ds.count) throw optionError('--raster-sample', `sample ${cfg.report.sample} is not one of the ${ds.count} evaluated samples`, cfg.report.sample, `< ${ds.count}`);
    const refine = refineOf(cfg);
    const refining = Boolean(refine.biasCalibration || refine.potentialCalibration || refine.finetune);
    if (!annOnly && refining && !calibPath) throw optionError('--calib', '--bias-calibration, --potential-calibration and --finetune run on calibration data: give --calib FILE');
    const calibDs = !annOnly && (!thresholdsPath || refining) ? openDataset(calibPath!, calibPreprocessOf(cfg)) : undefined;
    const t1 = performance.now();
    const skipped = ds.skipped ? { skipped: { count: ds.skipped.length, files: ds.skipped } } : {};
    const base = { model: modelPath, dataset: dataPath, samples: ds.count, ...skipped, engine: 'onnxruntime', device: run.device };
    if (annOnly) {
      const ann = await evaluateAnn(model, ds, { ...run, onProgress: progress });
      const t2 = performance.now();
      process.stdout.write(`${c.bold('ANN')} ${modelPath} on ${dataPath} (${ds.count} samples${skippedText(ds)}): accuracy ${c.green(pct(ann.accuracy))}, top-5 ${pct(ann.top5)}\n`);
      if (out.json) {
        const rec = {
          ...base,
          ann: { accuracy: ann.accuracy, top5: ann.top5, ...(cfg.evaluation.predictions ? { predictions: Array.from(ann.predictions) } : {}) },
          seconds: { load: (t1 - t0) / 1000, ann: (t2 - t1) / 1000, total: (performance.now() - t0) / 1000 },
        };
        writeOutputs([{ path: out.json, data: `${JSON.stringify(rec, null, 2)}\n` }], [{ path: out.json }], cfg);
      }
      return;
    }
    let thresholds;
    if (thresholdsPath) {
      thresholds = readThresholds(thresholdsPath);
      checkThresholdsFor(model, thresholds, thresholdsPath);
    }
    const rec = await evaluate(model, ds, {
      ...evaluateOptionsOf(cfg),
      ...(thresholds ? { thresholds, thresholdsPath } : {}),
      ...(calibDs ? { calib: calibDs } : {}),
      ...(refining ? { refine } : {}),
      modelPath,
      config: cfg,
      onProgress: progress,
    });
    const record: EvalRecord = { ...rec, dataset: dataPath, ...skipped, seconds: { load: (t1 - t0) / 1000, ...rec.seconds, total: (performance.now() - t0) / 1000 } };
    process.stdout.write(
      `${c.bold(modelPath)} on ${dataPath} (${ds.count} samples${skippedText(ds)}), thresholds ${record.conversion.method} from ${thresholdsPath ?? `${record.conversion.calibration.data} (${record.conversion.calibration.samples} samples)`}\n`,
    );
    if (record.conversion.auto) process.stdout.write(`${autoSummary(record.conversion.auto)}\n`);
    process.stdout.write(`${renderComparison(record)}\n`);
    const files: { path: string; data: string | Uint8Array }[] = [];
    const next: { path: string; dir?: boolean }[] = [];
    if (out.json) {
      files.push({ path: out.json, data: `${JSON.stringify(record, null, 2)}\n` });
      next.push({ path: out.json });
    }
    const rep = reportOutputs(record, { ...(out.report ? { html: out.report } : {}), ...(out.plots ? { plots: out.plots } : {}), ...(cfg.report.scatterLayer ? { scatterLayer: cfg.report.scatterLayer } : {}) });
    files.push(...rep.files);
    if (out.report) next.push({ path: out.report });
    if (out.plots) next.push({ path: out.plots, dir: true });
    writeOutputs(files, next, cfg);
    for (const line of rep.summary) process.stdout.write(`${line}\n`);
  });
}
