/**
 * Import of quantized models against onnxruntime's int8 execution, both formats of its
 * quantizer: QOperator (QLinearConv, QLinearMatMul, QGemm and the com.microsoft QLinearAdd /
 * Mul / Concat / (Global)AveragePool) and QDQ (float ops between DequantizeLinear and
 * QuantizeLinear). Inputs lie on the input's quantization grid, so the int8 op computes exactly
 * what the float op computes on the dequantized weights, up to the rounding of its output: the
 * float graph must be within half an output step of onnxruntime, everywhere. Wrong weights,
 * biases, scales or axes miss by many steps.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { dequantizeModel, quantizationInfo } from '../../src/graph/passes/dequantize.js';
import type { Model, Node, Tensor } from '../../src/graph/types.js';
import { writeOnnx } from '../../src/onnx/write.js';
import { makeModel, mulberry32, runOrt, T } from '../helpers/ort.js';

const N = 2;
const f32 = (v: number): Tensor => T('float32', [], [v]);
const u8 = (v: number): Tensor => T('uint8', [], [v]);
const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, domain = ''): Node => ({
  name: `${opType}_0`,
  opType,
  domain,
  inputs,
  outputs,
  attrs,
});
const ints = (value: number[]) => ({ kind: 'ints' as const, value });
const int = (value: number) => ({ kind: 'int' as const, value });

/** Integers in [lo, hi] (seeded). */
function randInts(dtype: Tensor['dtype'], dims: number[], lo: number, hi: number, seed: number): Tensor {
  const r = mulberry32(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return T(
    dtype,
    dims,
    Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1))),
  );
}

interface QCase {
  readonly name: string;
  /** Input dims per sample. */
  readonly x: number[];
  /** Nodes from the quantized input 'xq' to the quantized output 'yq'. */
  readonly nodes: Node[];
  readonly inits: Record<string, Tensor>;
  /** Output range: a ReLU range (uint8, zero point 0, capped below the largest value) or a linear one (covering all values). */
  readonly y: 'relu' | 'linear';
  readonly opset?: number;
}

const XS = 0.05;
const XZ = 100;

/** Q(x) → case nodes → DQ(y): onnxruntime runs the int8 ops. */
function quantizedModel(c: QCase, y: [number, number]): Model {
  const m = makeModel(c.opset ?? 13, {
    nodes: [node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']), ...c.nodes, { ...node('DequantizeLinear', ['yq', 'ys', 'yz'], ['y']), name: 'DQ_out' }],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', ...c.x] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: new Map(Object.entries({ xs: f32(XS), xz: u8(XZ), ys: f32(y[0]), yz: u8(y[1]), ...c.inits })),
  });
  return { ...m, otherOpsets: { 'com.microsoft': 1 } };
}

/** Input values on the input grid: (q − 100)·0.05, q uniform in 0..255. */
function gridInput(dims: number[], seed: number): Tensor {
  const q = randInts('float32', [N, ...dims], 0, 255, seed);
  return T(
    'float32',
    q.dims,
    Array.from(q.data, (v) => Math.fround((v - XZ) * XS)),
  );
}

async function runInt8(m: Model, x: Tensor): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(writeOnnx(m), { executionProviders: ['cpu'] });
  try {
    const r = await s.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), [...x.dims]) });
    return r['y']!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const W = randInts('int8', [4, 3, 3, 3], -127, 127, 1);
const WS = T('float32', [4], [0.011, 0.02, 0.004, 0.03]);
const conv = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) };

