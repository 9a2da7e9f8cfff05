/**
 * ANN vs SNN on one dataset, batch by batch: the ANN (with its ReLU sites as extra outputs) and
 * the emitted SNN run on the same samples, so per-layer correlations between ANN activations and
 * SNN rates are accumulated without keeping activations of the whole dataset in memory.
 */
import type { Dataset } from '../data/types.js';
import { OrtSession, type Device } from '../engine/ort.js';
import type { Model } from '../graph/types.js';
import { simulateDataset, snnInfo } from '../snn/simulate.js';
import { inputSpec } from './ann.js';
import { accuracyOf, agreementOf, argmaxRows, inTopK } from './metrics.js';
import type { ProgressFn } from './progress.js';

export interface CompareOptions {
  readonly timesteps: readonly number[];
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
}

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
}

export interface CompareResult {
  readonly samples: number;
  readonly ann: { accuracy: number; top5: number; predictions: Int32Array };
  readonly snn: SnnAtT[];
  readonly layers: LayerReport[];
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
  let logits: Float32Array | undefined;
  let K = 0;
  try {
    const res = await simulateDataset(snnModel, ds, {
      timesteps: opts.timesteps,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.device ? { device: opts.device } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      onCounts: async (s, n, counts) => {
        const r = await annSession.run({ [name]: { data: ds.x.subarray(s * per, (s + n) * per), dims: [n, ...sampleDims] } }, [outName, ...sites]);
        const out = r[outName]!.data;
        if (!logits) {
          K = out.length / n;
          logits = new Float32Array(ds.count * K);
        }
        logits.set(out, s * K);
        info.layers.forEach((l, i) => {
          const act = r[l.site]?.data;
          if (!act) return;
          // rate·θ per neuron: counts/T times the (per-channel) threshold
          const th = l.threshold;
          if (typeof th === 'number') pearson[i]!.add(act, counts[i]!, th / T);
          else {
            const c = counts[i]!;
            const inner = c.length / n / th.length;
            const scaled = new Float32Array(c.length);
            for (let j = 0; j < c.length; j++) scaled[j] = (c[j]! * th[Math.floor(j / inner) % th.length]!) / T;
            pearson[i]!.add(act, scaled);
          }
        });
      },
    });
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
      })),
    };
  } finally {
    await annSession.release();
  }
}
