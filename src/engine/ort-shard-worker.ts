/**
 * Worker thread of the data-parallel onnxruntime run (./ort-shards.ts): opens its own session of
 * the file (the bytes, sent once), then runs the slices of samples it is sent and answers each with
 * the outputs, their buffers transferred. Errors go back as code, message and details, so the
 * calling thread rethrows the same typed error as a session in that thread would.
 */
import { parentPort, type TransferListItem } from 'node:worker_threads';
import { isOnnx2SnnError } from '../errors.js';
import type { Tensor } from '../graph/types.js';
import type { FeedValue } from './batch-split.js';
import { OrtSession, type SessionOptions } from './ort.js';

export type ToShard =
  | { readonly type: 'open'; readonly bytes: SharedArrayBuffer; readonly opts: Omit<SessionOptions, 'extraOutputs'>; readonly source: string }
  | { readonly type: 'run'; readonly id: number; readonly feeds: Record<string, FeedValue>; readonly outputs?: readonly string[] }
  | { readonly type: 'close' };

export interface ShardError {
  readonly code?: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export type FromShard =
  | { readonly type: 'opened'; readonly inputNames: readonly string[]; readonly outputNames: readonly string[] }
  | { readonly type: 'result'; readonly id: number; readonly outputs: Record<string, Tensor> }
  | { readonly type: 'error'; readonly id?: number; readonly error: ShardError };

let session: OrtSession | undefined;

const asError = (e: unknown): ShardError =>
  isOnnx2SnnError(e) ? { code: e.code, message: e.message, details: e.details } : { message: e instanceof Error ? e.message : String(e) };

/** Posts `m`, moving the buffers in `transfer` where they can be moved (else they are copied). */
function post(m: FromShard, transfer: TransferListItem[] = []): void {
  try {
    parentPort!.postMessage(m, transfer);
  } catch {
    parentPort!.postMessage(m);
  }
}

parentPort?.on('message', async (m: ToShard) => {
  if (m.type === 'close') {
    // the session released here, in its own thread, before the thread ends (terminating a thread
    // that still holds a native session now and then brought the whole process down)
    await session?.release().catch(() => {});
    session = undefined;
    parentPort!.close();
    return;
  }
  if (m.type === 'open') {
    try {
      // a copy: onnxruntime-node refuses shared buffers
      session = await OrtSession.fromBytes(new Uint8Array(m.bytes).slice(), m.opts, m.source);
      post({ type: 'opened', inputNames: session.inputNames, outputNames: session.outputNames });
    } catch (e) {
      post({ type: 'error', error: asError(e) });
    }
    return;
  }
  try {
    const outputs = await session!.run(m.feeds, m.outputs);
    post({ type: 'result', id: m.id, outputs }, [...new Set(Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer))]);
  } catch (e) {
    post({ type: 'error', id: m.id, error: asError(e) });
  }
});
