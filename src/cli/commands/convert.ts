import type { Command } from 'commander';
import {
  calibPreprocessOf,
  calibrate,
  checkThresholdsFor,
  type Config,
  convert,
  formatThresholds,
  loadModel,
  type Model,
  openDataset,
  readThresholds,
  refineOf,
  refineThresholds,
  resolveOf,
  resolveThresholds,
  autoSummary,
  snnOptionsOf,
  type ThresholdsFile,
  toNir,
  writeNir,
  writeOnnx,
} from '../../index.js';
import { addConfigOptions, configFromCommand } from '../config-flags.js';
import { checkOutputs } from '../io.js';
import { optionError } from '../options.js';
import { c, progressReporter, table } from '../render.js';
import { fmtThreshold, writeOutputs } from '../outputs.js';
import { runOf } from '../run-options.js';

async function thresholdsFor(model: Model, modelPath: string, cfg: Config, allowFile: boolean): Promise<ThresholdsFile> {
  const file = allowFile ? cfg.calibration.thresholds : undefined;
  const refine = refineOf(cfg);
  const refining = Boolean(refine.biasCalibration || refine.potentialCalibration || refine.finetune);
  const progress = progressReporter(cfg.run.quiet);
  let t: ThresholdsFile | undefined;
  if (file) {
    if (cfg.calibration.method) throw optionError('--method', '--method applies to calibration and cannot be combined with --thresholds');
    t = readThresholds(file);
    checkThresholdsFor(model, t, file);
    if (!refining) return t;
  }
  if (!cfg.calibration.file) {
    throw optionError(
      '--calib',
      refining
        ? '--bias-calibration, --potential-calibration and --finetune run on calibration data: give --calib FILE'
        : allowFile
          ? 'conversion needs calibration data (--calib FILE) or a thresholds file (--thresholds FILE)'
          : 'calibration needs data: --calib FILE',
    );
  }
  const calibDs = openDataset(cfg.calibration.file, calibPreprocessOf(cfg));
  return resolveThresholds(model, {
    ...(t ? { thresholds: t } : {}),
    calib: calibDs,
    ...resolveOf(cfg),
    ...(cfg.calibration.method ? { method: cfg.calibration.method } : {}),
    ...(refining ? { refine } : {}),
    snn: snnOptionsOf(cfg),
    ...runOf(cfg, 64),
    onProgress: progress,
    modelPath,
  });
}

function modelOf(cfg: Config): string {
  if (!cfg.model) throw optionError('<model>', 'no model: give the ONNX file as the first argument or "model" in the config file');
  return cfg.model;
}

export function registerCalibrate(program: Command): void {
  const cmd = program
    .command('calibrate')
    .description('collect activation statistics on calibration data and write the thresholds (JSON)')
    .argument('[model]', 'ONNX file (or "model" in the config file)');
  addConfigOptions(cmd, 'calibrate');
  cmd.action(async (modelArg: string | undefined, o: Record<string, unknown>) => {
    const cfg = configFromCommand(cmd, 'calibrate', o, modelArg);
    const modelPath = modelOf(cfg);
    const output = cfg.output.thresholds;
    if (!output) throw optionError('--output', 'no output file: give -o FILE or output.thresholds in the config file');
    checkOutputs(cfg.output, 'calibrate');
    const model = loadModel(modelPath);
    const t = await thresholdsFor(model, modelPath, cfg, false);
    writeOutputs([{ path: output, data: formatThresholds(t) }], cfg);
    if (t.auto) process.stdout.write(`${autoSummary(t.auto)}\n`);
    process.stdout.write(`${c.bold('thresholds')} (${t.method}, ${t.calibration.samples} samples of ${t.calibration.data}) → ${output}\n`);
    process.stdout.write(
      `${table(
        ['site', 'node', 'max', 'p99.9', 'p99.99', 'scale λ'],
        t.layers.map((l) => [l.site, l.node, l.stats.max.toPrecision(4), l.stats.p99_9.toPrecision(4), l.stats.p99_99.toPrecision(4), fmtThreshold(l.scale)]),
      )}\n`,
    );
  });
}

export function registerConvert(program: Command): void {
  const cmd = program
    .command('convert')
    .description('convert an ONNX ReLU network into a spiking network, written as a standard ONNX file (a Loop over time steps)')
    .argument('[model]', 'ONNX file (or "model" in the config file)');
  addConfigOptions(cmd, 'convert');
  cmd.action(async (modelArg: string | undefined, o: Record<string, unknown>) => {
    const cfg = configFromCommand(cmd, 'convert', o, modelArg);
    const modelPath = modelOf(cfg);
    const output = cfg.output.snn;
    if (!output) throw optionError('--output', 'no output file: give -o FILE or output.snn in the config file');
    checkOutputs(cfg.output, 'convert');
    const snnOpts = snnOptionsOf(cfg);
    const model = loadModel(modelPath);
    const t = await thresholdsFor(model, modelPath, cfg, true);
    const { snn, onnx } = convert(model, t, snnOpts);
    if (cfg.output.nir) toNir(snn); // refuses what NIR cannot express before anything is written
    const bytes = writeOnnx(onnx);
    const files: { path: string; data: string | Uint8Array }[] = [];
    if (cfg.output.thresholds) files.push({ path: cfg.output.thresholds, data: formatThresholds(t) });
    files.push({ path: output, data: bytes });
    writeOutputs(files, cfg);
    if (cfg.output.nir) {
      await writeNir(snn, cfg.output.nir);
      process.stdout.write(`${c.bold('NIR')} ${cfg.output.nir}\n`);
    }
    if (t.auto) process.stdout.write(`${autoSummary(t.auto)}\n`);
    process.stdout.write(
      `${c.bold('SNN')} ${output} (${(bytes.length / 1024).toFixed(0)} KiB): ${snn.layers.length} neuron layers (${snn.options.neuron.toUpperCase()}, reset ${snn.options.reset}, v0 = ${snn.options.vInit}·θ), ${snn.options.encoding} input, ${snn.options.readout} readout, thresholds ${t.method}\n`,
    );
    process.stdout.write(
      `${table(
        ['layer', 'neurons', 'threshold'],
        snn.layers.map((l) => [l.name, String(l.dims.reduce((a, b) => a * b, 1)), fmtThreshold(l.threshold)]),
      )}\n`,
    );
  });
}
