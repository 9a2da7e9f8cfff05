/**
 * Batch access for every consumer (ANN, calibration, SNN simulation, engines), whether the
 * dataset is held in memory or decoded on demand: `readSamples(ds, s, e)` replaces
 * `ds.x.subarray(s * per, e * per)`.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { product } from './binary.js';
import type { Dataset, InMemoryDataset } from './types.js';

function checkRange(ds: Dataset, start: number, end: number): number {
  const stop = Math.min(end, ds.count);
  if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || start > stop) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `samples ${start}..${end}: bad sample range for ${ds.count} samples of ${ds.source}`, {
      file: ds.source,
      actual: [start, end],
      count: ds.count,
    });
  }
  return stop;
}

/** Samples [start, end) (end clamped to the count), sample-major: a view of `x` in memory, or decoded. */
export async function readSamples(ds: Dataset, start: number, end: number): Promise<Float32Array> {
  const stop = checkRange(ds, start, end);
  if (ds.x) {
    const per = product(ds.sampleShape);
    return ds.x.subarray(start * per, stop * per);
  }
  if (!ds.read) throw new Error(`internal: dataset ${ds.source} has neither samples in memory nor a reader`);
  return ds.read(start, stop);
}

/** The first `count` samples (default all) as an in-memory dataset (a view when already in memory). */
export async function inMemory(ds: Dataset, count = ds.count): Promise<InMemoryDataset> {
  const n = Math.min(count, ds.count);
  if (ds.x && n === ds.count) return ds as InMemoryDataset;
  const x = await readSamples(ds, 0, n);
  const { read: _r, ...rest } = ds;
  void _r;
  return { ...rest, count: n, x, labels: ds.labels.subarray(0, n) };
}
