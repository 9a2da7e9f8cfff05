/**
 * NIR export on small hand-built graphs: pooling, constant biases, Mul/Sub, per-channel
 * thresholds folded through pooling and Flatten, calibrated bias currents, polynomial neurons,
 * all unsupported layers in one error, and the atomic write.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOnnx2SnnError, type Onnx2SnnError } from '../../src/errors.js';
import { A } from '../../src/graph/attrs.js';
import { float32, int64 } from '../../src/graph/tensor.js';
import type { Tensor } from '../../src/graph/types.js';
import { NIR_NODE_ORIGIN_KEY, checkNirTypes, simulateNir, toNir, writeNir, type NirGraph, type NirNode } from '../../src/nir/index.js';
import { buildSnn, type SnnModel } from '../../src/snn/build.js';
import { qifPolynomial } from '../../src/snn/poly.js';
import { simulateReference } from '../../src/snn/reference.js';
import { makeModel, mulberry32, randomTensor } from '../helpers/ort.js';
import { node, reluProbe } from '../snn/helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-nir-syn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function convertError(f: () => unknown): Onnx2SnnError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(isOnnx2SnnError(err), String(err)).toBe(true);
  expect((err as Onnx2SnnError).code).toBe('E_CONVERT');
  return err as Onnx2SnnError;
}

const types = (g: NirGraph): Record<string, string> => Object.fromEntries([...g.nodes].map(([k, n]) => [k, n.type]));
const sourcesOf = (g: NirGraph, n: string): string[] => g.edges.filter(([, b]) => b === n).map(([a]) => a);
const get = <T extends NirNode['type']>(g: NirGraph, name: string, type: T): Extract<NirNode, { type: T }> => {
  const n = g.nodes.get(name);
  expect(n?.type, name).toBe(type);
  return n as Extract<NirNode, { type: T }>;
};

/** Spike counts per layer from the interpreter and the reference, and the total absolute difference. */
function run(snn: SnnModel, g: NirGraph, n: number, T: number, seed = 3) {
  const per = snn.inputDims.reduce((a, b) => a * b, 1);
  const rnd = mulberry32(seed);
  const x = Float32Array.from({ length: n * per }, () => rnd());
  const ref = simulateReference(snn, x, n, { timesteps: T });
  const sim = simulateNir(g, x, n, { timesteps: T });
  const origin = JSON.parse(String(g.metadata[NIR_NODE_ORIGIN_KEY])) as Record<string, string>;
  const byOnnx = new Map(
    Object.entries(origin)
      .filter(([k]) => sim.spikes.has(k))
      .map(([k, v]) => [v, k]),
  );
  let diff = 0;
  let total = 0;
  snn.layers.forEach((l, i) => {
    const c = sim.spikes.get(byOnnx.get(l.name)!)!;
    c.forEach((v, j) => ((diff += Math.abs(v - ref.counts[i]![j]!)), (total += ref.counts[i]![j]!)));
  });
  return { ref, sim, diff, total };
}

/**
 * x [N,2,6,6] → Conv (no bias) → Add c[4,1,1] → Relu → AveragePool 2×2/2 → Conv 1×1 → Mul 0.5 →
 * Sub(·, pool) → Relu → GlobalAveragePool → Flatten → Gemm → y [3]
 */
function poolModel() {
  const w1 = randomTensor([4, 2, 3, 3], 1, { min: -0.5, max: 1 });
  const c1 = float32([4, 1, 1], [0.1, -0.05, 0.2, 0]);
  const w2 = randomTensor([4, 4, 1, 1], 2, { min: -0.5, max: 1 });
  const b2 = float32([4], [0.05, 0.1, 0, -0.1]);
  const wg = randomTensor([3, 4], 3);
  const cg = float32([3], [0.1, 0.2, 0.3]);
  const model = makeModel(13, {
    nodes: [
      node('Conv', ['x', 'w1'], ['c1'], { kernel_shape: A.ints([3, 3]), pads: A.ints([1, 1, 1, 1]) }, 'conv1'),
      node('Add', ['c1', 'b1'], ['a1'], {}, 'bias1'),
      node('Relu', ['a1'], ['r1'], {}, 'relu1'),
      node('AveragePool', ['r1'], ['p1'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }, 'pool'),
      node('Conv', ['p1', 'w2', 'b2'], ['c2'], { kernel_shape: A.ints([1, 1]) }, 'conv2'),
      node('Mul', ['c2', 'half'], ['m2'], {}, 'half'),
      node('Sub', ['m2', 'p1'], ['s2'], {}, 'minus_pool'),
      node('Relu', ['s2'], ['r2'], {}, 'relu2'),
      node('GlobalAveragePool', ['r2'], ['g'], {}, 'gap'),
      node('Flatten', ['g'], ['f'], {}, 'flat'),
      node('Gemm', ['f', 'wg', 'cg'], ['y'], { transB: A.int(1) }, 'fc'),
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 6, 6] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 3] }],
    initializers: new Map<string, Tensor>([
      ['w1', w1],
      ['b1', c1],
      ['w2', w2],
      ['b2', b2],
      ['half', float32([], [0.5])],
      ['wg', wg],
      ['cg', cg],
    ]),
  });
  return { model, w1, c1, w2, b2, wg, cg };
}

