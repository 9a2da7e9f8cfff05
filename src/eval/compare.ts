/**
 * ANN vs SNN on one dataset, batch by batch: the ANN (with its ReLU sites as extra outputs) and
 * the emitted SNN run on the same samples, so per-layer correlations between ANN activations and
 * SNN rates are accumulated without keeping activations of the whole dataset in memory.
 */
import { readSamples } from '../data/batches.js';
import type { Dataset } from '../data/types.js';
import { OrtSession, type Device } from '../engine/ort.js';
import type { Model } from '../graph/types.js';
import { buildSnn, type SnnModel } from '../snn/build.js';
import { simulateDataset, snnInfo, type SnnFileInfo } from '../snn/simulate.js';
import { simulateTfjs } from '../engine/tfjs.js';
import type { TfjsBackend } from '../engine/tfjs-ops.js';
import { inputSpec } from './ann.js';
import { accuracyOf, agreementOf, argmaxRows, inTopK } from './metrics.js';
import { opsPlan, SynopsCounter, type OpsReport } from './ops.js';
import type { ProgressFn } from './progress.js';

export interface CompareOptions {
  readonly timesteps: readonly number[];
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
  /**
   * The SNN description (`convert(...).snn`) used to count synaptic operations; when absent it is
   * rebuilt from the emitted file's metadata and the ANN.
   */
  readonly snn?: SnnModel;
  /** Count synaptic operations vs MACs (default true). */
  readonly ops?: boolean;
  /** (ANN activation, SNN rate·θ) pairs kept per layer for a scatter plot (default 400; 0: none). */
  readonly scatterPoints?: number;
  /** Engine that simulates the SNN: onnxruntime running the emitted file (default), or TensorFlow.js on `snn`. */
  readonly engine?: Engine;
  /** TensorFlow.js backend for engine 'tfjs' (default 'cpu'). */
  readonly tfjsBackend?: TfjsBackend;
}

export type Engine = 'onnxruntime' | 'tfjs';

export interface SnnAtT {
  readonly timesteps: number;
  readonly accuracy: number;
  readonly agreement: number;
  readonly predictions: Int32Array;
}

export interface LayerReport {
  readonly name: string;
  readonly site: string;
  readonly threshold: number | readonly number[];
  /** Spikes per neuron per time step at the largest T. */
  readonly spikeRate: number;
  /** Pearson correlation between ANN activations and SNN rates·θ (largest T). */
  readonly correlation: number;
  /** Neurons per sample. */
  readonly neurons: number;
  /** Share of neurons (over all samples) that never fire at the largest T. */
  readonly silent: number;
  /** Share of neurons that fire at every step (rate 1: the ANN activation is clipped at θ). */
  readonly saturated: number;
  /**
   * A uniform random sample (reservoir, fixed seed) of (ANN activation, SNN rate·θ) pairs among
   * the neurons where either is non-zero, at the largest T.
   */
  readonly scatter: { readonly ann: number[]; readonly snn: number[]; readonly nonzero: number; readonly total: number };
}

export interface CompareResult {
  readonly samples: number;
  readonly ann: { accuracy: number; top5: number; predictions: Int32Array };
  readonly snn: SnnAtT[];
  readonly layers: LayerReport[];
  /** Synaptic operations vs MACs per weighted layer, with the energy estimate (absent with ops: false). */
  readonly ops?: OpsReport;
}

/** Reservoir sampling (Algorithm R) with a fixed-seed xorshift generator: deterministic for a given stream. */
export class Reservoir {
  readonly ann: number[] = [];
  readonly snn: number[] = [];
  seen = 0;
  private state = 0x9e3779b9;
  constructor(readonly size: number) {}
  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
  add(a: number, b: number): void {
    if (this.size <= 0) return;
    this.seen++;
    if (this.ann.length < this.size) {
      this.ann.push(a);
      this.snn.push(b);
      return;
    }
    const j = Math.floor(this.next() * this.seen);
    if (j < this.size) {
      this.ann[j] = a;
      this.snn[j] = b;
    }
  }
}

/** Rebuilds the SNN structure (for operation counts) from an emitted file's metadata. */
function snnFromInfo(ann: Model, info: SnnFileInfo): SnnModel {
  const scales = new Map<string, number | readonly number[]>();
  for (const l of info.layers) scales.set(l.site.endsWith('__spikes') ? l.site.slice(0, -'__spikes'.length) : l.site, l.threshold);
  return buildSnn(ann, scales, { ...info.options, inputMax: info.input.max });
}

