/**
 * Add, Sub, Mul, Div (opset 7+: multidirectional numpy broadcasting). The result keeps the input
 * dtype; integer Div truncates toward zero (C++), integer results wrap like two's complement for the
 * types up to 32 bits. Integer division by zero gives 0 here (undefined behaviour in onnxruntime).
 */
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import type { OpRule, OutputShape, ShapedValue } from './types.js';
import { alloc, broadcastShapes, broadcastStrides, isIntType, need, shapeError, wrapInt } from './util.js';

type BinOp = 'Add' | 'Sub' | 'Mul' | 'Div';

function binaryShape(node: Node, a: ShapedValue | Tensor, b: ShapedValue | Tensor): OutputShape {
  if (a.dtype !== b.dtype) throw shapeError(node, `operands have different types: ${a.dtype} and ${b.dtype}`, a.dtype, b.dtype);
  if (a.dtype === 'bool') throw shapeError(node, `arithmetic on bool tensors is not defined`, 'numeric type', 'bool');
  return { dtype: a.dtype, dims: broadcastShapes(node, [a.dims, b.dims]) };
}

/** Runs `op` over one row: out[o+j] = a[ia + j*sa] op b[ib + j*sb] for j < len. */
function row(op: BinOp, out: Float32Array | Float64Array, o: number, ad: Float32Array | Float64Array, ia: number, sa: number, bd: Float32Array | Float64Array, ib: number, sb: number, len: number, intDiv: boolean): void {
  switch (op) {
    case 'Add':
      for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = ad[ia]! + bd[ib]!;
      break;
    case 'Sub':
      for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = ad[ia]! - bd[ib]!;
      break;
    case 'Mul':
      for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = ad[ia]! * bd[ib]!;
      break;
    case 'Div':
      if (intDiv) {
        for (let j = 0; j < len; j++, ia += sa, ib += sb) {
          const d = bd[ib]!;
          out[o + j] = d === 0 ? 0 : Math.trunc(ad[ia]! / d);
        }
      } else {
        for (let j = 0; j < len; j++, ia += sa, ib += sb) out[o + j] = ad[ia]! / bd[ib]!;
      }
      break;
  }
}

/** Elementwise binary op with numpy broadcasting. */
export function binaryEval(node: Node, op: BinOp, a: Tensor, b: Tensor): Tensor {
  const { dtype, dims } = binaryShape(node, a, b);
  const total = sizeOf(dims);
  const out = alloc(dtype, total);
  const intType = isIntType(dtype);
  const r = dims.length;
  if (total > 0) {
    const sA = broadcastStrides(a.dims, dims);
    const sB = broadcastStrides(b.dims, dims);
    const len = r === 0 ? 1 : dims[r - 1]!;
    const la = r === 0 ? 0 : sA[r - 1]!;
    const lb = r === 0 ? 0 : sB[r - 1]!;
    const rows = total / len;
    const idx = new Array<number>(Math.max(0, r - 1)).fill(0);
    let ia = 0;
    let ib = 0;
    for (let t = 0, o = 0; t < rows; t++, o += len) {
      row(op, out, o, a.data, ia, la, b.data, ib, lb, len, intType);
      for (let d = r - 2; d >= 0; d--) {
        idx[d]!++;
        ia += sA[d]!;
        ib += sB[d]!;
        if (idx[d]! < dims[d]!) break;
        ia -= sA[d]! * dims[d]!;
        ib -= sB[d]! * dims[d]!;
        idx[d] = 0;
      }
    }
    if (intType) for (let i = 0; i < total; i++) out[i] = wrapInt(dtype, out[i]!);
  }
  return { dtype, dims, data: out };
}

function binaryRule(op: BinOp): OpRule {
  return {
    opType: op,
    sinceOpset: 7,
    inferShapes: (node, inputs) => [binaryShape(node, need(node, inputs, 0, 'A'), need(node, inputs, 1, 'B'))],
    evaluate: (node, inputs) => [binaryEval(node, op, need(node, inputs, 0, 'A'), need(node, inputs, 1, 'B'))],
  };
}

export const add = binaryRule('Add');
export const sub = binaryRule('Sub');
export const mul = binaryRule('Mul');
export const div = binaryRule('Div');

export const elementwiseRules: readonly OpRule[] = [add, sub, mul, div];
