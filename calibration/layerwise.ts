/**
 * Layer-wise calibration after conversion, in the spirit of Li et al. 2021 ("A Free Lunch From
 * ANN: Towards Efficient, Accurate Spiking Neural Networks Calibration", bias calibration):
 * at a target number of steps T, layer by layer from input to output, the converted SNN and the
 * ANN run on calibration data, and each neuron layer gets a per-channel extra input current
 *
 *     c_l ← c_l + E[clip(a_l, 0, θ_l)] − E[θ_l · n_l / T]
 *
 * (means over samples and positions of the channel; a_l the ANN activation, n_l the SNN spike
 * count), so that the SNN's mean output rate matches the ANN's mean activation. Mode 'potential'
 * (Li et al.'s potential calibration, the learned generalisation of the θ/2 initial potential)
 * corrects the initial membrane potential per channel instead, by T times the same error:
 *
 *     v0_c ← v0_c + T·(E[clip(a, 0, θ)] − E[θ·n/T]) / θ       (as a fraction of θ, kept in [−1, 1])
 *
 * since one unit of extra initial charge is one extra spike over T steps, as T·c of current is. Layers are done
 * in order because a layer's rates depend on the corrected layers before it. The corrections
 * are stored in the thresholds file (`bias` per layer) and applied every step by the neurons.
 */
import { layerLevels } from '../converters/neurons/index.js';
import { readSamples } from '../src/data/batches.js';
import type { Dataset } from '../src/data/types.js';
import { OrtSession, type Device } from '../src/engine/ort.js';
import { inputSpec } from '../src/engine/input.js';
import { pruneDeadNodes } from '../src/graph/graph.js';
import type { ProgressFn } from '../src/util/progress.js';
import type { Model } from '../src/graph/types.js';
import { buildSnn } from '../src/snn/build.js';
import { emitOnnx } from '../src/snn/emit.js';
import { simulateDataset } from '../src/engine/simulate.js';
import { DEFAULT_SNN_OPTIONS, type SnnOptions } from '../src/snn/types.js';
import type { ThresholdsFile, ThresholdsLayer } from './thresholds.js';

export interface LayerwiseOptions {
  /** Steps the correction is tuned for. */
  readonly timesteps: number;
  /** Correct the input current ('bias', default) or the initial membrane potential ('potential'). */
  readonly mode?: 'bias' | 'potential';
  /** Passes over the layers (1 is Li et al.'s light calibration; 2 refines). */
  readonly iterations?: number;
  /** 'sequential' (default): one simulation per layer and pass, in order; 'joint': one simulation per pass corrects every layer. */
  readonly schedule?: 'sequential' | 'joint';
  readonly snnOptions?: Partial<SnnOptions>;
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
  /** Simulate only up to the layers being corrected (default true; identical corrections, false is for the test that shows it). */
  readonly truncate?: boolean;
}

/**
 * Per-channel mean of a [N, C, ...] (or [N, F]) tensor batch, accumulated into `sum`, optionally
 * clipped to [0, θ_c] — or to [−θ_c, θ_c] for a linear site's bipolar neurons (`signed`).
 */
function addChannelMeans(
  data: ArrayLike<number>,
  n: number,
  channels: number,
  sum: Float64Array,
  clip?: readonly number[] | number,
  scale = 1,
  signed = false,
): void {
  const per = data.length / n;
  const inner = per / channels;
  for (let b = 0; b < n; b++)
    for (let c = 0; c < channels; c++) {
      const th = clip === undefined ? Infinity : typeof clip === 'number' ? clip : clip[c]!;
      const lo = signed ? -th : 0;
      let s = 0;
      const base = b * per + c * inner;
      for (let i = 0; i < inner; i++) {
        const v = data[base + i]!;
        s += Math.min(Math.max(v, lo), th);
      }
      sum[c]! += (s * scale) / inner;
    }
}

function thetaOf(t: number | readonly number[], c: number): number {
  return typeof t === 'number' ? t : t[c]!;
}

