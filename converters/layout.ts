/**
 * The routing ops: Transpose, Concat, Gather, Slice (attributes before opset 10; inputs starts,
 * ends, axes, steps since 10). In an SNN they move spikes exactly (only the data input may vary in
 * time, except Concat's); NIR has no primitive for them.
 */
import { attrInt, attrInts } from '../src/graph/attrs.js';
import { sizeOf, stridesOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import { defineOp, io, routing } from './define.js';
import type { OpEntry } from './types.js';
import { alloc, attributeError, constValue, dimsText, ints, need, normAxes, optConstValue, shapeError, stridedCopy, type Val } from './util.js';

// ---------------------------------------------------------------------------------------------
// Transpose

function transposePerm(node: Node, perm: readonly number[] | undefined, x: Val): number[] {
  const r = x.dims.length;
  if (perm === undefined) return Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r) throw shapeError(node, `perm ${dimsText(perm)} has ${perm.length} entries for an input of rank ${r} ${dimsText(x.dims)}`, r, perm.length);
  const seen = new Set<number>();
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= r || seen.has(p)) throw attributeError(node, `perm ${dimsText(perm)} is not a permutation of 0..${r - 1}`, 'perm', perm);
    seen.add(p);
  }
  return [...perm];
}

export const transpose = defineOp<readonly number[] | undefined>({
  opType: 'Transpose',
  schema: io(1, 1, { perm: { kind: 'ints' } }),
  attrs: (node) => attrInts(node, 'perm'),
  shapes(node, perm, inputs) {
    const x = need(node, inputs, 0, 'data');
    return [{ dtype: x.dtype, dims: transposePerm(node, perm, x).map((p) => x.dims[p]!) }];
  },
  run(node, perm0, inputs) {
    const x = need(node, inputs, 0, 'data');
    const perm = transposePerm(node, perm0, x);
    const dims = perm.map((p) => x.dims[p]!);
    const inStrides = stridesOf(x.dims);
    const out = alloc(x.dtype, x.data.length);
    stridedCopy(x.data, 0, dims, perm.map((p) => inStrides[p]!), out);
    return [{ dtype: x.dtype, dims, data: out }];
  },
  ...routing(),
  lower: { tfjs: (_n, perm, [x], { tf }) => tf.transpose(x!, [...(perm ?? [...x!.shape.keys()].reverse())]) },
});

// ---------------------------------------------------------------------------------------------
// Concat

function concatShape(node: Node, a0: number, xs: readonly (Val | undefined)[]): { axis: number; dims: number[]; dtype: DType } {
  const list = xs.filter((v): v is Val => v !== undefined);
  if (list.length === 0 || list.length !== xs.length) throw shapeError(node, 'Concat needs at least one input and no omitted inputs', '>= 1 inputs', list.length);
  const first = list[0]!;
  const r = first.dims.length;
  const axis = a0 < 0 ? a0 + r : a0;
  if (axis < 0 || axis >= r) throw attributeError(node, `axis ${a0} is out of range for rank ${r}`, 'axis', a0);
  const dims = [...first.dims];
  dims[axis] = 0;
  list.forEach((v, k) => {
    if (v.dtype !== first.dtype) throw shapeError(node, `input ${k} has type ${v.dtype} but input 0 has ${first.dtype}`, first.dtype, v.dtype);
    const ok = v.dims.length === r && v.dims.every((d, i) => i === axis || d === first.dims[i]);
    if (!ok) throw shapeError(node, `input ${k} ${dimsText(v.dims)} does not match input 0 ${dimsText(first.dims)} outside axis ${axis}`, dimsText(first.dims), dimsText(v.dims));
    dims[axis]! += v.dims[axis]!;
  });
  return { axis, dims, dtype: first.dtype };
}

export const concat = defineOp<number>({
  opType: 'Concat',
  schema: io([1, Infinity], 1, { axis: { kind: 'int', required: true } }),
  attrs: (node) => {
    const a0 = attrInt(node, 'axis');
    if (a0 === undefined) throw attributeError(node, 'the required attribute axis is missing', 'axis');
    return a0;
  },
  shapes(node, a0, inputs) {
    const { dims, dtype } = concatShape(node, a0, inputs);
    return [{ dtype, dims }];
  },
  run(node, a0, inputs) {
    const { axis, dims, dtype } = concatShape(node, a0, inputs);
    const xs = inputs as readonly Tensor[];
    const out = alloc(dtype, sizeOf(dims));
    const outer = sizeOf(dims.slice(0, axis));
    const inner = sizeOf(dims.slice(axis + 1));
    let o = 0;
    for (let i = 0; i < outer; i++) {
      for (const x of xs) {
        const block = x.dims[axis]! * inner;
        out.set(x.data.subarray(i * block, (i + 1) * block), o);
        o += block;
      }
    }
    return [{ dtype, dims, data: out }];
  },
  ...routing(),
  lower: { tfjs: (n, axis, _ins, ctx) => ctx.tf.concat(n.inputs.map((_, i) => ctx.input(i)), axis) },
});

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
        if (v < -n || v >= n) throw shapeError(node, `index ${v} is out of range [${-n}, ${n - 1}] for axis ${axis} of ${dimsText(x.dims)}`, `[${-n}, ${n - 1}]`, v);
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

function slicePlan(node: Node, x: Val, starts: readonly number[], ends: readonly number[], axes: readonly number[] | undefined, steps: readonly number[] | undefined): SlicePlan {
  const r = x.dims.length;
  if (starts.length !== ends.length) throw shapeError(node, `starts has ${starts.length} values but ends has ${ends.length}`, starts.length, ends.length);
  const ax = axes === undefined ? starts.map((_, i) => i) : axes;
  if (ax.length !== starts.length) throw shapeError(node, `axes has ${ax.length} values but starts has ${starts.length}`, starts.length, ax.length);
  if (steps !== undefined && steps.length !== starts.length) throw shapeError(node, `steps has ${steps.length} values but starts has ${starts.length}`, starts.length, steps.length);
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

function sliceArgs(node: Node, a: Slice1Attrs | undefined, inputs: readonly (Val | undefined)[]): [number[], number[], number[] | undefined, number[] | undefined] {
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

export const ops: readonly OpEntry[] = [transpose, concat, gather, slice1, slice10];
