/**
 * IDX files (MNIST, Fashion-MNIST, EMNIST ...), gzipped or plain (detected by content).
 *
 * Layout: 2 zero bytes, a type byte (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float,
 * 0x0E double), a rank byte, then `rank` big-endian uint32 dimensions, then the big-endian data.
 * Images are 0x00000803 ([N,H,W] → samples [1,H,W]); rank 2 ([N,F]) gives flat samples [F] and
 * rank 4 ([N,C,H,W]) samples [C,H,W]. Labels are 0x00000801 ([N]), in a second file found next to
 * the images (`-images-idx3-ubyte` → `-labels-idx1-ubyte`, `-images.idx3-ubyte` → `-labels.idx1-ubyte`,
 * with or without `.gz`) or given explicitly (`Preprocess.labels`).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { ByteSource, decodeElements, decodeElements64, type ElemType, product, shapeStr } from './binary.js';
import { applyPreprocess, type RawSamples, selectRange, toClassIndices, validatePreprocess } from './preprocess.js';
import type { InMemoryDataset, Preprocess } from './types.js';

export const IDX_TYPES: Readonly<Record<number, ElemType>> = {
  0x08: { kind: 'u', size: 1, littleEndian: false, name: 'ubyte (0x08)' },
  0x09: { kind: 'i', size: 1, littleEndian: false, name: 'byte (0x09)' },
  0x0b: { kind: 'i', size: 2, littleEndian: false, name: 'short (0x0B)' },
  0x0c: { kind: 'i', size: 4, littleEndian: false, name: 'int (0x0C)' },
  0x0d: { kind: 'f', size: 4, littleEndian: false, name: 'float (0x0D)' },
  0x0e: { kind: 'f', size: 8, littleEndian: false, name: 'double (0x0E)' },
};

export interface IdxHeader {
  /** The type byte (0x08 ...). */
  readonly typeCode: number;
  readonly elem: ElemType;
  /** All dimensions, the first being the sample count. */
  readonly dims: readonly number[];
  /** Byte offset of the data (4 + 4 × rank). */
  readonly dataOffset: number;
}

/** True when the first 4 bytes are a plausible IDX magic (0x0000, known type, rank 1..4). */
export function looksLikeIdx(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && IDX_TYPES[bytes[2] ?? -1] !== undefined && (bytes[3] ?? 0) >= 1 && (bytes[3] ?? 0) <= 4;
}

function hex8(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

/** Reads the IDX header from the start of the (decompressed) file. */
export function parseIdxHeader(src: ByteSource): IdxHeader {
  const head = src.prefix(4);
  if (head.length < 4) {
    throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${src.path}: truncated IDX file: expected at least 4 header bytes, got ${head.length}`, {
      file: src.path,
      expected: 4,
      actual: head.length,
    });
  }
  const magic = (((head[0] ?? 0) << 24) | ((head[1] ?? 0) << 16) | ((head[2] ?? 0) << 8) | (head[3] ?? 0)) >>> 0;
  if (!looksLikeIdx(head)) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_FORMAT,
      `${src.path}: bad IDX magic ${hex8(magic)}: expected 0x00000803 (images) or 0x00000801 (labels), ` +
        `i.e. 0x0000, a type byte (08 09 0B 0C 0D 0E) and a rank of 1..4`,
      { file: src.path, expected: '0x00000803', actual: hex8(magic) },
    );
  }
  const typeCode = head[2] ?? 0;
  const rank = head[3] ?? 0;
  const dataOffset = 4 + 4 * rank;
  const hb = src.prefix(dataOffset);
  if (hb.length < dataOffset) {
    throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${src.path}: truncated IDX file: expected ${dataOffset} header bytes for rank ${rank}, got ${hb.length}`, {
      file: src.path,
      expected: dataOffset,
      actual: hb.length,
    });
  }
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) {
    const p = 4 + 4 * d;
    dims.push((hb[p] ?? 0) * 2 ** 24 + (((hb[p + 1] ?? 0) << 16) | ((hb[p + 2] ?? 0) << 8) | (hb[p + 3] ?? 0)));
  }
  const elem = IDX_TYPES[typeCode];
  if (!elem) throw new Error('unreachable');
  return { typeCode, elem, dims, dataOffset };
}

/** Throws E_DATA_FORMAT unless the file holds all the bytes its header promises. */
function checkComplete(src: ByteSource, h: IdxHeader, what: string): void {
  const expected = h.dataOffset + product(h.dims) * h.elem.size;
  const actual = src.checkedSize(expected);
  if (actual < expected) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_FORMAT,
      `${src.path}: truncated IDX file: the header says ${what} ${shapeStr(h.dims)} of ${h.elem.name}, ` +
        `which needs ${expected} bytes, but the file has ${actual} bytes${src.gzipped ? ' (after gunzip)' : ''}`,
      { file: src.path, expected, actual },
    );
  }
}

