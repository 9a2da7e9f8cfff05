/**
 * The layout ops: Transpose, Concat, DepthToSpace. In an SNN they move spikes exactly (every input
 * of a Concat may vary in time); NIR has no primitive for them.
 */
import { attrInt, attrInts, attrString } from '../src/graph/attrs.js';
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
  if (perm.length !== r)
    throw shapeError(node, `perm ${dimsText(perm)} has ${perm.length} entries for an input of rank ${r} ${dimsText(x.dims)}`, r, perm.length);
  const seen = new Set<number>();
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= r || seen.has(p))
      throw attributeError(node, `perm ${dimsText(perm)} is not a permutation of 0..${r - 1}`, 'perm', perm);
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
    stridedCopy(
      x.data,
      0,
      dims,
      perm.map((p) => inStrides[p]!),
      out,
    );
    return [{ dtype: x.dtype, dims, data: out }];
  },
  ...routing(),
  lower: { tfjs: (_n, perm, [x], { tf }) => tf.transpose(x!, [...(perm ?? [...x!.shape.keys()].reverse())]) },
});

// ---------------------------------------------------------------------------------------------
// Concat

function concatShape(node: Node, a0: number, xs: readonly (Val | undefined)[]): { axis: number; dims: number[]; dtype: DType } {
  const list = xs.filter((v): v is Val => v !== undefined);
  if (list.length === 0 || list.length !== xs.length)
    throw shapeError(node, 'Concat needs at least one input and no omitted inputs', '>= 1 inputs', list.length);
  const first = list[0]!;
  const r = first.dims.length;
  const axis = a0 < 0 ? a0 + r : a0;
  if (axis < 0 || axis >= r) throw attributeError(node, `axis ${a0} is out of range for rank ${r}`, 'axis', a0);
  const dims = [...first.dims];
  dims[axis] = 0;
  list.forEach((v, k) => {
    if (v.dtype !== first.dtype) throw shapeError(node, `input ${k} has type ${v.dtype} but input 0 has ${first.dtype}`, first.dtype, v.dtype);
    const ok = v.dims.length === r && v.dims.every((d, i) => i === axis || d === first.dims[i]);
    if (!ok)
      throw shapeError(
        node,
        `input ${k} ${dimsText(v.dims)} does not match input 0 ${dimsText(first.dims)} outside axis ${axis}`,
        dimsText(first.dims),
        dimsText(v.dims),
      );
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
  lower: {
    tfjs: (n, axis, _ins, ctx) =>
      ctx.tf.concat(
        n.inputs.map((_, i) => ctx.input(i)),
        axis,
      ),
  },
});

// ---------------------------------------------------------------------------------------------
// DepthToSpace (blocksize b; mode DCR, or CRD since opset 11): [N, C, H, W] → [N, C/b², H·b, W·b]

interface DepthToSpaceAttrs {
  readonly blocksize: number;
  /** DCR: the input channel of output (c, i, j) is (i·b + j)·C/b² + c; CRD: c·b² + i·b + j. */
  readonly mode: 'DCR' | 'CRD';
}

function parseDepthToSpace(node: Node, sinceOpset: number): DepthToSpaceAttrs {
  const b = attrInt(node, 'blocksize');
  if (b === undefined) throw attributeError(node, 'the required attribute blocksize is missing', 'blocksize');
  if (!(b >= 1)) throw attributeError(node, `blocksize must be >= 1, got ${b}`, 'blocksize', b);
  const mode = sinceOpset >= 11 ? attrString(node, 'mode', 'DCR') : 'DCR';
  if (mode !== 'DCR' && mode !== 'CRD') throw attributeError(node, `mode "${mode}" is not DCR or CRD`, 'mode', mode);
  return { blocksize: b, mode };
}

function depthToSpaceDims(node: Node, { blocksize: b }: DepthToSpaceAttrs, x: Val): number[] {
  if (x.dims.length !== 4) throw shapeError(node, `input must be [N, C, H, W], got ${dimsText(x.dims)}`, 4, x.dims.length);
  const [n, c, h, w] = x.dims as [number, number, number, number];
  if (c % (b * b) !== 0) throw shapeError(node, `${c} channels are not divisible by blocksize² = ${b * b}`, `a multiple of ${b * b}`, c);
  return [n, c / (b * b), h * b, w * b];
}

function depthToSpaceEval(node: Node, a: DepthToSpaceAttrs, x: Tensor): Tensor {
  const dims = depthToSpaceDims(node, a, x);
  const [N, C, OH, OW] = dims as [number, number, number, number];
  const b = a.blocksize;
  const [H, W] = [OH / b, OW / b];
  const out = alloc(x.dtype, sizeOf(dims));
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < OH; y++)
        for (let z = 0; z < OW; z++) {
          const k = (y % b) * b + (z % b);
          const ic = a.mode === 'DCR' ? k * C + c : c * b * b + k;
          out[o++] = x.data[((n * C * b * b + ic) * H + Math.floor(y / b)) * W + Math.floor(z / b)]!;
        }
  return { dtype: x.dtype, dims, data: out };
}

function depthToSpaceRule(sinceOpset: number): OpEntry<DepthToSpaceAttrs> {
  return defineOp<DepthToSpaceAttrs>({
    opType: 'DepthToSpace',
    sinceOpset,
    schema: io(1, 1, { blocksize: { kind: 'int', required: true }, ...(sinceOpset >= 11 ? { mode: { kind: 'string' } } : {}) }),
    attrs: (node) => parseDepthToSpace(node, sinceOpset),
    shapes(node, a, inputs) {
      const x = need(node, inputs, 0, 'input');
      return [{ dtype: x.dtype, dims: depthToSpaceDims(node, a, x) }];
    },
    run: (node, a, inputs) => [depthToSpaceEval(node, a, need(node, inputs, 0, 'input'))],
    ...routing(),
    lower: {
      // the spec's reshape → transpose → reshape
      tfjs: (_n, a, [x], { tf }) => {
        const [N, C, H, W] = x!.shape as [number, number, number, number];
        const b = a.blocksize;
        const c = C / (b * b);
        const t =
          a.mode === 'DCR'
            ? tf.transpose(tf.reshape(x!, [N, b, b, c, H, W]), [0, 3, 4, 1, 5, 2])
            : tf.transpose(tf.reshape(x!, [N, c, b, b, H, W]), [0, 1, 4, 2, 5, 3]);
        return tf.reshape(t, [N, c, H * b, W * b]);
      },
    },
  });
}

export const depthToSpace1 = depthToSpaceRule(1);
export const depthToSpace11 = depthToSpaceRule(11);

export const ops: readonly OpEntry[] = [transpose, concat, depthToSpace1, depthToSpace11];
