/**
 * Low-level byte access for dataset readers: reading a file, transparent gzip (detected by the
 * magic bytes 1f 8b, never by the file name), decoding only a prefix of a gzip stream when a
 * reader needs just the first samples, and converting typed binary elements to float32.
 */
import { readFileSync, statSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync, inflateRawSync } from 'node:zlib';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a whole file; E_FILE when it is missing, a directory or unreadable. */
export function readFileOrThrow(path: string, what = 'dataset file'): Buffer {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
    throw new Onnx2SnnError(ErrorCodes.FILE, `cannot read ${what} ${path}: ${reason}`, { file: path, reason: code ?? reason });
  }
  if (isDir) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `cannot read ${what} ${path}: it is a directory`, { file: path, reason: 'EISDIR' });
  }
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Onnx2SnnError(ErrorCodes.FILE, `cannot read ${what} ${path}: ${(e as Error).message}`, { file: path, reason: code });
  }
}

/** Length of the gzip member header (RFC 1952), or undefined if it is malformed. */
function gzipHeaderLength(raw: Uint8Array): number | undefined {
  if (raw.length < 18 || raw[2] !== 8) return undefined; // 8 = deflate
  const flags = raw[3] ?? 0;
  let p = 10;
  if (flags & 4) {
    // FEXTRA
    if (p + 2 > raw.length) return undefined;
    p += 2 + ((raw[p] ?? 0) | ((raw[p + 1] ?? 0) << 8));
  }
  for (const bit of [8, 16]) {
    // FNAME, FCOMMENT: zero-terminated
    if (flags & bit) {
      while (p < raw.length && raw[p] !== 0) p++;
      p++;
    }
  }
  if (flags & 2) p += 2; // FHCRC
  return p < raw.length ? p : undefined;
}

/**
 * The (decompressed) contents of a file, decoded lazily. For a gzip file, `prefix(n)` inflates
 * only as much of the stream as needed for n bytes, so reading the first 1000 of 60000 images
 * does not inflate the whole file.
 */
export class ByteSource {
  readonly path: string;
  readonly gzipped: boolean;
  /** The file's bytes as stored. */
  readonly raw: Uint8Array;
  private decoded: Uint8Array | undefined;
  private complete = false;

  constructor(path: string, raw: Uint8Array) {
    this.path = path;
    this.raw = raw;
    this.gzipped = isGzip(raw);
    if (!this.gzipped) {
      this.decoded = raw;
      this.complete = true;
    }
  }

  static open(path: string, what?: string): ByteSource {
    return new ByteSource(path, readFileOrThrow(path, what));
  }

  /**
   * The decompressed size as far as it is cheaply known: exact for plain files and for
   * fully decoded gzip files; for gzip files, the ISIZE trailer (size mod 2^32 of the last member),
   * which is only a hint until verified.
   */
  sizeHint(): number {
    if (this.complete && this.decoded) return this.decoded.length;
    const r = this.raw;
    if (r.length < 4) return 0;
    return ((r[r.length - 4] ?? 0) | ((r[r.length - 3] ?? 0) << 8) | ((r[r.length - 2] ?? 0) << 16)) + (r[r.length - 1] ?? 0) * 2 ** 24;
  }