describe('pooling, constant biases, Mul/Sub and per-channel thresholds', () => {
  const theta2 = [0.5, 0.75, 1, 1.25];

  it('maps to Conv2d (+ folded Add bias), AvgPool2d, Scale and Affine with the expected parameters', () => {
    const { model, c1, w2 } = poolModel();
    const snn = buildSnn(
      model,
      new Map<string, number | number[]>([
        ['r1', 1.5],
        ['r2', theta2],
      ]),
    );
    const g = toNir(snn, { foldScales: false });
    expect(types(g)).toEqual({
      input: 'Input',
      conv1: 'Conv2d',
      relu1: 'IF',
      relu1_scale: 'Scale',
      pool: 'AvgPool2d',
      conv2: 'Conv2d',
      half: 'Scale',
      minus_pool_neg: 'Scale',
      relu2: 'IF',
      relu2_scale: 'Scale',
      gap: 'AvgPool2d',
      flat: 'Flatten',
      fc: 'Affine',
      readout: 'I',
      output: 'Output',
    });
    expect(Array.from(get(g, 'conv1', 'Conv2d').bias.data)).toEqual(Array.from(c1.data)); // the Add, folded
    expect(get(g, 'conv1', 'Conv2d').padding).toEqual([1, 1]);
    expect(get(g, 'pool', 'AvgPool2d')).toMatchObject({ kernel_size: [2, 2], stride: [2, 2], padding: [0, 0] });
    expect(get(g, 'gap', 'AvgPool2d')).toMatchObject({ kernel_size: [3, 3], stride: [3, 3], padding: [0, 0] });
    expect(Array.from(get(g, 'conv2', 'Conv2d').weight.data)).toEqual(Array.from(w2.data));
    expect(get(g, 'half', 'Scale').scale.data.every((v) => v === 0.5)).toBe(true);
    expect(get(g, 'minus_pool_neg', 'Scale').scale.data.every((v) => v === -1)).toBe(true);
    expect(sourcesOf(g, 'relu2').sort()).toEqual(['half', 'minus_pool_neg']);
    expect(sourcesOf(g, 'minus_pool_neg')).toEqual(['pool']);
    const vt = get(g, 'relu2', 'IF').v_threshold;
    expect(vt.dims).toEqual([4, 3, 3]);
    expect(Array.from(vt.data.filter((_, i) => i % 9 === 0))).toEqual(theta2);
    expect(get(g, 'flat', 'Flatten')).toMatchObject({ input_type: [4, 1, 1], start_dim: 0, end_dim: -1 });
    checkNirTypes(g);
  });

  it('folds per-channel θ through GlobalAveragePool and Flatten into the Affine columns', () => {
    const { model, wg } = poolModel();
    const snn = buildSnn(
      model,
      new Map<string, number | number[]>([
        ['r1', 1.5],
        ['r2', theta2],
      ]),
    );
    const g = toNir(snn);
    expect(g.nodes.has('relu2_scale')).toBe(false);
    // relu1's scale feeds the pool, whose output also reaches a Scale (the Sub): it stays
    expect(g.nodes.has('relu1_scale')).toBe(true);
    expect(sourcesOf(g, 'gap')).toEqual(['relu2']);
    const w = get(g, 'fc', 'Affine').weight;
    expect(Array.from(w.data)).toEqual(Array.from(wg.data, (v, i) => Math.fround(v * theta2[i % 4]!)));
    checkNirTypes(g);
  });

  it('simulates like the reference simulator (Scale nodes: equal spikes up to the bias rounding; folded: close)', () => {
    const { model } = poolModel();
    const snn = buildSnn(
      model,
      new Map<string, number | number[]>([
        ['r1', 1.5],
        ['r2', theta2],
      ]),
    );
    for (const foldScales of [false, true]) {
      const { diff, total, ref, sim } = run(snn, toNir(snn, { foldScales }), 4, 32);
      expect(total).toBeGreaterThan(100);
      // the constant Add folded into conv1's bias rounds once instead of twice
      expect(diff / total).toBeLessThan(0.01);
      const r = ref.readouts.get(32)!;
      for (let i = 0; i < r.length; i++) expect(sim.output[i]).toBeCloseTo(r[i]!, 1);
    }
  });
});

