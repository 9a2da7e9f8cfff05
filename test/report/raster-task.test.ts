/**
 * The raster drawn next to the simulation (src/report/raster-task.ts): in a worker thread (the
 * built package, where the compiled thread script exists) and in the calling thread (small rasters,
 * the TypeScript sources) it must equal spikeRaster's, bit for bit, progress included.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { spikeRaster } from '../../src/report/raster.js';
import { rasterTask as rasterTaskSrc } from '../../src/report/raster-task.js';
import type { SnnModel } from '../../src/snn/build.js';
import { OUT, builtPackage } from './helpers.js';

let snn: SnnModel;
const ds = () => loadDataset('fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz', { scale: 1 / 255, offset: 10, limit: 4 });

beforeAll(async () => {
  const model = loadModel('fixtures/models/onnx-zoo-mnist-12.onnx');
  const th = await calibrate(model, loadDataset('fixtures/data/mnist/train-images-idx3-ubyte.gz', { scale: 1 / 255, limit: 100 }));
  snn = convert(model, th, { encoding: 'poisson', seed: 5 }).snn;
  await builtPackage();
}, 600_000);

describe('rasterTask', () => {
  it('in a worker thread (built package): the same raster as spikeRaster, progress for every step', async () => {
    const { rasterTask } = (await import(pathToFileURL(join(OUT, 'src/report/raster-task.js')).href)) as { rasterTask: typeof rasterTaskSrc };
    const steps: number[] = [];
    const job = await rasterTask(snn, ds(), 20, { sample: 2, layers: 2, minThreadWork: 0, onProgress: (e) => void steps.push(e.done) });
    const r = await job.result;
    expect(r).toEqual(await spikeRaster(snn, ds(), 20, { sample: 2, layers: 2 }));
    expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('in the calling thread (TypeScript sources, or below the work threshold): the same raster', async () => {
    const job = await rasterTaskSrc(snn, ds(), 12, { sample: 1, minThreadWork: 0 });
    expect(await job.result).toEqual(await spikeRaster(snn, ds(), 12, { sample: 1 }));
  });

  it('cancel stops a raster being drawn in a thread without an unhandled rejection', async () => {
    const { rasterTask } = (await import(pathToFileURL(join(OUT, 'src/report/raster-task.js')).href)) as { rasterTask: typeof rasterTaskSrc };
    const job = await rasterTask(snn, ds(), 5000, { minThreadWork: 0 });
    job.cancel();
    await expect(job.result).rejects.toThrow(/raster thread exited/);
  });
});
