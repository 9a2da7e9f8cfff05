/**
 * Sample selection (offset/limit) and preprocessing shared by every reader.
 *
 * Order of operations, per value v of a selected sample (readers decode only the selected ones):
 *   1. v * scale
 *   2. (v - mean[c]) / std[c], c = the value's channel (mean/std: one value, or one per channel)
 *   3. layout: the internal sample layout is CHW; `layout: 'nhwc'` transposes image samples to HWC
 *   4. every value must be finite (E_DATA_NAN otherwise)
 *
 * "Channel" is dimension 0 of a 3-D (image) sample [C,H,W]; any other sample rank has one channel.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { product, shapeStr } from './binary.js';
import type { InMemoryDataset, Preprocess } from './types.js';

/** What a reader hands over: the selected samples, raw (unscaled) values, internal CHW layout. */
export interface RawSamples {
  readonly source: string;
  readonly format: string;
  /** Samples in the file. */
  readonly total: number;
  /** Index in the file of the first selected sample. */
  readonly offset: number;
  /** [C,H,W] for images, [F] for flat vectors, other ranks as stored. */
  readonly sampleShape: readonly number[];
  /** count × prod(sampleShape) raw values. */
  readonly x: Float32Array;
  /** One class index per selected sample. */
  readonly labels: Int32Array;
}

export interface SampleRange {
  /** First selected sample (index in the file). */
  readonly start: number;
  /** Number of selected samples (≥ 1). */
  readonly count: number;
}

function isNonNegInt(v: number): boolean {
  return Number.isInteger(v) && v >= 0;
}

