/**
 * Gemm (opset 7+: alpha, beta, transA, transB, C unidirectionally broadcast; C optional since 11)
 * and MatMul (numpy matmul: 1-D operands, batched and broadcast leading dims). Weighted layers:
 * every input feature drives every output feature. NIR: `Affine` (with Gemm's bias) or `Linear`,
 * weight [out, in].
 */
import { attrFloat, attrInt } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import type { NirNode } from '../src/nir/types.js';
import { broadcastConst, nirTensor, text } from './backends/nir.js';
import type { NirLowering } from './backends/types.js';
import { defineOp, io, noAttrs } from './define.js';
import type { OpEntry, OutputShape } from './types.js';
import { alloc, broadcastShapes, broadcastStrides, dimsText, isIntType, need, shapeError, wrapInt } from './util.js';

export interface GemmAttrs {
  readonly alpha: number;
  readonly beta: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

const parseGemm = (node: Node): GemmAttrs => ({
  alpha: attrFloat(node, 'alpha', 1),
  beta: attrFloat(node, 'beta', 1),
  transA: attrInt(node, 'transA', 0) !== 0,
  transB: attrInt(node, 'transB', 0) !== 0,
});

interface GemmPlan {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

function gemmPlan(
  node: Node,
  at: GemmAttrs,
  a: { dims: readonly number[]; dtype: string },
  b: { dims: readonly number[]; dtype: string },
  c: { dims: readonly number[]; dtype: string } | undefined,
): GemmPlan {
  if (a.dims.length !== 2) throw shapeError(node, `A must be 2-D, got ${dimsText(a.dims)}`, 2, a.dims.length);
  if (b.dims.length !== 2) throw shapeError(node, `B must be 2-D, got ${dimsText(b.dims)}`, 2, b.dims.length);
  if (a.dtype !== b.dtype) throw shapeError(node, `A has type ${a.dtype} but B has ${b.dtype}`, a.dtype, b.dtype);
  const { transA, transB } = at;
  const m = transA ? a.dims[1]! : a.dims[0]!;
  const k = transA ? a.dims[0]! : a.dims[1]!;
  const kb = transB ? b.dims[1]! : b.dims[0]!;
  const n = transB ? b.dims[0]! : b.dims[1]!;
  if (k !== kb) {
    throw shapeError(
      node,
      `inner dimensions differ: A${transA ? "'" : ''} ${dimsText(a.dims)} gives K=${k} but B${transB ? "'" : ''} ${dimsText(b.dims)} gives K=${kb}`,
      k,
      kb,
    );
  }
  if (c) {
    if (c.dtype !== a.dtype) throw shapeError(node, `C has type ${c.dtype} but A has ${a.dtype}`, a.dtype, c.dtype);
    const cd = c.dims;
    const ok = cd.length <= 2 && cd.every((d, i) => d === 1 || d === [m, n].slice(2 - cd.length)[i]);
    if (!ok) throw shapeError(node, `C ${dimsText(cd)} cannot be broadcast to [M,N] = ${dimsText([m, n])}`, dimsText([m, n]), dimsText(cd));
  }
  return { m, k, n, transA, transB };
}

function gemmEval(node: Node, at: GemmAttrs, inputs: readonly (Tensor | undefined)[]): Tensor {
  const a = need(node, inputs, 0, 'A');
  const b = need(node, inputs, 1, 'B');
  const c = inputs[2];
  const { m, k, n, transA, transB } = gemmPlan(node, at, a, b, c);
  const { alpha, beta } = at;
  const ad = a.data;
  const bd = b.data;
  const acc = new Float64Array(m * n);
  // A(i,kk) = ad[transA ? kk*m + i : i*k + kk]; B(kk,j) = bd[transB ? j*k + kk : kk*n + j]
  const aStrideI = transA ? 1 : k;
  const aStrideK = transA ? m : 1;
  if (!transB) {
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let kk = 0; kk < k; kk++) {
        const av = ad[i * aStrideI + kk * aStrideK]!;
        const bRow = kk * n;
        for (let j = 0; j < n; j++) acc[row + j] = acc[row + j]! + av * bd[bRow + j]!;
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      const aBase = i * aStrideI;
      for (let j = 0; j < n; j++) {
        const bBase = j * k;
        let s = 0;
        for (let kk = 0; kk < k; kk++) s += ad[aBase + kk * aStrideK]! * bd[bBase + kk]!;
        acc[i * n + j] = s;
      }
    }
  }
  const out = alloc(a.dtype, m * n);
  const intType = isIntType(a.dtype);
  const cd = c?.data;
  // C broadcast to [m, n]: right-aligned, dims of 1 broadcast
  const cs = c ? broadcastStrides(c.dims, [m, n]) : [0, 0];
  const csi = cs[0]!;
  const csj = cs[1]!;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let v = alpha * acc[i * n + j]!;
      if (cd) v += beta * cd[i * csi + j * csj]!;
      out[i * n + j] = intType ? wrapInt(a.dtype, Math.trunc(v)) : v;
    }
  }
  return { dtype: a.dtype, dims: [m, n], data: out };
}

