/**
 * Data-parallel onnxruntime (issue 11, OrtTuning.workers): each batch cut into contiguous slices
 * of samples, one per worker thread, each thread holding its own session of the same file (the
 * bytes sent once, in a SharedArrayBuffer), the slices' outputs joined in sample order.
 *
 * Why: onnxruntime-node's `session.run` is synchronous on its thread, so two sessions in one
 * thread never overlap; an SNN's Loop body is many small memory-bound kernels over which
 * intra-op parallelism pays poorly, while two sessions on half a batch each split the whole work.
 * Every sample's computation in the emitted SNN is independent of the others in its batch (no
 * op mixes samples), so the joined outputs are those of one session on the whole batch, to the
 * last bit (test/engine/ort-shards.test.ts); only the time changes, and `--engine auto` measures
 * it (the `workers2` arrangement, src/engine/arrangements.ts).
 *
 * Memory: one copy of the weights and of the activation arena (for its slice) per worker.
 * Without the compiled worker script (the TypeScript sources, e.g. under vitest) the slices run
 * one after the other in this thread, on the same per-slice sessions.
 */
import { availableParallelism } from 'node:os';
import type { TransferListItem, Worker } from 'node:worker_threads';
import { ErrorCodes, Onnx2SnnError, type ErrorCode } from '../errors.js';
import type { Model, Tensor } from '../graph/types.js';
import { startWorker, workerScriptExists } from '../util/worker-start.js';
import { batchAxis, batchNames, concatAlong, type FeedValue, sliceAlong, sliceBounds } from './batch-split.js';
import { OrtSession, type SessionOptions } from './ort.js';
import type { FromShard, ShardError, ToShard } from './ort-shard-worker.js';

const WORKER = new URL('./ort-shard-worker.js', import.meta.url);

/** How long a closing worker may take to release its session and end before it is terminated. */
const CLOSE_MS = 5000;

type LaneOptions = Omit<SessionOptions, 'extraOutputs'>;

/** One slice's session: in a worker thread, or in this thread. */
interface Lane {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** `owned`: the feeds' buffers are this run's own copies (a worker's are moved to it, not copied). */
  run(feeds: Record<string, FeedValue>, outputs?: readonly string[], owned?: boolean): Promise<Record<string, Tensor>>;
  close(): Promise<void>;
}

const inThread = async (bytes: Uint8Array, opts: LaneOptions, source: string): Promise<Lane> => {
  const s = await OrtSession.fromBytes(bytes, opts, source);
  return { inputNames: s.inputNames, outputNames: s.outputNames, run: (f, o) => s.run(f, o), close: () => s.release() };
};

/** A worker thread's session; requests answered by id (the open request is -1). Idle, it does not keep the process alive. */
class WorkerLane implements Lane {
  private readonly jobs = new Map<number, { resolve: (m: FromShard) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failure: Error | undefined;
  inputNames: readonly string[] = [];
  outputNames: readonly string[] = [];

  private constructor(
    private readonly worker: Worker,
    private readonly source: string,
  ) {
    worker.unref();
    worker.on('message', (m: FromShard) => this.answer(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`it exited (code ${code})`)));
  }

  static async open(bytes: SharedArrayBuffer, opts: LaneOptions, source: string): Promise<WorkerLane> {
    const lane = new WorkerLane(startWorker(WORKER), source);
    try {
      const m = await lane.request(-1, { type: 'open', bytes, opts, source });
      if (m.type === 'opened') [lane.inputNames, lane.outputNames] = [m.inputNames, m.outputNames];
      return lane;
    } catch (e) {
      await lane.close();
      throw e;
    }
  }

  async run(feeds: Record<string, FeedValue>, outputs?: readonly string[], owned = false): Promise<Record<string, Tensor>> {
    const id = this.next++;
    const moved = owned ? Object.values(feeds).map((v) => v.data.buffer as ArrayBuffer) : [];
    const m = await this.request(id, { type: 'run', id, feeds, ...(outputs ? { outputs } : {}) }, moved);
    return m.type === 'result' ? m.outputs : {};
  }

  private request(id: number, m: ToShard, transfer: TransferListItem[] = []): Promise<FromShard> {
    if (this.failure) return Promise.reject(this.runtimeError(this.failure.message));
    return new Promise((resolve, reject) => {
      if (this.jobs.size === 0) this.worker.ref(); // a request in flight keeps the process alive until it is answered
      this.jobs.set(id, { resolve, reject });
      this.worker.postMessage(m, transfer);
    });
  }

  private answer(m: FromShard): void {
    const id = m.type === 'opened' ? -1 : (m.id ?? -1);
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.worker.unref();
    if (m.type === 'error') job.reject(this.typed(m.error));
    else job.resolve(m);
  }

