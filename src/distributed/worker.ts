/**
 * `onnx2snn worker`: takes shard jobs from the queue (BullMQ on Redis), evaluates them with
 * `evaluateShard` and returns the shard records. Any number of workers, on any machine, may
 * listen on one queue. A job whose worker dies is found by BullMQ's stalled-job check (its lock,
 * renewed every lockMs/2 while the worker lives, expires) and handed to another worker; a job that
 * throws is retried up to the attempts the coordinator set. No printing: events go to `onEvent`.
 */
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadModel } from '../pipeline.js';
import type { Model } from '../graph/types.js';
import type { ProgressEvent } from '../util/progress.js';
import { checkJob, failureReason, JOB_NAME, runKey, type ShardJob } from './job.js';
import { probeRedis, redisClient, redisTarget } from './redis.js';
import { evaluateShard, type ShardRecord } from './shard.js';

export interface WorkerOptions {
  /** redis://… URL of the queue. */
  readonly queue: string;
  readonly queueName?: string;
  /** Jobs at once (default 1). */
  readonly concurrency?: number;
  /** onnxruntime intra-op threads per job (default: the job's setting, else all cores). */
  readonly threads?: number;
  /** Lock time of a job (ms, default 30 000): a dead worker's job is handed on after at most this. */
  readonly lockMs?: number;
  /** How often stalled jobs are looked for (ms, default 30 000). */
  readonly stalledMs?: number;
  /** Name shown in messages (default host:pid). */
  readonly name?: string;
  readonly onEvent?: (e: WorkerEvent) => void;
}

export type WorkerEvent =
  | { readonly type: 'ready'; readonly queue: string; readonly name: string }
  | { readonly type: 'start'; readonly job: string; readonly shard: string; readonly samples?: number }
  | { readonly type: 'done'; readonly job: string; readonly shard: string; readonly seconds: number }
  | { readonly type: 'failed'; readonly job: string; readonly shard: string; readonly message: string }
  | { readonly type: 'warning'; readonly message: string };

export interface RunningWorker {
  /** Stops taking jobs and waits for the running ones (force: abandon them to the stalled check). */
  close(force?: boolean): Promise<void>;
}

const models = new Map<string, { size: number; mtimeMs: number; model: Model }>();

/** The loaded model of a path, reloaded when the file changes. */
function cachedModel(path: string): Model {
  const st = statSync(path);
  const hit = models.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.model;
  const model = loadModel(path);
  models.clear();
  models.set(path, { size: st.size, mtimeMs: st.mtimeMs, model });
  return model;
}

async function runJob(job: Job<ShardJob>, o: WorkerOptions, name: string, client: Redis): Promise<ShardRecord> {
  const d = checkJob(job.data, job.id ?? '?');
  const shard = d.cfg.data.shard ?? '?';
  o.onEvent?.({ type: 'start', job: job.id ?? '?', shard });
  const t0 = performance.now();
  // this machine's threads (default: all its cores), not the coordinator's
  const { threads: _t, ...run } = d.cfg.run;
  void _t;
  const cfg = { ...d.cfg, run: { ...run, quiet: true, ...(o.threads ? { threads: o.threads } : {}) } };
  let last = 0;
  const onProgress = (e: ProgressEvent): void => {
    const now = Date.now();
    if (now - last < 500 && e.done < e.total) return;
    last = now;
    job.updateProgress({ phase: e.phase, done: e.done, total: e.total }).catch(() => {});
  };
  try {
    if (!(await client.exists(runKey(d.run)))) throw new UnrecoverableError(`the coordinator of run ${d.run} is gone: job skipped`);
    const model = cachedModel(cfg.model!);
    const rec = await evaluateShard(cfg, model, {
      ...(d.thresholds ? { thresholds: d.thresholds } : {}),
      ...(d.thresholdsPath ? { thresholdsPath: d.thresholdsPath } : {}),
      expect: d.expect,
      where: `worker ${name}`,
      onProgress,
    });
    o.onEvent?.({ type: 'done', job: job.id ?? '?', shard, seconds: (performance.now() - t0) / 1000 });
    return rec;
  } catch (e) {
    const err = failureReason(e);
    o.onEvent?.({ type: 'failed', job: job.id ?? '?', shard, message: err.message });
    throw err;
  }
}

/** Connects (typed errors: E_QUEUE_CONNECT, E_QUEUE_AUTH) and starts taking jobs. */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const target = redisTarget(o.queue);
  await probeRedis(target);
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const warn = (message: string) => o.onEvent?.({ type: 'warning', message });
  const client: Redis = redisClient(target, warn);
  const queueName = o.queueName ?? 'onnx2snn';
  const worker = new Worker<ShardJob, ShardRecord>(
    queueName,
    (job) => (job.name === JOB_NAME ? runJob(job, o, name, client) : Promise.reject(new Error(`unknown job name "${job.name}"`))),
    {
      connection: client,
      name,
      concurrency: o.concurrency ?? 1,
      lockDuration: o.lockMs ?? 30_000,
      stalledInterval: o.stalledMs ?? 30_000,
      maxStalledCount: 3,
      autorun: true,
    },
  );
  worker.on('error', (e) => warn(`worker: ${e.message}`));
  await worker.waitUntilReady();
  o.onEvent?.({ type: 'ready', queue: `${target.shown} (${queueName})`, name });
  return {
    async close(force = false) {
      await worker.close(force);
      client.disconnect();
    },
  };
}
