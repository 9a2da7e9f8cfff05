/**
 * Worker thread of the events engine (./pool.ts): receives the SNN once, then shards of a batch
 * (the batch's inputs in a SharedArrayBuffer, read in place) and answers each with the shard's
 * result. Only this file and the pool touch node:worker_threads; the kernels do not.
 */
import { parentPort } from 'node:worker_threads';
import type { SnnModel } from '../../snn/build.js';
import { simulateEventsBatch, type EventsBatchOptions } from './batch.js';

export interface ShardJob {
  readonly x: Float32Array;
  readonly n: number;
  readonly opts: EventsBatchOptions;
}

let snn: SnnModel | undefined;

parentPort?.on('message', (m: { snn?: SnnModel; job?: ShardJob }) => {
  if (m.snn) snn = m.snn;
  if (!m.job) return;
  try {
    parentPort!.postMessage({ result: simulateEventsBatch(snn!, m.job.x, m.job.n, m.job.opts) });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
