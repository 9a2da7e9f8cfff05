/**
 * Worker threads that decode and preprocess images (worker.ts → pipeline.ts), so that the resize,
 * the normalisation and sharp's JavaScript side run on every core instead of on the calling
 * thread only (libvips' decode already runs on libuv's threads; on 2 cores the calling thread was
 * the bottleneck: README "Throughput").
 *
 * - Each job writes its float sample into a slot, a SharedArrayBuffer the pool owns, and the
 *   calling thread copies it into the batch (≈ 0.6 MB, tens of µs): batches stay ordinary
 *   ArrayBuffers, which onnxruntime-node requires (it refuses shared ones, "Invalid argument").
 * - At most `capacity` = SLOTS_PER_THREAD × threads jobs are in flight (one decoding on a libuv
 *   thread while another is resized, per worker); later ones wait in order. Memory: the slots
 *   plus the decoded images in flight, whatever the folder's size.
 * - A job goes to the worker with the fewest jobs; samples and their order do not depend on which
 *   worker ran them or on the thread count (the same function on the same settings).
 * - Idle workers are unref'd: a pool never keeps the process alive, and needs no close before
 *   exit; closeImagePools() ends them (tests). A worker that dies fails its jobs with E_RUNTIME
 *   and retires the pool; the next read starts a fresh one.
 * - The main thread loads sharp before the workers do (a precaution: its native libraries then
 *   stay loaded for the life of the process, whichever workers end or are replaced).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ErrorCodes, Onnx2SnnError, type ErrorCode } from '../../errors.js';
import { startWorker as startWorkerFrom, workerScriptExists } from '../../util/worker-start.js';
import { loadSharp } from './decode.js';
import type { SampleSettings } from './pipeline.js';
import type { FromWorker, ToWorker } from './worker.js';

const WORKER = new URL('./worker.js', import.meta.url);

/** Jobs in flight per worker: one decoding (libuv thread) while the worker resizes another. */
export const SLOTS_PER_THREAD = 2;

/** Whether the compiled worker script exists (not under the TypeScript sources, e.g. in tests): else images are processed in the calling thread. */
export function imageWorkersAvailable(): boolean {
  return workerScriptExists(WORKER);
}

/**
 * Below this many images a folder is processed in the calling thread by default: starting the
 * workers (their modules, sharp and a cold JIT each) costs ≈ 0.3 CPU s per worker, ≈ 40 images'
 * worth, and an eval of 24 bundled images took 2.7–3.5 s with two workers against 1.7–2.0 s
 * without (loaded 2-core VM).
 */
export const POOL_MIN_IMAGES = 256;

/** Default thread count for a folder of `images` images: one per core, or 0 (the calling thread) below POOL_MIN_IMAGES. */
export function defaultImageThreads(images = Number.POSITIVE_INFINITY): number {
  return images >= POOL_MIN_IMAGES ? availableParallelism() : 0;
}

const startWorker = (): Worker => startWorkerFrom(WORKER);

interface Job {
  readonly id: number;
  readonly settings: number;
  readonly file: string;
  readonly out: Float32Array;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  slot?: SharedArrayBuffer;
}

interface Lane {
  readonly worker: Worker;
  /** Settings ids this worker has been sent. */
  readonly known: Set<number>;
  readonly jobs: Map<number, Job>;
}

export class ImagePool {
  private readonly lanes: Lane[] = [];
  private readonly slots: SharedArrayBuffer[] = [];
  private readonly waiting: Job[] = [];
  private readonly settingsIds = new Map<string, { id: number; settings: SampleSettings }>();
  private readonly idOf = new WeakMap<SampleSettings, number>();
  private jobs = 0;
  private inFlight = 0;
  /** Most jobs in flight at once (≤ capacity). */
  peakInFlight = 0;
  private failure: Error | undefined;
  readonly capacity: number;

  constructor(
    readonly threads: number,
    private readonly onFailure: () => void = () => {},
  ) {
    this.capacity = SLOTS_PER_THREAD * threads;
    for (let i = 0; i < threads; i++) this.lanes.push(this.lane());
    for (let i = 0; i < this.capacity; i++) this.slots.push(new SharedArrayBuffer(0));
  }

