/**
 * The spike raster next to the simulation: the reference simulator is single-threaded JavaScript
 * and, for a large T, a serial stretch as long as a whole shard's simulation (resnet_2b at
 * T = 1024: ≈ 2.4 CPU s, as much as one of 16 queue jobs), so `evaluate` starts it in a worker
 * thread before the onnxruntime simulation and collects it after. On a machine with a free core it
 * costs no wall time; on a busy one the OS shares the cores, so the shard that holds the raster
 * sample no longer finishes a raster's length after the others. Small rasters (below
 * THREAD_MIN_WORK neuron-steps, where starting a thread costs more) and runs from the TypeScript
 * sources (tests: no compiled thread script) draw it in the calling thread. The result is the same
 * either way: the same code on the same input.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readSamples } from '../data/batches.js';
import type { Dataset } from '../data/types.js';
import { ErrorCodes, Onnx2SnnError, type ErrorCode } from '../errors.js';
import type { SnnModel } from '../snn/build.js';
import { rasterOf, type RasterOptions, type RasterSample } from './raster.js';
import type { Raster } from './types.js';

/** Neurons × time steps below which the raster is drawn in the calling thread. */
export const THREAD_MIN_WORK = 2_000_000;

export interface RasterTask {
  readonly result: Promise<Raster>;
  /** Stops a raster still being drawn (its result then never settles to a value). */
  cancel(): void;
}

const THREAD_SCRIPT = new URL('./raster-thread.js', import.meta.url);

export async function rasterTask(
  snn: SnnModel,
  ds: Dataset,
  timesteps: number,
  opts: RasterOptions & { readonly minThreadWork?: number } = {},
): Promise<RasterTask> {
  const sampleIndex = opts.sample ?? 0;
  const per = snn.inputDims.reduce((a, b) => a * b, 1);
  const x = (await readSamples(ds, sampleIndex, sampleIndex + 1)).slice(0, per);
  const sample: RasterSample = { x, label: ds.labels[sampleIndex]!, sample: sampleIndex, firstSample: (ds.offset ?? 0) + sampleIndex };
  const { onProgress, sample: _s, minThreadWork = THREAD_MIN_WORK, ...rest } = opts;
  void _s;
  const progress = onProgress ? (t: number, T: number) => onProgress({ phase: 'raster', done: t, total: T, detail: `sample ${sampleIndex}` }) : undefined;
  const neurons = snn.layers.reduce((a, l) => a + l.dims.reduce((p, d) => p * d, 1), 0);
  if (neurons * timesteps < minThreadWork || !existsSync(fileURLToPath(THREAD_SCRIPT))) {
    return settledLater(
      Promise.resolve().then(() => rasterOf(snn, sample, timesteps, rest, progress)),
      () => {},
    );
  }
  const worker = new Worker(THREAD_SCRIPT, { workerData: { snn, sample, timesteps, opts: rest } });
  const result = new Promise<Raster>((resolve, reject) => {
    worker.on('message', (m: { type: string; t: number; T: number; raster: Raster; message: string; code?: string; details?: Record<string, unknown> }) => {
      if (m.type === 'progress') progress?.(m.t, m.T);
      else if (m.type === 'done') resolve(m.raster);
      else reject(new Onnx2SnnError((m.code as ErrorCode | undefined) ?? ErrorCodes.RUNTIME, m.message, m.details ?? {}));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Onnx2SnnError(ErrorCodes.RUNTIME, `raster thread exited with code ${code} before it finished`, {})));
  });
  return settledLater(
    result.finally(() => void worker.terminate()),
    () => void worker.terminate(),
  );
}

/** A task whose failure is reported where its result is awaited, never as an unhandled rejection before. */
function settledLater(result: Promise<Raster>, cancel: () => void): RasterTask {
  result.catch(() => {});
  return { result, cancel };
}
