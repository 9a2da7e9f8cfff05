/**
 * The `images` entry of `npm run bench`: decoding and preprocessing throughput of an image folder
 * as the evaluation reads it (src/data/images: sharp decoding, Pillow-exact Resize(256) and
 * CenterCrop(224), scale/mean/std, CHW floats), in batches through the streamed reader.
 */
import { availableParallelism, loadavg } from 'node:os';
import { openDataset, readSamples } from '../src/data/index.js';
import { loadSharp } from '../src/data/images/decode.js';
import { IMAGENET_SAMPLE } from './models.js';

export interface ImagesRow {
  /** Images per round (the bundled sample). */
  readonly images: number;
  readonly size: string;
  readonly decoder: string;
  readonly batch: number;
  readonly rounds: number;
  readonly imagesPerSec: number;
  /** Process CPU time (all threads) per image. */
  readonly cpuMsPerImage: number;
  /**
   * What the cores of this machine give when nothing else runs: cores / CPU seconds per image
   * (the wall-clock rate measures the other jobs on a loaded machine; the CPU time much less).
   */
  readonly projectedImagesPerSec: number;
  readonly cores: number;
  /** 1-minute load average at the end of the run (the other jobs on the machine). */
  readonly loadAverage: number;
  readonly peakRssMB: number;
}

export async function benchImages(batch: number, rounds: number): Promise<ImagesRow> {
  const sharp = await loadSharp();
  const open = () => openDataset(IMAGENET_SAMPLE.data, IMAGENET_SAMPLE.pre);
  const warm = open();
  await readSamples(warm, 0, Math.min(batch, warm.count)); // loads sharp's native code and warms the JIT
  let images = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const ds = open(); // a fresh reader: nothing cached from the previous round
    for (let s = 0; s < ds.count; s += batch) images += (await readSamples(ds, s, s + batch)).length / (3 * 224 * 224);
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return {
    images: warm.count,
    size: '224×224',
    decoder: `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    batch,
    rounds,
    imagesPerSec: images / secs,
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / images,
    projectedImagesPerSec: (availableParallelism() * 1e6 * images) / (cpu.user + cpu.system),
    cores: availableParallelism(),
    loadAverage: loadavg()[0]!,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
