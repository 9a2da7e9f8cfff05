/**
 * The selecting ops: Gather and Slice (attributes before opset 10; inputs starts, ends, axes,
 * steps since 10). In an SNN they move spikes exactly (only the data input may vary in time); NIR
 * has no primitive for them.
 */
import { attrInt, attrInts } from '../src/graph/attrs.js';
import { sizeOf, stridesOf } from '../src/graph/tensor.js';
import type { Node } from '../src/graph/types.js';
import { defineOp, io, routing } from './define.js';
import type { OpEntry } from './types.js';
import { alloc, attributeError, constValue, dimsText, ints, need, normAxes, optConstValue, shapeError, stridedCopy, type Val } from './util.js';

// ---------------------------------------------------------------------------------------------
// Gather

function gatherPlan(node: Node, a0: number, x: Val, idx: Val): { axis: number; dims: number[] } {
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw shapeError(node, `indices must be int32 or int64, got ${idx.dtype}`, 'int32/int64', idx.dtype);
  const r = x.dims.length;
  if (r === 0) throw shapeError(node, 'data must have rank >= 1', '>= 1', 0);
  const axis = a0 < 0 ? a0 + r : a0;
  if (axis < 0 || axis >= r) throw attributeError(node, `axis ${a0} is out of range for rank ${r}`, 'axis', a0);
  return { axis, dims: [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)] };
}

export const gather = defineOp<number>({
  opType: 'Gather',
  schema: io(2, 1, { axis: { kind: 'int' } }),
  attrs: (node) => attrInt(node, 'axis', 0),
  shapes(node, a0, inputs) {
    const x = need(node, inputs, 0, 'data');
    return [{ dtype: x.dtype, dims: gatherPlan(node, a0, x, need(node, inputs, 1, 'indices')).dims }];
  },
  run(node, a0, inputs) {
    const x = need(node, inputs, 0, 'data');
    const ind = need(node, inputs, 1, 'indices');
    const { axis, dims } = gatherPlan(node, a0, x, ind);
    const n = x.dims[axis]!;
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis + 1));
    const k = ind.data.length;
    const out = alloc(x.dtype, outer * k * inner);
    const xd = x.data;
    let o = 0;
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < k; j++) {
        let v = ind.data[j]!;
        if (v < -n || v >= n)
          throw shapeError(node, `index ${v} is out of range [${-n}, ${n - 1}] for axis ${axis} of ${dimsText(x.dims)}`, `[${-n}, ${n - 1}]`, v);
        if (v < 0) v += n;
        const src = (i * n + v) * inner;
        out.set(xd.subarray(src, src + inner), o);
        o += inner;
      }
    }
    return [{ dtype: x.dtype, dims, data: out }];
  },
  ...routing([0]),
});

// ---------------------------------------------------------------------------------------------
// Slice (attributes before opset 10; inputs starts, ends, axes, steps since 10)

interface SlicePlan {
  readonly dims: number[];
  readonly base: number;
  readonly strides: number[];
}

function slicePlan(
  node: Node,
  x: Val,
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[] | undefined,
  steps: readonly number[] | undefined,
): SlicePlan {
  const r = x.dims.length;
  if (starts.length !== ends.length) throw shapeError(node, `starts has ${starts.length} values but ends has ${ends.length}`, starts.length, ends.length);
  const ax = axes === undefined ? starts.map((_, i) => i) : axes;
  if (ax.length !== starts.length) throw shapeError(node, `axes has ${ax.length} values but starts has ${starts.length}`, starts.length, ax.length);
  if (steps !== undefined && steps.length !== starts.length)
    throw shapeError(node, `steps has ${steps.length} values but starts has ${starts.length}`, starts.length, steps.length);
  const axN = normAxes(node, ax, r);
  const inStrides = stridesOf(x.dims);
  const dims = [...x.dims];
  const strides = [...inStrides];
  let base = 0;
  axN.forEach((a, i) => {
    const dim = x.dims[a]!;
    const step = steps ? steps[i]! : 1;
    if (step === 0) throw attributeError(node, 'steps must not be 0', 'steps', steps);
    let s = starts[i]!;
    let e = ends[i]!;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    let len: number;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      len = e > s ? Math.ceil((e - s) / step) : 0;
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      len = s > e ? Math.ceil((s - e) / -step) : 0;
    }
    dims[a] = len;
    strides[a] = inStrides[a]! * step;
    if (len > 0) base += s * inStrides[a]!;
  });
  return { dims, base, strides };
}

/** Slice-1's attributes (undefined since opset 10: the arguments are inputs). */
interface Slice1Attrs {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes?: readonly number[];
}

function parseSlice(node: Node, fromInputs: boolean): Slice1Attrs | undefined {
  if (fromInputs) return undefined;
  const starts = attrInts(node, 'starts');
  const ends = attrInts(node, 'ends');
  if (!starts || !ends) throw attributeError(node, 'the required attributes starts and ends are missing', !starts ? 'starts' : 'ends');
  const axes = attrInts(node, 'axes');
  return { starts, ends, ...(axes ? { axes } : {}) };
}

function sliceArgs(
  node: Node,
  a: Slice1Attrs | undefined,
  inputs: readonly (Val | undefined)[],
): [number[], number[], number[] | undefined, number[] | undefined] {
  if (a) return [[...a.starts], [...a.ends], a.axes ? [...a.axes] : undefined, undefined];
  const starts = ints(constValue(node, need(node, inputs, 1, 'starts'), 'starts'));
  const ends = ints(constValue(node, need(node, inputs, 2, 'ends'), 'ends'));
  const axesT = optConstValue(node, inputs[3], 'axes');
  const stepsT = optConstValue(node, inputs[4], 'steps');
  return [starts, ends, axesT ? ints(axesT) : undefined, stepsT ? ints(stepsT) : undefined];
}

function sliceRule(sinceOpset: number): OpEntry<Slice1Attrs | undefined> {
  const fromInputs = sinceOpset >= 10;
  return defineOp<Slice1Attrs | undefined>({
    opType: 'Slice',
    sinceOpset,
    schema: fromInputs ? io([3, 5], 1) : io(1, 1, { starts: { kind: 'ints', required: true }, ends: { kind: 'ints', required: true }, axes: { kind: 'ints' } }),
    attrs: (node) => parseSlice(node, fromInputs),
    shapes(node, a, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: slicePlan(node, x, ...sliceArgs(node, a, inputs)).dims }];
    },
    run(node, a, inputs) {
      const x = need(node, inputs, 0, 'data');
      const p = slicePlan(node, x, ...sliceArgs(node, a, inputs));
      const out = alloc(x.dtype, sizeOf(p.dims));
      stridedCopy(x.data, p.base, p.dims, p.strides, out);
      return [{ dtype: x.dtype, dims: p.dims, data: out }];
    },
    ...routing([0]),
  });
}

export const slice1 = sliceRule(1);
export const slice10 = sliceRule(10);

export const ops: readonly OpEntry[] = [gather, slice1, slice10];
