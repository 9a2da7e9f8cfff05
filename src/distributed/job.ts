/**
 * The payload of a shard job on the queue. Workers find the model and the data by path (absolute,
 * as the coordinator resolved them: a shared filesystem, or the same files at the same place on
 * every machine) and check them against the coordinator's content hashes before any work; the
 * thresholds travel in the job, so no thresholds file needs to be shared.
 */
import type { ThresholdsFile } from '../../calibration/thresholds.js';
import type { Config } from '../config/schema.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { ExpectedIdentity } from './shard.js';

export const JOB_FORMAT = 'onnx2snn-job';
export const JOB_VERSION = 1;
/** BullMQ job name of shard jobs. */
export const JOB_NAME = 'shard';

export interface ShardJob {
  readonly format: typeof JOB_FORMAT;
  readonly version: typeof JOB_VERSION;
  /** The run this job belongs to (random per `eval --queue`). */
  readonly run: string;
  /** The run's resolved configuration with absolute paths and `data.shard` set to this job's K/N. */
  readonly cfg: Config;
  readonly thresholds?: ThresholdsFile;
  /** Where the coordinator read the thresholds (recorded only). */
  readonly thresholdsPath?: string;
  readonly expect: ExpectedIdentity;
}

/** Redis key the coordinator of run `run` keeps alive (TTL RUN_TTL_MS, refreshed while it waits). */
export const runKey = (run: string): string => `onnx2snn:run:${run}`;
export const RUN_TTL_MS = 30_000;

/** Checks a job's payload; E_QUEUE for anything a coordinator of this version did not write. */
export function checkJob(data: unknown, id: string): ShardJob {
  const d = data as Partial<ShardJob> | null;
  if (!d || d.format !== JOB_FORMAT || d.version !== JOB_VERSION || !d.cfg || !d.expect || typeof d.run !== 'string') {
    throw new Onnx2SnnError(ErrorCodes.QUEUE, `job ${id}: not an onnx2snn shard job of version ${JOB_VERSION} (written by another onnx2snn version?)`, {
      job: id,
    });
  }
  return d as ShardJob;
}

/** An error as a job's failure reason: "E_CODE: message", which the coordinator turns back into a typed error. */
export function failureReason(e: unknown): Error {
  if (e instanceof Onnx2SnnError) return new Error(`${e.code}: ${e.message}`);
  return e instanceof Error ? e : new Error(String(e));
}

/** The typed error of a failed job's reason. */
export function errorOfReason(reason: string, prefix: string): Onnx2SnnError {
  const m = /^(E_[A-Z_]+): ([\s\S]*)$/.exec(reason);
  const codes = Object.values(ErrorCodes) as string[];
  if (m && codes.includes(m[1]!)) return new Onnx2SnnError(m[1] as (typeof ErrorCodes)[keyof typeof ErrorCodes], `${prefix}: ${m[2]}`, { reason });
  return new Onnx2SnnError(ErrorCodes.QUEUE, `${prefix}: ${reason}`, { reason });
}
