/** Test helpers for src/data: temp dirs, error assertions, and a minimal .npy / .npz / IDX writer. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { expect } from 'vitest';

export const MNIST = 'fixtures/data/mnist';
export const CIFAR = 'fixtures/data/cifar10';
export const FASHION = 'fixtures/data/fashion-mnist';

const dirs: string[] = [];

/** A fresh temp dir, removed by cleanupTmp(). */
export function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'onnx2snn-data-'));
  dirs.push(d);
  return d;
}

export function cleanupTmp(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function gunzipFile(path: string): Buffer {
  return gunzipSync(readFileSync(path));
}

export { expectError, expectErrorAsync } from '../helpers/errors.js';

export interface NpyOptions {
  /** .npy format version (1, 2 or 3). */
  version?: 1 | 2 | 3;
  fortran?: boolean;
}

/** Encodes a .npy array. descr: '<f4' '>f4' '<f8' '|u1' '<i8' '<i4' '|b1' ... */
export function npy(descr: string, shape: readonly number[], data: ArrayLike<number>, opts: NpyOptions = {}): Uint8Array {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const m = /^([<>|=]?)([biufc])(\d+)$/.exec(descr);
  if (!m) throw new Error(`test npy writer: unsupported descr ${descr}`);
  const le = m[1] !== '>';
  const kind = m[2];
  const size = Number(m[3]);
  const out = new Uint8Array(total + data.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), pre);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    const p = total + i * size;
    switch (`${kind}${size}`) {
      case 'f4':
        dv.setFloat32(p, v, le);
        break;
      case 'f8':
        dv.setFloat64(p, v, le);
        break;
      case 'u1':
      case 'b1':
        dv.setUint8(p, v);
        break;
      case 'i1':
        dv.setInt8(p, v);
        break;
      case 'i2':
        dv.setInt16(p, v, le);
        break;
      case 'i4':
        dv.setInt32(p, v, le);
        break;
      case 'u2':
        dv.setUint16(p, v, le);
        break;
      case 'i8':
        dv.setBigInt64(p, BigInt(v), le);
        break;
      default:
        // descr the writer does not encode (e.g. '<c8' for error tests): zero bytes
        break;
    }
  }
  return out;
}

/** Writes a .npz of the given arrays (names without .npy) to `path`, stored (level 0) or deflated. */
export function writeNpz(path: string, arrays: Record<string, Uint8Array>, deflate = false): string {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = v;
  writeFileSync(path, zipSync(files, { level: deflate ? 6 : 0 }));
  return path;
}

/** Encodes an IDX ubyte file: magic 0x0000 08 <rank>, big-endian dims, then the bytes. */
export function idx(dims: readonly number[], data: ArrayLike<number>, typeCode = 0x08): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[typeCode] ?? 1;
  const hdr = 4 + 4 * dims.length;
  const out = new Uint8Array(hdr + data.length * size);
  const dv = new DataView(out.buffer);
  out.set([0, 0, typeCode, dims.length]);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    const p = hdr + i * size;
    if (typeCode === 0x08) dv.setUint8(p, v);
    else if (typeCode === 0x09) dv.setInt8(p, v);
    else if (typeCode === 0x0b) dv.setInt16(p, v, false);
    else if (typeCode === 0x0c) dv.setInt32(p, v, false);
    else if (typeCode === 0x0d) dv.setFloat32(p, v, false);
    else dv.setFloat64(p, v, false);
  }
  return out;
}

/** NCHW sample-major data → NHWC. */
export function toNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let s = 0; s < n; s++)
    for (let ci = 0; ci < c; ci++)
      for (let y = 0; y < h; y++) for (let xi = 0; xi < w; xi++) out[((s * h + y) * w + xi) * c + ci] = x[((s * c + ci) * h + y) * w + xi] ?? NaN;
  return out;
}

/** Exact element-wise equality of two typed arrays (fast; vitest's deep equality is slow on millions). */
export function expectSameValues(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (!Object.is(x, y)) expect(`[${i}] = ${x}`).toBe(`[${i}] = ${y}`);
  }
}
