/**
 * CIFAR-10 binary version (data_batch_N.bin, test_batch.bin), gzipped or plain (detected by content).
 * The file is a sequence of 3073-byte records: 1 label byte (0..9), then 1024 red, 1024 green and
 * 1024 blue bytes, each plane row-major 32×32. Samples are [3,32,32] (CHW, as stored).
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { ByteSource } from './binary.js';
import { applyPreprocess, type RawSamples, selectRange, validatePreprocess } from './preprocess.js';
import type { InMemoryDataset, Preprocess } from './types.js';

export const CIFAR10_RECORD_BYTES = 3073;
const PIXELS = 3072;

/** The decompressed size of the file, exact (a full inflate only when the gzip trailer disagrees). */
export function cifarSize(src: ByteSource): number {
  const hint = src.sizeHint();
  if (!src.gzipped || (hint > 0 && hint % CIFAR10_RECORD_BYTES === 0)) return hint;
  return src.all().length;
}

export function readCifar10Raw(path: string, pre?: Preprocess, opened?: ByteSource): RawSamples {
  validatePreprocess(pre);
  if (pre?.labels !== undefined) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--labels applies to IDX datasets only; the CIFAR-10 file ${path} holds its labels in its records`, {
      option: '--labels',
      file: path,
    });
  }
  const src = opened ?? ByteSource.open(path);
  const size = cifarSize(src);
  if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(size / CIFAR10_RECORD_BYTES);
    throw new Onnx2SnnError(
      ErrorCodes.DATA_FORMAT,
      `${path}: size ${size} bytes${src.gzipped ? ' (after gunzip)' : ''} is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte ` +
        `CIFAR-10 record (1 label byte + 3072 pixel bytes): ${whole} whole records and ${size - whole * CIFAR10_RECORD_BYTES} bytes left over`,
      { file: path, expected: `multiple of ${CIFAR10_RECORD_BYTES}`, actual: size },
    );
  }
  const total = size / CIFAR10_RECORD_BYTES;
  const { start, count } = selectRange(total, pre, path);
  const end = (start + count) * CIFAR10_RECORD_BYTES;
  const bytes = src.prefix(end);
  if (bytes.length < end) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_FORMAT,
      `${path}: truncated CIFAR-10 file: needs ${end} bytes for records up to ${start + count}, but has ${bytes.length}`,
      { file: path, expected: end, actual: bytes.length },
    );
  }
  const x = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const r = (start + i) * CIFAR10_RECORD_BYTES;
    const label = bytes[r] ?? 0;
    if (label > 9) {
      throw new Onnx2SnnError(
        ErrorCodes.DATA_FORMAT,
        `${path}: record ${start + i} has label byte ${label}; CIFAR-10 labels are 0..9 (is this a CIFAR-10 binary file?)`,
        { file: path, sample: start + i, actual: label },
      );
    }
    labels[i] = label;
    x.set(bytes.subarray(r + 1, r + CIFAR10_RECORD_BYTES), i * PIXELS);
  }
  return { source: path, format: 'cifar10', total, offset: start, sampleShape: [3, 32, 32], x, labels };
}

/** Loads a CIFAR-10 binary file and preprocesses it. */
export function loadCifar10(path: string, pre?: Preprocess): InMemoryDataset {
  return applyPreprocess(readCifar10Raw(path, pre), pre);
}
