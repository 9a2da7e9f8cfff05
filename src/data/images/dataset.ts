/**
 * A folder of JPEG/PNG images as a streamed dataset: the file list and labels are read at once
 * (folder.ts), the pixels only when a batch is read (pipeline.ts: decode.ts → resize.ts →
 * scale/mean/std/layout; in worker threads, pool.ts, or in the calling thread), through a bounded
 * prefetching reader (../stream.ts), so a 50 000-image folder is never held in memory. The preprocessing is torchvision's: Resize(s) → CenterCrop(c) → ToTensor
 * (/255 with --scale 1/255) → Normalize(mean, std).
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { perChannel, selectRange, validatePreprocess } from '../preprocess.js';
import { PrefetchReader } from '../stream.js';
import type { Dataset, Preprocess } from '../types.js';
import { listImages } from './folder.js';
import { readImageHeader } from './header.js';
import { normalisationTables, preprocessImage, type SampleSettings } from './pipeline.js';
import { defaultImageThreads, imagePool, imageWorkersAvailable, SLOTS_PER_THREAD } from './pool.js';
import { resizedSize, type Geometry } from './resize.js';

function checkThreads(v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--image-threads takes a whole number ≥ 0 (0: the calling thread), got ${v}`, {
      option: '--image-threads',
      actual: v,
    });
  }
}

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

/** A folder of images as a streamed dataset (nothing is decoded yet), with its reader (for its memory counters). */
export function imageFolder(root: string, pre: Preprocess = {}): { dataset: Dataset; reader: PrefetchReader } {
  validatePreprocess(pre);
  checkSizes('--resize', pre.resize);
  checkSizes('--center-crop', pre.centerCrop);
  checkThreads(pre.imageThreads);
  const list = listImages(root, pre.classes);
  const good = screen(list.files, list.labels, pre.skipBad ?? false);
  const range = selectRange(good.files.length, pre, root);
  const files = good.files.slice(range.start, range.start + range.count);
  const geo: Geometry = { ...(pre.resize ? { resize: pre.resize } : {}), ...(pre.centerCrop ? { crop: pre.centerCrop } : {}) };
  const [H, W] = sampleSize(files[0]!, geo);
  const nhwc = (pre.layout ?? 'nchw') === 'nhwc';
  const sampleShape = nhwc ? [H, W, 3] : [3, H, W];
  const shapeOf = { source: root, sampleShape: [3, H, W] };
  const lut = normalisationTables(pre.scale ?? 1, perChannel('--mean', pre.mean, 3, 0, shapeOf), perChannel('--std', pre.std, 3, 1, shapeOf), root);
  const settings: SampleSettings = { geo, height: H, width: W, lut, nhwc };
  // worker threads when there is a compiled worker script (not under the TypeScript sources)
  const threads = imageWorkersAvailable() ? (pre.imageThreads ?? defaultImageThreads(files.length)) : 0;
  const decode =
    threads > 0
      ? async (i: number, out: Float32Array) => (await imagePool(threads)).run(settings, files[i]!, out)
      : (i: number, out: Float32Array) => preprocessImage(files[i]!, settings, out);
  // the workers start now, while the caller loads its model, not at the first read (≈ 0.5–1 s
  // on a loaded 2-core machine); a failure to start is reported by that read
  if (threads > 0) imagePool(threads).catch(() => undefined);
  const concurrency = threads > 0 ? SLOTS_PER_THREAD * threads : 4;
  const reader = new PrefetchReader({ decode, count: files.length, sampleSize: H * W * 3, concurrency });
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
