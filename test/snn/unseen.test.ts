/**
 * A network none of the bundled models looks like, built here with exporter habits the converter
 * must handle without per-model settings: BatchNorm after a Conv, MaxPool before its ReLU, a
 * residual Add, Concat of two branches, GlobalAveragePool, Flatten, Gemm(transB) and a final
 * Softmax, opset 13. Random (seeded) weights and inputs; the ANN's own predictions are the labels.
 */
import { describe, expect, it } from 'vitest';
import type { InMemoryDataset as Dataset } from '../../src/data/types.js';
import { compareAnnSnn } from '../../src/eval/compare.js';
import { A } from '../../src/graph/attrs.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import type { Attr, Tensor } from '../../src/graph/types.js';
import { calibrate, convert } from '../../src/pipeline.js';
import { prepareForConversion } from '../../src/snn/prepare.js';
import { emitOnnx, layerOutputName } from '../../src/snn/emit.js';
import { simulateReference } from '../../src/snn/reference.js';
import { OrtSession } from '../../src/engine/ort.js';
import { makeModel, randomTensor, runOrt } from '../helpers/ort.js';
import { node } from './helpers.js';

const he = (dims: number[], fanIn: number, seed: number): Tensor => {
  const t = randomTensor(dims, seed);
  const s = Math.sqrt(6 / fanIn);
  return { ...t, data: Float32Array.from(t.data, (v) => v * s) };
};

function unseenModel() {
  const inits = new Map<string, Tensor>([
    ['w1', he([8, 3, 3, 3], 27, 1)],
    ['b1', randomTensor([8], 2, { min: -0.1, max: 0.1 })],
    ['bn_s', randomTensor([8], 3, { min: 0.8, max: 1.2 })],
    ['bn_b', randomTensor([8], 4, { min: -0.1, max: 0.2 })],
    ['bn_m', randomTensor([8], 5, { min: -0.1, max: 0.1 })],
    ['bn_v', randomTensor([8], 6, { min: 0.5, max: 1.5 })],
    ['w2', he([8, 8, 3, 3], 72, 7)],
    ['b2', randomTensor([8], 8, { min: -0.1, max: 0.1 })],
    ['w3', he([4, 8, 1, 1], 8, 9)],
    ['wfc', he([10, 12], 12, 10)],
    ['bfc', randomTensor([10], 11, { min: -0.1, max: 0.1 })],
  ]);
  return makeModel(13, {
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['c1'], { pads: A.ints([1, 1, 1, 1]) }, 'conv1'),
      node('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['bn1'], {}, 'bn1'),
      node('MaxPool', ['bn1'], ['p1'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }, 'pool1'),
      node('Relu', ['p1'], ['r1'], {}, 'relu1'),
      node('Conv', ['r1', 'w2', 'b2'], ['c2'], { pads: A.ints([1, 1, 1, 1]) }, 'conv2'),
      node('Add', ['c2', 'r1'], ['res'], {}, 'residual'),
      node('Relu', ['res'], ['r2'], {}, 'relu2'),
      node('Conv', ['r2', 'w3'], ['c3'], {}, 'conv3'),
      node('Relu', ['c3'], ['r3'], {}, 'relu3'),
      node('Concat', ['r2', 'r3'], ['cat'], { axis: A.int(1) }, 'concat'),
      node('GlobalAveragePool', ['cat'], ['gap'], {}, 'gap'),
      node('Flatten', ['gap'], ['flat'], {}, 'flatten'),
      node('Gemm', ['flat', 'wfc', 'bfc'], ['logits'], { transB: A.int(1) }, 'fc'),
      node('Softmax', ['logits'], ['prob'], { axis: A.int(1) }, 'softmax'),
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 16, 16] }],
    outputs: [{ name: 'prob', dtype: 'float32', shape: [1, 10] }],
    initializers: inits,
  });
}

async function dataset(n: number, seed: number): Promise<Dataset> {
  const x = randomTensor([n, 3, 16, 16], seed, { min: -1, max: 1 });
  const m = canonicalize(unseenModel());
  const [prob] = await runOrt(m, { x }, ['prob']);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let k = 1; k < 10; k++) if (prob!.data[i * 10 + k]! > prob!.data[i * 10 + b]!) b = k;
    labels[i] = b;
  }
  return { source: `random(${seed})`, format: 'npz', count: n, sampleShape: [3, 16, 16], x: x.data as Float32Array, labels };
}