  private lane(): Lane {
    const worker = startWorker();
    worker.unref();
    const lane: Lane = { worker, known: new Set(), jobs: new Map() };
    worker.on('message', (m: FromWorker) => this.done(lane, m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`the image worker thread exited (code ${code})`)));
    return lane;
  }

  /** Decodes and preprocesses `file` into `out` (settings.height × settings.width × 3 values). */
  run(settings: SampleSettings, file: string, out: Float32Array): Promise<void> {
    if (this.failure) return Promise.reject(this.runtimeError(file, this.failure));
    const sid = this.settingsId(settings);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ id: this.jobs++, settings: sid, file, out, resolve, reject });
      this.pump();
    });
  }

  /** One id per distinct settings (by value: folders opened again with the same options share it). */
  private settingsId(s: SampleSettings): number {
    const known = this.idOf.get(s);
    if (known !== undefined) return known;
    const key = JSON.stringify([s.geo, s.height, s.width, s.nhwc, s.lut.map((t) => Array.from(t))]);
    let e = this.settingsIds.get(key);
    if (!e) {
      e = { id: this.settingsIds.size, settings: s };
      this.settingsIds.set(key, e);
    }
    this.idOf.set(s, e.id);
    return e.id;
  }

  private settingsById(id: number): SampleSettings {
    for (const e of this.settingsIds.values()) if (e.id === id) return e.settings;
    throw new Error(`internal: image settings ${id}`);
  }

  private pump(): void {
    while (this.waiting.length && this.slots.length) {
      const job = this.waiting.shift()!;
      let slot = this.slots.pop()!;
      if (slot.byteLength < job.out.byteLength) slot = new SharedArrayBuffer(job.out.byteLength);
      job.slot = slot;
      const lane = this.lanes.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
      if (!lane.known.has(job.settings)) {
        lane.worker.postMessage({ type: 'settings', id: job.settings, settings: this.settingsById(job.settings) } satisfies ToWorker);
        lane.known.add(job.settings);
      }
      if (lane.jobs.size === 0) lane.worker.ref(); // a job in flight keeps the process alive until it is answered
      lane.jobs.set(job.id, job);
      this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
      lane.worker.postMessage({ type: 'job', job: job.id, settings: job.settings, file: job.file, slot, length: job.out.length } satisfies ToWorker);
    }
  }

  private done(lane: Lane, m: FromWorker): void {
    const job = lane.jobs.get(m.job);
    if (!job) return;
    lane.jobs.delete(m.job);
    this.inFlight--;
    if (lane.jobs.size === 0) lane.worker.unref();
    // as bytes: from a shared Float32Array V8 copies with its relaxed (race-safe) memmove, measured
    // ≈ 125 µs per 224×224×3 sample against ≈ 70 µs through Uint8Array views (loaded 2-core VM)
    if (!m.error) new Uint8Array(job.out.buffer, job.out.byteOffset, job.out.byteLength).set(new Uint8Array(job.slot!, 0, job.out.byteLength));
    this.slots.push(job.slot!);
    if (m.error) {
      const e = m.error;
      job.reject(e.code ? new Onnx2SnnError(e.code as ErrorCode, e.message, e.details ?? {}) : this.runtimeError(job.file, new Error(e.message)));
    } else job.resolve();
    this.pump();
  }

  private runtimeError(file: string, cause: Error): Onnx2SnnError {
    return new Onnx2SnnError(ErrorCodes.RUNTIME, `${file}: image worker thread failed: ${cause.message}`, { file });
  }

  /** A worker died: its jobs and the waiting ones fail, and the pool takes no more. */
  private fail(cause: Error): void {
    if (this.failure) return;
    this.failure = cause;
    this.onFailure();
    const jobs = [...this.lanes.flatMap((l) => [...l.jobs.values()]), ...this.waiting.splice(0)];
    for (const l of this.lanes) l.jobs.clear();
    for (const j of jobs) j.reject(this.runtimeError(j.file, cause));
    for (const l of this.lanes) void l.worker.terminate();
  }

  /** Ends the workers; jobs still in flight fail. */
  async close(): Promise<void> {
    this.fail(new Error('the image pool was closed'));
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}

const pools = new Map<number, Promise<ImagePool>>();

/** The process's pool of `threads` image workers, started on first use. */
export function imagePool(threads: number): Promise<ImagePool> {
  let p = pools.get(threads);
  if (!p) {
    p = loadSharp().then((): ImagePool => {
      try {
        return new ImagePool(threads, () => {
          if (pools.get(threads) === p) pools.delete(threads);
        });
      } catch (e) {
        throw new Onnx2SnnError(
          ErrorCodes.RUNTIME,
          `cannot start the image worker threads: ${(e as Error).message} (--image-threads 0 processes images in the main thread)`,
          {
            option: '--image-threads',
          },
        );
      }
    });
    pools.set(threads, p);
    p.catch(() => pools.delete(threads));
  }
  return p;
}

/** Ends every image worker (tests; a process may also just exit: idle workers do not keep it alive). */
export async function closeImagePools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
}
