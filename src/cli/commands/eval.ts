import type { Command } from 'commander';
import { loadDataset } from '../../data/index.js';
import type { Device } from '../../engine/ort.js';
import { evaluateAnn } from '../../eval/ann.js';
import { canonicalize } from '../../graph/passes/index.js';
import { loadOnnxFile } from '../../onnx/read.js';
import { addPreprocessOptions, preprocessFrom, type RawDataFlags } from '../data-options.js';
import { writeFileAtomic } from '../io.js';
import { optionError, parseChoice, parseNumber } from '../options.js';
import { c, pct, progressReporter } from '../render.js';

interface EvalFlags extends RawDataFlags {
  data: string;
  annOnly?: boolean;
  json?: string;
  predictions?: boolean;
  batchSize?: string;
  device?: string;
  threads?: string;
  quiet?: boolean;
}

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate a model on a labelled dataset (ANN; with --calib also the converted SNN)')
    .argument('<model>', 'ONNX file')
    .requiredOption('--data <file>', 'labelled test data: IDX (gz or plain), CIFAR-10 binary, or .npz with x and y');
  addPreprocessOptions(cmd)
    .option('--ann-only', 'evaluate the ANN only')
    .option('--json <file>', 'write the results as JSON')
    .option('--predictions', 'include per-sample predictions in the JSON')
    .option('--batch-size <n>', 'samples per batch', '256')
    .option('--device <cpu|webgpu|cuda>', 'execution device', 'cpu')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('-q, --quiet', 'no progress output')
    .action(async (modelPath: string, o: EvalFlags) => {
      const t0 = performance.now();
      const pre = preprocessFrom(o);
      const batchSize = parseNumber('--batch-size', o.batchSize ?? '256', { min: 1, integer: true });
      const device = parseChoice('--device', o.device ?? 'cpu', ['cpu', 'webgpu', 'cuda'] as const) as Device;
      const threads = o.threads !== undefined ? parseNumber('--threads', o.threads, { min: 1, integer: true }) : undefined;
      if (!o.annOnly) throw optionError('--ann-only', 'SNN evaluation is not available yet: pass --ann-only', undefined);
      const model = canonicalize(loadOnnxFile(modelPath));
      const ds = loadDataset(o.data, pre);
      const t1 = performance.now();
      const ann = await evaluateAnn(model, ds, { batchSize, device, ...(threads ? { threads } : {}), onProgress: progressReporter(Boolean(o.quiet)) });
      const t2 = performance.now();
      process.stdout.write(`${c.bold('ANN')} ${modelPath} on ${o.data} (${ds.count} samples): accuracy ${c.green(pct(ann.accuracy))}, top-5 ${pct(ann.top5)}\n`);
      if (o.json) {
        const out = {
          model: modelPath,
          dataset: o.data,
          samples: ds.count,
          engine: 'onnxruntime',
          device,
          ann: { accuracy: ann.accuracy, top5: ann.top5, ...(o.predictions ? { predictions: Array.from(ann.predictions) } : {}) },
          seconds: { load: (t1 - t0) / 1000, ann: (t2 - t1) / 1000, total: (performance.now() - t0) / 1000 },
        };
        writeFileAtomic(o.json, `${JSON.stringify(out, null, 2)}\n`);
      }
    });
}
