/**
 * `activationQuant: 'keep'`: the float graph keeps the rounding of every quantized activation, as
 * float ops that reproduce onnxruntime's int8 kernels (MLAS, x86-64) bit for bit where it can:
 *
 *   - every quantized tensor still carries its real value (q − zp)·s, rounded once to float32, which
 *     is what DequantizeLinear of the int8 tensor gives, so its name means the same in both graphs;
 *   - QLinearConv / QLinearMatMul recover the integers k = round(x / s_x) (exact: x / s_x is within
 *     2^-23 relative of an integer below 256), accumulate Conv/MatMul(k, q_w − zp_w) + bias in
 *     float32, which is exact while every partial sum stays below 2^24 (see `accumulatorBound`), then
 *     requantize as MlasRequantizeOutput does: acc · M with M = fround(fround(s_x·s_w) / s_y) per
 *     channel, round half to even, saturate to [q_min − zp_y, q_max − zp_y], times s_y;
 *   - QLinearAdd: MLAS's AVX2 kernel adds the two dequantized float32 operands, divides by s_c,
 *     rounds (vcvtps2dq, half to even) and saturates: exactly Add → Div → Round → Clip here;
 *   - QLinearGlobalAveragePool: the int32 sum S of k over the image (recovered exactly as
 *     round(mean(k)·N)), times fround(s_x / fround(s_y·N)), rounded and saturated;
 *   - QuantizeLinear (the graph input): MLAS divides by the scale: Div → Round → Clip → Mul;
 *   - other QLinear ops (Mul, Concat, AveragePool, Softmax, QGemm) and QDQ activations: the float op,
 *     then the same fake quantization of its output (Div → Round → Clip → Mul), close but not
 *     bit-exact to their kernels.
 * Such a graph is for ANN evaluation (the int8 network's predictions); the SNN is converted from the
 * 'drop' graph, whose ReLU sites are the neurons (Round has no spiking form).
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { attrInt } from '../attrs.js';
import { dequantize, qparams, Q_RANGE, type QParams } from '../quant.js';
import type { Node, Tensor } from '../types.js';
import type { DequantContext } from './dequantize.js';

type Handler = (ctx: DequantContext, n: Node) => void;

const f32 = (v: number): Tensor => ({ dtype: 'float32', dims: [], data: Float32Array.of(v) });

function push(ctx: DequantContext, from: Node, op: string, inputs: readonly string[], y?: string, attrs: Node['attrs'] = {}): string {
  const out = y ?? ctx.fresh(`${from.name}_${op.toLowerCase()}`);
  ctx.nodes.push({ name: ctx.fresh(`${from.name}_${op}`), opType: op, domain: '', inputs, outputs: [out], attrs });
  return out;
}

function requireOpset11(ctx: DequantContext, from: Node): void {
  if (ctx.model.opset < 11) {
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `activationQuant 'keep' needs opset ≥ 11 (Round); the model has opset ${ctx.model.opset} (node "${from.name}")`,
      { option: 'activationQuant', expected: 'opset >= 11', actual: ctx.model.opset },
    );
  }
}

/** Per-tensor parameters of an activation (a per-channel activation scale has no QLinear kernel). */
function perTensor(from: Node, p: QParams): { s: number; zp: number; lo: number; hi: number } {
  if (p.scale.length !== 1)
    throw new Onnx2SnnError(
      ErrorCodes.GRAPH,
      `node "${from.name}" (${from.opType}): activation quantization per channel is not supported with activationQuant 'keep'`,
      { node: from.name },
    );
  const [qmin, qmax] = Q_RANGE[p.dtype]!;
  const zp = Number(p.zeroPoint[0]);
  return { s: p.scale[0]!, zp, lo: qmin - zp, hi: qmax - zp };
}

/** k = round(x / s): the integers (q − zp) of a real-valued quantized tensor, cached per tensor. */
function integers(ctx: DequantContext, from: Node, x: string, p: QParams): string {
  const key = `${x}\u0000int`;
  const have = ctx.intOf.get(key);
  if (have) return have;
  const { s } = perTensor(from, p);
  const k = push(ctx, from, 'Round', [push(ctx, from, 'Div', [x, ctx.addConst(`${x}_scale`, f32(s))])], ctx.fresh(`${x}_int`));
  ctx.intOf.set(key, k);
  return k;
}

