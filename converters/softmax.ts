/**
 * Softmax and LogSoftmax. Before opset 13 the input is coerced to 2-D at `axis` (default 1) and
 * normalised over everything from `axis` on; since opset 13 along the single `axis` (default -1).
 */
import { attrInt } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import { defineOp, io } from './define.js';
import type { OpEntry } from './types.js';
import { alloc, attributeError, need, sameShape, shapeError } from './util.js';

/** outer x len x inner decomposition: normalise over `len` elements spaced `inner` apart. */
function layout(node: Node, a0: number, dims: readonly number[], sinceOpset: number): { outer: number; len: number; inner: number } {
  const r = dims.length;
  if (sinceOpset < 13) {
    const axis = a0 < 0 ? a0 + r : a0;
    if (axis < 0 || axis >= r) throw attributeError(node, `axis ${a0} is out of range for rank ${r}`, 'axis', a0);
    return { outer: sizeOf(dims.slice(0, axis)), len: sizeOf(dims.slice(axis)), inner: 1 };
  }
  const axis = a0 < 0 ? a0 + r : a0;
  if (axis < 0 || axis >= r) throw attributeError(node, `axis ${a0} is out of range for rank ${r}`, 'axis', a0);
  return { outer: sizeOf(dims.slice(0, axis)), len: dims[axis]!, inner: sizeOf(dims.slice(axis + 1)) };
}

function softmaxEval(node: Node, axis: number, x: Tensor, sinceOpset: number, log: boolean): Tensor {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw shapeError(node, `input must be a float tensor, got ${x.dtype}`, 'float', x.dtype);
  const { outer, len, inner } = layout(node, axis, x.dims, sinceOpset);
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = -Infinity;
      for (let k = 0, p = base; k < len; k++, p += inner) if (xd[p]! > m) m = xd[p]!;
      let s = 0;
      for (let k = 0, p = base; k < len; k++, p += inner) s += Math.exp(xd[p]! - m);
      if (log) {
        const ls = Math.log(s);
        for (let k = 0, p = base; k < len; k++, p += inner) out[p] = xd[p]! - m - ls;
      } else {
        for (let k = 0, p = base; k < len; k++, p += inner) out[p] = Math.exp(xd[p]! - m) / s;
      }
    }
  }
  return { dtype: x.dtype, dims: [...x.dims], data: out };
}

function rule(opType: 'Softmax' | 'LogSoftmax', sinceOpset: number): OpEntry<number> {
  const log = opType === 'LogSoftmax';
  return defineOp<number>({
    opType,
    sinceOpset,
    schema: io(1, 1, { axis: { kind: 'int' } }),
    attrs: (node) => attrInt(node, 'axis', sinceOpset < 13 ? 1 : -1),
    shapes(node, axis, inputs) {
      const x = need(node, inputs, 0, 'input');
      layout(node, axis, x.dims, sinceOpset);
      return [sameShape(x)];
    },
    run: (node, axis, inputs) => [softmaxEval(node, axis, need(node, inputs, 0, 'input'), sinceOpset, log)],
    spiking: { kind: 'nonlinear', why: 'only a final Softmax/LogSoftmax feeding the output can be dropped' },
  });
}

export const softmax1 = rule('Softmax', 1);
export const softmax13 = rule('Softmax', 13);
export const logSoftmax1 = rule('LogSoftmax', 1);
export const logSoftmax13 = rule('LogSoftmax', 13);

export const ops: readonly OpEntry[] = [softmax1, softmax13, logSoftmax1, logSoftmax13];
