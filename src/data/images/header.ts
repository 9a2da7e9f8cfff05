/**
 * A synchronous look at an image file's header and tail, without decoding it: the format (JPEG
 * or PNG), the size, the colour channels, and whether the file is complete. Used to learn the
 * sample shape of a folder and, with --skip-bad, to leave out files that cannot be read before a
 * run starts (so the sample count is known in advance and never changes mid-stream).
 *
 *   JPEG: segments from SOI to the first SOFn frame header (size, component count: 4 = CMYK or
 *         YCCK, which we refuse); complete when an EOI marker (FF D9) is in the last 16 KiB
 *         (entropy-coded data cannot contain FF D9, so a cut-off file has none there, while
 *         trailing bytes after EOI are tolerated).
 *   PNG:  the IHDR chunk (size, colour type); complete when the IEND chunk is in the last 16 KiB.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ImageHeader {
  readonly format: 'jpeg' | 'png';
  readonly width: number;
  readonly height: number;
  /** Colour channels as stored (1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha or CMYK). */
  readonly channels: number;
}

/** The header, or the reason the file cannot be used. */
export type HeaderResult = { readonly ok: true; readonly header: ImageHeader } | { readonly ok: false; readonly reason: string };

const TAIL = 16 * 1024;
const HEAD = 64;

/** Bytes [pos, pos + len) of the file (fewer at its end). */
type Read = (pos: number, len: number) => Uint8Array;

function fileReader(fd: number): Read {
  return (pos, len) => {
    const b = new Uint8Array(Math.max(0, len));
    const n = readSync(fd, b, 0, b.length, pos);
    return b.subarray(0, n);
  };
}

function hasSequence(b: Uint8Array, seq: readonly number[]): boolean {
  outer: for (let i = 0; i + seq.length <= b.length; i++) {
    for (let j = 0; j < seq.length; j++) if (b[i + j] !== seq[j]) continue outer;
    return true;
  }
  return false;
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks the JPEG segments from SOI to the first frame header, reading a few bytes per segment. */
function jpegHeader(read: Read, size: number): HeaderResult {
  let p = 2;
  while (p + 4 <= size) {
    const m = read(p, 10);
    if (m[0] !== 0xff) return { ok: false, reason: 'corrupt JPEG (no marker where one was expected)' };
    const marker = m[1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (SOF.has(marker)) {
      if (m.length < 10) break;
      const height = (m[5]! << 8) | m[6]!;
      const width = (m[7]! << 8) | m[8]!;
      const channels = m[9]!;
      if (channels === 4) return { ok: false, reason: 'CMYK JPEG (4 colour components); convert it to RGB' };
      if (channels !== 1 && channels !== 3) return { ok: false, reason: `JPEG with ${channels} colour components` };
      if (!width || !height) return { ok: false, reason: 'JPEG without a size' };
      return { ok: true, header: { format: 'jpeg', width, height, channels } };
    }
    if (marker === 0xd9 || marker === 0xda) break; // EOI or scan data before any frame header
    p += 2 + ((m[2]! << 8) | m[3]!);
  }
  return { ok: false, reason: 'corrupt or truncated JPEG (no frame header)' };
}

function pngHeader(head: Uint8Array): HeaderResult {
  const ihdr = String.fromCharCode(...head.subarray(12, 16));
  if (head.length < 29 || ihdr !== 'IHDR') return { ok: false, reason: 'corrupt PNG (no IHDR chunk)' };
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const colourType = head[25]!;
  const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (!channels || !width || !height) return { ok: false, reason: `corrupt PNG (colour type ${colourType}, ${width}×${height})` };
  return { ok: true, header: { format: 'png', width, height, channels } };
}

/** The header of an image from its first bytes and its tail (the last TAIL bytes). */
function headerOf(read: Read, size: number): HeaderResult {
  const head = read(0, Math.min(size, HEAD));
  const tail = read(Math.max(0, size - TAIL), Math.min(size, TAIL));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    const h = jpegHeader(read, size);
    if (h.ok && !hasSequence(tail, [0xff, 0xd9])) return { ok: false, reason: 'truncated JPEG (no end-of-image marker)' };
    return h;
  }
  if (hasSequence(head.subarray(0, 8), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    const h = pngHeader(head);
    if (h.ok && !hasSequence(tail, [0x49, 0x45, 0x4e, 0x44])) return { ok: false, reason: 'truncated PNG (no IEND chunk)' };
    return h;
  }
  return { ok: false, reason: size === 0 ? 'empty file' : 'not a JPEG or PNG image' };
}

/** The header of an image held in memory. */
export function imageHeader(bytes: Uint8Array): HeaderResult {
  return headerOf((pos, len) => bytes.subarray(pos, pos + len), bytes.length);
}

/** Reads the header and tail of an image file. Never throws for bad content (an unreadable file: reason too). */
export function readImageHeader(path: string): HeaderResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { ok: false, reason: `cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  try {
    return headerOf(fileReader(fd), fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}
