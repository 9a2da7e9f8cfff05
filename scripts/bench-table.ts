/** The bench's row record and its Markdown tables (scripts/bench.ts prints them after the JSON is written). */
import type { EngineChoice } from '../src/engine/simulate.js';
import type { EventsRunResult } from '../src/engine/events/dataset.js';
import type { ImagesRow } from './bench-images.js';

export interface Row {
  model: string;
  timesteps: number;
  engine: string;
  /** --engine auto (or a given engine): which ran and why. */
  engineChoice?: EngineChoice;
  /** The emitted arrangement (onnxruntime): where the spike counts come from. */
  counts: string;
  /** Time steps per Loop iteration of the emitted file. */
  stepsPerIteration: number;
  /** The emitted file's arrangement as recorded in its metadata (onnxruntime). */
  arrangement?: unknown;
  device: string;
  batch: number;
  threads: number;
  samples: number;
  snnSamplesPerSec: number;
  snnSampleStepsPerSec: number;
  annSamplesPerSec: number;
  /** The ANN on onnxruntime worker threads, one 1-thread session each on a slice of each batch (OrtTuning.workers): not part of `ratio`. */
  annWorkersSamplesPerSec?: number;
  ratio: number;
  /** The ratio of each paired round (spread = this machine's drift). */
  ratioRounds: number[];
  peakRssMB: number;
  /** events: synaptic operations per sample counted by the kernels (at T). */
  synopsPerSample?: number;
  /** events: each kernel-run node's events per input element and step. */
  eventRates?: EventsRunResult['rates'];
}

/** The speed table (one line per row) and the image-decoding table. */
export function benchTables(rows: readonly Row[], images: ImagesRow | undefined): string {
  const head = [
    'model',
    'T',
    'engine',
    'counts',
    'steps/iteration',
    'device',
    'batch',
    'threads',
    'SNN samples/s',
    'SNN sample·steps/s',
    'ANN samples/s',
    'ratio',
    'paired rounds',
    'peak RSS MB',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows)
    lines.push(
      `| ${r.model} | ${r.timesteps} | ${r.engine} | ${r.counts} | ${r.stepsPerIteration} | ${r.device} | ${r.batch} | ${r.threads} | ${r.snnSamplesPerSec.toFixed(1)} | ${r.snnSampleStepsPerSec.toFixed(0)} | ${r.annSamplesPerSec.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.ratioRounds.map((x) => x.toFixed(2)).join(' ')} | ${r.peakRssMB.toFixed(0)} |`,
    );
  let out = rows.length ? `${lines.join('\n')}\n` : '';
  if (images) {
    const r = images;
    const steady = `${r.imagesPerSec.toFixed(1)} (${Math.min(...r.roundImagesPerSec).toFixed(0)}–${Math.max(...r.roundImagesPerSec).toFixed(0)})`;
    out +=
      `\n| images | size | decoder | batch | threads | first pass images/s | rounds | images/s (rounds: min–max) | ms/image (wall) | main thread CPU ms/image | CPU ms/image | ${r.cores} cores / CPU time: images/s | load average (start, end) | peak RSS MB |\n|${'---|'.repeat(14)}\n` +
      `| ${r.images} | ${r.size} | ${r.decoder} | ${r.batch} | ${r.threads} | ${r.firstPassImagesPerSec.toFixed(1)} | ${r.rounds} | ${steady} | ${(1000 / r.imagesPerSec).toFixed(2)} | ${r.mainThreadCpuMsPerImage?.toFixed(2) ?? 'n/a'} | ${r.cpuMsPerImage.toFixed(2)} | ${r.projectedImagesPerSec.toFixed(0)} | ${r.loadAverageStart.toFixed(1)}, ${r.loadAverage.toFixed(1)} | ${r.peakRssMB.toFixed(0)} |\n`;
  }
  return out;
}
