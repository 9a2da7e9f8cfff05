/**
 * Add, Sub, Mul, Div (opset 7+: multidirectional numpy broadcasting). The result keeps the input
 * dtype; integer Div truncates toward zero (C++), integer results wrap like two's complement for the
 * types up to 32 bits. Integer division by zero gives 0 here (undefined behaviour in onnxruntime).
 * In an SNN: a residual Add/Sub of two spike trains passes the events of both; Mul/Div by a
 * constant scales them (one time-varying operand at most, and never a divisor). NIR: two
 * time-varying operands are two edges into one node, a constant addend joins the bias of the
 * Conv/Gemm that alone produces the other, a constant factor is a Scale.
 */
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import { broadcastConst, prod, same, text } from './backends/nir.js';
import type { NirLowering } from './backends/types.js';
import { defineOp, io, noAttrs } from './define.js';
import type { OpEntry, OutputShape, ShapedValue, SpikingRole, SynopsRole } from './types.js';
import { alloc, broadcastShapes, broadcastStrides, isIntType, need, shapeError, wrapInt } from './util.js';

type BinOp = 'Add' | 'Sub' | 'Mul' | 'Div';

function binaryShape(node: Node, a: ShapedValue | Tensor, b: ShapedValue | Tensor): OutputShape {
  if (a.dtype !== b.dtype) throw shapeError(node, `operands have different types: ${a.dtype} and ${b.dtype}`, a.dtype, b.dtype);
  if (a.dtype === 'bool') throw shapeError(node, `arithmetic on bool tensors is not defined`, 'numeric type', 'bool');
  return { dtype: a.dtype, dims: broadcastShapes(node, [a.dims, b.dims]) };
}

/** Runs `op` over one row: out[o+j] = a[ia + j*sa] op b[ib + j*sb] for j < len. */
function row(
  op: BinOp,
  out: Float32Array | Float64Array,
  o: number,
  ad: Float32Array | Float64Array,
  ia: number,
  sa: number,
  bd: Float32Array | Float64Array,
  ib: number,
  sb: number,
  len: number,
  intDiv: boolean,
): void {
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

const addSubNir: NirLowering<unknown> = (n, _a, [a, b], ctx) => {
  if (a && b) {
    if (!same(a.dims, b.dims)) return ctx.problem(`${n.opType} "${n.name}": broadcasts ${text(a.dims)} against ${text(b.dims)}; NIR sums equal shapes only`);
    const oa = ctx.ownedBy(a, n.inputs[0]!).owned;
    if (n.opType === 'Add') return { terms: [...a.terms, ...b.terms], dims: a.dims, owned: [...oa, ...ctx.ownedBy(b, n.inputs[1]!).owned] };
    const neg = ctx.scale(n, b, new Float32Array(prod(b.dims)).fill(-1), '_neg');
    return { terms: [...a.terms, ...neg.terms], dims: a.dims, owned: oa };
  }
  if (a) return ctx.foldBias(n, ctx.ownedBy(a, n.inputs[0]!), ctx.constant(n.inputs[1]!)!, n.opType === 'Add' ? 1 : -1);
  if (n.opType === 'Add') return ctx.foldBias(n, ctx.ownedBy(b!, n.inputs[1]!), ctx.constant(n.inputs[0]!)!, 1);
  return ctx.problem(`Sub "${n.name}": a constant minus a time-varying tensor has no NIR form (negation and bias on one node)`);
};

const mulDivNir: NirLowering<unknown> = (n, _a, ins, ctx) => {
  const vi = ins[0] ? 0 : 1;
  if (n.opType === 'Div' && vi !== 0) return ctx.problem(`Div "${n.name}": divides by a time-varying tensor`);
  const v = ins[vi]!;
  const c = ctx.constant(n.inputs[1 - vi]!);
  const full = c && broadcastConst(c, v.dims);
  if (!full) return ctx.problem(`${n.opType} "${n.name}": the factor ${c ? text(c.dims) : ''} does not broadcast to ${text(v.dims)} per sample`);
  return ctx.scale(n, v, n.opType === 'Div' ? full.map((q) => 1 / q) : full, '');
};

const ROLES: Record<BinOp, { spiking: SpikingRole; synops: SynopsRole; nir: NirLowering<unknown> }> = {
  Add: { spiking: { kind: 'linear' }, synops: { carry: 'sum' }, nir: addSubNir },
  Sub: { spiking: { kind: 'linear' }, synops: { carry: 'sum' }, nir: addSubNir },
  Mul: { spiking: { kind: 'linear', maxDynamic: 1 }, synops: { carry: 'pass' }, nir: mulDivNir },
  Div: { spiking: { kind: 'linear', dynamicInputs: [0] }, synops: { carry: 'pass' }, nir: mulDivNir },
};

const TFJS = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div' } as const;

function binaryRule(op: BinOp): OpEntry {
  return defineOp({
    opType: op,
    sinceOpset: 7,
    schema: io(2, 1),
    attrs: noAttrs,
    shapes: (node, _a, inputs) => [binaryShape(node, need(node, inputs, 0, 'A'), need(node, inputs, 1, 'B'))],
    run: (node, _a, inputs) => [binaryEval(node, op, need(node, inputs, 0, 'A'), need(node, inputs, 1, 'B'))],
    spiking: ROLES[op].spiking,
    synops: ROLES[op].synops,
    lower: { tfjs: (_n, _a, _ins, ctx) => ctx.tf[TFJS[op]](ctx.input(0), ctx.input(1)), nir: ROLES[op].nir },
  });
}

export const add = binaryRule('Add');
export const sub = binaryRule('Sub');
export const mul = binaryRule('Mul');
export const div = binaryRule('Div');

export const ops: readonly OpEntry[] = [add, sub, mul, div];
