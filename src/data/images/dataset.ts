/**
 * A folder of JPEG/PNG images as a streamed dataset: the file list and labels are read at once
 * (folder.ts), the pixels only when a batch is read (decode.ts → resize.ts → scale/mean/std/
 * layout), through a bounded prefetching reader (../stream.ts), so a 50 000-image folder is never
 * held in memory. The preprocessing is torchvision's: Resize(s) → CenterCrop(c) → ToTensor
 * (/255 with --scale 1/255) → Normalize(mean, std).
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { perChannel, selectRange, validatePreprocess } from '../preprocess.js';
import { PrefetchReader } from '../stream.js';
import type { Dataset, Preprocess } from '../types.js';
import { decodeImage } from './decode.js';
import { listImages } from './folder.js';
import { readImageHeader } from './header.js';
import { resizeCrop, resizedSize, type Geometry, type Rgb8 } from './resize.js';

function checkSizes(name: string, v: readonly number[] | undefined): void {
  if (v === undefined) return;
  if (!(v.length === 1 || v.length === 2) || v.some((d) => !(Number.isInteger(d) && d >= 1))) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `${name} takes one size s or two h,w (positive integers), got ${v.join(',')}`, { option: name, actual: v });
  }
}

/** Good files and the ones left out (with --skip-bad: by a look at each header and tail). */
function screen(
  files: readonly string[],
  labels: Int32Array,
  skipBad: boolean,
): { files: string[]; labels: Int32Array; skipped: { file: string; reason: string }[] } {
  if (!skipBad) return { files: [...files], labels, skipped: [] };
  const keep: number[] = [];
  const skipped: { file: string; reason: string }[] = [];
  files.forEach((f, i) => {
    const h = readImageHeader(f);
    if (h.ok) keep.push(i);
    else skipped.push({ file: f, reason: h.reason });
  });
  return { files: keep.map((i) => files[i]!), labels: Int32Array.from(keep, (i) => labels[i]!), skipped };
}

/** [height, width] of every sample: from the crop, an exact resize, or the first image's header. */
function sampleSize(first: string, geo: Geometry): [number, number] {
  if (geo.crop) return [geo.crop[0]!, geo.crop[1] ?? geo.crop[0]!];
  if (geo.resize?.length === 2) return [geo.resize[0]!, geo.resize[1]!];
  const h = readImageHeader(first);
  if (!h.ok) throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${first}: ${h.reason}`, { file: first, reason: h.reason });
  const [w, ht] = resizedSize(h.header.width, h.header.height, geo.resize);
  return [ht, w];
}

interface Normaliser {
  /** Per channel, the float value of each 8-bit level: (v·scale − mean[c]) / std[c]. */
  readonly lut: readonly Float32Array[];
  readonly nhwc: boolean;
}

function normaliser(scale: number, mean: Float64Array, std: Float64Array, nhwc: boolean, root: string): Normaliser {
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
  return { lut, nhwc };
}

/** 8-bit HWC RGB → float32 in CHW or HWC order (a table lookup per value), written into `out` (the sample's place in its batch). */
function toFloat(img: Rgb8, n: Normaliser, out: Float32Array): void {
  const hw = img.width * img.height;
  const [r, g, b] = n.lut as [Float32Array, Float32Array, Float32Array];
  const d = img.data;
  // CHW: channel c of pixel p at c·hw + p; HWC: at 3p + c
  const [s0, s1, s2, step] = n.nhwc ? [0, 1, 2, 3] : [0, hw, 2 * hw, 1];
  for (let p = 0, i = 0, o = 0; p < hw; p++, i += 3, o += step) {
    out[s0 + o] = r[d[i]!]!;
    out[s1 + o] = g[d[i + 1]!]!;
    out[s2 + o] = b[d[i + 2]!]!;
  }
}

/** A folder of images as a streamed dataset (nothing is decoded yet), with its reader (for its memory counters). */
export function imageFolder(root: string, pre: Preprocess = {}): { dataset: Dataset; reader: PrefetchReader } {
  validatePreprocess(pre);
  checkSizes('--resize', pre.resize);
  checkSizes('--center-crop', pre.centerCrop);
  const list = listImages(root, pre.classes);
  const good = screen(list.files, list.labels, pre.skipBad ?? false);
  const range = selectRange(good.files.length, pre, root);
  const files = good.files.slice(range.start, range.start + range.count);
  const geo: Geometry = { ...(pre.resize ? { resize: pre.resize } : {}), ...(pre.centerCrop ? { crop: pre.centerCrop } : {}) };
  const [H, W] = sampleSize(files[0]!, geo);
  const nhwc = (pre.layout ?? 'nchw') === 'nhwc';
  const sampleShape = nhwc ? [H, W, 3] : [3, H, W];
  const shapeOf = { source: root, sampleShape: [3, H, W] };
  const norm = normaliser(pre.scale ?? 1, perChannel('--mean', pre.mean, 3, 0, shapeOf), perChannel('--std', pre.std, 3, 1, shapeOf), nhwc, root);
  const decode = async (i: number, out: Float32Array): Promise<void> => {
    const file = files[i]!;
    const img = resizeCrop(await decodeImage(file), geo);
    if (img.width !== W || img.height !== H) {
      throw new Onnx2SnnError(
        ErrorCodes.DATA_SHAPE,
        `${file}: ${img.width}×${img.height} after preprocessing, but the samples are ${W}×${H}; give --center-crop (or --resize h,w) so that every image has the same size`,
        {
          file,
          expected: [H, W],
          actual: [img.height, img.width],
        },
      );
    }
    toFloat(img, norm, out);
  };
  const reader = new PrefetchReader({ decode, count: files.length, sampleSize: H * W * 3 });
  const dataset: Dataset = {
    source: root,
    format: 'images',
    count: files.length,
    sampleShape,
    labels: good.labels.slice(range.start, range.start + range.count),
    offset: range.start,
    total: good.files.length,
    read: (s, e) => reader.read(s, e),
    ...(good.skipped.length ? { skipped: good.skipped } : {}),
  };
  return { dataset, reader };
}

/** Opens a folder of images as a streamed dataset (nothing is decoded yet). */
export function openImageFolder(root: string, pre: Preprocess = {}): Dataset {
  return imageFolder(root, pre).dataset;
}
