import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { isOnnx2SnnError } from '../../src/errors.js';
import { compareAnnSnn } from '../../src/eval/compare.js';
import { float32 } from '../../src/graph/tensor.js';
import type { Tensor } from '../../src/graph/types.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { buildSnn } from '../../src/snn/build.js';
import { simulateDataset } from '../../src/engine/simulate.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
import { prepareForConversion } from '../../src/snn/prepare.js';
import { makeModel, randomTensor, runOrt } from '../helpers/ort.js';
import { node } from './helpers.js';

const mnist12 = BUNDLED_MODELS.find((m) => m.id === 'onnx-zoo-mnist-12')!;
const mnistfc = BUNDLED_MODELS.find((m) => m.id === 'vnncomp21-mnistfc-256x2')!;

describe('conversion quality', () => {
  it('per-layer Pearson correlation between ANN activations and SNN rates > 0.99 for the MNIST CNN at T=128', async () => {
    const model = loadModel(mnist12.file);
    const th = await calibrate(model, loadDataset(mnist12.calib, { ...mnist12.pre, limit: 500 }));
    const { onnx } = convert(model, th);
    const ds = loadDataset('fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz', { ...mnist12.pre, limit: 200 });
    const r = await compareAnnSnn(model, onnx, ds, { timesteps: [32, 128] });
    for (const l of r.layers) expect(l.correlation, l.name).toBeGreaterThan(0.99);
    const at128 = r.snn.find((s) => s.timesteps === 128)!;
    expect(at128.agreement).toBeGreaterThan(0.98);
    expect(at128.accuracy).toBeGreaterThan(r.ann.accuracy - 0.015);
  });
});

describe('batch independence', () => {
  for (const encoding of ['poisson', 'current'] as const)
    it(`same seed, same predictions and spike counts for batch sizes 1, 7 and 64 (${encoding})`, async () => {
      const model = loadModel(mnistfc.file);
      const th = await calibrate(model, loadDataset(mnistfc.calib, { ...mnistfc.pre, limit: 200 }));
      const { onnx } = convert(model, th, { encoding, seed: 11 });
      const ds = loadDataset(mnistfc.test, { ...mnistfc.pre, offset: 100, limit: 64 });
      const runs = [];
      for (const batchSize of [1, 7, 64]) runs.push(await simulateDataset(onnx, ds, { timesteps: [8, 32], batchSize }));
      for (const r of runs.slice(1)) {
        expect(Array.from(r.predictions.get(32)!)).toEqual(Array.from(runs[0]!.predictions.get(32)!));
        expect(Array.from(r.predictions.get(8)!)).toEqual(Array.from(runs[0]!.predictions.get(8)!));
        expect(r.layerSpikes).toEqual(runs[0]!.layerSpikes);
      }
      expect(runs[0]!.layerSpikes.every((s) => s > 0)).toBe(true);
    });

  it('a different Poisson seed gives different spike trains', async () => {
    const model = loadModel(mnistfc.file);
    const th = await calibrate(model, loadDataset(mnistfc.calib, { ...mnistfc.pre, limit: 100 }));
    const ds = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: 16 });
    const a = await simulateDataset(convert(model, th, { encoding: 'poisson', seed: 1 }).onnx, ds, { timesteps: [16] });
    const b = await simulateDataset(convert(model, th, { encoding: 'poisson', seed: 2 }).onnx, ds, { timesteps: [16] });
    expect(a.layerSpikes).not.toEqual(b.layerSpikes);
  });
});

describe('conversion errors', () => {
  it('names every layer that cannot be converted, in one error', () => {
    const w = float32([4, 4], new Float32Array(16).fill(0.1));
    const m = makeModel(13, {
      nodes: [
        node('Relu', ['x'], ['r1'], {}, 'relu1'),
        node('Softmax', ['r1'], ['sm'], { axis: { kind: 'int', value: 1 } }, 'mid_softmax'),
        node('MatMul', ['sm', 'w'], ['h'], {}, 'mm'),
        node('Relu', ['h'], ['r2'], {}, 'relu2'),
        node('Mul', ['r1', 'r2'], ['prod'], {}, 'gate'),
        node('MatMul', ['prod', 'w'], ['y'], {}, 'out'),
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 4] }],
      initializers: new Map<string, Tensor>([['w', w]]),
    });
    let err: unknown;
    try {
      buildSnn(
        m,
        new Map([
          ['r1', 1],
          ['r2', 1],
        ]),
      );
    } catch (e) {
      err = e;
    }
    expect(isOnnx2SnnError(err)).toBe(true);
    const e = err as Error & { code: string };
    expect(e.code).toBe('E_CONVERT');
    expect(e.message).toContain('mid_softmax');
    expect(e.message).toContain('gate');
  });

  it('a missing threshold for a ReLU is named', () => {
    const m = makeModel(13, {
      nodes: [node('Relu', ['x'], ['r'], {}, 'lonely'), node('MatMul', ['r', 'w'], ['y'], {}, 'mm')],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 2] }],
      initializers: new Map<string, Tensor>([['w', float32([2, 2], [1, 0, 0, 1])]]),
    });
    expect(() => buildSnn(m, new Map())).toThrow(/lonely/);
  });

  it('a capped ReLU after a max pool moves before it with its bounds (Clip-11 inputs) and stays a neuron site', async () => {
    const m = makeModel(13, {
      nodes: [
        node('MaxPool', ['x'], ['p'], { kernel_shape: { kind: 'ints', value: [2, 2] } }, 'pool'),
        node('Clip', ['p', 'lo', 'hi'], ['r'], {}, 'relu6'),
        node('Flatten', ['r'], ['f'], {}, 'flat'),
        node('MatMul', ['f', 'w'], ['y'], {}, 'mm'),
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 1, 3, 3] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 2] }],
      initializers: new Map<string, Tensor>([
        ['lo', float32([], [0])],
        ['hi', float32([], [0.5])],
        ['w', float32([4, 2], [1, -1, 2, 0, 0, 1, -2, 3])],
      ]),
    });
    const prepared = prepareForConversion(m);
    expect(prepared.graph.nodes.map((n) => [n.opType, ...n.inputs])).toEqual([
      ['Clip', 'x', 'lo', 'hi'],
      ['MaxPool', 'p'],
      ['Flatten', 'r'],
      ['MatMul', 'f', 'w'],
    ]);
    const x = randomTensor([3, 1, 3, 3], 5, { min: -1, max: 1 });
    expect(Array.from((await runOrt(prepared, { x }))[0]!.data)).toEqual(Array.from((await runOrt(m, { x }))[0]!.data));
    expect(buildSnn(prepared, new Map([['p', 1]])).layers.map((l) => [l.name, l.threshold])).toEqual([['relu6', 0.5]]);
  });
});
