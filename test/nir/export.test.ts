/**
 * NIR export of the bundled real models: the HDF5 file read back with h5wasm (groups, node types,
 * shapes, parameter values, edges), the refused max-pool model, and the exported graph simulated
 * by the plain-TS NIR interpreter against our reference simulator.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm, { type Dataset, type Group } from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThresholdsFile } from '../../calibration/thresholds.js';
import { loadDataset } from '../../src/data/index.js';
import { isOnnx2SnnError } from '../../src/errors.js';
import type { Model } from '../../src/graph/types.js';
import { NIR_NODE_ORIGIN_KEY, NIR_SEMANTICS, checkNirTypes, readNir, simulateNir, toNir, writeNir, type NirGraph } from '../../src/nir/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import type { SnnModel } from '../../src/snn/build.js';
import { simulateReference } from '../../src/snn/reference.js';
import type { SnnOptions } from '../../src/snn/types.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';

const bundled = (id: string) => BUNDLED_MODELS.find((m) => m.id === id)!;
const mnistfc = bundled('vnncomp21-mnistfc-256x2');
const resnet = bundled('vnncomp21-cifar10-resnet_2b');
const verivital = bundled('vnncomp21-verivital-convnet_maxpool');

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-nir-'));
  await h5wasm.ready;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Prepared {
  readonly model: Model;
  readonly th: ThresholdsFile;
  readonly snn: SnnModel;
}
const cache = new Map<string, Promise<Prepared>>();
/** Loads and calibrates a bundled model once (100 calibration samples). */
function prepared(id: string): Promise<Prepared> {
  let p = cache.get(id);
  if (!p) {
    const m = bundled(id);
    p = (async () => {
      const model = loadModel(m.file);
      const th = await calibrate(model, loadDataset(m.calib, { ...m.pre, limit: 100 }));
      return { model, th, snn: convert(model, th).snn };
    })();
    cache.set(id, p);
  }
  return p;
}

/** The calibrated scale λ of a ReLU node (the layer's threshold θ). */
const thetaOf = (th: ThresholdsFile, node: string): number => th.layers.find((l) => l.node === node)!.scale as number;

// raw HDF5 access (not through readNir), to check the layout nir.read expects
const ds = (f: Group, path: string): Dataset => {
  const d = f.get(path);
  expect(d, path).not.toBeNull();
  return d as Dataset;
};
const str = (f: Group, path: string): string => ds(f, path).value as string;
const floats = (f: Group, path: string): { shape: number[]; data: Float32Array } => {
  const d = ds(f, path);
  expect(d.dtype, `${path} dtype`).toBe('<f');
  return { shape: d.shape!, data: d.value as Float32Array };
};
const ints = (f: Group, path: string): { shape: number[]; data: number[] } => {
  const d = ds(f, path);
  expect(d.dtype, `${path} dtype`).toBe('<q'); // int64, as h5py writes Python ints
  const v = d.value;
  return { shape: d.shape!, data: typeof v === 'bigint' ? [Number(v)] : Array.from(v as BigInt64Array, Number) };
};
const edgesOf = (f: Group): [string, string][] => {
  const d = ds(f, 'node/edges');
  expect(d.shape![1]).toBe(2);
  const flat = d.value as string[];
  return Array.from({ length: d.shape![0]! }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]);
};
const sources = (edges: [string, string][], node: string): string[] =>
  edges
    .filter(([, b]) => b === node)
    .map(([a]) => a)
    .sort();

