/**
 * Image worker thread (pool.ts): receives each folder's sample settings once, then jobs (a file
 * and a shared slot to write its float sample into), runs the same preprocessImage as the calling
 * thread and answers each job with its number, or with the error (an Onnx2SnnError's code,
 * message and details, rebuilt as the same error in the calling thread). Only this file and
 * pool.ts touch node:worker_threads.
 */
import { parentPort } from 'node:worker_threads';
import { Onnx2SnnError } from '../../errors.js';
import { preprocessImage, type SampleSettings } from './pipeline.js';

export type ToWorker =
  | { readonly type: 'settings'; readonly id: number; readonly settings: SampleSettings }
  | { readonly type: 'job'; readonly job: number; readonly settings: number; readonly file: string; readonly slot: SharedArrayBuffer; readonly length: number };

export interface FromWorker {
  readonly job: number;
  readonly error?: { readonly code?: string; readonly message: string; readonly details?: Record<string, unknown> };
}

const settings = new Map<number, SampleSettings>();

function reply(m: FromWorker): void {
  parentPort!.postMessage(m);
}

parentPort?.on('message', (m: ToWorker) => {
  if (m.type === 'settings') {
    settings.set(m.id, m.settings);
    return;
  }
  const s = settings.get(m.settings);
  if (!s) return reply({ job: m.job, error: { message: `internal: image settings ${m.settings} were not sent to this worker` } });
  preprocessImage(m.file, s, new Float32Array(m.slot, 0, m.length)).then(
    () => reply({ job: m.job }),
    (e: unknown) =>
      reply({
        job: m.job,
        error: e instanceof Onnx2SnnError ? { code: e.code, message: e.message, details: e.details } : { message: (e as Error).message ?? String(e) },
      }),
  );
});
