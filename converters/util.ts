/** Small helpers shared by the op files. */
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import type { Node, Tensor } from '../src/graph/types.js';
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

/** Normalises a possibly negative axis against a rank, with a clear error naming the node. */
export function normAxis(node: Node, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw attributeError(node, `axis ${axis} out of range for rank ${rank}`, 'axis', axis);
  return a;
}
