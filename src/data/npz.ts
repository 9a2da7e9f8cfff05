/**
 * NumPy `.npz` datasets (np.savez / np.savez_compressed): a zip (stored or deflated entries) of
 * `.npy` arrays, of which we use `x` (samples) and `y` (labels).
 *
 * x: [N, ...sample dims]. y: [N] (or [N,1]) integer class indices, or one-hot / scores [N,K]
 * (→ argmax per row). Supported .npy: format versions 1, 2 and 3; dtypes f4 f8 u1 u2 u4 u8 i1 i2
 * i4 i8 and bool, either byte order; C order only (fortran_order False).
 */
import { unzipSync } from 'fflate';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { ByteSource, decodeElements, decodeElements64, type ElemType, product, shapeStr } from './binary.js';
import { applyPreprocess, type RawSamples, selectRange, toClassIndices, validatePreprocess } from './preprocess.js';
import type { InMemoryDataset, Preprocess } from './types.js';

/** True when the bytes start with a zip local-file (or empty-archive) signature. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** True when the bytes start with the .npy magic \x93NUMPY. */
export function isNpy(bytes: Uint8Array): boolean {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  return bytes.length >= 6 && magic.every((b, i) => bytes[i] === b);
}

export interface NpyArray {
  readonly elem: ElemType;
  readonly shape: readonly number[];
  /** Holds the whole .npy file; element 0 is at `dataOffset`. */
  readonly bytes: Uint8Array;
  readonly dataOffset: number;
}

function npyError(where: string, message: string, details: Record<string, unknown> = {}): Onnx2SnnError {
  return new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${where}: ${message}`, { file: where, ...details });
}

/** Parses a .npy array (header and bounds; the data is decoded by the caller). `where` names it in errors. */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  if (!isNpy(bytes)) throw npyError(where, 'not a .npy array (missing the \\x93NUMPY magic)');
  if (bytes.length < 10) throw npyError(where, `truncated .npy header (${bytes.length} bytes)`, { actual: bytes.length });
  const major = bytes[6] ?? 0;
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = (bytes[8] ?? 0) | ((bytes[9] ?? 0) << 8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw npyError(where, `truncated .npy header (${bytes.length} bytes)`, { actual: bytes.length });
    headerLen = ((bytes[8] ?? 0) | ((bytes[9] ?? 0) << 8) | ((bytes[10] ?? 0) << 16)) + (bytes[11] ?? 0) * 2 ** 24;
    headerStart = 12;
  } else {
    throw npyError(where, `unsupported .npy format version ${major}.${bytes[7] ?? 0} (supported: 1, 2, 3)`, { actual: major });
  }
  const dataOffset = headerStart + headerLen;
  if (dataOffset > bytes.length) {
    throw npyError(where, `truncated .npy header: needs ${dataOffset} bytes, has ${bytes.length}`, {
      expected: dataOffset,
      actual: bytes.length,
    });
  }
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw npyError(where, `cannot parse the .npy header ${JSON.stringify(header.trim())} (structured dtypes are not supported)`);
  }
  if (fortran === 'True') {
    throw npyError(where, 'arrays in Fortran order are not supported; save it with np.ascontiguousarray(a)', {
      actual: 'fortran_order: True',
    });
  }
  const m = /^([<>|=]?)([biuf])(\d+)$/.exec(descr);
  const kind = m?.[2] as ElemType['kind'] | undefined;
  const size = Number(m?.[3]);
  const supported = kind !== undefined && (kind === 'b' ? size === 1 : kind === 'f' ? size === 4 || size === 8 : [1, 2, 4, 8].includes(size));
  if (!m || !supported) {
    throw npyError(where, `unsupported dtype '${descr}' (supported: <f4 <f8 |u1 <u2 <u4 <u8 |i1 <i2 <i4 <i8 |b1, either byte order)`, {
      actual: descr,
    });
  }
  const elem: ElemType = { kind, size: size as ElemType['size'], littleEndian: m[1] !== '>', name: descr };
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw npyError(where, `bad shape (${shapeText}) in the .npy header`);
  const need = dataOffset + product(shape) * elem.size;
  if (bytes.length < need) {
    throw npyError(where, `truncated .npy data: shape ${shapeStr(shape)} of ${descr} needs ${need} bytes, the array has ${bytes.length}`, {
      expected: need,
      actual: bytes.length,
    });
  }
  return { elem, shape, bytes, dataOffset };
}

function findEntry(names: readonly string[], key: string): string | undefined {
  const stem = (n: string): string => n.replace(/^.*\//, '').replace(/\.npy$/, '');
  return names.find((n) => stem(n) === key) ?? names.find((n) => stem(n).toLowerCase() === key);
}

/** The arrays x and y of a .npz file (by their stems, case-insensitively); typed errors name what is missing. */
function readXY(path: string, opened?: ByteSource): { xa: NpyArray; ya: NpyArray; xName: string; yName: string } {
  const src = opened ?? ByteSource.open(path);
  const zip = src.all();
  if (!isZip(zip)) throw npyError(path, 'not a .npz file (no zip signature PK\\x03\\x04)');
  const names: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        names.push(f.name);
        const stem = f.name
          .replace(/^.*\//, '')
          .replace(/\.npy$/, '')
          .toLowerCase();
        return stem === 'x' || stem === 'y';
      },
    });
  } catch (e) {
    throw npyError(path, `corrupt or unsupported zip archive (${(e as Error).message})`);
  }
  const xName = findEntry(names, 'x');
  const yName = findEntry(names, 'y');
  const listed = names.length ? names.join(', ') : 'none';
  if (xName === undefined) {
    throw npyError(path, `no array 'x' in the .npz (arrays: ${listed}); save samples as x and labels as y: np.savez(f, x=..., y=...)`, {
      arrays: names,
    });
  }
  if (yName === undefined) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_LABELS,
      `${path}: no labels array 'y' in the .npz (arrays: ${listed}); save labels as y: np.savez(f, x=..., y=...)`,
      { file: path, arrays: names },
    );
  }
  const xa = parseNpy(files[xName] ?? new Uint8Array(), `${path}:${xName}`);
  const ya = parseNpy(files[yName] ?? new Uint8Array(), `${path}:${yName}`);
  if (xa.shape.length === 0) throw npyError(`${path}:${xName}`, 'x is a scalar; expected [N, ...sample dims]');
  return { xa, ya, xName, yName };
}

/**
 * Sample layout. A 3-D x [N,H,W] is single-channel images → [1,H,W]. A 4-D x [N,a,b,c] is taken
 * as NHWC (the usual numpy/Keras storage) when c is 1 or 3 and a is not 1 or 3, and transposed to
 * CHW; otherwise as NCHW. (So [N,28,28,1] and [N,32,32,3] are NHWC, [N,1,28,28] and [N,3,32,32]
 * NCHW; an ambiguous [N,3,H,3] counts as NCHW.) Other ranks are kept as stored: [N,F] → [F].
 */
function sampleLayout(dims: readonly number[]): { sampleShape: number[]; nhwc: boolean } {
  let sampleShape: number[] = dims.length === 0 ? [1] : [...dims];
  let nhwc = false;
  if (dims.length === 2) sampleShape = [1, ...dims];
  if (dims.length === 3) {
    const [a, b, c] = dims as [number, number, number];
    if ((c === 1 || c === 3) && a !== 1 && a !== 3) {
      nhwc = true;
      sampleShape = [c, a, b];
    }
  }
  return { sampleShape, nhwc };
}

/** [count, H, W, C] samples → [count, C, H, W]. */
function hwcToChw(x: Float32Array, count: number, sampleShape: readonly number[]): Float32Array {
  const [C, H, W] = sampleShape as [number, number, number];
  const size = C * H * W;
  const hw = H * W;
  const chw = new Float32Array(x.length);
  for (let n = 0; n < count; n++) {
    const b = n * size;
    for (let p = 0; p < hw; p++) for (let c = 0; c < C; c++) chw[b + c * hw + p] = x[b + p * C + c] ?? 0;
  }
  return chw;
}

/** Class indices of `count` labels from [N] indices or [N,K] one-hot rows (argmax), starting at sample `start`. */
function labelValuesOf(path: string, ya: NpyArray, start: number, count: number): ArrayLike<number> {
  const k = ya.shape.length === 2 ? (ya.shape[1] ?? 1) : 1;
  if (k === 0) {
    throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${path}: y has shape ${shapeStr(ya.shape)} with no classes`, {
      file: path,
      actual: ya.shape,
    });
  }
  const yv = decodeElements64(ya.bytes, ya.dataOffset, ya.elem, start * k, count * k);
  let labelValues: ArrayLike<number> = yv;
  if (k > 1) {
    const am = new Float64Array(count);
    for (let n = 0; n < count; n++) {
      let best = 0;
      let bestV = yv[n * k] ?? 0;
      for (let j = 1; j < k; j++) {
        const v = yv[n * k + j] ?? 0;
        if (v > bestV) {
          bestV = v;
          best = j;
        }
      }
      am[n] = best;
    }
    labelValues = am;
  }
  return labelValues;
}

