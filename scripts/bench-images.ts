/**
 * The `images` entry of `npm run bench`: decoding and preprocessing throughput of an image folder
 * as the evaluation reads it (src/data/images: sharp decoding, Pillow-exact Resize(256) and
 * CenterCrop(224), scale/mean/std, CHW floats), in batches through the streamed reader, with
 * the image worker threads (src/data/images/pool.ts). A cold first pass (threads starting, the JIT
 * warming up) is reported apart from the steady state: `rounds` more passes, each over a fresh
 * dataset (nothing cached), timed together and one by one.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { openDataset, readSamples } from '../src/data/index.js';
import { loadSharp } from '../src/data/images/decode.js';
import { defaultImageThreads, imageWorkersAvailable } from '../src/data/images/pool.js';
import type { Preprocess } from '../src/data/types.js';
import { IMAGENET_SAMPLE } from './models.js';

export interface ImagesRow {
  /** Images per round (the bundled sample). */
  readonly images: number;
  readonly size: string;
  readonly decoder: string;
  readonly batch: number;
  /** Image worker threads (src/data/images/pool.ts; 0: the calling thread). */
  readonly threads: number;
  /** Timed passes over the images after the first one. */
  readonly rounds: number;
  /** The first pass, from a cold start (workers and sharp loading, the JIT warming up). */
  readonly firstPassImagesPerSec: number;
  /** Steady state: the images of all timed rounds over their wall time. */
  readonly imagesPerSec: number;
  /** Each timed round's rate (how steady the steady state is). */
  readonly roundImagesPerSec: readonly number[];
  /**
   * CPU time per image of the calling thread alone (Linux: /proc/self/task/<pid>/stat, 10 ms
   * ticks over the timed rounds; null elsewhere): work that cannot overlap with itself, so at
   * most 1000 / this images/s whatever the cores.
   */
  readonly mainThreadCpuMsPerImage: number | null;
  /** Process CPU time (all threads) per image, over the timed rounds. */
  readonly cpuMsPerImage: number;
  /**
   * What the cores of this machine give when nothing else runs: cores / CPU seconds per image
   * (the wall-clock rate measures the other jobs on a loaded machine; the CPU time much less).
   */
  readonly projectedImagesPerSec: number;
  readonly cores: number;
  /** 1-minute load average before the first pass and at the end of the run (the other jobs on the machine, and this one). */
  readonly loadAverageStart: number;
  readonly loadAverage: number;
  readonly peakRssMB: number;
}

/** CPU time (user + system) of the calling thread in ms, from Linux's per-thread stat (clock ticks of 10 ms); null where there is none. */
function mainThreadCpuMs(): number | null {
  try {
    // fields after the parenthesised command name: state is field 3, utime 14 and stime 15
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** One pass over the folder in batches, from a fresh dataset (nothing cached from an earlier pass): images and seconds. */
async function pass(pre: Preprocess, batch: number): Promise<{ images: number; secs: number }> {
  const t0 = performance.now();
  const ds = openDataset(IMAGENET_SAMPLE.data, pre);
  let images = 0;
  for (let s = 0; s < ds.count; s += batch) images += (await readSamples(ds, s, s + batch)).length / (3 * 224 * 224);
  return { images, secs: (performance.now() - t0) / 1000 };
}

/** `threads` undefined: one worker per core (the default for a folder of 256 images or more). */
export async function benchImages(batch: number, rounds: number, threads?: number): Promise<ImagesRow> {
  const loadAverageStart = loadavg()[0]!;
  const sharp = await loadSharp();
  // as for a large folder: the 100 images alone would be processed in the calling thread by default
  const imageThreads = threads ?? defaultImageThreads();
  const pre: Preprocess = { ...IMAGENET_SAMPLE.pre, imageThreads };
  const first = await pass(pre, batch);
  let images = 0;
  let secs = 0;
  const perRound: number[] = [];
  const c0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  for (let r = 0; r < rounds; r++) {
    const p = await pass(pre, batch);
    images += p.images;
    secs += p.secs;
    perRound.push(p.images / p.secs);
  }
  const cpu = process.cpuUsage(c0);
  const main1 = mainThreadCpuMs();
  return {
    images: first.images,
    size: '224×224',
    decoder: `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    batch,
    threads: imageWorkersAvailable() ? imageThreads : 0,
    rounds,
    firstPassImagesPerSec: first.images / first.secs,
    imagesPerSec: images / secs,
    roundImagesPerSec: perRound,
    mainThreadCpuMsPerImage: main0 !== null && main1 !== null ? (main1 - main0) / images : null,
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / images,
    projectedImagesPerSec: (availableParallelism() * 1e6 * images) / (cpu.user + cpu.system),
    cores: availableParallelism(),
    loadAverageStart,
    loadAverage: loadavg()[0]!,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}
