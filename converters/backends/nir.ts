/** Helpers of the NIR lowerings (the context type is in ./types.ts; the walker is src/nir/export.ts). */
import type { Tensor } from '../../src/graph/types.js';
import type { NirTensor } from '../../src/nir/types.js';

export const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);
export const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
export const text = (d: readonly number[]): string => `[${d.join(', ')}]`;
export const nirTensor = (dims: readonly number[], data: Float32Array): NirTensor => ({ dims: [...dims], data });
export const filled = (dims: readonly number[], v: number): NirTensor => nirTensor(dims, new Float32Array(prod(dims)).fill(v));
export const f32 = (t: Tensor): Float32Array => Float32Array.from(t.data);

/** Broadcasts a constant against a per-sample shape (ONNX rules, with the batch axis first); undefined if it does not fit. */
export function broadcastConst(t: Tensor, dims: readonly number[]): Float32Array | undefined {
  const full = [1, ...dims];
  const td = t.dims;
  if (td.length > full.length) return undefined;
  const off = full.length - td.length;
  for (let i = 0; i < td.length; i++) if (td[i] !== 1 && td[i] !== full[off + i]) return undefined;
  const n = prod(dims);
  const out = new Float32Array(n);
  // strides of t in the full index space
  const strides = new Array<number>(full.length).fill(0);
  let s = 1;
  for (let i = td.length - 1; i >= 0; i--) {
    strides[off + i] = td[i] === 1 ? 0 : s;
    s *= td[i]!;
  }
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let a = 0; a < dims.length; a++) src += idx[a]! * strides[a + 1]!;
    out[k] = t.data[src]!;
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a]! < dims[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}
