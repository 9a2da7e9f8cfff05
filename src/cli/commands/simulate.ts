import type { Command } from 'commander';
import { accuracyOf, loadOnnxFile, openDataset, simulateDataset, simulateParts, simulateShard, snnInfo } from '../../index.js';
import { addPreprocessOptions, preprocessFrom, type RawDataFlags } from '../data-options.js';
import { writeFileAtomic } from '../io.js';
import { c, pct, progressReporter, table } from '../render.js';
import { parseTimesteps } from '../snn-options.js';
import { fmtThreshold } from '../outputs.js';
import { runFlags } from '../run-options.js';
import { optionError } from '../options.js';

interface SimFlags extends RawDataFlags {
  data: string;
  timesteps: string;
  json?: string;
  predictions?: boolean;
  batchSize?: string;
  device?: string;
  threads?: string;
  quiet?: boolean;
  shard?: string;
}

export function registerSimulate(program: Command): void {
  const cmd = program
    .command('simulate')
    .description('run an SNN written by `onnx2snn convert` on a labelled dataset')
    .argument('<snn>', 'SNN ONNX file')
    .requiredOption('--data <file>', 'labelled data: a file or a folder of images');
  addPreprocessOptions(cmd)
    .option('--timesteps <list>', 'time steps to score', '8,16,32,64,128,256')
    .option('--json <file>', 'write the results as JSON')
    .option('--predictions', 'include per-sample predictions in the JSON')
    .option('--batch-size <n>', 'samples per batch', '64')
    .option('--device <cpu|webgpu|cuda>', 'execution device', 'cpu')
    .option('--threads <n>', 'onnxruntime intra-op threads')
    .option('-q, --quiet', 'no progress output')
    .option('--shard <K/N>', 'simulate only shard K of N (0-based) of the selected samples and write that part with --json, for `onnx2snn merge`')
    .action(async (snnPath: string, o: SimFlags) => {
      const t0 = performance.now();
      const run = runFlags(o, 64);
      const timesteps = parseTimesteps(o.timesteps);
      if (o.shard && !o.json) throw optionError('--json', '--shard writes its part of the run with --json FILE; then `onnx2snn merge PART.json… -o run.json`');
      const m = loadOnnxFile(snnPath);
      const info = snnInfo(m);
      const part = o.shard ? simulateShard(snnPath, o.data, preprocessFrom(o), o.shard, { timesteps, predictions: Boolean(o.predictions), device: run.device }) : undefined;
      const ds = part ? part.ds : openDataset(o.data, preprocessFrom(o));
      const r = await simulateDataset(m, ds, { timesteps, ...run, onProgress: progressReporter(Boolean(o.quiet)) });
      const T = r.timesteps;
      const rows = [...r.predictions].map(([t, p]) => ({ timesteps: t, accuracy: accuracyOf(p, ds.labels), predictions: p }));
      const layers = info.layers.map((l, i) => ({ name: l.name, threshold: l.threshold, spikeRate: r.layerSpikes[i]! / (r.layerNeurons[i]! * ds.count * T) }));
      process.stdout.write(`${c.bold('SNN')} ${snnPath} on ${o.data} (${ds.count} samples)\n`);
      process.stdout.write(`${table(['T', 'accuracy'], rows.map((x) => [String(x.timesteps), pct(x.accuracy)]))}\n\n`);
      process.stdout.write(`${table(['layer', 'threshold', 'spike rate'], layers.map((l) => [l.name, fmtThreshold(l.threshold), l.spikeRate.toFixed(4)]))}\n`);
      if (o.json) {
        const out = {
          model: snnPath,
          dataset: o.data,
          samples: ds.count,
          engine: 'onnxruntime',
          device: run.device,
          snn: rows.map((x) => ({ timesteps: x.timesteps, accuracy: x.accuracy, ...(o.predictions ? { predictions: Array.from(x.predictions) } : {}) })),
          layers,
          seconds: { total: (performance.now() - t0) / 1000 },
          ...(part ? { parts: simulateParts(r, ds.labels), shard: part.shard } : {}),
        };
        writeFileAtomic(o.json, `${JSON.stringify(out, null, 2)}\n`);
      }
    });
}