const CASES: QCase[] = [
  {
    name: 'QLinearConv, per-channel weights, int32 bias, ReLU range (uint8, zero point 0)',
    x: [3, 7, 6],
    nodes: [node('QLinearConv', ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], ['yq'], conv)],
    inits: { w: W, ws: WS, wz: T('int8', [4], [0, 0, 0, 0]), b: randInts('int32', [4], -3000, 3000, 2) },
    y: 'relu',
  },
  {
    name: 'QLinearConv depthwise (group = channels), linear output',
    x: [3, 5, 5],
    nodes: [
      node('QLinearConv', ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['yq'], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), group: int(3) }),
    ],
    inits: { w: randInts('int8', [3, 1, 3, 3], -127, 127, 3), ws: T('float32', [3], [0.01, 0.02, 0.03]), wz: T('int8', [3], [0, 0, 0]) },
    y: 'linear',
  },
  {
    name: 'QLinearMatMul, per-column B scale',
    x: [6],
    nodes: [node('QLinearMatMul', ['xq', 'xs', 'xz', 'b', 'bs', 'bz', 'ys', 'yz'], ['yq'])],
    inits: { b: randInts('int8', [6, 5], -127, 127, 4), bs: T('float32', [5], [0.01, 0.02, 0.005, 0.03, 0.015]), bz: T('int8', [5], [0, 0, 0, 0, 0]) },
    y: 'linear',
  },
  {
    name: 'QGemm (com.microsoft), transB, per-row B scale, int32 bias, float32 output',
    x: [6],
    nodes: [
      node('QGemm', ['xq', 'xs', 'xz', 'b', 'bs', 'bz', 'c', 'ys', 'yz'], ['yq'], { transB: int(1), alpha: { kind: 'float', value: 1 } }, 'com.microsoft'),
    ],
    inits: {
      b: randInts('int8', [5, 6], -127, 127, 5),
      bs: T('float32', [5], [0.01, 0.02, 0.005, 0.03, 0.015]),
      bz: T('int8', [5], [0, 0, 0, 0, 0]),
      c: randInts('int32', [5], -2000, 2000, 6),
    },
    y: 'linear',
  },
  {
    name: 'QLinearAdd (com.microsoft) with a constant, ReLU range',
    x: [3, 2, 2],
    nodes: [node('QLinearAdd', ['xq', 'xs', 'xz', 'c', 'cs', 'cz', 'ys', 'yz'], ['yq'], {}, 'com.microsoft')],
    inits: { c: randInts('uint8', [3, 1, 1], 0, 255, 7), cs: f32(0.03), cz: u8(90) },
    y: 'relu',
  },
  {
    name: 'QLinearMul (com.microsoft) with a constant',
    x: [4],
    nodes: [node('QLinearMul', ['xq', 'xs', 'xz', 'c', 'cs', 'cz', 'ys', 'yz'], ['yq'], {}, 'com.microsoft')],
    inits: { c: randInts('uint8', [4], 0, 255, 8), cs: f32(0.01), cz: u8(128) },
    y: 'linear',
  },
  {
    name: 'QLinearGlobalAveragePool (com.microsoft)',
    x: [3, 4, 5],
    nodes: [node('QLinearGlobalAveragePool', ['xq', 'xs', 'xz', 'ys', 'yz'], ['yq'], { channels_last: int(0) }, 'com.microsoft')],
    inits: {},
    y: 'linear',
  },
  {
    name: 'QLinearAveragePool (com.microsoft), 2×2 stride 2',
    x: [2, 4, 6],
    nodes: [node('QLinearAveragePool', ['xq', 'xs', 'xz', 'ys', 'yz'], ['yq'], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }, 'com.microsoft')],
    inits: {},
    y: 'linear',
  },
  {
    name: 'QLinearConcat (com.microsoft) with a constant of another scale',
    x: [2, 3],
    nodes: [node('QLinearConcat', ['ys', 'yz', 'xq', 'xs', 'xz', 'c', 'cs', 'cz'], ['yq'], { axis: int(1) }, 'com.microsoft')],
    inits: { c: randInts('uint8', [N, 1, 3], 0, 255, 9), cs: f32(0.02), cz: u8(10) },
    y: 'linear',
  },
];

describe('QOperator import: within half an output step of onnxruntime int8', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const x = gridInput(c.x, 11);
    // the output scale from the float values: no saturation of a linear range, the top 10 % clipped by a ReLU range
    const [probe] = await runOrt(dequantizeModel(quantizedModel(c, [1, 128])), { x });
    const lo = Math.min(0, ...probe!.data); // a range always holds 0, as the quantizer makes them
    const hi = Math.max(0, ...probe!.data);
    const s = Math.fround(c.y === 'relu' ? (0.9 * hi) / 255 : (hi - lo) / 250);
    const zp = c.y === 'relu' ? 0 : Math.round(-lo / s) + 2;
    const q = quantizedModel(c, [s, zp]);
    const int8 = await runInt8(q, x);
    const fm = dequantizeModel(q);
    expect(
      fm.graph.nodes.every((n) => n.domain === '' && !/^Q|Quantize/.test(n.opType)),
      fm.graph.nodes.map((n) => n.opType).join(','),
    ).toBe(true);
    const [ours] = await runOrt(fm, { x });
    expect(ours!.data.length).toBe(int8.length);
    let worst = 0;
    for (let i = 0; i < int8.length; i++) worst = Math.max(worst, Math.abs(ours!.data[i]! - int8[i]!) / s);
    expect(worst, 'largest difference in output steps').toBeLessThanOrEqual(0.5001);
    const clips = fm.graph.nodes.filter((n) => n.opType === 'Clip');
    if (c.y === 'relu') {
      // a ReLU range: one Clip(0, 255·s) whose range is recorded for calibration
      expect(clips.length).toBe(1);
      expect(quantizationInfo(fm)!.ranges['yq']).toEqual([0, Math.fround(255 * s)]);
      expect(Math.min(...ours!.data)).toBe(0);
      expect(Math.max(...ours!.data)).toBe(Math.fround(255 * s));
    } else expect(clips.length).toBe(0);
    expect(quantizationInfo(fm)!.format).toBe('QOperator');
  });
});

