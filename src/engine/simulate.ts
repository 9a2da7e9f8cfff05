/**
 * Runs an emitted SNN (src/snn/emit.ts) with onnxruntime over a dataset: one Loop run of the
 * largest T per batch, the readout recorded after every step, so accuracy at every requested T
 * comes from one simulation.
 */
import type { Dataset } from '../data/types.js';
import { fitToInput, readSamples } from '../data/index.js';
import { OrtSession, type Device } from './ort.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Model } from '../graph/types.js';
import { argmaxRows } from '../util/metrics.js';
import type { ProgressFn } from '../util/progress.js';
import { poissonStates } from '../snn/poisson.js';
import { SNN_FORMAT, layerOutputName } from '../snn/emit.js';
import type { SnnOptions } from '../snn/types.js';
import type { Arrangement } from '../snn/arrangement.js';

export interface SnnFileInfo {
  readonly options: SnnOptions;
  readonly input: { name: string; dims: number[]; max: number };
  readonly readout: { tensor: string; dims: number[] };
  /** `events`: the output with the events of either sign of a layer with signed spikes. */
  readonly layers: { output: string; name: string; site: string; dims: number[]; threshold: number | number[]; events?: string }[];
}

/** Reads the conversion metadata of an emitted SNN; E_OPTION if the file is not one. */
export function snnInfo(m: Model): SnnFileInfo {
  const md = m.metadata;
  if (md['onnx2snn.format'] !== SNN_FORMAT) {
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `${m.source ?? 'model'}: not an SNN written by \`onnx2snn convert\` (metadata onnx2snn.format is missing); use \`onnx2snn eval\` for an ANN`,
      {
        file: m.source,
      },
    );
  }
  const parse = (k: string): unknown => JSON.parse(md[k] ?? 'null');
  return {
    options: parse('onnx2snn.options') as SnnOptions,
    input: parse('onnx2snn.input') as SnnFileInfo['input'],
    readout: parse('onnx2snn.readout') as SnnFileInfo['readout'],
    layers: parse('onnx2snn.layers') as SnnFileInfo['layers'],
  };
}

export interface SnnRunOptions {
  /** Time steps at which to score (the largest is simulated). */
  readonly timesteps: readonly number[];
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
  /** An open session on this model to reuse (not released); by default one is created and released. */
  readonly session?: OrtSession;
  /**
   * Called with each batch's per-neuron spike counts (aligned with info.layers) and, for layers
   * with signed spikes, their events of either sign (undefined for the others).
   */
  /** Keep the readout (the summed output current, ≈ T·logits) of every sample at each requested T in `readouts`. */
  readonly keepReadouts?: boolean;
  readonly onCounts?: (start: number, n: number, counts: readonly Float32Array[], events?: readonly (Float32Array | undefined)[]) => void | Promise<void>;
}

export interface SnnRunResult {
  /** Predicted class per sample at each requested T. */
  readonly predictions: Map<number, Int32Array>;
  /** [N, K] readouts at each requested T, with `keepReadouts`. */
  readonly readouts?: Map<number, Float32Array>;
  /** Total spikes per layer over all samples at the largest T. */
  readonly layerSpikes: number[];
  /** Neurons per sample per layer. */
  readonly layerNeurons: number[];
  readonly timesteps: number;
  /** What the file runs (src/snn/arrangement.ts): count sources per layer, steps per Loop iteration; absent in files written before it. */
  readonly arrangement?: Arrangement;
}

export async function simulateDataset(snnModel: Model, ds: Dataset, opts: SnnRunOptions): Promise<SnnRunResult> {
  const info = snnInfo(snnModel);
  const ts = [...new Set(opts.timesteps)].sort((a, b) => a - b);
  const T = ts[ts.length - 1]!;
  const sampleDims = fitToInput(ds, [1, ...info.input.dims]);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const K = info.readout.dims.reduce((a, b) => a * b, 1);
  const bs = opts.batchSize ?? 64;
  const session = opts.session ?? (await OrtSession.create(snnModel, { device: opts.device ?? 'cpu', ...(opts.threads ? { threads: opts.threads } : {}) }));
  const predictions = new Map(ts.map((t) => [t, new Int32Array(ds.count)]));
  const readouts = opts.keepReadouts ? new Map(ts.map((t) => [t, new Float32Array(ds.count * K)])) : undefined;
  const layerNeurons = info.layers.map((l) => l.dims.reduce((a, b) => a * b, 1));
  const layerSpikes = info.layers.map(() => 0);
  const outs = ['readout_steps', ...info.layers.map((_, i) => layerOutputName(i)), ...info.layers.flatMap((l) => (l.events ? [l.events] : []))];
  try {
    for (let s = 0; s < ds.count; s += bs) {
      const e = Math.min(ds.count, s + bs);
      const n = e - s;
      const feeds: Parameters<OrtSession['run']>[0] = {
        [info.input.name]: { data: await readSamples(ds, s, e), dims: [n, ...sampleDims] },
        timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
      };
      if (info.options.encoding === 'poisson')
        feeds['rng_state'] = { dtype: 'float64', dims: [n, per], data: poissonStates(info.options.seed, (ds.offset ?? 0) + s, n, per) };
      const res = await session.run(feeds, outs);
      const steps = res['readout_steps']!.data as Float32Array;
      for (const t of ts) {
        const slice = steps.subarray((t - 1) * n * K, t * n * K);
        predictions.get(t)!.set(argmaxRows(slice, n, K), s);
        readouts?.get(t)!.set(slice, s * K);
      }
      const counts = info.layers.map((_, i) => res[layerOutputName(i)]!.data as Float32Array);
      counts.forEach((c, i) => {
        let sum = 0;
        for (let j = 0; j < c.length; j++) sum += c[j]!;
        layerSpikes[i]! += sum;
      });
      const events = info.layers.map((l) => (l.events ? (res[l.events]!.data as Float32Array) : undefined));
      await opts.onCounts?.(s, n, counts, events);
      opts.onProgress?.({ phase: 'simulate', done: e, total: ds.count, detail: `T=${T}` });
    }
  } finally {
    if (!opts.session) await session.release();
  }
  const arrangement = snnModel.metadata['onnx2snn.arrangement'];
  return {
    predictions,
    ...(readouts ? { readouts } : {}),
    layerSpikes,
    layerNeurons,
    timesteps: T,
    ...(arrangement ? { arrangement: JSON.parse(arrangement) as Arrangement } : {}),
  };
}