describe('a network the converter has not seen', () => {
  it('converts with the defaults, tracks the ANN, and the emitted file equals the reference', async () => {
    const model = prepareForConversion(canonicalize(unseenModel()));
    // BN folded into conv1, MaxPool→Relu swapped, Softmax kept in the ANN (dropped by the SNN)
    expect(model.graph.nodes.map((n) => n.opType)).not.toContain('BatchNormalization');
    const ops = model.graph.nodes.map((n) => n.opType);
    expect(ops.indexOf('Relu')).toBeLessThan(ops.indexOf('MaxPool'));
    const calib = await dataset(300, 21);
    const test = await dataset(200, 22);
    const th = await calibrate(model, calib);
    const { snn, onnx } = convert(model, th);
    expect(snn.layers.map((l) => l.name)).toEqual(['relu1', 'relu2', 'relu3']);
    const r = await compareAnnSnn(model, onnx, test, { timesteps: [32, 256] });
    expect(r.ann.accuracy).toBe(1); // labels are the ANN's predictions
    for (const l of r.layers) expect(l.correlation, l.name).toBeGreaterThan(0.995);
    expect(r.snn.find((s) => s.timesteps === 256)!.agreement).toBeGreaterThan(0.97);
    // exactness of the emitted file on a few samples
    const n = 6;
    const ref = simulateReference(snn, test.x.subarray(0, n * 768), n, { timesteps: 24 });
    const session = await OrtSession.create(emitOnnx(snn));
    const out = await session.run({
      x: { data: test.x.subarray(0, n * 768), dims: [n, 3, 16, 16] },
      timesteps: { dtype: 'int64', dims: [], data: new Float64Array([24]) },
    });
    await session.release();
    snn.layers.forEach((l, i) => expect(Array.from(out[layerOutputName(i)]!.data), l.name).toEqual(Array.from(ref.counts[i]!)));
  });
});

describe('capped ReLUs (Clip(0, m), e.g. ReLU6) become neurons', () => {
  for (const opset of [9, 13])
    it(`opset ${opset}: Clip(0, 0.6) converts with θ ≤ 0.6 and tracks the ANN`, async () => {
      const { float32 } = await import('../../src/graph/tensor.js');
      const inits = new Map<string, Tensor>([
        ['w1', he([16, 20], 20, 31)],
        ['b1', randomTensor([16], 32, { min: 0, max: 0.3 })],
        ['w2', he([10, 16], 16, 33)],
        ['b2', randomTensor([10], 34, { min: -0.1, max: 0.1 })],
      ]);
      const clipAttrs: Record<string, Attr> = opset < 11 ? { min: A.float(0), max: A.float(0.6) } : {};
      const clipInputs = opset < 11 ? ['h'] : ['h', 'lo', 'hi'];
      if (opset >= 11) {
        inits.set('lo', float32([], [0]));
        inits.set('hi', float32([], [0.6]));
      }
      const m = makeModel(opset, {
        nodes: [
          node('Gemm', ['x', 'w1', 'b1'], ['h'], { transB: A.int(1) }, 'fc1'),
          node('Clip', clipInputs, ['r'], clipAttrs, 'relu6'),
          node('Gemm', ['r', 'w2', 'b2'], ['y'], { transB: A.int(1) }, 'fc2'),
        ],
        inputs: [{ name: 'x', dtype: 'float32', shape: [1, 20] }],
        outputs: [{ name: 'y', dtype: 'float32', shape: [1, 10] }],
        initializers: inits,
      });
      const model = prepareForConversion(canonicalize(m));
      const mk = async (n: number, seed: number): Promise<Dataset> => {
        const x = randomTensor([n, 20], seed, { min: -1.5, max: 1.5 });
        const [y] = await runOrt(model, { x }, ['y']);
        const labels = new Int32Array(n).map((_, i) => {
          let b = 0;
          for (let k = 1; k < 10; k++) if (y!.data[i * 10 + k]! > y!.data[i * 10 + b]!) b = k;
          return b;
        });
        return { source: `random(${seed})`, format: 'npz', count: n, sampleShape: [20], x: x.data as Float32Array, labels };
      };
      const th = await calibrate(model, await mk(300, 41));
      const { snn, onnx } = convert(model, th);
      expect(snn.layers.map((l) => l.name)).toEqual(['relu6']);
      expect(snn.layers[0]!.threshold as number).toBeLessThanOrEqual(0.6 + 1e-6);
      const r = await compareAnnSnn(model, onnx, await mk(200, 42), { timesteps: [64, 256] });
      expect(r.layers[0]!.correlation).toBeGreaterThan(0.995);
      expect(r.snn.find((s) => s.timesteps === 256)!.agreement).toBeGreaterThan(0.95);
    });
});
