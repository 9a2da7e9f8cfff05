import type { Command } from 'commander';
import { formatThresholds, readThresholds, type ThresholdsFile } from '../../../calibration/thresholds.js';
import type { Model } from '../../graph/types.js';
import { writeOnnx } from '../../onnx/write.js';
import { calibrate, checkThresholdsFor, convert, loadModel } from '../../pipeline.js';
import { addPreprocessOptions, preprocessFrom, type RawDataFlags } from '../data-options.js';
import { writeFileAtomic } from '../io.js';
import { optionError } from '../options.js';
import { c, progressReporter, table } from '../render.js';
import { addCalibOptions, addSnnOptions, loadCalibData, snnOptionsFrom, type RawCalibFlags, type RawSnnFlags } from '../snn-options.js';
import { fmtThreshold, runFlags } from './eval.js';

interface CalibFlags extends RawDataFlags, RawCalibFlags {
  output: string;
  batchSize?: string;
  device?: string;
  threads?: string;
  quiet?: boolean;
}

async function thresholdsFor(model: Model, modelPath: string, o: CalibFlags): Promise<ThresholdsFile> {
  if (o.thresholds) {
    if (o.method) throw optionError('--method', '--method applies to calibration and cannot be combined with --thresholds');
    const t = readThresholds(o.thresholds);
    checkThresholdsFor(model, t, o.thresholds);
    return t;
  }
  if (!o.calib) throw optionError('--calib', 'conversion needs calibration data (--calib FILE) or a thresholds file (--thresholds FILE)');
  const calibDs = loadCalibData(o, preprocessFrom(o));
  return calibrate(model, calibDs, { ...(o.method ? { method: o.method } : {}), ...runFlags(o, 64), onProgress: progressReporter(Boolean(o.quiet)), modelPath });
}

export function registerCalibrate(program: Command): void {
  const cmd = program
    .command('calibrate')
    .description('collect activation statistics on calibration data and write the thresholds (JSON)')
    .argument('<model>', 'ONNX file');
  addCalibOptions(cmd, true);
  addPreprocessOptions(cmd)
    .requiredOption('-o, --output <file>', 'thresholds JSON to write')
    .option('--batch-size <n>', 'samples per batch', '64')
    .option('--device <cpu|webgpu|cuda>', 'execution device', 'cpu')
    .option('--threads <n>', 'onnxruntime intra-op threads')
    .option('-q, --quiet', 'no progress output')
    .action(async (modelPath: string, o: CalibFlags) => {
      const model = loadModel(modelPath);
      const t = await thresholdsFor(model, modelPath, { ...o, thresholds: undefined as unknown as string });
      writeFileAtomic(o.output, formatThresholds(t));
      process.stdout.write(`${c.bold('thresholds')} (${t.method}, ${t.calibration.samples} samples of ${t.calibration.data}) → ${o.output}\n`);
      process.stdout.write(
        `${table(
          ['site', 'node', 'max', 'p99.9', 'p99.99', 'scale λ'],
          t.layers.map((l) => [l.site, l.node, l.stats.max.toPrecision(4), l.stats.p99_9.toPrecision(4), l.stats.p99_99.toPrecision(4), fmtThreshold(l.scale)]),
        )}\n`,
      );
    });
}

interface ConvertFlags extends CalibFlags, RawSnnFlags {
  thresholdsOut?: string;
}

export function registerConvert(program: Command): void {
  const cmd = program
    .command('convert')
    .description('convert an ONNX ReLU network into a spiking network, written as a standard ONNX file (a Loop over time steps)')
    .argument('<model>', 'ONNX file');
  addCalibOptions(cmd);
  addPreprocessOptions(cmd);
  addSnnOptions(cmd)
    .option('--thresholds <file>', 'reuse thresholds written by `onnx2snn calibrate`')
    .option('--thresholds-out <file>', 'also write the thresholds used')
    .requiredOption('-o, --output <file>', 'SNN ONNX file to write (e.g. model.snn.onnx)')
    .option('--batch-size <n>', 'calibration samples per batch', '64')
    .option('--device <cpu|webgpu|cuda>', 'execution device for calibration', 'cpu')
    .option('--threads <n>', 'onnxruntime intra-op threads')
    .option('-q, --quiet', 'no progress output')
    .action(async (modelPath: string, o: ConvertFlags) => {
      const snnOpts = snnOptionsFrom(o);
      const model = loadModel(modelPath);
      const t = await thresholdsFor(model, modelPath, o);
      const { snn, onnx } = convert(model, t, snnOpts);
      const bytes = writeOnnx(onnx);
      if (o.thresholdsOut) writeFileAtomic(o.thresholdsOut, formatThresholds(t));
      writeFileAtomic(o.output, bytes);
      process.stdout.write(
        `${c.bold('SNN')} ${o.output} (${(bytes.length / 1024).toFixed(0)} KiB): ${snn.layers.length} neuron layers (${snn.options.neuron.toUpperCase()}, reset ${snn.options.reset}, v0 = ${snn.options.vInit}·θ), ${snn.options.encoding} input, ${snn.options.readout} readout, thresholds ${t.method}\n`,
      );
      process.stdout.write(`${table(['layer', 'neurons', 'threshold'], snn.layers.map((l) => [l.name, String(l.dims.reduce((a, b) => a * b, 1)), fmtThreshold(l.threshold)]))}\n`);
    });
}
