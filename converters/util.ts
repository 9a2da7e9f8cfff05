/** Small helpers shared by the op files. */
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import type { OutputShape, ShapedValue } from './types.js';

export function sameShape(x: ShapedValue | undefined): OutputShape {
  if (!x) throw new Error('missing input');
  return { dtype: x.dtype, dims: [...x.dims] };
}

/** Elementwise map keeping dtype and dims (float32 results rounded by the Float32Array). */
export function unaryMap(x: Tensor, f: (v: number) => number): Tensor {
  const out = x.dtype === 'float32' ? new Float32Array(x.data.length) : new Float64Array(x.data.length);
  const d = x.data;
  for (let i = 0; i < d.length; i++) out[i] = f(d[i]!);
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

export function shapeError(node: Node, message: string, expected?: unknown, actual?: unknown): Onnx2SnnError {
  return new Onnx2SnnError(ErrorCodes.SHAPE, `node "${node.name}" (${node.opType}): ${message}`, { node: node.name, op: node.opType, expected, actual });
}

export function attributeError(node: Node, message: string, attribute?: string, actual?: unknown): Onnx2SnnError {
  return new Onnx2SnnError(ErrorCodes.ATTRIBUTE, `node "${node.name}" (${node.opType}): ${message}`, { node: node.name, op: node.opType, attribute, actual });
}

// ---------------------------------------------------------------------------------------------
// Helpers for the op families (conv, gemm, elementwise, pool, shape, softmax, batchnorm).

/** Storage for `n` values of `dtype`: Float32Array for float32, Float64Array otherwise. */
export function alloc(dtype: DType, n: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

export function dimsText(d: readonly number[]): string {
  return `[${d.join(',')}]`;
}

/** A required input (inputs[i]); E_SHAPE naming the node when it is missing. */
export function need<T extends { readonly dims: readonly number[] }>(node: Node, inputs: readonly (T | undefined)[], i: number, what: string): T {
  const v = inputs[i];
  if (!v) throw shapeError(node, `missing required input ${i} (${what})`, what, 'missing');
  return v;
}

/** The constant value of an input (a Tensor, or a ShapedValue with .value); E_SHAPE when not constant. */
export function constValue(node: Node, v: Tensor | ShapedValue | undefined, what: string): Tensor {
  if (!v) throw shapeError(node, `missing input ${what}`, what, 'missing');
  if ('data' in v) return v;
  if (!v.value)
    throw shapeError(node, `input ${what} must be a constant (initializer or folded constant) to know the output shape`, 'constant', 'computed at run time');
  return v.value;
}

/** Like constValue, but undefined when the optional input is omitted. */
export function optConstValue(node: Node, v: Tensor | ShapedValue | undefined, what: string): Tensor | undefined {
  return v ? constValue(node, v, what) : undefined;
}

/** Multidirectional (numpy) broadcast of shapes; E_SHAPE naming the node when they do not fit. */
export function broadcastShapes(node: Node, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (let k = 1; k <= rank; k++) {
    let d = 1;
    for (const s of shapes) {
      const v = s.length - k >= 0 ? s[s.length - k]! : 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) {
        throw shapeError(
          node,
          `shapes ${shapes.map(dimsText).join(' and ')} cannot be broadcast (dimension ${rank - k} of the result: ${d} vs ${v})`,
          dimsText(shapes[0] ?? []),
          shapes.map(dimsText).join(' '),
        );
      }
      d = v;
    }
    out[rank - k] = d;
  }
  return out;
}

/**
 * Strides (in elements) to read a tensor of `dims` while walking a tensor of `outDims` it broadcasts
 * to: 0 where it broadcasts, aligned to the right.
 */
export function broadcastStrides(dims: readonly number[], outDims: readonly number[]): number[] {
  const r = outDims.length;
  const s = new Array<number>(r).fill(0);
  let acc = 1;
  for (let k = 1; k <= dims.length; k++) {
    const d = dims[dims.length - k]!;
    s[r - k] = d === 1 ? 0 : acc;
    acc *= d;
  }
  return s;
}

const INT_RANGE: Partial<Record<DType, [bits: number, signed: boolean]>> = {
  int8: [8, true],
  uint8: [8, false],
  int16: [16, true],
  uint16: [16, false],
  int32: [32, true],
  uint32: [32, false],
};

/**
 * Integer result `v` (already an integer or ±Inf/NaN) wrapped into `dtype` the way C++ unsigned/
 * two's-complement arithmetic does. int64/uint64 are left as doubles (exact up to 2^53).
 */
export function wrapInt(dtype: DType, v: number): number {
  const r = INT_RANGE[dtype];
  if (!r) return dtype === 'bool' ? (v ? 1 : 0) : v;
  if (!Number.isFinite(v)) return 0;
  const m = 2 ** r[0];
  let w = v % m;
  if (w < 0) w += m;
  if (r[1] && w >= m / 2) w -= m;
  return w;
}

/** True when arithmetic results of `dtype` must be integers (every non-float type). */
export function isIntType(dtype: DType): boolean {
  return dtype !== 'float32' && dtype !== 'float64';
}

/** The lowest value of a dtype (the max pools' start). */
export function lowest(dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return -3.4028234663852886e38;
    case 'float64':
      return -Number.MAX_VALUE;
    case 'int8':
      return -128;
    case 'int16':
      return -32768;
    case 'int32':
      return -2147483648;
    case 'int64':
      return -(2 ** 63); // INT64_MIN as the JS number the reader produces
    default:
      return 0; // unsigned, bool
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the shape and routing ops.

/** A value as shape inference or evaluation sees it. */
export type Val = ShapedValue | Tensor;

export function copyData(t: Tensor): Float32Array | Float64Array {
  return t.data.slice();
}

export function withDims(t: Tensor, dims: readonly number[]): Tensor {
  return { dtype: t.dtype, dims: [...dims], data: copyData(t) };
}

/** Integer values of a constant (shape, axes, pads ...). */
export function ints(t: Tensor): number[] {
  return Array.from(t.data);
}

/**
 * Copies src into a new array walking `outDims`: out[i0..ik] = src[base + sum(i_d * strides[d])].
 * Used by Transpose, Slice and Pad.
 */
export function stridedCopy(
  src: Float32Array | Float64Array,
  base: number,
  outDims: readonly number[],
  strides: readonly number[],
  out: Float32Array | Float64Array,
): void {
  const total = sizeOf(outDims);
  if (total === 0) return;
  const r = outDims.length;
  if (r === 0) {
    out[0] = src[base]!;
    return;
  }
  const len = outDims[r - 1]!;
  const ls = strides[r - 1]!;
  const idx = new Array<number>(r - 1).fill(0);
  let off = base;
  for (let o = 0; o < total; o += len) {
    let i = off;
    for (let j = 0; j < len; j++, i += ls) out[o + j] = src[i]!;
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < outDims[d]!) break;
      off -= strides[d]! * outDims[d]!;
      idx[d] = 0;
    }
  }
}

/** Normalises a list of axes against `rank` (negatives allowed), rejecting out-of-range and repeats. */
export function normAxes(node: Node, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => {
    const v = a < 0 ? a + rank : a;
    if (!Number.isInteger(v) || v < 0 || v >= rank) throw attributeError(node, `${what} value ${a} is out of range for rank ${rank}`, what, axes);
    return v;
  });
  if (new Set(out).size !== out.length) throw attributeError(node, `${what} ${dimsText([...axes])} repeats an axis`, what, axes);
  return out;
}