/** Streaming Pearson correlation. */
export class Pearson {
  n = 0;
  sx = 0;
  sy = 0;
  sxx = 0;
  syy = 0;
  sxy = 0;
  add(x: ArrayLike<number>, y: ArrayLike<number>, yScale = 1): void {
    for (let i = 0; i < x.length; i++) {
      const a = x[i]!;
      const b = y[i]! * yScale;
      this.n++;
      this.sx += a;
      this.sy += b;
      this.sxx += a * a;
      this.syy += b * b;
      this.sxy += a * b;
    }
  }
  get r(): number {
    const cov = this.sxy - (this.sx * this.sy) / this.n;
    const vx = this.sxx - (this.sx * this.sx) / this.n;
    const vy = this.syy - (this.sy * this.sy) / this.n;
    return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : vx === 0 && vy === 0 ? 1 : 0;
  }
}

export async function compareAnnSnn(ann: Model, snnModel: Model, ds: Dataset, opts: CompareOptions): Promise<CompareResult> {
  const info = snnInfo(snnModel);
  const { name, sampleDims } = inputSpec(ann, ds);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const outName = ann.graph.outputs[0]!.name;
  const sites = info.layers.map((l) => l.site).filter((s) => s !== info.readout.tensor && !s.endsWith('__spikes'));
  const annSession = await OrtSession.create(ann, { device: opts.device ?? 'cpu', extraOutputs: sites, ...(opts.threads ? { threads: opts.threads } : {}) });
  const T = Math.max(...opts.timesteps);
  const pearson = info.layers.map(() => new Pearson());
  const reservoirs = info.layers.map(() => new Reservoir(opts.scatterPoints ?? 400));
  const silent = info.layers.map(() => 0);
  const saturated = info.layers.map(() => 0);
  const counter = opts.ops === false ? undefined : new SynopsCounter(opsPlan(opts.snn ?? snnFromInfo(ann, info)), T);
  let logits: Float32Array | undefined;
  let K = 0;
  try {
    const onCounts = async (s: number, n: number, counts: readonly Float32Array[]): Promise<void> => {
      const x = await readSamples(ds, s, s + n);
      const r = await annSession.run({ [name]: { data: x, dims: [n, ...sampleDims] } }, [outName, ...sites]);
      const out = r[outName]!.data;
      if (!logits) {
        K = out.length / n;
        logits = new Float32Array(ds.count * K);
      }
      logits.set(out, s * K);
      counter?.addBatch(n, counts, x);
      info.layers.forEach((l, i) => {
        const c = counts[i]!;
        for (let j = 0; j < c.length; j++) {
          if (c[j] === 0) silent[i]!++;
          else if (c[j]! >= T) saturated[i]!++;
        }
        const act = r[l.site]?.data;
        if (!act) return;
        // rate·θ per neuron: counts/T times the (per-channel) threshold
        const th = l.threshold;
        const scaled = new Float32Array(c.length);
        if (typeof th === 'number') for (let j = 0; j < c.length; j++) scaled[j] = (c[j]! * th) / T;
        else {
          const inner = c.length / n / th.length;
          for (let j = 0; j < c.length; j++) scaled[j] = (c[j]! * th[Math.floor(j / inner) % th.length]!) / T;
        }
        pearson[i]!.add(act, scaled);
        const rs = reservoirs[i]!;
        for (let j = 0; j < c.length; j++) if (act[j] !== 0 || scaled[j] !== 0) rs.add(act[j]!, scaled[j]!);
      });
    };
    const common = {
      timesteps: opts.timesteps,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      onCounts,
    };
    const res =
      opts.engine === 'tfjs'
        ? await simulateTfjs(opts.snn ?? snnFromInfo(ann, info), ds, { ...common, ...(opts.tfjsBackend ? { backend: opts.tfjsBackend } : {}) })
        : await simulateDataset(snnModel, ds, { ...common, ...(opts.device ? { device: opts.device } : {}), ...(opts.threads ? { threads: opts.threads } : {}) });
    const annPred = argmaxRows(logits!, ds.count, K);
    const snn: SnnAtT[] = [...res.predictions].map(([t, p]) => ({ timesteps: t, accuracy: accuracyOf(p, ds.labels), agreement: agreementOf(p, annPred), predictions: p }));
    return {
      samples: ds.count,
      ann: { accuracy: accuracyOf(annPred, ds.labels), top5: inTopK(logits!, ds.count, K, ds.labels, 5) / ds.count, predictions: annPred },
      snn,
      layers: info.layers.map((l, i) => ({
        name: l.name,
        site: l.site,
        threshold: l.threshold,
        spikeRate: res.layerSpikes[i]! / (res.layerNeurons[i]! * ds.count * T),
        correlation: pearson[i]!.r,
        neurons: res.layerNeurons[i]!,
        silent: silent[i]! / Math.max(1, res.layerNeurons[i]! * ds.count),
        saturated: saturated[i]! / Math.max(1, res.layerNeurons[i]! * ds.count),
        scatter: { ann: reservoirs[i]!.ann, snn: reservoirs[i]!.snn, nonzero: reservoirs[i]!.seen, total: res.layerNeurons[i]! * ds.count },
      })),
      ...(counter ? { ops: counter.result() } : {}),
    };
  } finally {
    await annSession.release();
  }
}