describe('NIR file of vnncomp21-mnistfc-256x2 (Affine / IF)', () => {
  it('has the nir.write layout, node types, shapes and the Gemm weights and calibrated thresholds', async () => {
    const { model, th, snn } = await prepared(mnistfc.id);
    const path = join(dir, 'mnistfc.nir');
    await writeNir(snn, path, { foldScales: false });
    const f = new h5wasm.File(path, 'r');
    try {
      expect(f.keys().sort()).toEqual(['node', 'version']);
      expect(str(f, 'version')).toMatch(/^\d+\.\d+\.\d+$/);
      expect(str(f, 'node/type')).toBe('NIRGraph');
      const nodes = f.get('node/nodes') as Group;
      const types = Object.fromEntries(nodes.keys().map((k) => [k, str(f, `node/nodes/${k}/type`)]));
      expect(types).toEqual({
        input: 'Input',
        Flatten_0: 'Flatten',
        Gemm_1: 'Affine',
        Relu_2: 'IF',
        Relu_2_scale: 'Scale',
        Gemm_3: 'Affine',
        Relu_4: 'IF',
        Relu_4_scale: 'Scale',
        Gemm_5: 'Affine',
        readout: 'I',
        output: 'Output',
      });
      expect(ints(f, 'node/nodes/input/shape').data).toEqual([784, 1]);
      expect(ints(f, 'node/nodes/output/shape').data).toEqual([10]);
      expect(ints(f, 'node/nodes/Flatten_0/input_type').data).toEqual([784, 1]);
      expect(ints(f, 'node/nodes/Flatten_0/start_dim')).toEqual({ shape: [], data: [0] });
      expect(ints(f, 'node/nodes/Flatten_0/end_dim')).toEqual({ shape: [], data: [-1] });
      // Gemm with transB = 1: B is already [out, in]
      const init = model.graph.initializers;
      for (const [node, w, b] of [
        ['Gemm_1', 'layers.0.weight', 'layers.0.bias'],
        ['Gemm_3', 'layers.2.weight', 'layers.2.bias'],
        ['Gemm_5', 'layers.4.weight', 'layers.4.bias'],
      ] as const) {
        const weight = floats(f, `node/nodes/${node}/weight`);
        expect(weight.shape).toEqual([...init.get(w)!.dims]);
        expect(Array.from(weight.data)).toEqual(Array.from(init.get(w)!.data));
        expect(Array.from(floats(f, `node/nodes/${node}/bias`).data)).toEqual(Array.from(init.get(b)!.data));
      }
      expect(floats(f, 'node/nodes/Gemm_1/weight').shape).toEqual([256, 784]);
      for (const relu of ['Relu_2', 'Relu_4']) {
        const theta = Math.fround(thetaOf(th, relu));
        const vt = floats(f, `node/nodes/${relu}/v_threshold`);
        expect(vt.shape).toEqual([256]);
        expect(vt.data.every((v) => v === theta)).toBe(true);
        expect(floats(f, `node/nodes/${relu}/r`).data.every((v) => v === 1)).toBe(true);
        expect(floats(f, `node/nodes/${relu}/v_reset`).data.every((v) => v === 0)).toBe(true);
        const scale = floats(f, `node/nodes/${relu}_scale/scale`);
        expect(scale.shape).toEqual([256]);
        expect(scale.data.every((v) => v === theta)).toBe(true);
      }
      expect(floats(f, 'node/nodes/readout/r').shape).toEqual([10]);
      expect(edgesOf(f)).toEqual([
        ['input', 'Flatten_0'],
        ['Flatten_0', 'Gemm_1'],
        ['Gemm_1', 'Relu_2'],
        ['Relu_2', 'Relu_2_scale'],
        ['Relu_2_scale', 'Gemm_3'],
        ['Gemm_3', 'Relu_4'],
        ['Relu_4', 'Relu_4_scale'],
        ['Relu_4_scale', 'Gemm_5'],
        ['Gemm_5', 'readout'],
        ['readout', 'output'],
      ]);
      expect(str(f, 'node/metadata/reset')).toBe('subtract');
      expect(ds(f, 'node/metadata/v_init').value).toBe(0.5);
    } finally {
      f.close();
    }
  });

  it('folds θ into the next Affine by default (W·θ_prev, no Scale nodes) and reads back with readNir', async () => {
    const { model, th, snn } = await prepared(mnistfc.id);
    const path = join(dir, 'mnistfc-folded.nir');
    const written = await writeNir(snn, path);
    expect([...written.nodes.values()].map((n) => n.type)).toEqual(['Input', 'Flatten', 'Affine', 'IF', 'Affine', 'IF', 'Affine', 'I', 'Output']);
    const g = await readNir(path);
    expect(g.nodes).toEqual(written.nodes);
    expect(g.edges).toEqual(written.edges);
    expect(g.metadata).toEqual(written.metadata);
    const gemm3 = g.nodes.get('Gemm_3')!;
    if (gemm3.type !== 'Affine') throw new Error('Gemm_3 is not Affine');
    const w = model.graph.initializers.get('layers.2.weight')!.data;
    const theta = Math.fround(thetaOf(th, 'Relu_2'));
    expect(Array.from(gemm3.weight.data)).toEqual(Array.from(w, (v) => Math.fround(v * theta)));
    checkNirTypes(g);
  });
});

