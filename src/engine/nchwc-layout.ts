/**
 * The blocked (NCHWc) memory layout of onnxruntime's com.microsoft.nchwc ops (MLAS, block b = 8
 * with AVX2, 16 with AVX512): a tensor of logical shape [N, C, H, W] (C a multiple of b) is stored
 * as [N, C/b, H, W, b]. Elementwise ops see only the flat memory, so a constant that meets a
 * blocked tensor must be stored in the same order; Conv filters go to the layouts the MLAS kernels
 * read (OIHWBiBo for a blocked input, OIHWBo for a plain NCHW input with fewer than b channels;
 * onnxruntime's reorder.cpp, MlasReorderFilterOIHWBiBo / MlasReorderFilterOIHWBo), zero-padded.
 */
import type { Tensor } from '../graph/types.js';

/** Dims of a tensor, batch as -1 (the symbolic N); undefined: unknown. */
export type Dims = readonly number[];

/** [C, H, W] values (channel-major) into blocked order: [C/b, H, W, b]; C must be a multiple of b. */
export function blockConstant(t: Tensor, block: number): Tensor {
  const [C, H, W] = t.dims.slice(-3) as [number, number, number];
  const hw = H * W;
  const out = new Float32Array(C * hw);
  for (let c = 0; c < C; c++) {
    const base = Math.floor(c / block) * hw * block + (c % block);
    for (let p = 0; p < hw; p++) out[base + p * block] = t.data[c * hw + p]!;
  }
  return { dtype: 'float32', dims: t.dims, data: out };
}

/** A constant broadcast (numpy rules) to full [C, H, W] (a per-channel [C, 1, 1] bias, say). */
export function expandTo(t: Tensor, chw: Dims): Tensor {
  const [C, H, W] = chw as [number, number, number];
  const d = [1, 1, 1, ...t.dims].slice(-3);
  const out = new Float32Array(C * H * W);
  for (let c = 0; c < C; c++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) out[(c * H + h) * W + w] = t.data[((d[0] === 1 ? 0 : c) * d[1]! + (d[1] === 1 ? 0 : h)) * d[2]! + (d[2] === 1 ? 0 : w)]!;
  return { dtype: 'float32', dims: [C, H, W], data: out };
}

/** OIHW (O a multiple of b) → OIHWBiBo with the input channels zero-padded to a multiple of b. */
export function filterBiBo(w: Tensor, block: number): Tensor {
  const [O, I, KH, KW] = w.dims as [number, number, number, number];
  const K = KH * KW;
  const Ip = Math.ceil(I / block) * block;
  const out = new Float32Array(O * Ip * K);
  let d = 0;
  for (let ob = 0; ob < O; ob += block)
    for (let ib = 0; ib < Ip; ib += block)
      for (let k = 0; k < K; k++)
        for (let bi = 0; bi < block; bi++)
          for (let bo = 0; bo < block; bo++, d++) {
            const i = ib + bi;
            if (i < I) out[d] = w.data[((ob + bo) * I + i) * K + k]!;
          }
  return { dtype: 'float32', dims: [O, Ip, KH, KW], data: out };
}

/** OIHW (O a multiple of b) → OIHWBo: the filter of a convolution reading a plain NCHW input. */
export function filterBo(w: Tensor, block: number): Tensor {
  const [O, I, KH, KW] = w.dims as [number, number, number, number];
  const K = KH * KW;
  const out = new Float32Array(O * I * K);
  let d = 0;
  for (let ob = 0; ob < O; ob += block)
    for (let i = 0; i < I; i++) for (let k = 0; k < K; k++) for (let bo = 0; bo < block; bo++, d++) out[d] = w.data[((ob + bo) * I + i) * K + k]!;
  return { dtype: 'float32', dims: w.dims, data: out };
}

/** Numpy broadcasting of dims (-1 = the batch, equal only to itself or 1); undefined if they do not broadcast. */
export function broadcastDims(a: Dims, b: Dims): Dims | undefined {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else return undefined;
  }
  return out;
}

/** Output dims of a Conv (NCHW, explicit pads; auto_pad other than NOTSET: undefined). */
export function convDims(x: Dims, w: Dims, attrs: { pads?: readonly number[]; strides?: readonly number[]; dilations?: readonly number[] }): Dims | undefined {
  if (x.length !== 4 || w.length !== 4) return undefined;
  const out = [x[0]!, w[0]!];
  for (let i = 0; i < 2; i++) {
    const pad = (attrs.pads?.[i] ?? 0) + (attrs.pads?.[i + 2] ?? 0);
    const dil = attrs.dilations?.[i] ?? 1;
    const stride = attrs.strides?.[i] ?? 1;
    out.push(Math.floor((x[2 + i]! + pad - dil * (w[2 + i]! - 1) - 1) / stride) + 1);
  }
  return out;
}

/** Whether all values of a tensor are equal (then it broadcasts the same in any layout). */
export function uniform(t: Tensor): boolean {
  const v = t.data[0];
  for (let i = 1; i < t.data.length; i++) if (t.data[i] !== v && !(Number.isNaN(t.data[i]!) && Number.isNaN(v!))) return false;
  return true;
}