/** Gemm and MatMul with a constant weight → NIR Affine/Linear (weight [out, in] = B or Bᵀ, times alpha; bias beta·C). */
const denseNir: NirLowering<GemmAttrs | Record<string, never>> = (n, at, ins, ctx) => {
  const x = ins[0];
  if (ins[1] || ins[2]) return ctx.problem(`${n.opType} "${n.name}": the weight (B) or bias (C) varies in time`);
  if (!x || x.dims.length !== 1) return ctx.problem(`${n.opType} "${n.name}": NIR Affine/Linear needs a vector per sample, got ${text(x?.dims ?? [])}`);
  const g = 'alpha' in at ? at : undefined;
  if (g?.transA) return ctx.problem(`Gemm "${n.name}": transA = 1 transposes the batch axis`);
  const b = ctx.weight(n, 1, 'weight B');
  if (!b) return undefined;
  if (b.dims.length !== 2) return ctx.problem(`${n.opType} "${n.name}": weight ${text(b.dims)} is not a matrix`);
  const transB = g?.transB ?? false;
  const alpha = g?.alpha ?? 1;
  const [rows, cols] = b.dims as [number, number];
  const out = transB ? rows : cols;
  const k = transB ? cols : rows;
  const wt = new Float32Array(out * k);
  for (let i = 0; i < out; i++) for (let j = 0; j < k; j++) wt[i * k + j] = alpha * b.data[transB ? i * k + j : j * out + i]!;
  const weight = nirTensor([out, k], wt);
  let node: NirNode = { type: 'Linear', weight };
  if (g && n.inputs[2]) {
    const c = ctx.weight(n, 2, 'bias C');
    if (!c) return undefined;
    const bc = broadcastConst(c, [out]);
    if (!bc) return ctx.problem(`Gemm "${n.name}": bias C ${text(c.dims)} is not one value per output`);
    node = {
      type: 'Affine',
      weight,
      bias: nirTensor(
        [out],
        bc.map((v) => g.beta * v),
      ),
    };
  }
  const nm = ctx.add(ctx.name(n), node, x.terms, n.name);
  return { terms: [nm], dims: [out], owned: [nm] };
};

function gemmRule(sinceOpset: number, inputs: readonly [number, number]): OpEntry<GemmAttrs> {
  return defineOp<GemmAttrs>({
    opType: 'Gemm',
    sinceOpset,
    schema: io(inputs, 1, { alpha: { kind: 'float' }, beta: { kind: 'float' }, transA: { kind: 'int' }, transB: { kind: 'int' } }),
    attrs: parseGemm,
    shapes(node, at, inputs): OutputShape[] {
      const a = need(node, inputs, 0, 'A');
      const p = gemmPlan(node, at, a, need(node, inputs, 1, 'B'), inputs[2]);
      return [{ dtype: a.dtype, dims: [p.m, p.n] }];
    },
    run: (node, at, inputs) => [gemmEval(node, at, inputs)],
    macs(_node, _at, inputs, outputs) {
      const a = inputs[0];
      const y = outputs[0];
      if (!a || !y || y.dims.length !== 2) return 0;
      const k = a.dims.length === 2 ? sizeOf(a.dims) / y.dims[0]! : 0;
      return y.dims[0]! * y.dims[1]! * k;
    },
    spiking: { kind: 'linear', dynamicInputs: [0, 2] },
    synops: { weighted: true },
    lower: {
      tfjs: (n, at, _ins, { tf, input }) => {
        const y = tf.mul(tf.matMul(input(0), input(1), at.transA, at.transB), at.alpha);
        return n.inputs[2] ? tf.add(y, tf.mul(input(2), at.beta)) : y;
      },
      nir: denseNir,
    },
  });
}

/** C is required before opset 11. */
export const gemm7 = gemmRule(7, [3, 3]);
export const gemm = gemmRule(11, [2, 3]);

interface MatMulPlan {
  readonly batch: number[];
  readonly aBatchStrides: number[];
  readonly bBatchStrides: number[];
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly outDims: number[];
}

