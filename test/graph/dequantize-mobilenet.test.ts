/**
 * The ONNX Model Zoo's int8 MobileNetV2 (QOperator, com.microsoft ops) imported into the float
 * graph: every op supported, every ReLU6 site a Clip with its range; the first layer within half
 * an output step of onnxruntime's int8 execution on inputs on the input grid (the real weights,
 * per-channel scales and biases); and the whole network's predictions on bundled images close to
 * onnxruntime's int8 predictions (activation rounding, which the float graph drops, moves the
 * logits a little).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { openDataset, readSamples } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import { inspectModel } from '../../src/eval/inspect.js';
import { canonicalize, dequantizeModel, quantizationInfo } from '../../src/graph/passes/index.js';
import type { Model } from '../../src/graph/types.js';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { writeOnnx } from '../../src/onnx/write.js';
import { IMAGENET_SAMPLE } from '../../scripts/models.js';
import { mulberry32 } from '../helpers/ort.js';

const FILE = IMAGENET_SAMPLE.file;

describe('int8 MobileNetV2 (QOperator) import', () => {
  it('has no unsupported op after import; its 35 ReLU6 convolutions and the pooled features are capped-ReLU sites with their ranges', () => {
    const raw = loadOnnxFile(FILE);
    const report = inspectModel(raw);
    expect(report.unsupported).toEqual([]);
    expect(report.reluSites.length).toBe(36);
    const m = canonicalize(raw);
    const info = quantizationInfo(m)!;
    expect(info.format).toBe('QOperator');
    for (const s of report.reluSites) {
      const r = info.ranges[s.tensor];
      expect(r, s.tensor).toBeDefined();
      expect(r![0]).toBe(0);
      expect(r![1]).toBeGreaterThan(0);
      expect(r![1]).toBeLessThanOrEqual(6.0001);
    }
    expect(info.ranges['input']![1]).toBeCloseTo((255 - 114) * 0.018658448, 5);
  });

  it('first convolution: within half an output step of onnxruntime on inputs on the input grid', async () => {
    const raw = loadOnnxFile(FILE);
    const s = 0.01865844801068306;
    const zp = 114;
    const r = mulberry32(5);
    const x = Float32Array.from({ length: 2 * 3 * 224 * 224 }, () => Math.fround((Math.floor(r() * 256) - zp) * s));
    // onnxruntime: the original file with the first QLinearConv's output dequantized as an extra output
    const conv0 = raw.graph.nodes.find((n) => n.opType === 'QLinearConv')!;
    const [, , , , , , ys, yz] = conv0.inputs;
    const probe: Model = {
      ...raw,
      graph: {
        ...raw.graph,
        nodes: [
          ...raw.graph.nodes,
          { name: 'probe', opType: 'DequantizeLinear', domain: '', inputs: [conv0.outputs[0]!, ys!, yz!], outputs: ['probe'], attrs: {} },
        ],
        outputs: [{ name: 'probe', dtype: 'float32' }],
      },
    };
    const session = await ort.InferenceSession.create(writeOnnx(probe), { executionProviders: ['cpu'] });
    const int8 = (await session.run({ input: new ort.Tensor('float32', x, [2, 3, 224, 224]) }))['probe']!.data as Float32Array;
    await session.release();
    const fm = dequantizeModel(raw);
    const ours = await OrtSession.create(fm, { extraOutputs: [conv0.outputs[0]!] });
    const f = (await ours.run({ input: { data: x, dims: [2, 3, 224, 224] } }, [conv0.outputs[0]!]))[conv0.outputs[0]!]!.data;
    await ours.release();
    const step = raw.graph.initializers.get(ys!)!.data[0]!;
    let worst = 0;
    for (let i = 0; i < int8.length; i++) worst = Math.max(worst, Math.abs(f[i]! - int8[i]!));
    expect(worst / step).toBeLessThanOrEqual(0.5001);
  });

  it('the whole network on 8 bundled images: the top-1 of onnxruntime int8 on ≥ 7, logits correlated > 0.95', async () => {
    const ds = openDataset(IMAGENET_SAMPLE.data, { ...IMAGENET_SAMPLE.pre, limit: 8 });
    const x = await readSamples(ds, 0, 8);
    const s = await ort.InferenceSession.create(readFileSync(FILE), { executionProviders: ['cpu'] });
    const a = (await s.run({ input: new ort.Tensor('float32', x, [8, 3, 224, 224]) }))['output']!.data as Float32Array;
    await s.release();
    const fm = await OrtSession.create(canonicalize(loadOnnxFile(FILE)));
    const b = (await fm.run({ input: { data: x, dims: [8, 3, 224, 224] } }, ['output']))['output']!.data;
    await fm.release();
    const argmax = (d: ArrayLike<number>, o: number): number => {
      let k = 0;
      for (let i = 1; i < 1000; i++) if (d[o + i]! > d[o + k]!) k = i;
      return k;
    };
    let agree = 0;
    for (let i = 0; i < 8; i++) agree += Number(argmax(a, i * 1000) === argmax(b, i * 1000));
    expect(agree).toBeGreaterThanOrEqual(7);
    const n = a.length;
    let sx = 0,
      sy = 0,
      sxx = 0,
      syy = 0,
      sxy = 0;
    for (let i = 0; i < n; i++) {
      sx += a[i]!;
      sy += b[i]!;
      sxx += a[i]! * a[i]!;
      syy += b[i]! * b[i]!;
      sxy += a[i]! * b[i]!;
    }
    expect((sxy - (sx * sy) / n) / Math.sqrt((sxx - (sx * sx) / n) * (syy - (sy * sy) / n))).toBeGreaterThan(0.95);
  });

  it("activationQuant 'keep' on 4 bundled images: logits bit-identical to onnxruntime's int8 execution", async () => {
    // 4 images: with the Mul by the requantization multipliers folded into the Conv weights by
    // onnxruntime's optimiser (what fake-quant.ts's `settled` prevents), a tie in the first layer of
    // one of them already rounds the other way and the logits differ
    const ds = openDataset(IMAGENET_SAMPLE.data, { ...IMAGENET_SAMPLE.pre, limit: 4 });
    const x = await readSamples(ds, 0, 4);
    const s = await ort.InferenceSession.create(readFileSync(FILE), { executionProviders: ['cpu'] });
    const a = (await s.run({ input: new ort.Tensor('float32', x, [4, 3, 224, 224]) }))['output']!.data as Float32Array;
    await s.release();
    const keep = canonicalize(loadOnnxFile(FILE), { activationQuant: 'keep' });
    const bounds = Object.values(quantizationInfo(keep)!.accumulatorBounds!);
    expect(bounds.length).toBe(53); // 52 QLinearConv + the classifier's QLinearMatMul
    expect(Math.max(...bounds)).toBeLessThan(2 ** 24);
    const fm = await OrtSession.create(keep);
    const b = (await fm.run({ input: { data: x, dims: [4, 3, 224, 224] } }, ['output']))['output']!.data;
    await fm.release();
    let differ = 0;
    for (let i = 0; i < a.length; i++) differ += Number(a[i] !== b[i]);
    expect(differ, `${differ} of ${a.length} logits differ`).toBe(0);
  });
});
