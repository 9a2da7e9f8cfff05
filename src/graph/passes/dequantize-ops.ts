/**
 * The QOperator ops of onnxruntime's quantizer (ONNX domain and com.microsoft contrib ops) and
 * the float op each becomes. Input layouts follow the op schemas:
 *   QLinearConv       x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [B (int32)]
 *   QLinearMatMul     a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp
 *   QGemm             A, a_scale, a_zp, B, b_scale, b_zp, [C (int32)], [y_scale, y_zp]
 *   QLinearAdd / Mul  A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp
 *   QLinearConcat     Y_scale, Y_zp, then (X, X_scale, X_zp) per input
 *   QLinearGlobalAveragePool / QLinearAveragePool / QLinearSoftmax   X, x_scale, x_zp, y_scale, y_zp
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { attrInt } from '../attrs.js';
import { dequantize, dequantizeBias, qparams, type QParams } from '../quant.js';
import type { Node } from '../types.js';
import type { DequantContext } from './dequantize.js';

type Handler = (ctx: DequantContext, n: Node) => void;

function unsupported(n: Node, why: string): never {
  throw new Onnx2SnnError(ErrorCodes.UNSUPPORTED_OP, `node "${n.name}" (${n.opType}): ${why}`, { node: n.name, opType: n.opType, domain: n.domain });
}

const params = (ctx: DequantContext, n: Node, at: number, what: string): QParams =>
  qparams(n, ctx.constant(n.inputs[at]), ctx.constant(n.inputs[at + 1]), what);

/** Attributes other than the listed ones, unchanged. */
function without(n: Node, ...drop: string[]): Node['attrs'] {
  return Object.fromEntries(Object.entries(n.attrs).filter(([k]) => !drop.includes(k)));
}

function constantWeight(ctx: DequantContext, n: Node, at: number, p: QParams, axis: number) {
  const w = ctx.constant(n.inputs[at]);
  if (!w) unsupported(n, 'the weights are not a constant; only static quantization can be imported');
  return ctx.addConst(n.inputs[at]!, dequantize(n, w, p, axis));
}

const qlinearConv: Handler = (ctx, n) => {
  const x = params(ctx, n, 1, 'input');
  const w = params(ctx, n, 4, 'weight');
  const y = params(ctx, n, 6, 'output');
  const inputs = [n.inputs[0]!, constantWeight(ctx, n, 3, w, 0)];
  if (n.inputs[8]) {
    const b = ctx.constant(n.inputs[8]);
    if (!b) unsupported(n, 'the bias is not a constant');
    inputs.push(ctx.addConst(n.inputs[8], dequantizeBias(n, b, x.scale[0]!, w)));
  }
  ctx.emit(n, 'Conv', inputs, n.outputs[0]!, y, n.attrs);
};

const qlinearMatMul: Handler = (ctx, n) => {
  const a = params(ctx, n, 1, 'A');
  const b = params(ctx, n, 4, 'B');
  const y = params(ctx, n, 6, 'output');
  const rank = (i: number): number => ctx.constant(n.inputs[i])?.dims.length ?? 2;
  // a 1-D scale is per row of A and per column of B
  const inputs = [ctx.floatInput(n, n.inputs[0]!, a, rank(0) - 2), ctx.floatInput(n, n.inputs[3]!, b, rank(3) - 1)];
  ctx.emit(n, 'MatMul', inputs, n.outputs[0]!, y);
};

const qgemm: Handler = (ctx, n) => {
  const a = params(ctx, n, 1, 'A');
  const b = params(ctx, n, 4, 'B');
  const transB = attrInt(n, 'transB', 0);
  const inputs = [ctx.floatInput(n, n.inputs[0]!, a), constantWeight(ctx, n, 3, b, transB ? 0 : 1)];
  if (n.inputs[6]) {
    const c = ctx.constant(n.inputs[6]);
    if (!c) unsupported(n, 'the bias C is not a constant');
    inputs.push(ctx.addConst(n.inputs[6], dequantizeBias(n, c, a.scale[0]!, b)));
  }
  const y = n.inputs[7] ? params(ctx, n, 7, 'output') : undefined;
  ctx.emit(n, 'Gemm', inputs, n.outputs[0]!, y, without(n, 'beta'));
};

function binary(op: 'Add' | 'Mul'): Handler {
  return (ctx, n) => {
    const a = params(ctx, n, 1, 'A');
    const b = params(ctx, n, 4, 'B');
    const y = params(ctx, n, 6, 'output');
    ctx.emit(n, op, [ctx.floatInput(n, n.inputs[0]!, a), ctx.floatInput(n, n.inputs[3]!, b)], n.outputs[0]!, y);
  };
}

const qlinearConcat: Handler = (ctx, n) => {
  const y = params(ctx, n, 0, 'output');
  const inputs: string[] = [];
  for (let i = 2; i < n.inputs.length; i += 3) inputs.push(ctx.floatInput(n, n.inputs[i]!, params(ctx, n, i + 1, `input ${(i - 2) / 3}`)));
  ctx.emit(n, 'Concat', inputs, n.outputs[0]!, y, n.attrs);
};

function unary(op: 'GlobalAveragePool' | 'AveragePool' | 'Softmax'): Handler {
  return (ctx, n) => {
    params(ctx, n, 1, 'input');
    const y = params(ctx, n, 3, 'output');
    if (attrInt(n, 'channels_last', 0) !== 0) unsupported(n, 'channels_last = 1 (NHWC) is not supported');
    if (op === 'Softmax' && attrInt(n, 'opset', 13) >= 13 !== ctx.model.opset >= 13) {
      unsupported(n, `its Softmax semantics (opset attribute ${attrInt(n, 'opset', 13)}) differ from the model's opset ${ctx.model.opset}`);
    }
    ctx.emit(n, op, [n.inputs[0]!], n.outputs[0]!, y, without(n, 'channels_last', 'opset'));
  };
}

/** Handlers by op type (ONNX or com.microsoft domain). */
export const QLINEAR_OPS: Readonly<Record<string, Handler>> = {
  QLinearConv: qlinearConv,
  QLinearMatMul: qlinearMatMul,
  QGemm: qgemm,
  QLinearAdd: binary('Add'),
  QLinearMul: binary('Mul'),
  QLinearConcat: qlinearConcat,
  QLinearGlobalAveragePool: unary('GlobalAveragePool'),
  QLinearAveragePool: unary('AveragePool'),
  QLinearSoftmax: unary('Softmax'),
};