/** The cases whose int8 kernel the 'keep' import emulates bit for bit (fake-quant.ts); the others round the float op's output. */
const EXACT = new Set(['QLinearConv', 'QLinearMatMul', 'QLinearAdd', 'QLinearGlobalAveragePool']);

describe("activationQuant 'keep': onnxruntime's int8 arithmetic in float ops", () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const x = gridInput(c.x, 17);
    const [probe] = await runOrt(dequantizeModel(quantizedModel(c, [1, 128])), { x });
    const lo = Math.min(0, ...probe!.data);
    const hi = Math.max(0, ...probe!.data);
    // fine output steps (many near-ties) and, for a ReLU range, saturation at the top
    const s = Math.fround(c.y === 'relu' ? (0.8 * hi) / 255 : (hi - lo) / 250);
    const zp = c.y === 'relu' ? 0 : Math.round(-lo / s) + 2;
    const q = quantizedModel(c, [s, zp]);
    const int8 = await runInt8(q, x);
    const fm = dequantizeModel(q, { activationQuant: 'keep' });
    expect(fm.graph.nodes.every((n) => n.domain === '' && !/^Q|Quantize/.test(n.opType))).toBe(true);
    expect(quantizationInfo(fm)!.activationQuant).toBe('keep');
    const [ours] = await runOrt(fm, { x });
    let differ = 0;
    let worst = 0;
    for (let i = 0; i < int8.length; i++) {
      const d = Math.abs(ours!.data[i]! - int8[i]!) / s;
      differ += Number(d !== 0);
      worst = Math.max(worst, d);
    }
    // every value on the output grid; the emulated kernels equal, the others within one step
    for (const v of ours!.data) expect(Math.abs(v / s - Math.round(v / s))).toBeLessThan(1e-3);
    if (EXACT.has(c.nodes[0]!.opType)) expect(differ, `${differ} of ${int8.length} values differ`).toBe(0);
    else expect(worst).toBeLessThanOrEqual(1.0001);
    if (c.y === 'relu') expect(Math.max(...ours!.data)).toBe(Math.fround(255 * s));
  });

  it('records the accumulator bound of each QLinearConv (exact float32 sums below 2^24)', () => {
    const c = CASES[0]!;
    const info = quantizationInfo(dequantizeModel(quantizedModel(c, [0.1, 0]), { activationQuant: 'keep' }))!;
    const w = c.inits['w']!.data;
    const b = c.inits['b']!.data;
    // per output channel: Σ|w| · max|q − zp| (zero point 100: 155) + |bias|
    const expected = Math.max(
      ...[0, 1, 2, 3].map((o) => Array.from(w.slice(o * 27, o * 27 + 27), Math.abs).reduce((p, v) => p + v, 0) * 155 + Math.abs(b[o]!)),
    );
    expect(info.accumulatorBounds).toEqual({ [c.nodes[0]!.name]: expected });
  });

  it('rejects an unknown mode with E_OPTION', () => {
    expect(() => dequantizeModel(quantizedModel(CASES[0]!, [0.1, 0]), { activationQuant: 'round' as never })).toThrow(
      expect.objectContaining({ code: 'E_OPTION' }),
    );
  });
});

