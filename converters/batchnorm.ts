/**
 * BatchNormalization in inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B, per
 * channel on axis 1 (opset 7/8 `spatial=0`: per element of x.dims[1:]). Training mode is rejected:
 * before opset 14 ONNX selects it by listing the extra outputs (mean, var, saved_mean, saved_var),
 * which onnxruntime honours (batch statistics); since 14 by training_mode=1, and extra outputs are
 * invalid without it.
 */
import { attrFloat, attrInt } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import { defineOp, io } from './define.js';
import type { AttrSpec, OpEntry, ShapedValue } from './types.js';
import { alloc, attributeError, dimsText, need, shapeError } from './util.js';

type Val = ShapedValue | Tensor;

interface BnAttrs {
  readonly epsilon: number;
  /** Per channel (axis 1); opset 7/8 spatial = 0: per element of x.dims[1:]. */
  readonly spatial: boolean;
}

function parseBn(node: Node, sinceOpset: number): BnAttrs {
  if (sinceOpset >= 14) {
    const tm = attrInt(node, 'training_mode', 0);
    if (tm !== 0) throw attributeError(node, 'training_mode = 1 is not supported (inference only)', 'training_mode', tm);
  }
  return { epsilon: attrFloat(node, 'epsilon', 1e-5), spatial: sinceOpset < 9 ? attrInt(node, 'spatial', 1) !== 0 : true };
}

function plan(node: Node, a: BnAttrs, inputs: readonly (Val | undefined)[], sinceOpset: number): { x: Val; paramDims: number[] } {
  const x = need(node, inputs, 0, 'X');
  if (x.dims.length < 2) throw shapeError(node, `input X must be (N, C, ...), got ${dimsText(x.dims)}`, 'rank >= 2', x.dims.length);
  if (node.outputs.length > 1) {
    throw attributeError(
      node,
      `${node.outputs.length} outputs make this a training-mode BatchNormalization (batch statistics); only inference (one output) is supported`,
      'outputs',
      node.outputs.length,
    );
  }
  const spatial = a.spatial;
  const paramDims = spatial ? [x.dims[1]!] : x.dims.slice(1);
  const names = ['scale', 'B', 'input_mean', 'input_var'];
  names.forEach((nm, k) => {
    const p = need(node, inputs, k + 1, nm);
    if (sizeOf(p.dims) !== sizeOf(paramDims) || (spatial && p.dims.length !== 1)) {
      throw shapeError(
        node,
        `${nm} ${dimsText(p.dims)} does not fit X ${dimsText(x.dims)} (expected ${dimsText(paramDims)})`,
        dimsText(paramDims),
        dimsText(p.dims),
      );
    }
    if (sinceOpset < 15 && p.dtype !== x.dtype) throw shapeError(node, `${nm} has type ${p.dtype} but X has ${x.dtype}`, x.dtype, p.dtype);
  });
  return { x, paramDims };
}

function bnEval(node: Node, a: BnAttrs, inputs: readonly (Tensor | undefined)[], sinceOpset: number): Tensor {
  const { paramDims } = plan(node, a, inputs, sinceOpset);
  const x = inputs[0]!;
  const [scale, bias, mean, variance] = [inputs[1]!, inputs[2]!, inputs[3]!, inputs[4]!];
  const eps = a.epsilon;
  const P = sizeOf(paramDims);
  const mul = new Float64Array(P);
  const add = new Float64Array(P);
  for (let c = 0; c < P; c++) {
    mul[c] = scale.data[c]! / Math.sqrt(variance.data[c]! + eps);
    add[c] = bias.data[c]! - mean.data[c]! * mul[c]!;
  }
  const N = x.dims[0]!;
  const C = x.dims[1]!;
  const S = sizeOf(x.dims.slice(2));
  const spatial = P === C && paramDims.length === 1;
  const out = alloc(x.dtype, x.data.length);
  const xd = x.data;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * S;
      if (spatial) {
        const m = mul[c]!;
        const a = add[c]!;
        for (let i = 0; i < S; i++) out[base + i] = xd[base + i]! * m + a;
      } else {
        for (let i = 0; i < S; i++) out[base + i] = xd[base + i]! * mul[c * S + i]! + add[c * S + i]!;
      }
    }
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

function rule(sinceOpset: number): OpEntry<BnAttrs> {
  const attrs: Record<string, AttrSpec> = { epsilon: { kind: 'float' }, momentum: { kind: 'float' } };
  if (sinceOpset < 9) attrs['spatial'] = { kind: 'int' };
  if (sinceOpset >= 14) attrs['training_mode'] = { kind: 'int' };
  return defineOp<BnAttrs>({
    opType: 'BatchNormalization',
    sinceOpset,
    schema: io(5, [1, sinceOpset >= 14 ? 3 : 5], attrs),
    attrs: (node) => parseBn(node, sinceOpset),
    shapes(node, a, inputs) {
      const { x } = plan(node, a, inputs, sinceOpset);
      return [{ dtype: x.dtype, dims: [...x.dims] }];
    },
    run: (node, a, inputs) => [bnEval(node, a, inputs, sinceOpset)],
    spiking: { kind: 'linear', dynamicInputs: [0] },
    synops: { carry: 'pass' },
    lower: {
      nir: (n, _a, _ins, ctx) =>
        ctx.problem(`BatchNormalization "${n.name}": a per-channel affine map that could not be folded into a Conv/Gemm has no NIR primitive`),
    },
  });
}

export const batchNormalization7 = rule(7);
export const batchNormalization9 = rule(9);
export const batchNormalization14 = rule(14);
export const batchNormalization15 = rule(15);

export const ops: readonly OpEntry[] = [batchNormalization7, batchNormalization9, batchNormalization14, batchNormalization15];
