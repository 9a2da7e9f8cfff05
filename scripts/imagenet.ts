/**
 * ANN vs SNN on an ImageNet validation folder (50 000 images), for a user who has the data:
 *
 *   npm run imagenet -- --val DIR [--model FILE] [--classes synsets.txt] [--calib DIR] [--calib-limit 100] [--method M]
 *                       [--timesteps 32,64,128,256] [--limit N] [--offset K] [--batch-size 8] [--threads N]
 *                       [--ann-only] [--skip-bad] [--out imagenet.json]
 *
 * DIR is in torchvision's ImageFolder layout (val/<wnid>/*.JPEG, as ILSVRC2012's valprep.sh
 * makes it); the class of a subfolder is its line in the class list (default: the bundled
 * synsets.txt, the 1000 wnids in sorted order), so a folder holding only some classes is
 * labelled correctly too. Preprocessing: torchvision's Resize(256), CenterCrop(224), /255,
 * Normalize(ImageNet mean, std). The model defaults to the bundled int8 MobileNetV2; the
 * thresholds come from --calib (default: the 100 bundled sample images) with --method (default
 * percentile:99.9; quantization-range takes them from the model's int8 ranges).
 *
 * Before the run it times the ANN and the SNN on a few images and prints the estimated total;
 * during the run progress goes to stderr (a bar on a terminal, a line every 10 s otherwise).
 * The images are decoded batch by batch (bounded memory). The record is `eval --json`'s.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progressReporter } from '../src/cli/render.js';
import { inMemory, openDataset } from '../src/data/index.js';
import { evaluateAnn } from '../src/engine/ann.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { evaluate } from '../src/report/evaluate.js';
import { simulateDataset } from '../src/engine/simulate.js';
import { IMAGENET_PRE, IMAGENET_SAMPLE } from './models.js';
import { scriptArgs } from './args.js';

/** The bundled defaults, from the package root (this file is dist/scripts/imagenet.js), so the script runs from any folder. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bundled = (p: string): string => resolve(ROOT, p);

const { values } = scriptArgs('imagenet', {
  options: {
    val: { type: 'string' },
    model: { type: 'string', default: bundled(IMAGENET_SAMPLE.file) },
    classes: { type: 'string', default: bundled(IMAGENET_SAMPLE.pre.classes!) },
    calib: { type: 'string', default: bundled(IMAGENET_SAMPLE.data) },
    'calib-limit': { type: 'string', default: '100' },
    method: { type: 'string' },
    timesteps: { type: 'string', default: '32,64,128,256' },
    limit: { type: 'string' },
    offset: { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '8' }, // the MobileNetV2 SNN holds ~240 MB of state per sample
    threads: { type: 'string' },
    'ann-only': { type: 'boolean', default: false },
    'skip-bad': { type: 'boolean', default: false },
    out: { type: 'string', default: 'imagenet.json' },
  },
});
if (!values.val) {
  process.stderr.write('usage: npm run imagenet -- --val DIR [--model FILE] [--timesteps 32,64,128,256] [--limit N] [--ann-only] [--out FILE]\n');
  process.exit(2);
}

const fmt = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);
const timesteps = values.timesteps!.split(',').map(Number);
const batchSize = Number(values['batch-size']);
const run = { batchSize, ...(values.threads ? { threads: Number(values.threads) } : {}) };
const pre = {
  ...IMAGENET_PRE,
  classes: values.classes!,
  skipBad: values['skip-bad']!,
  offset: Number(values.offset),
  ...(values.limit ? { limit: Number(values.limit) } : {}),
};
const test = openDataset(values.val, pre);
const model = loadModel(values.model!);
process.stderr.write(`${values.val}: ${test.count} images${test.skipped ? ` (${test.skipped.length} unreadable, skipped)` : ''}, model ${values.model}\n`);

const calibDs = openDataset(values.calib!, { ...IMAGENET_PRE, classes: values.classes!, limit: Number(values['calib-limit']) });
const thresholds = await calibrate(model, calibDs, {
  modelPath: values.model!,
  onProgress: progressReporter(false),
  ...run,
  ...(values.method ? { method: values.method } : {}),
});

// time estimate: decoding + ANN on a few images, and the SNN at the largest T on one batch
const probe = await inMemory(test, Math.min(batchSize, 8));
let t0 = performance.now();
await evaluateAnn(model, probe, run);
const annPer = (performance.now() - t0) / 1000 / probe.count;
let snnPer = 0;
if (!values['ann-only']) {
  const { onnx } = convert(model, thresholds);
  t0 = performance.now();
  await simulateDataset(onnx, probe, { timesteps: [Math.max(...timesteps)], ...run });
  snnPer = (performance.now() - t0) / 1000 / probe.count;
}
process.stderr.write(
  `estimate for ${test.count} images: ANN ${fmt(annPer * test.count)}${values['ann-only'] ? '' : `, SNN at T=${Math.max(...timesteps)} with the ANN beside it ${fmt((snnPer + annPer) * test.count)}`} ` +
    `(from ${probe.count} images: ${annPer.toFixed(3)} s/image ANN${values['ann-only'] ? '' : `, ${snnPer.toFixed(2)} s/image SNN`})\n`,
);

const t1 = performance.now();
const skipped = test.skipped ? { skipped: { count: test.skipped.length, files: test.skipped } } : {};
let record: unknown;
if (values['ann-only']) {
  const ann = await evaluateAnn(model, test, { ...run, onProgress: progressReporter(false) });
  record = {
    model: values.model,
    dataset: values.val,
    samples: test.count,
    ...skipped,
    ann: { accuracy: ann.accuracy, top5: ann.top5 },
    seconds: { total: (performance.now() - t1) / 1000 },
  };
  process.stdout.write(`ANN top-1 ${(100 * ann.accuracy).toFixed(2)} %, top-5 ${(100 * ann.top5).toFixed(2)} % on ${test.count} images\n`);
} else {
  const rec = await evaluate(model, test, { timesteps, thresholds, raster: false, modelPath: values.model!, onProgress: progressReporter(false), ...run });
  record = { ...rec, dataset: values.val, ...skipped };
  process.stdout.write(`ANN top-1 ${(100 * rec.ann.accuracy).toFixed(2)} % on ${test.count} images (thresholds: ${rec.conversion.method})\n`);
  process.stdout.write(
    `| T | SNN top-1 | agreement with the ANN |\n|---|---|---|\n${rec.snn.map((s) => `| ${s.timesteps} | ${(100 * s.accuracy).toFixed(2)} % | ${(100 * s.agreement).toFixed(2)} % |`).join('\n')}\n`,
  );
}
writeFileSync(values.out!, `${JSON.stringify(record, null, 2)}\n`);
process.stderr.write(`${values.out} written (${fmt((performance.now() - t1) / 1000)})\n`);
