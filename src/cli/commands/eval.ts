import type { Command } from 'commander';
import {
  calibPreprocessOf,
  checkThresholdsFor,
  type Dataset,
  type EvalRecord,
  evaluate,
  evaluateAnn,
  evaluateOptionsOf,
  loadModel,
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
    if (cfg.data.shard || cfg.run.queue) return evalDistributed(cfg, t0);
    const model = loadModel(modelPath);
    // the int8 network's own predictions for the ANN column; the SNN is converted from `model`
    const annModel = keep ? loadModel(modelPath, { activationQuant: 'keep' }) : model;
    const ds = openDataset(dataPath, pre);
    if (!annOnly && cfg.report.sample >= ds.count)
      throw optionError('--raster-sample', `sample ${cfg.report.sample} is not one of the ${ds.count} evaluated samples`, cfg.report.sample, `< ${ds.count}`);
    const refine = refineOf(cfg);
    const refining = Boolean(refine.biasCalibration || refine.potentialCalibration || refine.finetune);
    if (!annOnly && refining && !calibPath)
      throw optionError('--calib', '--bias-calibration, --potential-calibration and --finetune run on calibration data: give --calib FILE');
    const calibDs = !annOnly && (!thresholdsPath || refining) ? openDataset(calibPath!, calibPreprocessOf(cfg)) : undefined;
    const t1 = performance.now();
    const skipped = ds.skipped ? { skipped: { count: ds.skipped.length, files: ds.skipped } } : {};
    const base = { model: modelPath, dataset: dataPath, samples: ds.count, ...skipped, engine: 'onnxruntime', device: run.device };
    if (annOnly) {
      const ann = await evaluateAnn(annModel, ds, { ...run, onProgress: progress });
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
      ...(keep ? { annModel } : {}),
      modelPath,
      config: cfg,
      onProgress: progress,
    });
    const record: EvalRecord = {
      ...rec,
      dataset: dataPath,
      ...skipped,
      seconds: { load: (t1 - t0) / 1000, ...rec.seconds, total: (performance.now() - t0) / 1000 },
    };
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
  });
}