  /** The error as the session in this thread would have thrown it (same code, message and details). */
  private typed(e: ShardError): Onnx2SnnError {
    return e.code ? new Onnx2SnnError(e.code as ErrorCode, e.message, e.details ?? {}) : this.runtimeError(e.message);
  }

  private runtimeError(why: string): Onnx2SnnError {
    return new Onnx2SnnError(ErrorCodes.RUNTIME, `${this.source}: onnxruntime worker thread failed: ${why}`, { file: this.source });
  }

  /** The worker died or was closed: requests in flight fail, and the lane takes no more. */
  private fail(cause: Error): void {
    if (this.failure) return;
    this.failure = cause;
    for (const j of this.jobs.values()) j.reject(this.runtimeError(cause.message));
    this.jobs.clear();
  }

  /** The worker releases its session and ends on its own; terminated only if it has not within CLOSE_MS (or is already failing). */
  async close(): Promise<void> {
    const alive = !this.failure;
    this.fail(new Error('its session was released'));
    if (alive) {
      const exited = new Promise<boolean>((resolve) => this.worker.once('exit', () => resolve(true)));
      this.worker.ref();
      this.worker.postMessage({ type: 'close' } satisfies ToShard);
      const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), CLOSE_MS).unref());
      if (await Promise.race([exited, timer])) return;
    }
    await this.worker.terminate();
  }
}

/** The lanes of one data-parallel session (OrtSession.create with `tuning.workers` > 1 makes one). */
export class OrtShards {
  private constructor(
    private readonly lanes: readonly Lane[],
    private readonly model: Model,
  ) {}

  /** Whether slices run in worker threads (the compiled package) rather than one after the other in this thread. */
  static get inWorkers(): boolean {
    return workerScriptExists(WORKER);
  }

  /** `workers` sessions of the file (`bytes` = model encoded), each with `opts.threads / workers` intra-op threads (at least 1). */
  static async open(model: Model, bytes: Uint8Array, workers: number, opts: LaneOptions): Promise<OrtShards> {
    const threads = Math.max(1, Math.floor((opts.threads ?? availableParallelism()) / workers));
    const laneOpts: LaneOptions = { ...opts, threads, ...(opts.tuning ? { tuning: { ...opts.tuning, workers: 1 } } : {}) };
    const source = model.source ?? 'model';
    let open: () => Promise<Lane> = () => inThread(bytes, laneOpts, source);
    if (OrtShards.inWorkers) {
      const shared = new SharedArrayBuffer(bytes.byteLength);
      new Uint8Array(shared).set(bytes);
      open = () => WorkerLane.open(shared, laneOpts, source);
    }
    const lanes = await Promise.allSettled(Array.from({ length: workers }, open));
    const ok = lanes.flatMap((l) => (l.status === 'fulfilled' ? [l.value] : []));
    const failed = lanes.find((l) => l.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((l) => l.close()));
      throw failed.reason;
    }
    return new OrtShards(ok, model);
  }

  get inputNames(): readonly string[] {
    return this.lanes[0]!.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.lanes[0]!.outputNames;
  }

  /** The outputs of the whole batch: one contiguous slice per lane (fewer when the batch is smaller), joined in sample order. */
  async run(feeds: Record<string, FeedValue>, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    const { graph } = this.model;
    const names = batchNames(graph);
    const n = feeds[graph.inputs[0]!.name]?.dims[0] ?? 1;
    const k = names ? Math.min(this.lanes.length, n) : 1;
    if (k <= 1) return this.lanes[0]!.run(feeds, outputs);
    const b = sliceBounds(n, k);
    const inputs = new Map(graph.inputs.map((i) => [i.name, i]));
    const parts = await Promise.all(
      this.lanes.slice(0, k).map((lane, i) => {
        const f: Record<string, FeedValue> = {};
        for (const [name, v] of Object.entries(feeds)) {
          // the first input is the batch by definition; the others by their shapes
          const axis = name === graph.inputs[0]!.name ? 0 : batchAxis(inputs.get(name), names!, v.dims.length);
          // a value not cut (the scalar `timesteps`) is copied for each lane: a worker's feeds are moved to it
          f[name] = axis === undefined ? ({ ...v, data: v.data.slice() } as FeedValue) : sliceAlong(v, axis, b[i]!, b[i + 1]!);
        }
        return lane.run(f, outputs, true);
      }),
    );
    const sizes = b.slice(1).map((e, i) => e - b[i]!);
    const outInfo = new Map(graph.outputs.map((o) => [o.name, o]));
    const out: Record<string, Tensor> = {};
    for (const name of Object.keys(parts[0]!)) {
      const ts = parts.map((p) => p[name]!);
      out[name] = concatAlong(name, ts, batchAxis(outInfo.get(name), names!, ts[0]!.dims.length), sizes);
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}