describe('NIR file of vnncomp21-cifar10-resnet_2b (Conv2d, residual Add, Affine)', () => {
  it('has Conv2d parameters, the two-input residual nodes and a type-consistent DAG', async () => {
    const { model, th, snn } = await prepared(resnet.id);
    const path = join(dir, 'resnet.nir');
    const graph = await writeNir(snn, path, { foldScales: false });
    const f = new h5wasm.File(path, 'r');
    try {
      const nodes = (f.get('node/nodes') as Group).keys();
      const count = (t: string) => nodes.filter((k) => str(f, `node/nodes/${k}/type`) === t).length;
      expect([count('Conv2d'), count('IF'), count('Affine'), count('Flatten'), count('Scale'), count('Input'), count('Output')]).toEqual([6, 6, 2, 1, 6, 1, 1]);
      // first conv: 3×3, stride 2, pads 1 (ONNX pads [1,1,1,1])
      const w0 = model.graph.initializers.get('conv1.weight')!;
      const weight = floats(f, 'node/nodes/Conv_0/weight');
      expect(weight.shape).toEqual([8, 3, 3, 3]);
      expect(Array.from(weight.data)).toEqual(Array.from(w0.data));
      expect(Array.from(floats(f, 'node/nodes/Conv_0/bias').data)).toEqual(Array.from(model.graph.initializers.get('conv1.bias')!.data));
      expect(ints(f, 'node/nodes/Conv_0/input_shape').data).toEqual([32, 32]);
      expect(ints(f, 'node/nodes/Conv_0/stride').data).toEqual([2, 2]);
      expect(ints(f, 'node/nodes/Conv_0/padding').data).toEqual([1, 1]);
      expect(ints(f, 'node/nodes/Conv_0/dilation').data).toEqual([1, 1]);
      expect(ints(f, 'node/nodes/Conv_0/groups')).toEqual({ shape: [], data: [1] });
      // the 1×1 stride-2 shortcut
      expect(floats(f, 'node/nodes/Conv_5/weight').shape).toEqual([16, 8, 1, 1]);
      expect(ints(f, 'node/nodes/Conv_5/padding').data).toEqual([0, 0]);
      // per-neuron thresholds shaped like the layer
      const vt = floats(f, 'node/nodes/Relu_1/v_threshold');
      expect(vt.shape).toEqual([8, 16, 16]);
      expect(vt.data.every((v) => v === Math.fround(thetaOf(th, 'Relu_1')))).toBe(true);
      expect(ints(f, 'node/nodes/Flatten_13/input_type').data).toEqual([16, 8, 8]);
      expect(floats(f, 'node/nodes/Gemm_14/weight').shape).toEqual([100, 1024]);
      // residual Adds: two edges into the neuron layer after each of them
      const edges = edgesOf(f);
      expect(sources(edges, 'Relu_7')).toEqual(['Conv_4', 'Conv_5']);
      expect(sources(edges, 'Relu_12')).toEqual(['Conv_10', 'Relu_7_scale']);
      expect(sources(edges, 'Conv_5')).toEqual(['Relu_1_scale']);
      for (const k of nodes) if (k !== 'input' && k !== 'Relu_7' && k !== 'Relu_12') expect(sources(edges, k), k).toHaveLength(1);
    } finally {
      f.close();
    }
    const types = checkNirTypes(graph); // also checks it is a DAG
    expect(types.get('Conv_4')!.output).toEqual([16, 8, 8]);
    expect(types.get('output')!.input).toEqual([10]);
  });

  it('folding keeps a Scale only on the shortcut that reaches a neuron layer directly', async () => {
    const { snn } = await prepared(resnet.id);
    const g = toNir(snn);
    expect([...g.nodes].filter(([, n]) => n.type === 'Scale').map(([k]) => k)).toEqual(['Relu_7_scale']);
    checkNirTypes(g);
  });
});

describe('layers NIR cannot express', () => {
  it('the verivital max-pool model is refused with E_CONVERT naming the MaxPool node, and no file is written', async () => {
    const { snn } = await prepared(verivital.id);
    const path = join(dir, 'verivital', 'model.nir');
    let err: unknown;
    try {
      await writeNir(snn, path);
    } catch (e) {
      err = e;
    }
    expect(isOnnx2SnnError(err)).toBe(true);
    if (!isOnnx2SnnError(err)) return;
    expect(err.code).toBe('E_CONVERT');
    expect(err.message).toContain('MaxPool "MaxPool_2"');
    expect(err.details.layers).toHaveLength(1);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(dir, 'verivital')) ? readdirSync(join(dir, 'verivital')) : []).toEqual([]);
  });
});