describe('QDQ import', () => {
  /** DQ(Q(x)) → Conv(DQ(w), DQ(b)) → Relu → Q(zero point 0) → DQ → MatMul(DQ(Q(float weights))) → Q → DQ. */
  function qdqModel(): Model {
    const ws = Float32Array.from([0.011, 0.02, 0.004, 0.03]);
    const bs = T(
      'float32',
      [4],
      Array.from(ws, (v) => Math.fround(v * XS)),
    );
    const r = mulberry32(12);
    const inits: Record<string, Tensor> = {
      xs: f32(XS),
      xz: u8(XZ),
      w: W,
      ws: T('float32', [4], ws),
      wz: T('int8', [4], [0, 0, 0, 0]),
      b: randInts('int32', [4], -3000, 3000, 2),
      bs,
      bz: T('int32', [4], [0, 0, 0, 0]),
      rs: f32(0.04),
      rz: u8(0),
      shape: T('int64', [2], [N, 4 * 4 * 4]),
      m: T(
        'float32',
        [64, 5],
        Array.from({ length: 320 }, () => r() - 0.5),
      ),
      ms: f32(0.004),
      mz: T('int8', [], [0]),
      ys: f32(0.05),
      yz: u8(120),
    };
    const nodes: Node[] = [
      { ...node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']), name: 'qx' },
      { ...node('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd']), name: 'dqx' },
      { ...node('DequantizeLinear', ['w', 'ws', 'wz'], ['wd'], { axis: int(0) }), name: 'dqw' },
      { ...node('DequantizeLinear', ['b', 'bs', 'bz'], ['bd'], { axis: int(0) }), name: 'dqb' },
      node('Conv', ['xd', 'wd', 'bd'], ['c'], conv),
      node('Relu', ['c'], ['r']),
      { ...node('QuantizeLinear', ['r', 'rs', 'rz'], ['rq']), name: 'qr' },
      { ...node('DequantizeLinear', ['rq', 'rs', 'rz'], ['rd']), name: 'dqr' },
      node('Reshape', ['rd', 'shape'], ['flat']),
      { ...node('QuantizeLinear', ['m', 'ms', 'mz'], ['mq']), name: 'qm' },
      { ...node('DequantizeLinear', ['mq', 'ms', 'mz'], ['md']), name: 'dqm' },
      node('MatMul', ['flat', 'md'], ['mm']),
      { ...node('QuantizeLinear', ['mm', 'ys', 'yz'], ['yq']), name: 'qy' },
      { ...node('DequantizeLinear', ['yq', 'ys', 'yz'], ['y']), name: 'dqy' },
    ];
    return makeModel(13, {
      nodes,
      inputs: [{ name: 'x', dtype: 'float32', shape: [N, 3, 7, 7] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: new Map(Object.entries(inits)),
    });
  }

  it('becomes Conv → Clip(0, 255·s) (the Relu merged) → Reshape → MatMul with exact float weights', () => {
    const fm = dequantizeModel(qdqModel());
    const ops = fm.graph.nodes.map((n) => n.opType).filter((o) => o !== 'Identity');
    expect(ops).toEqual(['Conv', 'Clip', 'Reshape', 'MatMul']);
    const conv0 = fm.graph.nodes.find((n) => n.opType === 'Conv')!;
    const w = fm.graph.initializers.get(conv0.inputs[1]!)!;
    const ws = [0.011, 0.02, 0.004, 0.03].map(Math.fround);
    for (let i = 0; i < w.data.length; i++) expect(w.data[i]).toBe(Math.fround(W.data[i]! * ws[Math.floor(i / 27)]!));
    // the ReLU site, and the ranges of the graph input and output
    expect(quantizationInfo(fm)).toEqual({
      format: 'QDQ',
      activationQuant: 'drop',
      ranges: { x: [-5, 7.75], rq: [0, Math.fround(255 * 0.04)], y: [-6, 6.75] },
    });
  });

  it('runs within half an output step of onnxruntime (which fuses the QDQ pairs into int8 kernels) on the Conv output', async () => {
    const m = qdqModel();
    const probe = (g: Model, name: string): Model => ({ ...g, graph: { ...g.graph, outputs: [{ name, dtype: 'float32' }] } });
    const x = gridInput([3, 7, 7], 13);
    const fm = dequantizeModel(m);
    const s = await ort.InferenceSession.create(writeOnnx(probe(m, 'rd')), { executionProviders: ['cpu'] });
    const int8 = (await s.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), [N, 3, 7, 7]) }))['rd']!.data as Float32Array;
    await s.release();
    const [ours] = await runOrt(probe(fm, 'rq'), { x });
    for (let i = 0; i < int8.length; i++) expect(Math.abs(ours!.data[i]! - int8[i]!), `element ${i}`).toBeLessThanOrEqual(0.02 + 1e-6);
    expect(int8.some((v) => v === 0) && int8.some((v) => v > 0)).toBe(true);
  });

  it("activationQuant 'keep': every activation on its grid, within one output step of onnxruntime's fused int8 kernels", async () => {
    const m = qdqModel();
    const x = gridInput([3, 7, 7], 19);
    const s = await ort.InferenceSession.create(writeOnnx(m), { executionProviders: ['cpu'] });
    const int8 = (await s.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), [N, 3, 7, 7]) }))['y']!.data as Float32Array;
    await s.release();
    const fm = dequantizeModel(m, { activationQuant: 'keep' });
    expect(fm.graph.nodes.filter((n) => n.opType === 'Round').length).toBe(3); // the input, the ReLU site, the output
    const [ours] = await runOrt(fm, { x });
    for (let i = 0; i < int8.length; i++) {
      const q = ours!.data[i]! / 0.05;
      expect(Math.abs(q - Math.round(q)), `element ${i} off the output grid`).toBeLessThan(1e-3);
      expect(Math.abs(ours!.data[i]! - int8[i]!), `element ${i}`).toBeLessThanOrEqual(0.05 + 1e-6);
    }
  });
});
