import type { Command } from 'commander';
import {
  calibPreprocessOf,
  checkThresholdsFor,
  type Config,
  type Dataset,
  type EvalRecord,
  evaluate,
  evaluateAnn,
  evaluateOptionsOf,
  loadModel,
  type Model,
  openDataset,
  preprocessOf,
  readThresholds,
  refineOf,
  snnOptionsOf,
  autoSummary,
} from '../../index.js';
import { addConfigOptions, configFromCommand } from '../config-flags.js';
import { checkOutputs } from '../io.js';
import { optionError } from '../options.js';
import { c, pct, progressReporter } from '../render.js';
import { evalDistributed } from './eval-dist.js';
import { renderComparison, reportOutputs, writeOutputs } from '../outputs.js';
import { runOf } from '../run-options.js';

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
    const plan = planOf(cfg);
    if (cfg.data.shard || cfg.run.queue) return evalDistributed(cfg, t0);
    const { modelPath, dataPath, annOnly, keep, calibPath, thresholdsPath } = plan;
    const model = loadModel(modelPath);
    // the int8 network's own predictions for the ANN column; the SNN is converted from `model`
    const annModel = keep ? loadModel(modelPath, { activationQuant: 'keep' }) : model;
    const ds = openDataset(dataPath, plan.pre);
    if (!annOnly && cfg.report.sample >= ds.count)
      throw optionError('--raster-sample', `sample ${cfg.report.sample} is not one of the ${ds.count} evaluated samples`, cfg.report.sample, `< ${ds.count}`);
    const refine = refineOf(cfg);
    const refining = Boolean(refine.biasCalibration || refine.potentialCalibration || refine.finetune);
    if (!annOnly && refining && !calibPath)
      throw optionError('--calib', '--bias-calibration, --potential-calibration and --finetune run on calibration data: give --calib FILE');
    const calibDs = !annOnly && (!thresholdsPath || refining) ? openDataset(calibPath!, calibPreprocessOf(cfg)) : undefined;
    const t1 = performance.now();
    if (annOnly) return annOnlyEval(plan, annModel, ds, t0, t1);
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
      ...(keep ? { annModel } : {}),
      modelPath,
      config: cfg,
      onProgress: plan.progress,
    });
    printAndWrite(plan, ds, {
      ...rec,
      dataset: dataPath,
      ...skippedOf(ds),
      seconds: { load: (t1 - t0) / 1000, ...rec.seconds, total: (performance.now() - t0) / 1000 },
    });
  });
}

/** The resolved paths and settings of one `eval`, checked against each other before any work, in this order. */
function planOf(cfg: Config) {
  const modelPath = cfg.model;
  if (!modelPath) throw optionError('<model>', 'no model: give the ONNX file as the first argument or "model" in the config file');
  const dataPath = cfg.data.file;
  if (!dataPath) throw optionError('--data', 'no test data: give --data FILE or data.file in the config file');
  const annOnly = cfg.evaluation.annOnly;
  const out = cfg.output;
  checkOutputs(out, 'eval');
  const pre = preprocessOf(cfg);
  const run = runOf(cfg, annOnly ? 256 : 64);
  const progress = progressReporter(cfg.run.quiet);
  snnOptionsOf(cfg); // validates the neuron settings before any work
  if (annOnly && (out.report || out.plots)) throw optionError(out.report ? '--report' : '--plots', 'the report needs the SNN comparison: drop --ann-only');
  const calibPath = cfg.calibration.file;
  const thresholdsPath = cfg.calibration.thresholds;
  if (!annOnly && !calibPath && !thresholdsPath)
    throw optionError('--calib', 'SNN evaluation needs calibration data (--calib FILE) or a thresholds file (--thresholds FILE); or pass --ann-only');
  if (thresholdsPath && cfg.calibration.method) throw optionError('--method', '--method applies to calibration and cannot be combined with --thresholds');
  const keep = cfg.evaluation.activationQuant === 'keep';
  if (keep && (cfg.data.shard || cfg.run.queue)) throw optionError('--activation-quant', "'keep' is not supported with --shard or --queue", 'keep', 'drop');
  return { cfg, modelPath, dataPath, annOnly, out, pre, run, progress, calibPath, thresholdsPath, keep };
}

type Plan = ReturnType<typeof planOf>;

function skippedOf(ds: Dataset): { skipped?: { count: number; files: NonNullable<Dataset['skipped']> } } {
  return ds.skipped ? { skipped: { count: ds.skipped.length, files: ds.skipped } } : {};
}

/** `eval --ann-only`: one line, and the JSON record with --json. */
async function annOnlyEval(plan: Plan, annModel: Model, ds: Dataset, t0: number, t1: number): Promise<void> {
  const { cfg, modelPath, dataPath, out, run } = plan;
  const base = { model: modelPath, dataset: dataPath, samples: ds.count, ...skippedOf(ds), engine: 'onnxruntime', device: run.device };
  const ann = await evaluateAnn(annModel, ds, { ...run, onProgress: plan.progress });
  const t2 = performance.now();
  process.stdout.write(
    `${c.bold('ANN')} ${modelPath} on ${dataPath} (${ds.count} samples${skippedText(ds)}): accuracy ${c.green(pct(ann.accuracy))}, top-5 ${pct(ann.top5)}\n`,
  );
  if (out.json) {
    const rec = {
      ...base,
      ann: { accuracy: ann.accuracy, top5: ann.top5, ...(cfg.evaluation.predictions ? { predictions: Array.from(ann.predictions) } : {}) },
      seconds: { load: (t1 - t0) / 1000, ann: (t2 - t1) / 1000, total: (performance.now() - t0) / 1000 },
    };
    writeOutputs([{ path: out.json, data: `${JSON.stringify(rec, null, 2)}\n` }], cfg);
  }
}

/** The SNN comparison: the tables on stdout, then the JSON, HTML report and plots asked for. */
function printAndWrite(plan: Plan, ds: Dataset, record: EvalRecord): void {
  const { cfg, modelPath, dataPath, out, thresholdsPath } = plan;
  process.stdout.write(
    `${c.bold(modelPath)} on ${dataPath} (${ds.count} samples${skippedText(ds)}), thresholds ${record.conversion.method} from ${thresholdsPath ?? `${record.conversion.calibration.data} (${record.conversion.calibration.samples} samples)`}\n`,
  );
  if (record.conversion.auto) process.stdout.write(`${autoSummary(record.conversion.auto)}\n`);
  process.stdout.write(`${renderComparison(record)}\n`);
  const files: { path: string; data: string | Uint8Array }[] = [];
  if (out.json) files.push({ path: out.json, data: `${JSON.stringify(record, null, 2)}\n` });
  const rep = reportOutputs(record, {
    ...(out.report ? { html: out.report } : {}),
    ...(out.plots ? { plots: out.plots } : {}),
    ...(cfg.report.scatterLayer ? { scatterLayer: cfg.report.scatterLayer } : {}),
  });
  files.push(...rep.files);
  writeOutputs(files, cfg);
  for (const line of rep.summary) process.stdout.write(`${line}\n`);
}
