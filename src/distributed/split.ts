/**
 * The deterministic split of the evaluated samples into N shards: shard K (0-based) gets the
 * contiguous samples [⌊K·n/N⌋, ⌊(K+1)·n/N⌋) of the n samples that --offset/--limit select, so
 * shards differ in size by at most one and together hold every sample exactly once. A shard's
 * dataset keeps the samples' indices in the file (Dataset.offset), which is what Poisson coding
 * and the scatter sample key on: a sample gives the same result in any shard.
 */
import { loadDataset } from '../data/index.js';
import type { Dataset, Preprocess } from '../data/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';

export interface ShardSpec {
  /** K, 0-based. */
  readonly index: number;
  /** N. */
  readonly count: number;
}

/** "K/N" (0 ≤ K < N) → spec; E_OPTION naming `option` otherwise. */
export function parseShard(text: string, option = '--shard'): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `${option}: expected K/N with 0 ≤ K < N (shards are numbered from 0, e.g. 0/4 … 3/4), got "${text}"`, {
      option,
      actual: text,
      expected: 'K/N, 0 <= K < N',
    });
  }
  return { index, count };
}

/** Samples [start, start + samples) of shard `s` among `total` samples. */
export function shardRange(total: number, s: ShardSpec): { start: number; samples: number } {
  const start = Math.floor((s.index * total) / s.count);
  const end = Math.floor(((s.index + 1) * total) / s.count);
  return { start, samples: end - start };
}

/** How many samples `pre` (offset/limit) selects from the file, reading as little as possible. */
export function selectionSize(path: string, pre: Preprocess): number {
  const one = loadDataset(path, { ...pre, limit: 1 });
  const total = one.total ?? one.count;
  return Math.min(total - (pre.offset ?? 0), pre.limit ?? Number.POSITIVE_INFINITY);
}

export interface ShardData {
  readonly ds: Dataset;
  /** First sample of the shard in the selection. */
  readonly start: number;
  /** Samples of the selection. */
  readonly total: number;
}

/** The samples of shard `s` of the selection `pre` makes from `path`; E_OPTION when there are more shards than samples. */
export function loadShard(path: string, pre: Preprocess, s: ShardSpec, option = '--shard'): ShardData {
  const total = selectionSize(path, pre);
  if (s.count > total) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `${option}: ${s.count} shards for ${total} samples of ${path}: every shard needs at least one sample`, {
      option,
      file: path,
      actual: s.count,
      expected: `<= ${total}`,
    });
  }
  const { start, samples } = shardRange(total, s);
  const ds = loadDataset(path, { ...pre, offset: (pre.offset ?? 0) + start, limit: samples });
  return { ds, start, total };
}
