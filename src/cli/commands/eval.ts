import type { Command } from 'commander';
import { readThresholds } from '../../../calibration/thresholds.js';
import { loadDataset } from '../../data/index.js';
import type { Device } from '../../engine/ort.js';
import { evaluateAnn } from '../../eval/ann.js';
import { compareAnnSnn, type CompareResult } from '../../eval/compare.js';
import { calibrate, checkThresholdsFor, convert, loadModel } from '../../pipeline.js';
import { addPreprocessOptions, preprocessFrom, type RawDataFlags } from '../data-options.js';
import { writeFileAtomic } from '../io.js';
import { optionError, parseChoice, parseNumber } from '../options.js';
import { c, pct, progressReporter, table } from '../render.js';
import { addCalibOptions, addSnnOptions, loadCalibData, parseTimesteps, snnOptionsFrom, type RawCalibFlags, type RawSnnFlags } from '../snn-options.js';

interface EvalFlags extends RawDataFlags, RawSnnFlags, RawCalibFlags {
  data: string;
  annOnly?: boolean;
  json?: string;
  predictions?: boolean;
  batchSize?: string;
  device?: string;
  threads?: string;
  quiet?: boolean;
  timesteps?: string;
}

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

export function fmtThreshold(t: number | readonly number[]): string {
  if (typeof t === 'number') return t.toPrecision(4);
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  return `${mean.toPrecision(4)} (mean of ${t.length})`;
}

export function renderComparison(r: CompareResult): string {
  const lines: string[] = [];
  lines.push(table(['', 'T', 'accuracy', 'agreement'], [['ANN', '', pct(r.ann.accuracy), ''], ...r.snn.map((s) => ['SNN', String(s.timesteps), pct(s.accuracy), pct(s.agreement)])]));
  lines.push('');
  lines.push(
    table(
      ['layer', 'threshold', 'spike rate', 'corr(ANN, SNN)'],
      r.layers.map((l) => [l.name, fmtThreshold(l.threshold), l.spikeRate.toFixed(4), l.correlation < 0.9 ? c.yellow(l.correlation.toFixed(4)) : l.correlation.toFixed(4)]),
    ),
  );
  return lines.join('\n');
}

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate a model on a labelled dataset: the ANN, and the converted SNN at several time steps')
    .argument('<model>', 'ONNX file')
    .requiredOption('--data <file>', 'labelled test data: IDX (gz or plain), CIFAR-10 binary, or .npz with x and y');
  addPreprocessOptions(cmd);
  addCalibOptions(cmd);
  addSnnOptions(cmd)
    .option('--thresholds <file>', 'reuse thresholds written by `onnx2snn calibrate` instead of calibrating')
    .option('--timesteps <list>', 'time steps to score, e.g. 8,16,32,64,128,256', '8,16,32,64,128,256')
    .option('--ann-only', 'evaluate the ANN only')
    .option('--json <file>', 'write the results as JSON')
    .option('--predictions', 'include per-sample predictions in the JSON')
    .option('--batch-size <n>', 'samples per batch (default 256 for the ANN, 64 for the SNN)')
    .option('--device <cpu|webgpu|cuda>', 'execution device', 'cpu')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('-q, --quiet', 'no progress output')
    .action(async (modelPath: string, o: EvalFlags) => {
      const t0 = performance.now();
      const pre = preprocessFrom(o);
      const run = runFlags(o, o.annOnly ? 256 : 64);
      const progress = progressReporter(Boolean(o.quiet));
      const timesteps = parseTimesteps(o.timesteps ?? '8,16,32,64,128,256');
      const snnOpts = snnOptionsFrom(o);
      if (!o.annOnly && !o.calib && !o.thresholds) throw optionError('--calib', 'SNN evaluation needs calibration data (--calib FILE) or a thresholds file (--thresholds FILE); or pass --ann-only');
      if (o.thresholds && o.method) throw optionError('--method', '--method applies to calibration and cannot be combined with --thresholds');
      const model = loadModel(modelPath);
      const ds = loadDataset(o.data, pre);
      const calibDs = !o.annOnly && !o.thresholds ? loadCalibData(o, pre) : undefined;
      const t1 = performance.now();
      const base = { model: modelPath, dataset: o.data, samples: ds.count, engine: 'onnxruntime', device: run.device };
      if (o.annOnly) {
        const ann = await evaluateAnn(model, ds, { ...run, onProgress: progress });
        const t2 = performance.now();
        process.stdout.write(`${c.bold('ANN')} ${modelPath} on ${o.data} (${ds.count} samples): accuracy ${c.green(pct(ann.accuracy))}, top-5 ${pct(ann.top5)}\n`);
        if (o.json) {
          const out = {
            ...base,
            ann: { accuracy: ann.accuracy, top5: ann.top5, ...(o.predictions ? { predictions: Array.from(ann.predictions) } : {}) },
            seconds: { load: (t1 - t0) / 1000, ann: (t2 - t1) / 1000, total: (performance.now() - t0) / 1000 },
          };
          writeFileAtomic(o.json, `${JSON.stringify(out, null, 2)}\n`);
        }
        return;
      }
      let thresholds;
      if (o.thresholds) {
        thresholds = readThresholds(o.thresholds);
        checkThresholdsFor(model, thresholds, o.thresholds);
      } else {
        thresholds = await calibrate(model, calibDs!, { ...(o.method ? { method: o.method } : {}), ...run, batchSize: 64, onProgress: progress, modelPath });
      }
      const t2 = performance.now();
      const { onnx } = convert(model, thresholds, snnOpts);
      const t3 = performance.now();
      const r = await compareAnnSnn(model, onnx, ds, { timesteps, ...run, onProgress: progress });
      const t4 = performance.now();
      process.stdout.write(`${c.bold(modelPath)} on ${o.data} (${ds.count} samples), thresholds ${thresholds.method} from ${o.thresholds ?? `${thresholds.calibration.data} (${thresholds.calibration.samples} samples)`}\n`);
      process.stdout.write(`${renderComparison(r)}\n`);
      if (o.json) {
        const out = {
          ...base,
          ann: { accuracy: r.ann.accuracy, top5: r.ann.top5, ...(o.predictions ? { predictions: Array.from(r.ann.predictions) } : {}) },
          snn: r.snn.map((s) => ({ timesteps: s.timesteps, accuracy: s.accuracy, agreement: s.agreement, ...(o.predictions ? { predictions: Array.from(s.predictions) } : {}) })),
          layers: r.layers.map((l) => ({ name: l.name, site: l.site, threshold: l.threshold, spikeRate: l.spikeRate, correlation: l.correlation })),
          conversion: { ...snnOpts, method: thresholds.method, calibration: thresholds.calibration },
          seconds: { load: (t1 - t0) / 1000, calibrate: (t2 - t1) / 1000, convert: (t3 - t2) / 1000, simulate: (t4 - t3) / 1000, total: (performance.now() - t0) / 1000 },
        };
        writeFileAtomic(o.json, `${JSON.stringify(out, null, 2)}\n`);
      }
    });
}