function matmulPlan(node: Node, a: { dims: readonly number[]; dtype: string }, b: { dims: readonly number[]; dtype: string }): MatMulPlan {
  if (a.dtype !== b.dtype) throw shapeError(node, `A has type ${a.dtype} but B has ${b.dtype}`, a.dtype, b.dtype);
  if (a.dims.length === 0 || b.dims.length === 0)
    throw shapeError(node, `operands must be at least 1-D, got A ${dimsText(a.dims)} and B ${dimsText(b.dims)}`, 'rank >= 1', 0);
  const aD = a.dims.length === 1 ? [1, a.dims[0]!] : [...a.dims];
  const bD = b.dims.length === 1 ? [b.dims[0]!, 1] : [...b.dims];
  const m = aD[aD.length - 2]!;
  const k = aD[aD.length - 1]!;
  const kb = bD[bD.length - 2]!;
  const n = bD[bD.length - 1]!;
  if (k !== kb) throw shapeError(node, `inner dimensions differ: A ${dimsText(a.dims)} has K=${k} but B ${dimsText(b.dims)} has K=${kb}`, k, kb);
  const aB = aD.slice(0, -2);
  const bB = bD.slice(0, -2);
  const batch = broadcastShapes(node, [aB, bB]);
  const outDims = [...batch];
  if (a.dims.length !== 1) outDims.push(m);
  if (b.dims.length !== 1) outDims.push(n);
  return {
    batch,
    // strides in units of whole matrices
    aBatchStrides: broadcastStrides(aB, batch),
    bBatchStrides: broadcastStrides(bB, batch),
    m,
    k,
    n,
    outDims,
  };
}

function matmulEval(node: Node, inputs: readonly (Tensor | undefined)[]): Tensor {
  const a = need(node, inputs, 0, 'A');
  const b = need(node, inputs, 1, 'B');
  const { batch, aBatchStrides, bBatchStrides, m, k, n, outDims } = matmulPlan(node, a, b);
  const nb = sizeOf(batch);
  const out = alloc(a.dtype, nb * m * n);
  const acc = new Float64Array(m * n);
  const ad = a.data;
  const bd = b.data;
  const intType = isIntType(a.dtype);
  const idx = new Array<number>(batch.length).fill(0);
  let aOff = 0;
  let bOff = 0;
  for (let t = 0; t < nb; t++) {
    const aBase = aOff * m * k;
    const bBase = bOff * k * n;
    acc.fill(0);
    for (let i = 0; i < m; i++) {
      const row = i * n;
      const aRow = aBase + i * k;
      for (let kk = 0; kk < k; kk++) {
        const av = ad[aRow + kk]!;
        const bRow = bBase + kk * n;
        for (let j = 0; j < n; j++) acc[row + j] = acc[row + j]! + av * bd[bRow + j]!;
      }
    }
    const o = t * m * n;
    if (intType) for (let i = 0; i < m * n; i++) out[o + i] = wrapInt(a.dtype, acc[i]!);
    else out.set(acc, o);
    // advance the batch odometer
    for (let d = batch.length - 1; d >= 0; d--) {
      idx[d]!++;
      aOff += aBatchStrides[d]!;
      bOff += bBatchStrides[d]!;
      if (idx[d]! < batch[d]!) break;
      aOff -= aBatchStrides[d]! * batch[d]!;
      bOff -= bBatchStrides[d]! * batch[d]!;
      idx[d] = 0;
    }
  }
  return { dtype: a.dtype, dims: outDims, data: out };
}

export const matmul = defineOp({
  opType: 'MatMul',
  schema: io(2, 1),
  attrs: noAttrs,
  shapes(node, _a, inputs): OutputShape[] {
    const a = need(node, inputs, 0, 'A');
    return [{ dtype: a.dtype, dims: matmulPlan(node, a, need(node, inputs, 1, 'B')).outDims }];
  },
  run: (node, _a, inputs) => [matmulEval(node, inputs)],
  macs(node, _a, inputs) {
    const a = inputs[0];
    const b = inputs[1];
    if (!a || !b) return 0;
    const p = matmulPlan(node, a, b);
    return sizeOf(p.batch) * p.m * p.k * p.n;
  },
  spiking: { kind: 'linear', maxDynamic: 1 },
  synops: { weighted: true },
  lower: { tfjs: (_n, _a, _ins, { tf, input }) => tf.matMul(input(0), input(1)), nir: denseNir },
});

export const ops: readonly OpEntry[] = [gemm7, gemm, matmul];
