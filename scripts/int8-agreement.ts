/**
 * How far the imported float graph of an int8 model is from onnxruntime's int8 execution of the
 * original file: top-1 / top-5 of both, their top-1 agreement and the logit differences, for the
 * import without ('drop') and with ('keep') activation rounding, on an
 * image folder (default: the bundled int8 MobileNetV2 on the 100 bundled ImageNet images).
 *
 *   npm run int8-agreement -- [--model FILE] [--data DIR] [--classes FILE] [--limit N] [--out FILE]
 *                             [--activation-quant drop|keep|both (default)]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { openDataset, readSamples } from '../src/data/index.js';
import { OrtSession } from '../src/engine/ort.js';
import { inputSpec } from '../src/engine/input.js';
import { accuracyOf, argmaxRows, inTopK } from '../src/util/metrics.js';
import { quantizationInfo, type ActivationQuant } from '../src/graph/passes/index.js';
import type { Model } from '../src/graph/types.js';
import { loadModel } from '../src/pipeline.js';
import { IMAGENET_PRE, IMAGENET_SAMPLE } from './models.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('int8-agreement', {
  options: {
    model: { type: 'string', default: IMAGENET_SAMPLE.file },
    data: { type: 'string', default: IMAGENET_SAMPLE.data },
    classes: { type: 'string', default: IMAGENET_SAMPLE.pre.classes },
    limit: { type: 'string' },
    batch: { type: 'string', default: '20' },
    out: { type: 'string', default: 'int8-agreement.json' },
    'activation-quant': { type: 'string', default: 'both' },
  },
});

const ds = openDataset(values.data!, { ...IMAGENET_PRE, classes: values.classes!, ...(values.limit ? { limit: Number(values.limit) } : {}) });
const modes = values['activation-quant'] === 'both' ? (['drop', 'keep'] as const) : ([values['activation-quant'] as ActivationQuant] as const);
const models = Object.fromEntries(modes.map((m) => [m, loadModel(values.model!, { activationQuant: m })])) as Record<ActivationQuant, Model>;
const first = models[modes[0]!]!;
const { name, sampleDims } = inputSpec(first, ds);
const int8 = await ort.InferenceSession.create(readFileSync(values.model!), { executionProviders: ['cpu'] });
const sessions = await Promise.all(modes.map((m) => OrtSession.create(models[m]!)));
const bs = Number(values.batch);
const logits: number[][] = modes.map(() => []);
const ref: number[] = [];
for (let s = 0; s < ds.count; s += bs) {
  const e = Math.min(ds.count, s + bs);
  const x = await readSamples(ds, s, e);
  const dims = [e - s, ...sampleDims];
  ref.push(...((await int8.run({ [name]: new ort.Tensor('float32', x, dims) }))[int8.outputNames[0]!]!.data as Float32Array));
  for (const [i, m] of modes.entries()) {
    const out = models[m]!.graph.outputs[0]!.name;
    logits[i]!.push(...(await sessions[i]!.run({ [name]: { data: x, dims } }, [out]))[out]!.data);
  }
}
for (const s of sessions) await s.release();
await int8.release();
const K = ref.length / ds.count;
const la = Float32Array.from(ref);
const pa = argmaxRows(la, ds.count, K);
const rows = modes.map((m, i) => {
  const lb = Float32Array.from(logits[i]!);
  const pb = argmaxRows(lb, ds.count, K);
  let agree = 0;
  for (let j = 0; j < ds.count; j++) agree += Number(pa[j] === pb[j]);
  let maxDiff = 0;
  let sumDiff = 0;
  let equal = 0;
  for (let j = 0; j < la.length; j++) {
    const d = Math.abs(la[j]! - lb[j]!);
    maxDiff = Math.max(maxDiff, d);
    sumDiff += d;
    equal += Number(d === 0);
  }
  const bounds = quantizationInfo(models[m]!)?.accumulatorBounds ?? {};
  const over = Object.values(bounds).filter((b) => b >= 2 ** 24).length;
  return {
    activationQuant: m,
    float: { top1: accuracyOf(pb, ds.labels), top5: inTopK(lb, ds.count, K, ds.labels, 5) / ds.count },
    agreement: agree / ds.count,
    agree,
    logits: { maxAbsDiff: maxDiff, meanAbsDiff: sumDiff / la.length, equalFraction: equal / la.length },
    ...(m === 'keep' ? { accumulators: { layers: Object.keys(bounds).length, boundOver2p24: over, maxBound: Math.max(0, ...Object.values(bounds)) } } : {}),
  };
});
const r = {
  model: values.model,
  data: values.data,
  samples: ds.count,
  int8: { top1: accuracyOf(pa, ds.labels), top5: inTopK(la, ds.count, K, ds.labels, 5) / ds.count },
  graphs: rows,
};
writeFileSync(values.out!, `${JSON.stringify(r, null, 2)}\n`);
const p = (v: number): string => `${(100 * v).toFixed(1)} %`;
process.stdout.write(
  `| images | float graph (--activation-quant) | int8 (onnxruntime) top-1 / top-5 | float graph top-1 / top-5 | top-1 agreement | logits: max / mean abs. difference | logits equal |\n|---|---|---|---|---|---|---|\n` +
    rows
      .map(
        (g) =>
          `| ${ds.count} | ${g.activationQuant} | ${p(r.int8.top1)} / ${p(r.int8.top5)} | ${p(g.float.top1)} / ${p(g.float.top5)} | ${p(g.agreement)} (${g.agree} of ${ds.count}) | ${g.logits.maxAbsDiff.toFixed(2)} / ${g.logits.meanAbsDiff.toFixed(3)} | ${p(g.logits.equalFraction)} |\n`,
      )
      .join(''),
);
