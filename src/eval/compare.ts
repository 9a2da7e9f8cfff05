/**
 * ANN vs SNN on one dataset, batch by batch: the ANN (with its ReLU sites as extra outputs) and
 * the emitted SNN run on the same samples, so per-layer correlations between ANN activations and
 * SNN rates are accumulated without keeping activations of the whole dataset in memory.
 */
import { neuronKind } from '../../converters/neurons/index.js';
import { readSamples } from '../data/batches.js';
import type { Dataset } from '../data/types.js';
import { OrtSession, type Device } from '../engine/ort.js';
import type { Model } from '../graph/types.js';
import { buildSnn, type SnnModel } from '../snn/build.js';
import { simulateDataset, snnInfo, type EngineChoice, type SnnFileInfo } from '../engine/simulate.js';
import type { Arrangement } from '../snn/arrangement.js';
import type { TfjsBackend } from '../engine/tfjs-ops.js';
import { inputSpec } from '../engine/input.js';
import { argmaxRows, inTopK } from '../util/metrics.js';
import { opsPlan, SynopsCounter, type OpsReport } from './ops.js';
import { LayerAccumulator } from './accumulate.js';
import { fraction, type CompareParts } from './parts.js';
import type { ProgressFn } from '../util/progress.js';

export { Pearson } from './pearson.js';

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
  /** Engine that simulates the SNN: 'auto' (default: the fastest estimate, src/engine/registry.ts) or an engine id. */
  readonly engine?: Engine;
  /** TensorFlow.js backend for engine 'tfjs' (default 'cpu'). */
  readonly tfjsBackend?: TfjsBackend;
}

/** 'auto' or a registered engine id (src/engine/registry.ts: engineIds()). */
export type Engine = string;

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
   * A uniform random sample (bottom-k on a fixed hash of each neuron's global id, src/eval/sample.ts)
   * of (ANN activation, SNN rate·θ) pairs among the neurons where either is non-zero, at the largest T.
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
  /** The counts and exact sums the figures above are computed from (what shards merge). */
  readonly parts: CompareParts;
  /** The engine that simulated and why. */
  readonly engine?: EngineChoice;
  /** The emitted file's arrangement, when the engine that ran is onnxruntime on a file that records it. */
  readonly arrangement?: Arrangement;
}

const countEqual = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) c++;
  return c;
};

/** Rebuilds the SNN structure (for operation counts) from an emitted file's metadata. */
function snnFromInfo(ann: Model, info: SnnFileInfo): SnnModel {
  const scales = new Map<string, number | readonly number[]>();
  for (const l of info.layers) scales.set(l.site.endsWith('__spikes') ? l.site.slice(0, -'__spikes'.length) : l.site, l.threshold);
  // a file written before linear sites existed passed them analog
  return buildSnn(ann, scales, { ...info.options, linear: info.options.linear ?? 'analog', inputMax: info.input.max });
}

export async function compareAnnSnn(ann: Model, snnModel: Model, ds: Dataset, opts: CompareOptions): Promise<CompareResult> {
  const info = snnInfo(snnModel);
  const { name, sampleDims } = inputSpec(ann, ds);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const outName = ann.graph.outputs[0]!.name;
  const sites = info.layers.map((l) => l.site).filter((s) => s !== info.readout.tensor && !s.endsWith('__spikes'));
  const annSession = await OrtSession.create(ann, { device: opts.device ?? 'cpu', extraOutputs: sites, ...(opts.threads ? { threads: opts.threads } : {}) });
  const T = Math.max(...opts.timesteps);
  const perStep = neuronKind(info.options.neuron).levels?.(info.options) ?? 1;
  const acc = info.layers.map((l) => new LayerAccumulator(T, l.threshold, opts.scatterPoints ?? 400, T * perStep));
  const counter = opts.ops === false ? undefined : new SynopsCounter(opsPlan(opts.snn ?? snnFromInfo(ann, info)), T);
  let logits: Float32Array | undefined;
  let K = 0;
  try {
    const onCounts = async (s: number, n: number, counts: readonly Float32Array[], events?: readonly (Float32Array | undefined)[]): Promise<void> => {
      const x = await readSamples(ds, s, s + n);
      const r = await annSession.run({ [name]: { data: x, dims: [n, ...sampleDims] } }, [outName, ...sites]);
      const out = r[outName]!.data;
      if (!logits) {
        K = out.length / n;
        logits = new Float32Array(ds.count * K);
      }
      logits.set(out, s * K);
      counter?.addBatch(n, counts, x, events);
      info.layers.forEach((l, i) => acc[i]!.add((ds.offset ?? 0) + s, n, counts[i]!, r[l.site]?.data as ArrayLike<number> | undefined));
    };
    let described: SnnModel | undefined;
    const res = await simulateDataset(snnModel, ds, {
      timesteps: opts.timesteps,
      engine: opts.engine ?? 'auto',
      snn: () => (described ??= opts.snn ?? snnFromInfo(ann, info)),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.device ? { device: opts.device } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.tfjsBackend ? { tfjsBackend: opts.tfjsBackend } : {}),
      onCounts,
    });
    const N = ds.count;
    const annPred = argmaxRows(logits!, N, K);
    const annCorrect = countEqual(annPred, ds.labels);
    const top5 = inTopK(logits!, N, K, ds.labels, 5);
    const snnParts = [...res.predictions].map(([t, p]) => ({ timesteps: t, correct: countEqual(p, ds.labels), agree: countEqual(p, annPred) }));
    const snn: SnnAtT[] = snnParts.map((c) => ({
      timesteps: c.timesteps,
      accuracy: fraction(c.correct, N),
      agreement: fraction(c.agree, N),
      predictions: res.predictions.get(c.timesteps)!,
    }));
    const layers = info.layers.map((l, i) => acc[i]!.finish(l, res.layerSpikes[i]!, res.layerNeurons[i]!, N));
    return {
      samples: N,
      ann: { accuracy: fraction(annCorrect, N), top5: fraction(top5, N), predictions: annPred },
      snn,
      layers: layers.map((l) => l.report),
      ...(counter
        ? {
            ops: {
              ...counter.result(),
              ...('synops' in res && typeof res.synops === 'number' ? { counted: { engine: res.engine?.engine ?? 'events', synops: res.synops / N } } : {}),
            },
          }
        : {}),
      parts: {
        samples: N,
        scatterPoints: opts.scatterPoints ?? 400,
        ann: { correct: annCorrect, top5 },
        snn: snnParts,
        layers: layers.map((l) => l.parts),
        ...(counter ? { ops: counter.parts() } : {}),
      },
      ...(res.engine ? { engine: res.engine } : {}),
      ...(res.arrangement && res.engine?.engine === 'onnxruntime' ? { arrangement: res.arrangement } : {}),
    };
  } finally {
    await annSession.release();
  }
}
