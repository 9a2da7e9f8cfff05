/**
 * One image file → one float sample: decode (decode.ts) → Resize + CenterCrop (resize.ts) →
 * scale/mean/std through a lookup table, in CHW or HWC order, written into the sample's place.
 * The same function runs in the calling thread and in the image worker threads (pool.ts), on the
 * same settings (a plain object that crosses threads by structured clone), so the pixels do not
 * depend on where or on how many threads they are computed.
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { decodeImage } from './decode.js';
import { resizeCrop, type Geometry, type Rgb8 } from './resize.js';

/** What every sample of a folder goes through (structured-clonable: sent once to each worker). */
export interface SampleSettings {
  readonly geo: Geometry;
  /** Sample height and width after preprocessing (every image must come out this size). */
  readonly height: number;
  readonly width: number;
  /** Per channel, the float value of each 8-bit level: (v·scale − mean[c]) / std[c]. */
  readonly lut: readonly Float32Array[];
  readonly nhwc: boolean;
}

/** The per-channel lookup tables of (v·scale − mean[c]) / std[c]; E_DATA_NAN when a value is not finite. */
export function normalisationTables(scale: number, mean: Float64Array, std: Float64Array, root: string): Float32Array[] {
  const lut = [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, v) => (v * scale - mean[c]!) / std[c]!));
  lut.forEach((t, c) => {
    const bad = t.findIndex((x) => x - x !== 0);
    if (bad >= 0) {
      throw new Onnx2SnnError(
        ErrorCodes.DATA_NAN,
        `${root}: pixel value ${bad} of channel ${c} becomes ${t[bad]} after preprocessing (--scale, --mean, --std); every input value must be finite`,
        { file: root, channel: c, value: String(t[bad]) },
      );
    }
  });
  return lut;
}

/** 8-bit HWC RGB → float32 in CHW or HWC order (a table lookup per value), written into `out`. */
export function toFloat(img: Rgb8, s: SampleSettings, out: Float32Array): void {
  const hw = img.width * img.height;
  const [r, g, b] = s.lut as [Float32Array, Float32Array, Float32Array];
  const d = img.data;
  // CHW: channel c of pixel p at c·hw + p; HWC: at 3p + c
  const [s0, s1, s2, step] = s.nhwc ? [0, 1, 2, 3] : [0, hw, 2 * hw, 1];
  for (let p = 0, i = 0, o = 0; p < hw; p++, i += 3, o += step) {
    out[s0 + o] = r[d[i]!]!;
    out[s1 + o] = g[d[i + 1]!]!;
    out[s2 + o] = b[d[i + 2]!]!;
  }
}

/** Decodes, resizes, crops and normalises `file` into `out` (height·width·3 values). E_FILE / E_DATA_FORMAT / E_DATA_SHAPE naming the file. */
export async function preprocessImage(file: string, s: SampleSettings, out: Float32Array): Promise<void> {
  const img = resizeCrop(await decodeImage(file), s.geo);
  if (img.width !== s.width || img.height !== s.height) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_SHAPE,
      `${file}: ${img.width}×${img.height} after preprocessing, but the samples are ${s.width}×${s.height}; give --center-crop (or --resize h,w) so that every image has the same size`,
      { file, expected: [s.height, s.width], actual: [img.height, img.width] },
    );
  }
  toFloat(img, s, out);
}
