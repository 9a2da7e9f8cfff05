/**
 * Dataset loading: picks the reader by content (never by name alone), applies offset/limit and
 * preprocessing, and fits samples to a model input.
 *
 * Detection order:
 *   zip signature 'PK'            → .npz (arrays x, y)
 *   \x93NUMPY                     → rejected (a lone .npy has no labels)
 *   gzip (1f 8b) → look inside; then on the (decompressed) bytes:
 *   IDX magic 0x0000 <type> <rank> → IDX images (+ labels file)
 *   size a multiple of 3073       → CIFAR-10 binary
 *   name ending .bin[.gz]          → CIFAR-10 binary (reports the size problem)
 *   anything else                 → E_DATA_FORMAT listing the supported formats
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { ByteSource, product, shapeStr } from './binary.js';
import { CIFAR10_RECORD_BYTES, cifarSize, readCifar10Raw } from './cifar.js';
import { looksLikeIdx, readIdxRaw } from './idx.js';
import { isNpy, isZip, readNpzRaw } from './npz.js';
import { applyPreprocess, type RawSamples } from './preprocess.js';
import type { Dataset, InMemoryDataset, Preprocess } from './types.js';
import { openImageFolder } from './images/dataset.js';

export type { Dataset, InMemoryDataset, Preprocess } from './types.js';
export { readSamples, inMemory } from './batches.js';
export { openImageFolder } from './images/dataset.js';
export { loadIdx, labelsPathFor, parseIdxHeader } from './idx.js';
export { loadCifar10 } from './cifar.js';
export { loadNpz, parseNpy } from './npz.js';
export { applyPreprocess, selectRange, validatePreprocess, type RawSamples } from './preprocess.js';

export const SUPPORTED_FORMATS =
  'IDX (MNIST-style *-images-idx3-ubyte[.gz] with its *-labels-idx1-ubyte[.gz]), ' +
  'CIFAR-10 binary (*.bin[.gz], 3073-byte records: 1 label + 3072 pixels), ' +
  'NumPy .npz with arrays x (samples) and y (labels), ' +
  'or a folder of JPEG/PNG images (class subfolders, or --classes with <class>_ file names)';

/** The dataset format of a file, from its content: 'idx' | 'cifar10' | 'npz'. Throws E_FILE / E_DATA_FORMAT. */
export function detectFormat(path: string, src: ByteSource = ByteSource.open(path)): 'idx' | 'cifar10' | 'npz' {
  if (isZip(src.raw)) return 'npz';
  if (isNpy(src.raw)) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_FORMAT,
      `${path} is a single .npy array, which has no labels; save samples and labels together with np.savez(file, x=..., y=...)`,
      { file: path, actual: 'npy' },
    );
  }
  const head = src.prefix(4);
  if (looksLikeIdx(head)) return 'idx';
  const inner = src.gzipped ? extname(path.replace(/\.gz$/i, '')) : extname(path);
  if (!src.gzipped && inner.toLowerCase() === '.npz') return 'npz'; // reports the missing zip signature
  const size = cifarSize(src);
  if (size > 0 && size % CIFAR10_RECORD_BYTES === 0) return 'cifar10';
  if (inner.toLowerCase() === '.bin') return 'cifar10'; // reports the size problem
  throw new Onnx2SnnError(
    ErrorCodes.DATA_FORMAT,
    `${path}: not a dataset format we can read${src.gzipped ? ' (gzip-compressed)' : ''}. Supported: ${SUPPORTED_FORMATS}`,
    { file: path, supported: ['idx', 'cifar10', 'npz'] },
  );
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // loadDataset reports a missing file
  }
}

/**
 * A dataset file or a folder of images: files are loaded into memory (loadDataset), folders are
 * opened as streamed datasets whose images are decoded batch by batch (openImageFolder).
 */
