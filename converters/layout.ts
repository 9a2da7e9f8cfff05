/**
 * The layout ops: Transpose and Concat. In an SNN they move spikes exactly (every input of a
 * Concat may vary in time); NIR has no primitive for them.
 */
import { attrInt, attrInts } from '../src/graph/attrs.js';
import { sizeOf, stridesOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import { defineOp, io, routing } from './define.js';
import type { OpEntry } from './types.js';
import { alloc, attributeError, dimsText, need, shapeError, stridedCopy, type Val } from './util.js';

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

export const ops: readonly OpEntry[] = [transpose, concat];