describe('calibrated bias currents and neuron kinds', () => {
  it('a layer bias goes into the bias of the Affine feeding the layer', () => {
    const w = randomTensor([4, 4], 5);
    const model = makeModel(13, {
      nodes: [
        node('Gemm', ['x', 'w', 'b'], ['h'], { transB: A.int(1) }, 'fc1'),
        node('Relu', ['h'], ['r'], {}, 'relu'),
        node('Gemm', ['r', 'w'], ['y'], { transB: A.int(1) }, 'fc2'),
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 4] }],
      initializers: new Map<string, Tensor>([
        ['w', w],
        ['b', float32([4], [0.1, 0.2, 0.3, 0.4])],
      ]),
    });
    const bias = [0.05, -0.05, 0.1, 0];
    const snn = buildSnn(model, new Map([['r', 0.8]]), { biases: new Map([['r', bias]]) });
    const g = toNir(snn, { foldScales: false });
    expect(Array.from(get(g, 'fc1', 'Affine').bias.data)).toEqual([0.1, 0.2, 0.3, 0.4].map((b, i) => Math.fround(Math.fround(b) + Math.fround(bias[i]!))));
    const { diff, total } = run(snn, g, 16, 32);
    expect(total).toBeGreaterThan(50);
    expect(diff / total).toBeLessThan(0.02);
  });

  it('IF: a bias on a layer fed by no weight layer of its own is refused; LIF takes it into v_leak = θ/2 + τ·b', () => {
    const model = reluProbe(4);
    const biases = new Map([['r', [0.1, 0.1, 0.2, 0.2]]]);
    const err = convertError(() => toNir(buildSnn(model, new Map([['r', 1]]), { biases })));
    expect(err.message).toContain('IF "relu"');
    const g = toNir(buildSnn(model, new Map([['r', 1]]), { biases, neuron: 'lif', beta: 0.75 }));
    const lif = get(g, 'relu', 'LIF');
    expect(lif.tau.data[0]).toBe(4);
    expect(Array.from(lif.v_leak.data)).toEqual([0.5 + 0.4, 0.5 + 0.4, 0.5 + 0.8, 0.5 + 0.8].map(Math.fround));
  });

  it('polynomial neurons: p ≠ 0 is refused naming every layer; p ≡ 0 is IF with R = the input gain', () => {
    const model = reluProbe(4);
    const err = convertError(() => toNir(buildSnn(model, new Map([['r', 1]]), { neuron: 'poly', poly: qifPolynomial(0.25, 0, 0.5) })));
    expect(err.message).toContain('IF "relu"');
    expect(err.message).toMatch(/polynomial/);
    const snn = buildSnn(model, new Map([['r', 1]]), { neuron: 'poly', poly: [0, 0, 0] });
    const r = get(toNir(snn), 'relu', 'IF').r;
    expect(r.data.every((v) => v === Math.fround(snn.layers[0]!.gain ?? 1))).toBe(true);
  });
});

describe('everything NIR cannot express, in one error', () => {
  it('names Pad, the asymmetric Conv, Transpose, Concat and the max pool together', () => {
    const model = makeModel(13, {
      nodes: [
        node('Relu', ['x'], ['r1'], {}, 'relu1'),
        node('MaxPool', ['r1'], ['mp'], { kernel_shape: A.ints([1, 1]) }, 'maxpool'),
        node('Pad', ['mp', 'pads'], ['pd'], {}, 'pad'),
        node('Conv', ['pd', 'w'], ['c'], { kernel_shape: A.ints([2, 2]), pads: A.ints([0, 0, 1, 1]) }, 'conv_asym'),
        node('Relu', ['c'], ['r2'], {}, 'relu2'),
        node('Transpose', ['r2'], ['t'], { perm: A.ints([0, 1, 3, 2]) }, 'tr'),
        node('Concat', ['t', 'r2'], ['cat'], { axis: A.int(1) }, 'cat'),
        node('Flatten', ['cat'], ['f'], {}, 'flat'),
        node('MatMul', ['f', 'wm'], ['y'], {}, 'mm'),
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 1, 4, 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 3] }],
      initializers: new Map<string, Tensor>([
        ['pads', int64([8], [0, 0, 1, 1, 0, 0, 1, 1])],
        ['w', randomTensor([1, 1, 2, 2], 7)],
        ['wm', randomTensor([72, 3], 8)],
      ]),
    });
    const snn = buildSnn(
      model,
      new Map([
        ['r1', 1],
        ['r2', 1],
      ]),
    );
    const err = convertError(() => toNir(snn));
    for (const s of ['MaxPool "maxpool"', 'Pad "pad"', 'Conv "conv_asym"', 'Transpose "tr"', 'Concat "cat"']) expect(err.message).toContain(s);
    expect(err.details.layers).toHaveLength(5);
  });
});

describe('writeNir', () => {
  it('writes atomically: a failed rename leaves neither the file nor a temporary file', async () => {
    const snn = buildSnn(reluProbe(3), new Map([['r', 1]]));
    const target = join(dir, 'taken.nir');
    mkdirSync(target); // a directory where the file should go
    mkdirSync(join(target, 'x'));
    let err: unknown;
    try {
      await writeNir(snn, target);
    } catch (e) {
      err = e;
    }
    expect(isOnnx2SnnError(err) && err.code).toBe('E_FILE');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // and creates missing folders
    const nested = join(dir, 'a', 'b', 'probe.nir');
    await writeNir(snn, nested);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['probe.nir']);
  });
});