export function openDataset(path: string, pre?: Preprocess): Dataset {
  if (isDirectory(path)) return openImageFolder(path, pre);
  const images = (['resize', 'centerCrop', 'classes', 'skipBad'] as const).filter((k) => pre?.[k] !== undefined && pre[k] !== false);
  if (images.length) {
    const flag = { resize: '--resize', centerCrop: '--center-crop', classes: '--classes', skipBad: '--skip-bad' }[images[0]!];
    throw new Onnx2SnnError(ErrorCodes.OPTION, `${flag} applies to folders of images, and ${path} is a file`, { option: flag, file: path });
  }
  return loadDataset(path, pre);
}

/** Loads a dataset file, choosing the reader by content, then applies offset/limit and preprocessing. */
export function loadDataset(path: string, pre?: Preprocess): InMemoryDataset {
  if (isDirectory(path)) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path} is a directory, not a dataset file: open folders of images with openDataset() (decoded batch by batch)`, {
      file: path,
    });
  }
  const src = ByteSource.open(path);
  const format = detectFormat(path, src);
  let raw: RawSamples;
  switch (format) {
    case 'idx':
      raw = readIdxRaw(path, pre, src);
      break;
    case 'cifar10':
      raw = readCifar10Raw(path, pre, src);
      break;
    case 'npz':
      raw = readNpzRaw(path, pre, src);
      break;
  }
  return applyPreprocess(raw, pre);
}

/**
 * The per-sample shape the model input wants — `inputDims` without its batch (first) dimension —
 * when it holds as many elements as one dataset sample (so a [1,28,28] sample fits a [N,784] or a
 * [N,784,1] input: same values, reshaped). Dimensions after the batch that are unknown (symbolic,
 * null, ≤ 0) are inferred when there is exactly one of them. A rank-1 input (no batch dimension)
 * of the sample's size is returned as is. Otherwise E_DATA_SHAPE.
 */
export function fitToInput(ds: Dataset, inputDims: readonly (number | string | null | undefined)[]): readonly number[] {
  const sampleSize = product(ds.sampleShape);
  const show = (dims: readonly (number | string | null | undefined)[]): string =>
    `[${dims.map((d) => (typeof d === 'number' && d > 0 ? String(d) : typeof d === 'string' && d !== '' ? d : '?')).join(',')}]`;
  const fail = (why: string): never => {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_SHAPE,
      `${ds.source}: samples of shape ${shapeStr(ds.sampleShape)} (${sampleSize} values) do not fit the model input ` + `${show(inputDims)}${why}`,
      { file: ds.source, sampleShape: ds.sampleShape, inputShape: inputDims.map((d) => d ?? null) },
    );
  };
  const known = (d: number | string | null | undefined): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0;
  if (inputDims.length === 0) return fail(' (a scalar input)');
  if (inputDims.length === 1) {
    const d = inputDims[0];
    if (known(d) && d === sampleSize) return [d];
    return fail(' (the input has no batch dimension)');
  }
  const rest = inputDims.slice(1);
  const unknown = rest.filter((d) => !known(d)).length;
  const knownProduct = product(rest.filter(known));
  if (unknown === 0) {
    if (knownProduct === sampleSize) return rest as number[];
    return fail(`, whose samples have ${show(rest)} = ${knownProduct} values`);
  }
  if (unknown === 1 && knownProduct > 0 && sampleSize % knownProduct === 0) {
    return rest.map((d) => (known(d) ? d : sampleSize / knownProduct));
  }
  return fail(unknown === 1 ? `: ${sampleSize} is not a multiple of ${knownProduct}` : ': more than one non-batch dimension is unknown');
}

/** Samples [start, end) of `ds.x` as a view (no copy); end is clamped to ds.count. */
export function batchOf(ds: InMemoryDataset, start: number, end: number): Float32Array {
  const stop = Math.min(end, ds.count);
  if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || start > stop) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `batchOf(${start}, ${end}): bad sample range for ${ds.count} samples of ${ds.source}`, {
      file: ds.source,
      actual: [start, end],
      count: ds.count,
    });
  }
  const size = product(ds.sampleShape);
  return ds.x.subarray(start * size, stop * size);
}
