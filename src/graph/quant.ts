/**
 * Quantization arithmetic of ONNX's QuantizeLinear / DequantizeLinear and of onnxruntime's QLinear
 * ops: real value = (q − zero_point) · scale, with scale per tensor or per axis.
 *
 * Dequantization here is exact with respect to the runtime's float32 arithmetic: (q − zp) is an
 * integer below 2^24 and scale a float32, so their float64 product is exact and one rounding to
 * float32 gives the value DequantizeLinear computes.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { DType, Node, Tensor } from './types.js';

/** Integer range of a quantized type. */
export const Q_RANGE: Readonly<Partial<Record<DType, readonly [number, number]>>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

export interface QParams {
  /** float32 scales: one, or one per slice along `axis`. */
  readonly scale: Float32Array | Float64Array;
  /** Zero points (same count as scale), integers; all 0 when the zero point is omitted. */
  readonly zeroPoint: ArrayLike<number>;
  /** The quantized type (the zero point's type; uint8 when omitted, as in the spec). */
  readonly dtype: DType;
}

function bad(node: Node, what: string, details: Record<string, unknown> = {}): never {
  throw new Onnx2SnnError(ErrorCodes.GRAPH, `node "${node.name}" (${node.opType}): ${what}`, { node: node.name, opType: node.opType, ...details });
}

/** Scale and zero point from constant tensors (zero point optional). */
export function qparams(node: Node, scale: Tensor | undefined, zeroPoint: Tensor | undefined, what: string): QParams {
  if (!scale) bad(node, `the ${what} scale is not a constant; only static quantization can be imported`);
  if (zeroPoint && zeroPoint.data.length !== scale.data.length) {
    bad(node, `the ${what} zero point has ${zeroPoint.data.length} values for ${scale.data.length} scales`);
  }
  const dtype = zeroPoint?.dtype ?? 'uint8';
  if (!Q_RANGE[dtype]) bad(node, `the ${what} zero point has type ${dtype}, not a quantized integer type`, { dtype });
  return { scale: scale.data, zeroPoint: zeroPoint?.data ?? new Float64Array(scale.data.length), dtype };
}

/**
 * Index into the scale of element i of a tensor with `dims`: per tensor (one scale), per `axis`
 * (DequantizeLinear, QLinearConv weights), or, without an axis, by numpy broadcasting of a 1-D
 * scale against the last dimension (QLinearMatMul's per-column B scale).
 */
function scaleIndexer(dims: readonly number[], count: number, axis: number | undefined): (i: number) => number {
  if (count === 1) return () => 0;
  const rank = dims.length;
  const ax = axis === undefined ? rank - 1 : axis < 0 ? axis + rank : axis;
  if (dims[ax] !== count) return () => -1;
  let inner = 1;
  for (let d = ax + 1; d < rank; d++) inner *= dims[d]!;
  return (i) => Math.floor(i / inner) % count;
}

/** Round half to even (ONNX QuantizeLinear's rounding). */
export function roundHalfEven(v: number): number {
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v);
}

/** QuantizeLinear of a constant: saturate(round(x / s) + zp), x / s in float32 as the runtime computes it. */
export function quantize(node: Node, x: Tensor, p: QParams, axis?: number): Tensor {
  const at = scaleIndexer(x.dims, p.scale.length, axis);
  const [qmin, qmax] = Q_RANGE[p.dtype]!;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const k = at(i);
    if (k < 0) bad(node, `${p.scale.length} scales do not fit a tensor of dims [${x.dims.join(',')}]`);
    const q = roundHalfEven(Math.fround(x.data[i]! / p.scale[k]!)) + Number(p.zeroPoint[k]);
    out[i] = Math.min(qmax, Math.max(qmin, q));
  }
  return { dtype: p.dtype, dims: [...x.dims], data: out };
}

/** Dequantizes a constant: (q − zp)·scale, rounded once to float32. */
export function dequantize(node: Node, q: Tensor, p: QParams, axis?: number): Tensor {
  const at = scaleIndexer(q.dims, p.scale.length, axis);
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) {
    const k = at(i);
    if (k < 0) bad(node, `${p.scale.length} scales do not fit a tensor of dims [${q.dims.join(',')}]${axis !== undefined ? ` along axis ${axis}` : ''}`);
    out[i] = Math.fround((q.data[i]! - Number(p.zeroPoint[k])) * p.scale[k]!);
  }
  return { dtype: 'float32', dims: [...q.dims], data: out };
}

/**
 * The int32 bias of QLinearConv / QGemm, whose scale is input_scale · weight_scale (zero point 0):
 * that product is rounded to float32 first, as onnxruntime's quantizer computes it when it writes
 * the same bias as a DequantizeLinear (QDQ format).
 */
export function dequantizeBias(node: Node, b: Tensor, inScale: number, w: QParams): Tensor {
  const scale = Float32Array.from(w.scale, (s) => Math.fround(inScale * s));
  return dequantize(node, b, { scale, zeroPoint: new Float64Array(scale.length), dtype: 'int32' }, 0);
}

/** The real interval a quantized tensor can represent: [(qmin − zp)·s, (qmax − zp)·s] (per-tensor parameters). */
export function representable(p: QParams): readonly [number, number] | undefined {
  if (p.scale.length !== 1) return undefined;
  const [qmin, qmax] = Q_RANGE[p.dtype]!;
  const s = p.scale[0]!;
  const zp = Number(p.zeroPoint[0]);
  return [Math.fround((qmin - zp) * s), Math.fround((qmax - zp) * s)];
}

/**
 * The cap of a quantized activation whose range starts at 0 (zero point at the type's minimum,
 * e.g. uint8 with zero point 0): such a tensor cannot hold negative values, so quantizing to it is
 * a ReLU capped at the top of the range (ReLU6 when that is 6). Undefined for other ranges.
 */
export function reluCap(p: QParams): number | undefined {
  const r = representable(p);
  return r && r[0] === 0 && r[1] > 0 ? r[1] : undefined;
}