/** The labels file conventionally paired with an images file, or undefined if the name has no pattern. */
export function labelsPathFor(imagesPath: string): string | undefined {
  const name = basename(imagesPath);
  const pairs: ReadonlyArray<readonly [string, string]> = [
    ['-images-idx3-ubyte', '-labels-idx1-ubyte'],
    ['-images.idx3-ubyte', '-labels.idx1-ubyte'],
  ];
  for (const [from, to] of pairs) {
    const i = name.lastIndexOf(from);
    if (i >= 0) return join(dirname(imagesPath), name.slice(0, i) + to + name.slice(i + from.length));
  }
  return undefined;
}

export function findLabelsFile(imagesPath: string, explicit: string | undefined): string {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) {
      throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `labels file ${explicit} (given with --labels) does not exist`, {
        file: imagesPath,
        labels: explicit,
      });
    }
    return explicit;
  }
  const derived = labelsPathFor(imagesPath);
  if (derived === undefined) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_LABELS,
      `cannot find the labels for ${imagesPath}: its name does not contain '-images-idx3-ubyte' or ` +
        `'-images.idx3-ubyte', so no labels file name can be derived; pass the labels file with --labels`,
      { file: imagesPath },
    );
  }
  const alternative = derived.endsWith('.gz') ? derived.slice(0, -3) : `${derived}.gz`;
  for (const candidate of [derived, alternative]) if (existsSync(candidate)) return candidate;
  throw new Onnx2SnnError(
    ErrorCodes.DATA_LABELS,
    `labels file for ${imagesPath} not found: tried ${derived} (and ${alternative}); pass the labels file with --labels`,
    { file: imagesPath, tried: [derived, alternative] },
  );
}

/** Reads an IDX images file and its labels: the selected samples, unpreprocessed. */
export function readIdxRaw(path: string, pre?: Preprocess, opened?: ByteSource): RawSamples {
  validatePreprocess(pre);
  const src = opened ?? ByteSource.open(path);
  const h = parseIdxHeader(src);
  if (h.dims.length === 1) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_FORMAT,
      `${path} is an IDX labels file (rank 1, ${h.dims[0]} values); pass the images file (e.g. *-images-idx3-ubyte.gz) ` +
        `and its labels are found next to it`,
      { file: path, expected: '0x00000803', actual: hex8((h.typeCode << 8) | 1) },
    );
  }
  const total = h.dims[0] ?? 0;
  const sampleDims = h.dims.slice(1);
  if (sampleDims.some((d) => d === 0)) {
    throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${path}: IDX header has an empty sample shape ${shapeStr(h.dims)}`, {
      file: path,
      actual: h.dims,
    });
  }
  const sampleShape = sampleDims.length === 2 ? [1, ...sampleDims] : sampleDims;
  const sampleSize = product(sampleDims);

  // Labels first: a missing labels file should fail before any image decoding.
  const labelsPath = findLabelsFile(path, pre?.labels);
  const lsrc = ByteSource.open(labelsPath, 'labels file');
  const lh = parseIdxHeader(lsrc);
  if (!(lh.dims.length === 1 || (lh.dims.length === 2 && lh.dims[1] === 1))) {
    throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${labelsPath}: not an IDX labels file: expected shape [N] (magic 0x00000801), got ${shapeStr(lh.dims)}`, {
      file: labelsPath,
      expected: '[N]',
      actual: lh.dims,
    });
  }
  const labelCount = lh.dims[0] ?? 0;
  if (labelCount !== total) {
    throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${path} has ${total} images but its labels file ${labelsPath} has ${labelCount} labels`, {
      file: path,
      labels: labelsPath,
      expected: total,
      actual: labelCount,
    });
  }
  checkComplete(lsrc, lh, 'labels');

  const { start, count } = selectRange(total, pre, path);
  checkComplete(src, h, 'images');

  const lbytes = lsrc.prefix(lh.dataOffset + (start + count) * lh.elem.size);
  const labels = toClassIndices(decodeElements64(lbytes, lh.dataOffset, lh.elem, start, count), labelsPath, start);

  const end = h.dataOffset + (start + count) * sampleSize * h.elem.size;
  const bytes = src.prefix(end);
  if (bytes.length < end) {
    // checkedSize trusted a gzip trailer that lied (corrupt file).
    throw new Onnx2SnnError(
      ErrorCodes.DATA_FORMAT,
      `${path}: truncated IDX file: needs ${end} bytes for samples up to ${start + count}, but the file has ${bytes.length} bytes`,
      { file: path, expected: end, actual: bytes.length },
    );
  }
  const x = new Float32Array(count * sampleSize);
  decodeElements(bytes, h.dataOffset, h.elem, start * sampleSize, count * sampleSize, x);
  return { source: path, format: 'idx', total, offset: start, sampleShape, x, labels };
}

/** Loads an IDX images file (+ labels) and preprocesses it. */
export function loadIdx(path: string, pre?: Preprocess): InMemoryDataset {
  return applyPreprocess(readIdxRaw(path, pre), pre);
}