describe('the exported graph simulated by a NIR interpreter vs the reference simulator', () => {
  const T = 16;
  const N = 8;

  /** Spike counts per layer (reference order) from the interpreter, matched by the ONNX node name. */
  function compare(snn: SnnModel, g: NirGraph, x: Float32Array, n: number, semantics = undefined as Parameters<typeof simulateNir>[3]['semantics']) {
    const ref = simulateReference(snn, x, n, { timesteps: T });
    const sim = simulateNir(g, x, n, { timesteps: T, ...(semantics ? { semantics } : {}) });
    const origin = JSON.parse(String(g.metadata[NIR_NODE_ORIGIN_KEY])) as Record<string, string>;
    const nirName = new Map(
      Object.entries(origin)
        .filter(([k]) => sim.spikes.has(k))
        .map(([k, v]) => [v, k]),
    );
    const counts = snn.layers.map((l) => sim.spikes.get(nirName.get(l.name)!)!);
    return { ref, sim, counts };
  }

  const exportOf = async (id: string, options: Partial<SnnOptions>) => {
    const { model, th } = await prepared(id);
    return convert(model, th, options).snn;
  };

  it('mnistfc: identical spike counts and readout from the .nir file (Scale nodes, 8 samples × 16 steps)', async () => {
    const { snn } = await prepared(mnistfc.id);
    const path = join(dir, 'mnistfc-sim.nir');
    await writeNir(snn, path, { foldScales: false });
    const x = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: N }).x;
    const { ref, sim, counts } = compare(snn, await readNir(path), x, N);
    counts.forEach((c, i) => expect(Array.from(c), snn.layers[i]!.name).toEqual(Array.from(ref.counts[i]!)));
    expect(ref.counts.reduce((s, c) => s + c.reduce((a, b) => a + b, 0), 0)).toBeGreaterThan(100);
    expect(Array.from(sim.output)).toEqual(Array.from(ref.readouts.get(T)!));
  });

  it('mnistfc: folded weights give the same spike counts here, the readout to float32 rounding', async () => {
    const { snn } = await prepared(mnistfc.id);
    const x = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: N }).x;
    const { ref, sim, counts } = compare(snn, toNir(snn), x, N);
    // W·(θ·s) summed in float64 vs fround(W·θ)·s: equal spikes unless a membrane sits within rounding of θ
    counts.forEach((c, i) => expect(Array.from(c)).toEqual(Array.from(ref.counts[i]!)));
    const r = ref.readouts.get(T)!;
    for (let i = 0; i < r.length; i++) expect(sim.output[i]).toBeCloseTo(r[i]!, 3);
  });

  it("mnistfc with --reset zero --v-init 0 matches under NIR's own semantics (v > θ, v ← v_reset, v₀ = 0)", async () => {
    const snn = await exportOf(mnistfc.id, { reset: 'zero', vInit: 0 });
    const x = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: N }).x;
    const { ref, sim, counts } = compare(snn, toNir(snn, { foldScales: false }), x, N, NIR_SEMANTICS);
    // NIR fires at v > θ, we at v ≥ θ: they differ only if a membrane lands exactly on θ (none does here)
    counts.forEach((c, i) => expect(Array.from(c)).toEqual(Array.from(ref.counts[i]!)));
    expect(Array.from(sim.output)).toEqual(Array.from(ref.readouts.get(T)!));
  });

  it('the default (reset by subtraction, v₀ = θ/2) read with strict NIR semantics differs: those are in the metadata', async () => {
    const { snn } = await prepared(mnistfc.id);
    const x = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: N }).x;
    const { ref, counts } = compare(snn, toNir(snn), x, N, NIR_SEMANTICS);
    const differ = counts.some((c, i) => c.some((v, j) => v !== ref.counts[i]![j]));
    expect(differ).toBe(true);
  });

  it('mnistfc with LIF neurons (β = 0.9): LIF with τ = 1/(1−β), R = τ, v_leak = θ/2 reproduces the spike counts', async () => {
    const snn = await exportOf(mnistfc.id, { neuron: 'lif', beta: 0.9 });
    const g = toNir(snn, { foldScales: false });
    const lif = g.nodes.get('Relu_2')!;
    if (lif.type !== 'LIF') throw new Error('Relu_2 is not LIF');
    const theta = lif.v_threshold.data[0]!;
    expect(lif.tau.data[0]).toBeCloseTo(10, 5);
    expect(lif.r.data[0]).toBe(lif.tau.data[0]);
    expect(lif.v_leak.data[0]).toBe(Math.fround(theta / 2));
    const x = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: N }).x;
    const { ref, counts } = compare(snn, g, x, N);
    // Euler's (v_leak − v + R·I)/τ is not the same float32 expression as β·v + I + c: allow a few off-by-one counts
    let diff = 0;
    let total = 0;
    counts.forEach((c, i) => c.forEach((v, j) => ((diff += Math.abs(v - ref.counts[i]![j]!)), (total += ref.counts[i]![j]!))));
    expect(total).toBeGreaterThan(100);
    expect(diff / total).toBeLessThan(0.01);
  });

  it('resnet_2b: identical spike counts through Conv2d, the residual sums and Flatten (4 samples × 16 steps)', async () => {
    const { snn } = await prepared(resnet.id);
    const x = loadDataset(resnet.test, { ...resnet.pre, limit: 4 }).x;
    const { ref, sim, counts } = compare(snn, toNir(snn, { foldScales: false }), x, 4);
    counts.forEach((c, i) => expect(Array.from(c), snn.layers[i]!.name).toEqual(Array.from(ref.counts[i]!)));
    expect(Array.from(sim.output)).toEqual(Array.from(ref.readouts.get(T)!));
  });
});