/** Per-layer, per-channel mean over `ds` of the clipped ANN activation (the rate targets). */
async function annTargets(
  model: Model,
  layers: readonly ThresholdsLayer[],
  ds: Dataset,
  bs: number,
  run: { device?: Device; threads?: number },
): Promise<Float64Array[]> {
  const { name, sampleDims } = inputSpec(model, ds);
  const session = await OrtSession.create(model, { ...run, extraOutputs: layers.map((l) => l.site) });
  const target = layers.map((l) => new Float64Array(l.channels));
  try {
    for (let s = 0; s < ds.count; s += bs) {
      const n = Math.min(ds.count, s + bs) - s;
      const r = await session.run(
        { [name]: { data: await readSamples(ds, s, s + n), dims: [n, ...sampleDims] } },
        layers.map((l) => l.site),
      );
      layers.forEach((l, i) => addChannelMeans(r[l.site]!.data, n, l.channels, target[i]!, l.scale, 1, l.linear));
    }
  } finally {
    await session.release();
  }
  for (const t of target) t.forEach((v, c) => (t[c] = v / ds.count));
  return target;
}

/**
 * The ANN cut after the tensors `sites`: they become the graph outputs (the first is the readout) and
 * every node that does not reach them is dropped. A layer's spike counts depend only on the layers
 * before it (the network is feed-forward), so simulating the cut network gives the same counts as
 * the whole one at a fraction of the cost: the sequential schedule then costs ~L/2 full
 * simulations instead of L.
 */
export function truncateAt(model: Model, sites: readonly string[]): Model {
  const g = model.graph;
  const outputs = sites.map((s) => g.valueInfo.get(s) ?? { name: s, dtype: 'float32' as const });
  return { ...model, graph: pruneDeadNodes({ ...g, outputs }) };
}

