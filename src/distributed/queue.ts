/**
 * The coordinator of a queued run (`onnx2snn eval … --queue redis://…`): splits the run into N
 * shard jobs on a BullMQ queue, waits for workers (`onnx2snn worker`) to return them, reports
 * progress, and merges the shard records (src/distributed/merge.ts). Jobs that fail are retried by BullMQ
 * up to `attempts` times (possibly on other workers); a job whose worker dies is handed on by the
 * workers' stalled-job check. When every attempt of a job has failed, the run fails with that job's
 * typed error. The run's jobs are removed from Redis when it ends, whatever the outcome; while it
 * waits it keeps a key with a TTL alive, so that workers skip the jobs of a coordinator that died
 * (and Redis drops its finished jobs after a day).
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { ThresholdsFile } from '../../calibration/thresholds.js';
import type { Config } from '../config/schema.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { ProgressFn } from '../util/progress.js';
import { errorOfReason, JOB_FORMAT, JOB_NAME, JOB_VERSION, RUN_TTL_MS, runKey, type ShardJob } from './job.js';
import { mergeShards, type ShardPart } from './merge.js';
import { probeRedis, redisClient, redisTarget } from './redis.js';
import type { ExpectedIdentity } from './shard.js';
import { shardRange } from './split.js';

export interface QueueRunOptions {
  /** redis://… URL. */
  readonly queue: string;
  readonly queueName?: string;
  /** Number of shard jobs. */
  readonly jobs: number;
  /** Samples of the whole selection. */
  readonly total: number;
  /** The resolved configuration, with absolute paths. */
  readonly cfg: Config;
  readonly thresholds?: ThresholdsFile;
  readonly thresholdsPath?: string;
  readonly expect: ExpectedIdentity;
  /** Tries per job (default 3). */
  readonly attempts?: number;
  /** Poll interval, ms (default 500). */
  readonly pollMs?: number;
  /** Merged record's output path (recorded in its config). */
  readonly output?: string;
  readonly onProgress?: ProgressFn;
  /** One-line notes for the user (waiting for workers, connection trouble), URLs redacted. */
  readonly onNote?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** Default job count: 16, or one per 1000 samples when that is more; never more than the samples. */
export function defaultJobs(total: number): number {
  return Math.max(1, Math.min(total, Math.max(16, Math.ceil(total / 1000))));
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

interface Progress {
  readonly phase?: string;
  readonly done?: number;
  readonly total?: number;
}

/** Runs the jobs and returns the merged record. */
export async function runQueued(o: QueueRunOptions): Promise<Record<string, unknown>> {
  if (o.jobs > o.total)
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--queue-jobs: ${o.jobs} jobs for ${o.total} samples: every job needs at least one sample`, {
      option: '--queue-jobs',
      actual: o.jobs,
    });
  const target = redisTarget(o.queue);
  await probeRedis(target);
  const client = redisClient(target, (m) => o.onNote?.(m));
  const queue = new Queue<ShardJob>(o.queueName ?? 'onnx2snn', { connection: client });
  queue.on('error', (e) => o.onNote?.(`queue: ${e.message}`));
  const run = randomUUID();
  const N = o.jobs;
  const ids = Array.from({ length: N }, (_, k) => `${run}-${k}`);
  const alive = () => client.set(runKey(run), '1', 'PX', RUN_TTL_MS);
  try {
    await alive();
    await queue.addBulk(
      ids.map((jobId, k) => ({
        name: JOB_NAME,
        data: {
          format: JOB_FORMAT,
          version: JOB_VERSION,
          run,
          cfg: { ...o.cfg, data: { ...o.cfg.data, shard: `${k}/${N}` } },
          ...(o.thresholds ? { thresholds: o.thresholds } : {}),
          ...(o.thresholdsPath ? { thresholdsPath: o.thresholdsPath } : {}),
          expect: o.expect,
        },
        opts: { jobId, attempts: o.attempts ?? 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 86_400 }, removeOnFail: { age: 86_400 } },
      })),
    );
    const results = await collect(queue, ids, o, alive);
    return mergeShards(
      results.map((record, k): ShardPart => ({ source: `job ${ids[k]}`, record })),
      o.output ? { output: o.output } : {},
    );
  } finally {
    await Promise.allSettled([client.del(runKey(run)), ...ids.map((id) => queue.remove(id))]);
    await queue.close().catch(() => {});
    client.disconnect();
  }
}

/**
 * Between full scans (every job's state and progress: one Redis call per job), a poll only reads
 * the queue's completed and failed counts, one call: a scan follows when they change, and at least
 * every SCAN_MS for the progress display and the run key. The coordinator often shares its machine
 * with workers, so its polling takes CPU from them (16 jobs, every 100 ms: ≈ 5 % of a core with Redis).
 */
const SCAN_MS = 1000;

/** Polls the jobs until all are completed; throws the typed error of a job that failed for good. */
async function collect(queue: Queue<ShardJob>, ids: readonly string[], o: QueueRunOptions, alive: () => Promise<unknown>): Promise<unknown[]> {
  const N = ids.length;
  const results: unknown[] = new Array(N);
  const done = new Set<number>();
  const started = Date.now();
  let noted = false;
  let lastScan = -Infinity;
  let lastCounts = '';
  for (;;) {
    if (o.signal?.aborted)
      throw new Onnx2SnnError(ErrorCodes.QUEUE, `interrupted: ${done.size} of ${N} shard jobs were done; the run's jobs are removed from the queue`, {});
    const c = await queue.getJobCounts('completed', 'failed');
    const counts = `${c['completed'] ?? 0}/${c['failed'] ?? 0}`;
    if (counts === lastCounts && Date.now() - lastScan < SCAN_MS) {
      await sleep(o.pollMs ?? 500, o.signal);
      continue;
    }
    lastCounts = counts;
    lastScan = Date.now();
    await alive();
    let samples = 0;
    let active = 0;
    for (let k = 0; k < N; k++) {
      const size = shardRange(o.total, { index: k, count: N }).samples;
      if (done.has(k)) {
        samples += size;
        continue;
      }
      const state = await queue.getJobState(ids[k]!);
      if (state === 'completed') {
        const job = await queue.getJob(ids[k]!);
        results[k] = job?.returnvalue;
        done.add(k);
        samples += size;
      } else if (state === 'failed') {
        const job = await queue.getJob(ids[k]!);
        throw errorOfReason(job?.failedReason ?? 'failed', `shard job ${k}/${N} failed ${job?.attemptsMade ?? '?'} time(s)`);
      } else if (state === 'active') {
        active++;
        const p = ((await queue.getJob(ids[k]!))?.progress ?? {}) as Progress;
        if (p.phase === 'simulate' && typeof p.done === 'number') samples += Math.min(p.done, size);
      } else if (state === 'unknown') {
        throw new Onnx2SnnError(ErrorCodes.QUEUE, `shard job ${k}/${N} (${ids[k]}) disappeared from the queue`, { job: ids[k] });
      }
    }
    o.onProgress?.({ phase: 'queue', done: samples, total: o.total, detail: `${done.size}/${N} jobs, ${active} running` });
    if (done.size === N) return results;
    if (!noted && active === 0 && done.size === 0 && Date.now() - started > 10_000) {
      noted = true;
      o.onNote?.(
        `no worker has taken a job yet: start workers with \`onnx2snn worker --queue URL${o.queueName && o.queueName !== 'onnx2snn' ? ` --queue-name ${o.queueName}` : ''}\``,
      );
    }
    await sleep(o.pollMs ?? 500, o.signal);
  }
}
