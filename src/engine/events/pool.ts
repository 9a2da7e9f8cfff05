/**
 * Threads for the events engine: worker_threads over shards of each batch (samples are independent,
 * so results do not depend on the thread count; Poisson input is seeded by dataset index). The batch
 * input goes through a SharedArrayBuffer. One thread, or no compiled worker file (the TypeScript
 * sources under vitest): the shards run in this thread.
 */
import { Worker } from 'node:worker_threads';
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import type { SnnModel } from '../../snn/build.js';
import { simulateEventsBatch, type EventsBatchOptions, type EventsBatchResult } from './batch.js';
import { workerScriptExists } from '../../util/worker-start.js';

const WORKER = new URL('./worker.js', import.meta.url);

export class EventsPool {
  private readonly workers: Worker[] = [];

  constructor(
    private readonly snn: SnnModel,
    threads: number,
  ) {
    if (threads <= 1 || !workerScriptExists(WORKER)) return;
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER);
      w.postMessage({ snn });
      this.workers.push(w);
    }
  }

  get threads(): number {
    return Math.max(1, this.workers.length);
  }

  /** Runs n samples (x: n × per) split into one shard per thread; the shards' results in sample order. */
  async run(x: Float32Array, n: number, opts: EventsBatchOptions): Promise<EventsBatchResult[]> {
    if (this.workers.length === 0) return [simulateEventsBatch(this.snn, x, n, opts)];
    const per = x.length / Math.max(n, 1);
    const shared = new Float32Array(new SharedArrayBuffer(x.byteLength));
    shared.set(x);
    const k = Math.min(this.workers.length, n);
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * n) / k));
    return Promise.all(
      this.workers.slice(0, k).map((w, i) => {
        const [s, e] = [bounds[i]!, bounds[i + 1]!];
        const job = { x: shared.subarray(s * per, e * per), n: e - s, opts: { ...opts, firstSample: (opts.firstSample ?? 0) + s } };
        return new Promise<EventsBatchResult>((resolve, reject) => {
          w.once('message', (m: { result?: EventsBatchResult; error?: string }) =>
            m.result ? resolve(m.result) : reject(new Onnx2SnnError(ErrorCodes.RUNTIME, `events engine worker: ${m.error}`, {})),
          );
          w.postMessage({ job });
        });
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