/** Per-channel mean rate n/T of the SNN layers `which` (indices into `layers`) over `ds`. */
async function snnRates(
  model: Model,
  thresholds: ThresholdsFile,
  layers: readonly ThresholdsLayer[],
  state: Corrections,
  which: readonly number[],
  ds: Dataset,
  T: number,
  opts: LayerwiseOptions,
): Promise<Float64Array[]> {
  const scales = new Map<string, number | readonly number[]>(thresholds.layers.map((l) => [l.site, l.scale]));
  // the last layer of the group first: it is the cut network's readout (a membrane readout: counting
  // spikes there would add a neuron layer that changes nothing before it)
  const sites = [...which].sort((a, b) => b - a).map((li) => layers[li]!.site);
  // with linear sites (--linear bipolar) the cut gave different corrections on own-mnist-mobilenetv2
  // (linear sites are classified from the graph around them, which the cut changes): no cut there
  const truncate = opts.truncate !== false && !layers.some((l) => l.linear);
  const cut = truncate ? truncateAt(model, sites) : model;
  const snnOptions = truncate ? { ...opts.snnOptions, readout: 'membrane' as const } : opts.snnOptions;
  const snn = buildSnn(cut, scales, { ...snnOptions, inputMax: thresholds.input.max, biases: state.biases, v0s: state.v0s });
  const idx = which.map((li) => snn.layers.findIndex((x) => x.output === layers[li]!.site));
  const means = which.map((li) => new Float64Array(layers[li]!.channels));
  await simulateDataset(emitOnnx(snn), ds, {
    timesteps: [T],
    batchSize: opts.batchSize ?? 64,
    ...(opts.device ? { device: opts.device } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    onCounts: (_s, n, counts) =>
      which.forEach((li, k) => addChannelMeans(counts[idx[k]!]!, n, layers[li]!.channels, means[k]!, undefined, 1 / T, layers[li]!.linear)),
  });
  for (const m of means) m.forEach((v, c) => (m[c] = v / ds.count));
  return means;
}

interface Corrections {
  readonly biases: Map<string, number[]>;
  readonly v0s: Map<string, number[]>;
}

/** Applies the rate error of one layer to its bias (current) or initial potential. */
function correct(
  l: ThresholdsLayer,
  target: Float64Array,
  rate: Float64Array,
  state: Corrections,
  mode: 'bias' | 'potential',
  T: number,
  levels: { readonly relu: number; readonly linear: number },
): void {
  for (let c = 0; c < l.channels; c++) {
    // the layer's θ: λ, or λ/Γ for burst neurons and signed bursts (the target stays clipped at λ)
    const th = thetaOf(l.scale, c) / (l.linear ? levels.linear : levels.relu);
    const err = target[c]! - rate[c]! * th;
    if (mode === 'bias') state.biases.get(l.site)![c]! += err;
    else {
      const v = state.v0s.get(l.site)!;
      v[c] = Math.min(1, Math.max(-1, v[c]! + (T * err) / th));
    }
  }
}

/**
 * Returns a copy of `thresholds` with per-channel `bias` (or `v0`) corrections for every neuron layer.
 * Schedule 'sequential' (Li et al.) simulates once per layer and pass; 'joint' corrects every layer
 * from one simulation per pass, which is L times cheaper and, repeated, converges to the same fixed
 * point: the error of layer l given its inputs is what both schedules remove (README "How the default is chosen").
 */
export async function calibrateLayerwise(model: Model, thresholds: ThresholdsFile, calib: Dataset, opts: LayerwiseOptions): Promise<ThresholdsFile> {
  const T = opts.timesteps;
  const run = { ...(opts.device ? { device: opts.device } : {}), ...(opts.threads ? { threads: opts.threads } : {}) };
  const scales = new Map<string, number | readonly number[]>(thresholds.layers.map((l) => [l.site, l.scale]));
  // the neuron layers of this conversion (linear sites only with --linear bipolar), in graph order
  const snn0 = buildSnn(model, scales, { ...opts.snnOptions, inputMax: thresholds.input.max });
  const built = new Set(snn0.layers.map((l) => l.output));
  const levels = { relu: layerLevels(snn0.options, {}), linear: layerLevels(snn0.options, { linear: true }) };
  const layers = thresholds.layers.filter((l) => l.node !== '(readout)' && built.has(l.site));
  const target = await annTargets(model, layers, calib, opts.batchSize ?? 64, run);
  const mode = opts.mode ?? 'bias';
  const vInit = opts.snnOptions?.vInit ?? DEFAULT_SNN_OPTIONS.vInit;
  const state: Corrections = {
    biases: new Map(layers.filter((l) => mode === 'bias' || l.bias).map((l) => [l.site, l.bias ? [...l.bias] : new Array<number>(l.channels).fill(0)])),
    v0s: new Map(layers.filter((l) => mode === 'potential' || l.v0).map((l) => [l.site, l.v0 ? [...l.v0] : new Array<number>(l.channels).fill(vInit)])),
  };
  const iterations = opts.iterations ?? 1;
  const joint = opts.schedule === 'joint';
  const steps = joint ? iterations : layers.length * iterations;
  let done = 0;
  const all = layers.map((_, i) => i);
  for (let it = 0; it < iterations; it++)
    for (const group of joint ? [all] : all.map((i) => [i])) {
      const rates = await snnRates(model, thresholds, layers, state, group, calib, T, opts);
      group.forEach((li, k) => correct(layers[li]!, target[li]!, rates[k]!, state, mode, T, levels));
      opts.onProgress?.({ phase: 'layer-calibration', done: ++done, total: steps, detail: `${mode} T=${T}` });
    }
  const tag = `${mode}@${T}${joint ? `×${iterations}j` : iterations > 1 ? `×${iterations}` : ''}`;
  return {
    ...thresholds,
    method: `${thresholds.method}+${tag}`,
    layers: thresholds.layers.map((l) => ({
      ...l,
      ...(state.biases.has(l.site) ? { bias: state.biases.get(l.site)! } : {}),
      ...(state.v0s.has(l.site) ? { v0: state.v0s.get(l.site)! } : {}),
    })),
  };
}