/** v (≈ q − zp_y, before rounding) → y = clamp(round(v), q_min − zp, q_max − zp) · s_y. */
function roundToGrid(ctx: DequantContext, from: Node, v: string, y: string, p: QParams): void {
  const { s, lo, hi } = perTensor(from, p);
  const r = push(ctx, from, 'Round', [v]);
  const c = push(ctx, from, 'Clip', [r, ctx.addConst(`${y}_qmin`, f32(lo)), ctx.addConst(`${y}_qmax`, f32(hi))]);
  push(ctx, from, 'Mul', [c, ctx.addConst(`${y}_scale`, f32(s))], y);
  ctx.qOf.set(y, p);
}

/**
 * Round of an integer accumulator: a no-op on the values, but it keeps onnxruntime's graph
 * optimiser from folding the following Mul by the multipliers into the Conv's weights
 * (ConvMulFusion) or MatMul's alpha (MatMulScaleFusion), which would round acc·M differently.
 */
function settled(ctx: DequantContext, from: Node, acc: string): string {
  return push(ctx, from, 'Round', [acc]);
}

/** Fake quantization of a real-valued tensor: round(x / s) on the grid (QuantizeLinear's Div, then DequantizeLinear). */
export function fakeQuantize(ctx: DequantContext, from: Node, x: string, y: string, p: QParams): void {
  requireOpset11(ctx, from);
  const { s } = perTensor(from, p);
  roundToGrid(ctx, from, push(ctx, from, 'Div', [x, ctx.addConst(`${y}_scale`, f32(s))]), y, p);
}

/** The requantization multipliers fround(fround(s_x·s_w[c]) / s_y), shaped to broadcast over channel axis `dims`. */
function multipliers(sx: number, w: QParams, sy: number, dims: readonly number[]): Tensor {
  const m = Float32Array.from(w.scale, (sw) => Math.fround(Math.fround(sx * sw) / sy));
  return { dtype: 'float32', dims: m.length === 1 ? [] : dims, data: m };
}

/** The weights as the integers q − zp (exact in float32). */
function integerWeights(ctx: DequantContext, n: Node, at: number, p: QParams, axis: number): { name: string; t: Tensor } {
  const w = ctx.constant(n.inputs[at]);
  if (!w) throw new Onnx2SnnError(ErrorCodes.UNSUPPORTED_OP, `node "${n.name}" (${n.opType}): the weights are not a constant`, { node: n.name });
  const t = dequantize(n, w, { ...p, scale: new Float32Array(p.scale.length).fill(1) }, axis);
  return { name: ctx.addConst(`${n.inputs[at]}_int`, t), t };
}

/**
 * The largest |partial sum| an output channel can reach: Σ|w| · max|k| + |bias|. Below 2^24 the
 * float32 accumulation of integers is exact whatever the summation order.
 */
function accumulatorBound(w: Tensor, outAxis: number, kMax: number, bias?: Tensor): number {
  const C = w.dims[outAxis]!;
  let inner = 1;
  for (let d = outAxis + 1; d < w.dims.length; d++) inner *= w.dims[d]!;
  const sums = new Float64Array(C);
  for (let i = 0; i < w.data.length; i++) sums[Math.floor(i / inner) % C]! += Math.abs(w.data[i]!);
  let max = 0;
  for (let c = 0; c < C; c++) max = Math.max(max, sums[c]! * kMax + (bias ? Math.abs(bias.data[c] ?? bias.data[0]!) : 0));
  return max;
}

function noteBound(ctx: DequantContext, n: Node, bound: number): void {
  ctx.accBounds[n.name] = bound;
}

const params = (ctx: DequantContext, n: Node, at: number, what: string): QParams =>
  qparams(n, ctx.constant(n.inputs[at]), ctx.constant(n.inputs[at + 1]), what);

const kMaxOf = (p: QParams): number => {
  const [qmin, qmax] = Q_RANGE[p.dtype]!;
  const zp = Number(p.zeroPoint[0]);
  return Math.max(Math.abs(qmin - zp), Math.abs(qmax - zp));
};

