/**
 * Worker-thread entry of `rasterTask` (raster-task.ts): draws one sample's spike raster with the
 * reference simulator and posts it back, with progress messages per step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SnnModel } from '../snn/build.js';
import { rasterOf, type RasterOptions, type RasterSample } from './raster.js';

interface Job {
  readonly snn: SnnModel;
  readonly sample: RasterSample;
  readonly timesteps: number;
  readonly opts: Omit<RasterOptions, 'onProgress' | 'sample'>;
}

const job = workerData as Job;
try {
  const raster = rasterOf(job.snn, job.sample, job.timesteps, job.opts, (t, T) => parentPort!.postMessage({ type: 'progress', t, T }));
  parentPort!.postMessage({ type: 'done', raster });
} catch (e) {
  parentPort!.postMessage({ type: 'error', message: (e as Error).message, code: (e as { code?: string }).code, details: (e as { details?: unknown }).details });
}
