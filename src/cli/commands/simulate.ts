import type { Command } from 'commander';
import { accuracyOf, loadOnnxFile, openDataset, preprocessOf, simulateDataset, simulateParts, simulateShard, snnInfo } from '../../index.js';
import { addConfigOptions, configFromCommand } from '../config-flags.js';
import { checkOutputs, writeFileAtomic } from '../io.js';
import { optionError } from '../options.js';
import { fmtThreshold } from '../outputs.js';
import { c, pct, progressReporter, table } from '../render.js';
import { runOf } from '../run-options.js';

/** `simulate`'s flags come from the config schema (the leaves whose commands include 'simulate'), like eval's. */
export function registerSimulate(program: Command): void {
  const cmd = program.command('simulate').description('run an SNN written by `onnx2snn convert` on a labelled dataset').argument('<snn>', 'SNN ONNX file');
  addConfigOptions(cmd, 'simulate');
  cmd.action(async (snnPath: string, o: Record<string, unknown>) => {
    const t0 = performance.now();
    const cfg = configFromCommand(cmd, 'simulate', o);
    const dataPath = cfg.data.file;
    if (!dataPath) throw optionError('--data', 'no test data: give --data FILE or data.file in the config file');
    const run = runOf(cfg, 64);
    const { timesteps, predictions } = cfg.evaluation;
    const json = cfg.output.json;
    const shard = cfg.data.shard;
    if (shard && !json) throw optionError('--json', '--shard writes its part of the run with --json FILE; then `onnx2snn merge PART.json… -o run.json`');
    checkOutputs({ json }, 'simulate');
    const m = loadOnnxFile(snnPath);
    const info = snnInfo(m);
    const pre = preprocessOf(cfg);
    const part = shard ? simulateShard(snnPath, dataPath, pre, shard, { timesteps, predictions, device: run.device }) : undefined;
    const ds = part ? part.ds : openDataset(dataPath, pre);
    const r = await simulateDataset(m, ds, { timesteps, ...run, onProgress: progressReporter(cfg.run.quiet) });
    const T = r.timesteps;
    const rows = [...r.predictions].map(([t, p]) => ({ timesteps: t, accuracy: accuracyOf(p, ds.labels), predictions: p }));
    const layers = info.layers.map((l, i) => ({ name: l.name, threshold: l.threshold, spikeRate: r.layerSpikes[i]! / (r.layerNeurons[i]! * ds.count * T) }));
    process.stdout.write(`${c.bold('SNN')} ${snnPath} on ${dataPath} (${ds.count} samples)\n`);
    process.stdout.write(
      `${table(
        ['T', 'accuracy'],
        rows.map((x) => [String(x.timesteps), pct(x.accuracy)]),
      )}\n\n`,
    );
    process.stdout.write(
      `${table(
        ['layer', 'threshold', 'spike rate'],
        layers.map((l) => [l.name, fmtThreshold(l.threshold), l.spikeRate.toFixed(4)]),
      )}\n`,
    );
    if (json) {
      const out = {
        model: snnPath,
        dataset: dataPath,
        samples: ds.count,
        engine: 'onnxruntime',
        device: run.device,
        snn: rows.map((x) => ({ timesteps: x.timesteps, accuracy: x.accuracy, ...(predictions ? { predictions: Array.from(x.predictions) } : {}) })),
        layers,
        seconds: { total: (performance.now() - t0) / 1000 },
        ...(part ? { parts: simulateParts(r, ds.labels), shard: part.shard } : {}),
      };
      writeFileAtomic(json, `${JSON.stringify(out, null, 2)}\n`);
    }
  });
}
