/**
 * A spike raster of one sample: the reference simulator (src/snn/reference.ts, plain TypeScript,
 * the same semantics as the emitted ONNX file — identical spike counts) runs that one sample for
 * the largest T and records, for a few neuron layers, which neurons fire at each step.
 */
import { readSamples } from '../data/batches.js';
import type { Dataset } from '../data/types.js';
import type { ProgressFn } from '../util/progress.js';
import type { SnnModel } from '../snn/build.js';
import { simulateReference } from '../snn/reference.js';
import type { Raster } from './types.js';

export interface RasterOptions {
  /** Index of the sample in the dataset (default 0). */
  readonly sample?: number;
  /** How many neuron layers to show (default 3: first, middle, last). */
  readonly layers?: number;
  /** Neurons shown per layer (default 48, evenly spread over the neurons that fire). */
  readonly neurons?: number;
  readonly onProgress?: ProgressFn;
}

/** Up to k indices of 0..n-1, evenly spread, first and last included. */
export function spread(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  if (k <= 1) return [0];
  const out = new Set<number>();
  for (let i = 0; i < k; i++) out.add(Math.round((i * (n - 1)) / (k - 1)));
  return [...out];
}

export async function spikeRaster(snn: SnnModel, ds: Dataset, timesteps: number, opts: RasterOptions = {}): Promise<Raster> {
  const sample = opts.sample ?? 0;
  const per = snn.inputDims.reduce((a, b) => a * b, 1);
  const x = (await readSamples(ds, sample, sample + 1)).slice(0, per);
  const onStep = opts.onProgress ? (t: number, T: number) => opts.onProgress!({ phase: 'raster', done: t, total: T, detail: `sample ${sample}` }) : undefined;
  return rasterOf(snn, { x, label: ds.labels[sample]!, sample, firstSample: (ds.offset ?? 0) + sample }, timesteps, opts, onStep);
}

/** The sample a raster is drawn for: its input (one sample), label and index. */
export interface RasterSample {
  readonly x: Float32Array;
  readonly label: number;
  /** Index in the dataset (recorded). */
  readonly sample: number;
  /** Index in the whole data file (the Poisson encoder's stream). */
  readonly firstSample: number;
}

/** The raster of one sample, synchronously (also what raster-thread.ts runs). */
export function rasterOf(
  snn: SnnModel,
  s: RasterSample,
  timesteps: number,
  opts: Omit<RasterOptions, 'onProgress' | 'sample'> = {},
  onStep?: (t: number, T: number) => void,
): Raster {
  const { x, sample } = s;
  const hidden = snn.layers.map((l, i) => ({ l, i })).filter(({ l }) => l.output !== snn.readout);
  const chosen = spread(hidden.length, opts.layers ?? 3).map((j) => hidden[j]!.i);
  const r = simulateReference(snn, x, 1, { timesteps, firstSample: s.firstSample, record: { sample: 0, layers: chosen }, ...(onStep ? { onStep } : {}) });
  const ro = r.readouts.get(timesteps)!;
  let prediction = 0;
  for (let k = 1; k < ro.length; k++) if (ro[k]! > ro[prediction]!) prediction = k;
  const layers = (r.raster ?? []).map(({ layer, steps }) => {
    const l = snn.layers[layer]!;
    const neurons = l.dims.reduce((a, b) => a * b, 1);
    const times = new Map<number, number[]>();
    steps.forEach((fired, t) => {
      for (const j of fired) {
        let a = times.get(j);
        if (!a) times.set(j, (a = []));
        a.push(t + 1);
      }
    });
    const active = [...times.keys()].sort((a, b) => a - b);
    const shown = spread(active.length, opts.neurons ?? 48).map((k) => active[k]!);
    return { name: l.name, neurons, active: active.length, shown, times: shown.map((j) => times.get(j)!) };
  });
  return { sample, label: s.label, prediction, timesteps, source: 'reference-simulator', layers };
}