export function readNpzRaw(path: string, pre?: Preprocess, opened?: ByteSource): RawSamples {
  validatePreprocess(pre);
  if (pre?.labels !== undefined) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--labels applies to IDX datasets only; the .npz file ${path} holds its labels in array y`, {
      option: '--labels',
      file: path,
    });
  }
  const { xa, ya, yName } = readXY(path, opened);
  const total = xa.shape[0] ?? 0;
  const yCount = ya.shape[0] ?? 1;
  if (ya.shape.length === 0 || ya.shape.length > 2) {
    throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${path}: y has shape ${shapeStr(ya.shape)}; expected [N] class indices or [N,K] one-hot`, {
      file: path,
      actual: ya.shape,
    });
  }
  if (yCount !== total) {
    throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${path}: x has ${total} samples but y has ${yCount} labels`, {
      file: path,
      expected: total,
      actual: yCount,
    });
  }

  const { sampleShape, nhwc } = sampleLayout(xa.shape.slice(1));
  const size = product(sampleShape);
  const { start, count } = selectRange(total, pre, path);
  let x: Float32Array = new Float32Array(count * size);
  decodeElements(xa.bytes, xa.dataOffset, xa.elem, start * size, count * size, x);
  if (nhwc && (sampleShape[0] ?? 1) !== 1) x = hwcToChw(x, count, sampleShape);
  const labels = toClassIndices(labelValuesOf(path, ya, start, count), `${path}:${yName}`, start);
  return { source: path, format: 'npz', total, offset: start, sampleShape, x, labels };
}

/** Loads a .npz dataset (arrays x and y) and preprocesses it. */
export function loadNpz(path: string, pre?: Preprocess): InMemoryDataset {
  return applyPreprocess(readNpzRaw(path, pre), pre);
}
