/**
 * How far the imported float graph of an int8 model is from onnxruntime's int8 execution of the
 * original file: top-1 / top-5 of both, their top-1 agreement and the logit differences, on an
 * image folder (default: the bundled int8 MobileNetV2 on the 100 bundled ImageNet images).
 *
 *   npm run int8-agreement -- [--model FILE] [--data DIR] [--classes FILE] [--limit N] [--out FILE]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { parseArgs } from 'node:util';
import { openDataset, readSamples } from '../src/data/index.js';
import { OrtSession } from '../src/engine/ort.js';
import { inputSpec } from '../src/engine/input.js';
import { accuracyOf, argmaxRows, inTopK } from '../src/util/metrics.js';
import { loadModel } from '../src/pipeline.js';
import { IMAGENET_PRE, IMAGENET_SAMPLE } from './models.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: IMAGENET_SAMPLE.file },
    data: { type: 'string', default: IMAGENET_SAMPLE.data },
    classes: { type: 'string', default: IMAGENET_SAMPLE.pre.classes },
    limit: { type: 'string' },
    batch: { type: 'string', default: '20' },
    out: { type: 'string', default: 'int8-agreement.json' },
  },
});

const ds = openDataset(values.data!, { ...IMAGENET_PRE, classes: values.classes!, ...(values.limit ? { limit: Number(values.limit) } : {}) });
const model = loadModel(values.model!);
const { name, sampleDims } = inputSpec(model, ds);
const outName = model.graph.outputs[0]!.name;
const float = await OrtSession.create(model);
const int8 = await ort.InferenceSession.create(readFileSync(values.model!), { executionProviders: ['cpu'] });
const bs = Number(values.batch);
const a: number[] = [];
const b: number[] = [];
for (let s = 0; s < ds.count; s += bs) {
  const e = Math.min(ds.count, s + bs);
  const x = await readSamples(ds, s, e);
  const dims = [e - s, ...sampleDims];
  a.push(...((await int8.run({ [name]: new ort.Tensor('float32', x, dims) }))[int8.outputNames[0]!]!.data as Float32Array));
  b.push(...(await float.run({ [name]: { data: x, dims } }, [outName]))[outName]!.data);
}
await float.release();
await int8.release();
const K = a.length / ds.count;
const la = Float32Array.from(a);
const lb = Float32Array.from(b);
const pa = argmaxRows(la, ds.count, K);
const pb = argmaxRows(lb, ds.count, K);
let agree = 0;
for (let i = 0; i < ds.count; i++) agree += Number(pa[i] === pb[i]);
let maxDiff = 0;
let sumDiff = 0;
for (let i = 0; i < la.length; i++) {
  const d = Math.abs(la[i]! - lb[i]!);
  maxDiff = Math.max(maxDiff, d);
  sumDiff += d;
}
const r = {
  model: values.model,
  data: values.data,
  samples: ds.count,
  int8: { top1: accuracyOf(pa, ds.labels), top5: inTopK(la, ds.count, K, ds.labels, 5) / ds.count },
  float: { top1: accuracyOf(pb, ds.labels), top5: inTopK(lb, ds.count, K, ds.labels, 5) / ds.count },
  agreement: agree / ds.count,
  logits: { maxAbsDiff: maxDiff, meanAbsDiff: sumDiff / la.length },
};
writeFileSync(values.out!, `${JSON.stringify(r, null, 2)}\n`);
const p = (v: number): string => `${(100 * v).toFixed(1)} %`;
process.stdout.write(
  `| images | int8 (onnxruntime) top-1 / top-5 | float graph top-1 / top-5 | top-1 agreement | logits: max / mean abs. difference |\n|---|---|---|---|---|\n` +
    `| ${ds.count} | ${p(r.int8.top1)} / ${p(r.int8.top5)} | ${p(r.float.top1)} / ${p(r.float.top5)} | ${p(r.agreement)} (${agree} of ${ds.count}) | ${maxDiff.toFixed(2)} / ${r.logits.meanAbsDiff.toFixed(3)} |\n`,
);
