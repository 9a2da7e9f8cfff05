/**
 * Shard records and merged records. A shard record is what `eval --shard K/N --json` (or
 * `simulate --shard`, or a queue worker) writes: the usual record for its samples, with `shard`
 * saying which part of which run it is and `parts` holding the counts and exact sums its figures
 * come from. `onnx2snn merge` adds the parts up and writes the record one process would have
 * written, with `shards` saying what it holds.
 */

export const SHARD_FORMAT = 'onnx2snn-shard';
export const SHARD_VERSION = 1;

/** Which command wrote a shard record: `eval`, `eval --ann-only`, `simulate`. */
export type ShardKind = 'eval' | 'ann' | 'simulate';

/** sha256 (hex) of each thing the shards of one run must share. */
export interface RunIdentity {
  /** The canonical model (eval: the model hash of the thresholds file) or the SNN file's bytes (simulate). */
  readonly model: string;
  /** The thresholds' content (eval with the SNN). */
  readonly thresholds?: string;
  /** Data and labels files, preprocessing and the selection (src/distributed/identity.ts). */
  readonly data: string;
  /** The options that change results (time steps, neuron settings, engine, device, …). */
  readonly options: string;
}

export interface ShardInfo {
  readonly format: typeof SHARD_FORMAT;
  readonly version: typeof SHARD_VERSION;
  readonly kind: ShardKind;
  /** K of K/N (0-based). */
  readonly index: number;
  /** N of K/N. */
  readonly count: number;
  /** This shard's samples: [start, start + samples) of the selection (after --offset/--limit). */
  readonly start: number;
  readonly samples: number;
  /** Samples of the whole selection (all shards). */
  readonly total: number;
  readonly identity: RunIdentity;
}

/** What a merged record says about the shards it was made of. */
export interface MergedShards {
  readonly kind: ShardKind;
  readonly count: number;
  /** The indices held (all of 0 … count−1). */
  readonly held: number[];
  readonly identity: RunIdentity;
  /** Per shard: index, samples [start, start + samples), where it came from, its own total seconds. */
  readonly parts: { readonly index: number; readonly start: number; readonly samples: number; readonly source: string; readonly seconds?: number }[];
}
