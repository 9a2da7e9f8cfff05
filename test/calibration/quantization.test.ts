/**
 * Thresholds of imported int8 models: with --method quantization-range a ReLU site's range gives
 * λ = its top without statistics (a float Relu in the same model falls back to the default
 * method); by default and with any other method the statistics give λ and the range caps θ.
 */
import { describe, expect, it } from 'vitest';
import { QUANTIZATION_METHOD } from '../../calibration/quantization.js';
import type { InMemoryDataset } from '../../src/data/types.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import type { Model, Node, Tensor } from '../../src/graph/types.js';
import { calibrate, convert } from '../../src/pipeline.js';
import { ErrorCodes } from '../../src/errors.js';
import { expectErrorAsync } from '../helpers/errors.js';
import { makeModel, mulberry32, T } from '../helpers/ort.js';

const f32 = (v: number): Tensor => T('float32', [], [v]);
const u8 = (v: number): Tensor => T('uint8', [], [v]);
const n = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({
  name: `${opType}_${outputs[0]}`,
  opType,
  domain: '',
  inputs,
  outputs,
  attrs,
});

/** x → Q → QLinearConv (ReLU range [0, 255·0.02]) → DQ → float Conv → Relu (no range) → Flatten → MatMul → y. */
function model(): Model {
  const r = mulberry32(3);
  const w = T(
    'int8',
    [4, 2, 3, 3],
    Array.from({ length: 72 }, () => Math.floor(r() * 255) - 127),
  );
  const w2 = T(
    'float32',
    [3, 4, 1, 1],
    Array.from({ length: 12 }, () => r() - 0.3),
  );
  const fc = T(
    'float32',
    [75, 5],
    Array.from({ length: 375 }, () => r() - 0.5),
  );
  const inits: Record<string, Tensor> = {
    xs: f32(0.02),
    xz: u8(128),
    w,
    ws: T('float32', [4], [0.004, 0.003, 0.005, 0.002]),
    wz: T('int8', [4], [0, 0, 0, 0]),
    ys: f32(0.02),
    yz: u8(0),
    w2,
    fc,
  };
  return makeModel(13, {
    nodes: [
      n('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']),
      n('QLinearConv', ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['yq'], {
        kernel_shape: { kind: 'ints', value: [3, 3] },
        pads: { kind: 'ints', value: [1, 1, 1, 1] },
      }),
      n('DequantizeLinear', ['yq', 'ys', 'yz'], ['yd']),
      n('Conv', ['yd', 'w2'], ['c2']),
      n('Relu', ['c2'], ['r2']),
      n('Flatten', ['r2'], ['f']),
      n('MatMul', ['f', 'fc'], ['y']),
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: new Map(Object.entries(inits)),
  });
}

function data(count: number): InMemoryDataset {
  const r = mulberry32(9);
  return {
    source: 'random',
    format: 'test',
    count,
    sampleShape: [2, 5, 5],
    x: Float32Array.from({ length: count * 50 }, () => 2 * r() - 1),
    labels: new Int32Array(count),
  };
}

describe('thresholds from quantization ranges', () => {
  it('--method quantization-range: the range top for the quantized ReLU, the default method for the float Relu; statistics still recorded', async () => {
    const m = canonicalize(model());
    const th = await calibrate(m, data(32), { method: QUANTIZATION_METHOD });
    const q = th.layers.find((l) => l.site === 'yq')!;
    const f = th.layers.find((l) => l.site === 'r2')!;
    expect(q.scale).toBe(Math.fround(255 * Math.fround(0.02)));
    expect(q.range).toEqual([0, Math.fround(255 * Math.fround(0.02))]);
    expect(q.stats.count).toBe(32 * 4 * 25);
    expect(q.stats.max).toBeLessThan(q.scale as number); // the range is wider than what this data reaches: not from statistics
    expect(f.range).toBeUndefined();
    expect(f.scale).toBeCloseTo(f.stats.p99_9, 10);
    expect(th.method).toBe(`${QUANTIZATION_METHOD}+percentile:99.9`);
    const { snn } = convert(m, th);
    expect(snn.layers.find((l) => l.output === 'yq')!.threshold).toBe(q.scale);
  });

  it('by default the statistics give λ for every site, and the range caps the neuron: θ = min(λ, top)', async () => {
    const m = canonicalize(model());
    const th = await calibrate(m, data(32));
    expect(th.method).toBe('percentile:99.9');
    const q = th.layers.find((l) => l.site === 'yq')!;
    expect(q.range).toBeUndefined();
    expect(q.scale).toBeCloseTo(q.stats.p99_9, 10);
    const top = Math.fround(255 * Math.fround(0.02));
    const { snn } = convert(m, { ...th, layers: th.layers.map((l) => (l.site === 'yq' ? { ...l, scale: 2 * top } : l)) });
    expect(snn.layers.find((l) => l.output === 'yq')!.threshold).toBe(top);
  });

  it('an explicit statistics method ignores the ranges; quantization-range on a float model is E_OPTION', async () => {
    const m = canonicalize(model());
    const th = await calibrate(m, data(32), { method: 'max' });
    const q = th.layers.find((l) => l.site === 'yq')!;
    expect(q.range).toBeUndefined();
    expect(q.scale).toBe(q.stats.max);
    expect(th.method).toBe('max');
    const float = canonicalize(
      makeModel(13, {
        nodes: [n('Relu', ['x'], ['y'])],
        inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2, 5, 5] }],
        outputs: [{ name: 'y', dtype: 'float32' }],
        initializers: new Map(),
      }),
    );
    await expectErrorAsync(() => calibrate(float, data(4), { method: QUANTIZATION_METHOD }), ErrorCodes.OPTION, 'quantization-range', 'not a quantized model');
  });
});