const qlinearConv: Handler = (ctx, n) => {
  requireOpset11(ctx, n);
  const x = params(ctx, n, 1, 'input');
  const w = params(ctx, n, 4, 'weight');
  const y = params(ctx, n, 6, 'output');
  const wi = integerWeights(ctx, n, 3, w, 0);
  const inputs = [integers(ctx, n, n.inputs[0]!, x), wi.name];
  let bias: Tensor | undefined;
  if (n.inputs[8]) {
    bias = ctx.constant(n.inputs[8]);
    if (!bias) throw new Onnx2SnnError(ErrorCodes.UNSUPPORTED_OP, `node "${n.name}" (QLinearConv): the bias is not a constant`, { node: n.name });
    inputs.push(ctx.addConst(n.inputs[8], { dtype: 'float32', dims: [...bias.dims], data: Float32Array.from(bias.data as ArrayLike<number>, Number) }));
  }
  noteBound(ctx, n, accumulatorBound(wi.t, 0, kMaxOf(x), bias));
  const acc = settled(ctx, n, push(ctx, n, 'Conv', inputs, undefined, n.attrs));
  const rank = wi.t.dims.length;
  const m = ctx.addConst(`${n.outputs[0]}_multiplier`, multipliers(x.scale[0]!, w, y.scale[0]!, [w.scale.length, ...new Array<number>(rank - 2).fill(1)]));
  roundToGrid(ctx, n, push(ctx, n, 'Mul', [acc, m]), n.outputs[0]!, y);
};

const qlinearMatMul: Handler = (ctx, n) => {
  requireOpset11(ctx, n);
  const a = params(ctx, n, 1, 'A');
  const b = params(ctx, n, 4, 'B');
  const y = params(ctx, n, 6, 'output');
  if (ctx.constant(n.inputs[0]) || a.scale.length !== 1)
    throw new Onnx2SnnError(
      ErrorCodes.UNSUPPORTED_OP,
      `node "${n.name}" (QLinearMatMul): activationQuant 'keep' needs a tensor A with one scale and constant B`,
      { node: n.name },
    );
  const rankB = ctx.constant(n.inputs[3])?.dims.length ?? 2;
  const bi = integerWeights(ctx, n, 3, b, rankB - 1);
  noteBound(ctx, n, accumulatorBound(bi.t, rankB - 1, kMaxOf(a)));
  const acc = settled(ctx, n, push(ctx, n, 'MatMul', [integers(ctx, n, n.inputs[0]!, a), bi.name]));
  const m = ctx.addConst(`${n.outputs[0]}_multiplier`, multipliers(a.scale[0]!, b, y.scale[0]!, [b.scale.length]));
  roundToGrid(ctx, n, push(ctx, n, 'Mul', [acc, m]), n.outputs[0]!, y);
};

const qlinearAdd: Handler = (ctx, n) => {
  requireOpset11(ctx, n);
  const a = params(ctx, n, 1, 'A');
  const b = params(ctx, n, 4, 'B');
  const c = params(ctx, n, 6, 'output');
  const sum = push(ctx, n, 'Add', [ctx.floatInput(n, n.inputs[0]!, a), ctx.floatInput(n, n.inputs[3]!, b)]);
  fakeQuantize(ctx, n, sum, n.outputs[0]!, c);
};

const qlinearGlobalAveragePool: Handler = (ctx, n) => {
  requireOpset11(ctx, n);
  if (attrInt(n, 'channels_last', 0) !== 0)
    throw new Onnx2SnnError(ErrorCodes.UNSUPPORTED_OP, `node "${n.name}": channels_last = 1 (NHWC) is not supported`, { node: n.name });
  const x = params(ctx, n, 1, 'input');
  const y = params(ctx, n, 3, 'output');
  const dims = ctx.dimsOf(n.inputs[0]!);
  if (!dims || dims.slice(2).some((d) => !(d > 0)))
    throw new Onnx2SnnError(
      ErrorCodes.UNSUPPORTED_OP,
      `node "${n.name}" (QLinearGlobalAveragePool): activationQuant 'keep' needs the spatial size of its input`,
      { node: n.name },
    );
  const size = dims.slice(2).reduce((p, d) => p * d, 1);
  const mean = push(ctx, n, 'GlobalAveragePool', [integers(ctx, n, n.inputs[0]!, x)]);
  const sum = push(ctx, n, 'Round', [push(ctx, n, 'Mul', [mean, ctx.addConst(`${n.outputs[0]}_size`, f32(size))])]);
  const scale = Math.fround(x.scale[0]! / Math.fround(y.scale[0]! * size));
  roundToGrid(ctx, n, push(ctx, n, 'Mul', [sum, ctx.addConst(`${n.outputs[0]}_multiplier`, f32(scale))]), n.outputs[0]!, y);
};

/** The bit-exact emulations by op type; other QLinear ops take the float op plus fakeQuantize. */
export const EXACT_OPS: Readonly<Record<string, Handler>> = {
  QLinearConv: qlinearConv,
  QLinearMatMul: qlinearMatMul,
  QLinearAdd: qlinearAdd,
  QLinearGlobalAveragePool: qlinearGlobalAveragePool,
};