/** Checks the options that do not depend on the data; called by readers before any decoding. */
export function validatePreprocess(pre: Preprocess | undefined): void {
  if (!pre) return;
  if (pre.scale !== undefined && (typeof pre.scale !== 'number' || !Number.isFinite(pre.scale))) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--scale must be a finite number, got ${String(pre.scale)}`, {
      option: '--scale',
      actual: pre.scale,
    });
  }
  // every input would be 0 (or, after --mean, one constant): nothing could be measured
  if (pre.scale === 0)
    throw new Onnx2SnnError(ErrorCodes.OPTION, "--scale 0 makes every input value 0; give the factor that maps raw values to the model's range (e.g. 1/255)", {
      option: '--scale',
      actual: 0,
      expected: 'non-zero',
    });
  for (const [name, values] of [
    ['--mean', pre.mean],
    ['--std', pre.std],
  ] as const) {
    if (values === undefined) continue;
    if (values.length === 0) {
      throw new Onnx2SnnError(ErrorCodes.OPTION, `${name} needs at least one value`, { option: name, actual: 0 });
    }
    values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Onnx2SnnError(ErrorCodes.OPTION, `${name} value #${i + 1} must be a finite number, got ${String(v)}`, {
          option: name,
          index: i,
          actual: v,
        });
      }
      if (name === '--std' && v === 0) {
        throw new Onnx2SnnError(ErrorCodes.OPTION, `--std value #${i + 1} is 0: cannot divide by zero`, {
          option: name,
          index: i,
          actual: v,
        });
      }
    });
  }
  if (pre.layout !== undefined && pre.layout !== 'nchw' && pre.layout !== 'nhwc') {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--layout must be 'nchw' or 'nhwc', got '${String(pre.layout)}'`, {
      option: '--layout',
      actual: pre.layout,
    });
  }
  if (pre.offset !== undefined && !isNonNegInt(pre.offset)) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--offset must be a non-negative integer, got ${String(pre.offset)}`, {
      option: '--offset',
      actual: pre.offset,
    });
  }
  if (pre.limit !== undefined && !(isNonNegInt(pre.limit) && pre.limit >= 1)) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--limit must be a positive integer, got ${String(pre.limit)}`, {
      option: '--limit',
      actual: pre.limit,
    });
  }
}

/** The samples [start, start+count) that offset/limit select from a file of `total` samples. */
export function selectRange(total: number, pre: Preprocess | undefined, source: string): SampleRange {
  if (total <= 0) {
    throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${source}: the dataset contains no samples`, { file: source, count: 0 });
  }
  const offset = pre?.offset ?? 0;
  if (offset >= total) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--offset ${offset} is past the end of ${source}, which has ${total} samples (valid offsets: 0..${total - 1})`, {
      option: '--offset',
      file: source,
      expected: `< ${total}`,
      actual: offset,
      count: total,
    });
  }
  const count = Math.min(total - offset, pre?.limit ?? Number.POSITIVE_INFINITY);
  return { start: offset, count };
}

/** mean/std expanded to one value per channel; E_OPTION when the count fits neither 1 nor C. */
export function perChannel(
  name: '--mean' | '--std',
  values: readonly number[] | undefined,
  channels: number,
  fill: number,
  raw: Pick<RawSamples, 'source' | 'sampleShape'>,
): Float64Array {
  const out = new Float64Array(channels).fill(fill);
  if (values === undefined) return out;
  if (values.length === 1) {
    out.fill(values[0] ?? fill);
  } else if (values.length === channels) {
    out.set(values);
  } else {
    const expected = channels === 1 ? '1 value' : `1 value or ${channels} values (one per channel)`;
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `${name} has ${values.length} values but ${raw.source} has ${channels} channel${channels === 1 ? '' : 's'} ` +
        `(sample shape ${shapeStr(raw.sampleShape)}): expected ${expected}`,
      { option: name, file: raw.source, expected: channels === 1 ? [1] : [1, channels], actual: values.length },
    );
  }
  return out;
}

/** Applies scale, mean/std and layout to a reader's raw samples and checks that all values are finite. */
export function applyPreprocess(raw: RawSamples, pre: Preprocess | undefined): InMemoryDataset {
  validatePreprocess(pre);
  const shape = raw.sampleShape;
  const size = product(shape);
  const count = raw.labels.length;
  if (raw.x.length !== count * size) {
    throw new Error(`internal: ${raw.source}: ${raw.x.length} values for ${count} samples of ${shapeStr(shape)}`);
  }
  const isImage = shape.length === 3;
  const channels = isImage ? (shape[0] ?? 1) : 1;
  const inner = size / channels;
  const scale = pre?.scale ?? 1;
  const mean = perChannel('--mean', pre?.mean, channels, 0, raw);
  const std = perChannel('--std', pre?.std, channels, 1, raw);

  const x = raw.x;
  const identity = scale === 1 && mean.every((m) => m === 0) && std.every((s) => s === 1);
  if (!identity) {
    for (let n = 0; n < count; n++) {
      for (let c = 0; c < channels; c++) {
        const m = mean[c] ?? 0;
        const s = std[c] ?? 1;
        const base = n * size + c * inner;
        for (let i = base; i < base + inner; i++) x[i] = ((x[i] ?? 0) * scale - m) / s;
      }
    }
  }

  let out = x;
  let outShape: readonly number[] = shape;
  if ((pre?.layout ?? 'nchw') === 'nhwc' && isImage) {
    const [C, H, W] = shape as [number, number, number];
    outShape = [H, W, C];
    if (C !== 1) {
      out = new Float32Array(x.length);
      const hw = H * W;
      for (let n = 0; n < count; n++) {
        const b = n * size;
        for (let c = 0; c < C; c++) {
          for (let p = 0; p < hw; p++) out[b + p * C + c] = x[b + c * hw + p] ?? 0;
        }
      }
    }
  }

  checkFinite(out, size, outShape, raw);
  return {
    source: raw.source,
    format: raw.format,
    count,
    sampleShape: outShape,
    x: out,
    labels: raw.labels,
    offset: raw.offset,
    total: raw.total,
  };
}

function checkFinite(x: Float32Array, size: number, shape: readonly number[], raw: RawSamples): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i] ?? 0;
    // v - v is NaN for NaN and ±Inf, 0 otherwise; cheaper than Number.isFinite in this hot loop.
    if (v - v !== 0) {
      const n = Math.floor(i / size);
      const element = i - n * size;
      const sample = raw.offset + n;
      const coords: number[] = [];
      let rest = element;
      for (let d = shape.length - 1; d >= 0; d--) {
        const dim = shape[d] ?? 1;
        coords[d] = rest % dim;
        rest = Math.floor(rest / dim);
      }
      throw new Onnx2SnnError(
        ErrorCodes.DATA_NAN,
        `${raw.source}: sample ${sample}, element ${element} (index [${coords.join(',')}] of sample shape ${shapeStr(shape)}) ` +
          `is ${String(v)} after preprocessing; every input value must be finite`,
        { file: raw.source, sample, element, index: coords, value: String(v) },
      );
    }
  }
}

/**
 * Checks decoded label values (class indices) and converts them to int32: E_DATA_LABELS for a
 * negative, non-integer or non-finite label. `first` is the file index of values[0], for messages.
 */
export function toClassIndices(values: ArrayLike<number>, file: string, first = 0): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${file}: label of sample ${first + i} is ${String(v)}; labels must be class indices (integers ≥ 0)`, {
        file,
        sample: first + i,
        value: String(v),
      });
    }
    out[i] = v;
  }
  return out;
}