  /** The whole decompressed contents. E_DATA_FORMAT for a corrupt or truncated gzip stream. */
  all(): Uint8Array {
    if (this.complete && this.decoded) return this.decoded;
    let out: Buffer;
    try {
      out = gunzipSync(this.raw);
    } catch (e) {
      throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${this.path}: corrupt or truncated gzip data (${(e as Error).message})`, {
        file: this.path,
        reason: 'gzip',
      });
    }
    this.decoded = out;
    this.complete = true;
    return out;
  }

  /**
   * At least the first `n` decompressed bytes (more may be returned). When the contents are shorter
   * than n, returns all of them: callers compare the length with what they need.
   */
  prefix(n: number): Uint8Array {
    if (this.decoded && (this.complete || this.decoded.length >= n)) return this.decoded;
    const hint = this.sizeHint();
    const hdr = gzipHeaderLength(this.raw);
    const body = this.raw.length;
    if (hdr === undefined || hint === 0 || n >= hint * 0.7) return this.all();
    // Estimate the compressed bytes needed from the overall ratio, then double until enough.
    let k = Math.max(16384, Math.ceil((n * body) / hint) * 1.2 + 4096);
    for (;;) {
      if (hdr + k >= body * 0.8) return this.all();
      let out: Buffer;
      try {
        out = inflateRawSync(this.raw.subarray(hdr, hdr + k), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        return this.all(); // let the full decode report the problem
      }
      if (out.length >= n) {
        this.decoded = out;
        return out;
      }
      k *= 2;
    }
  }

  /**
   * The decompressed size, checked against what a reader's header implies. Returns `expected` when
   * the file is at least that long, else the actual (shorter) size. Avoids a full inflate when the
   * gzip trailer agrees with the expectation.
   */
  checkedSize(expected: number): number {
    if (this.complete && this.decoded) return this.decoded.length;
    if (this.sizeHint() === expected % 2 ** 32) return expected;
    return this.all().length;
  }
}

/** An element type of a binary array (IDX or .npy). */
export interface ElemType {
  readonly kind: 'u' | 'i' | 'f' | 'b';
  /** Bytes per element. */
  readonly size: 1 | 2 | 4 | 8;
  readonly littleEndian: boolean;
  /** Human-readable name, e.g. '<f4' or 'ubyte'. */
  readonly name: string;
}

/**
 * Converts `count` elements starting at element index `first` of `bytes` (whose element 0 is at
 * byte `base`) into `out` at `outOffset`. Integers beyond 2^53 lose precision (they are data values).
 */
export function decodeElements(bytes: Uint8Array, base: number, t: ElemType, first: number, count: number, out: Float32Array, outOffset = 0): void {
  const start = base + first * t.size;
  if (t.size === 1) {
    if (t.kind === 'i') {
      const v = new Int8Array(bytes.buffer, bytes.byteOffset + start, count);
      out.set(v, outOffset);
    } else {
      // 'u' and 'b' (bool: 0/1)
      out.set(bytes.subarray(start, start + count), outOffset);
    }
    return;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + start, count * t.size);
  const le = t.littleEndian;
  const o = outOffset;
  switch (`${t.kind}${t.size}`) {
    case 'f4':
      for (let i = 0; i < count; i++) out[o + i] = dv.getFloat32(i * 4, le);
      return;
    case 'f8':
      for (let i = 0; i < count; i++) out[o + i] = dv.getFloat64(i * 8, le);
      return;
    case 'u2':
      for (let i = 0; i < count; i++) out[o + i] = dv.getUint16(i * 2, le);
      return;
    case 'i2':
      for (let i = 0; i < count; i++) out[o + i] = dv.getInt16(i * 2, le);
      return;
    case 'u4':
      for (let i = 0; i < count; i++) out[o + i] = dv.getUint32(i * 4, le);
      return;
    case 'i4':
      for (let i = 0; i < count; i++) out[o + i] = dv.getInt32(i * 4, le);
      return;
    case 'u8':
      for (let i = 0; i < count; i++) out[o + i] = Number(dv.getBigUint64(i * 8, le));
      return;
    case 'i8':
      for (let i = 0; i < count; i++) out[o + i] = Number(dv.getBigInt64(i * 8, le));
      return;
    default:
      throw new Error(`internal: no decoder for element type ${t.name}`);
  }
}

/** Like decodeElements but into float64 (used for labels, where exact integers matter). */
export function decodeElements64(bytes: Uint8Array, base: number, t: ElemType, first: number, count: number): Float64Array {
  const out = new Float64Array(count);
  if (t.kind === 'f' && t.size === 4) {
    const tmp = new Float32Array(count);
    decodeElements(bytes, base, t, first, count, tmp);
    out.set(tmp);
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + base + first * t.size, count * t.size);
  const le = t.littleEndian;
  for (let i = 0; i < count; i++) {
    const p = i * t.size;
    let v: number;
    switch (`${t.kind}${t.size}`) {
      case 'u1':
      case 'b1':
        v = dv.getUint8(p);
        break;
      case 'i1':
        v = dv.getInt8(p);
        break;
      case 'u2':
        v = dv.getUint16(p, le);
        break;
      case 'i2':
        v = dv.getInt16(p, le);
        break;
      case 'u4':
        v = dv.getUint32(p, le);
        break;
      case 'i4':
        v = dv.getInt32(p, le);
        break;
      case 'u8':
        v = Number(dv.getBigUint64(p, le));
        break;
      case 'i8':
        v = Number(dv.getBigInt64(p, le));
        break;
      case 'f8':
        v = dv.getFloat64(p, le);
        break;
      default:
        throw new Error(`internal: no decoder for element type ${t.name}`);
    }
    out[i] = v;
  }
  return out;
}

export function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

export function shapeStr(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}
