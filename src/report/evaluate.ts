/**
 * `evaluate`: the whole ANN-vs-SNN evaluation in one call (what `onnx2snn eval` runs): calibrate
 * (or take thresholds), convert, simulate the emitted file with onnxruntime next to the ANN,
 * count synaptic operations, record a spike raster of one sample with the reference simulator,
 * and diagnose the first layer whose correlation with the ANN is too low. Returns the plain JSON
 * record the report is drawn from. No printing; progress through `onProgress`.
 */
import type { ThresholdsFile } from '../../calibration/thresholds.js';
import type { Dataset } from '../data/types.js';
import type { Device } from '../engine/ort.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { compareAnnSnn, type Engine } from '../eval/compare.js';
import type { TfjsBackend } from '../engine/tfjs-ops.js';
import { DEFAULT_MIN_CORRELATION, diagnose } from '../eval/diagnose.js';
import type { ProgressFn } from '../util/progress.js';
import type { Model } from '../graph/types.js';
import { convert, resolveThresholds, type CalibrationMode, type RefineOptions } from '../pipeline.js';
import type { SnnModel } from '../snn/build.js';
import type { SnnOptions } from '../snn/types.js';
import type { RasterOptions } from './raster.js';
import { rasterTask, type RasterTask } from './raster-task.js';
import type { EngineChoiceRecord, EvalLayer, EvalRecord } from './types.js';
import type { EngineChoice } from '../engine/simulate.js';
import type { Arrangement } from '../snn/arrangement.js';

export const DEFAULT_TIMESTEPS: readonly number[] = [8, 16, 32, 64, 128, 256];

export interface EvaluateOptions {
  /** Time steps to score (default 8 … 256). */
  readonly timesteps?: readonly number[];
  /** Thresholds to use; otherwise `calib` is calibrated with `method`. */
  readonly thresholds?: ThresholdsFile;
  /** Where the thresholds came from (recorded). */
  readonly thresholdsPath?: string;
  readonly calib?: Dataset;
  readonly method?: string;
  /** 'auto' (default) or 'fixed' (src/pipeline.ts resolveThresholds). */
  readonly calibration?: CalibrationMode;
  /** The T auto calibration tunes for (default: the smallest of `timesteps`). */
  readonly targetTimesteps?: number;
  /** Seed of auto calibration's held-out split (default 0). */
  readonly calibrationSeed?: number;
  /** Conversion settings (defaults: DEFAULT_SNN_OPTIONS). */
  readonly snn?: Partial<SnnOptions>;
  readonly batchSize?: number;
  /** Calibration batch size (default 64). */
  readonly calibBatchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  /** SNN simulation engine: 'auto' (default, src/engine/registry.ts) or an engine id; for tfjs, its backend. */
  readonly engine?: Engine;
  readonly tfjsBackend?: TfjsBackend;
  /** Include per-sample predictions. */
  readonly predictions?: boolean;
  /** Correlation below which the diagnosis names a layer (default 0.95). */
  readonly minCorrelation?: number;
  /** Spike raster of one sample (default: sample 0, 3 layers, 48 neurons each); false: none. */
  readonly raster?: false | RasterOptions;
  /** Scatter points kept per layer (default 400). */
  readonly scatterPoints?: number;
  /** Post-conversion calibrations (layer-wise bias, fine-tuning) applied to the thresholds; need `calib`. */
  readonly refine?: Omit<RefineOptions, 'snn' | 'device' | 'threads' | 'onProgress'>;
  /**
   * The ANN to compare with (default `model`): e.g. an int8 model imported with
   * `activationQuant: 'keep'`, whose tensors carry the same names; calibration and conversion use `model`.
   */
  readonly annModel?: Model;
  /** Recorded as "model" (default: the model's source path). */
  readonly modelPath?: string;
  /** Recorded as "config". */
  readonly config?: unknown;
  /** Also record the counts and exact sums the figures come from ("parts", what `onnx2snn merge` adds up). */
  readonly parts?: boolean;
  readonly onProgress?: ProgressFn;
}

/** Op types that consume each neuron layer's spikes, and the op producing its input. */
function layerContext(snn: SnnModel): { from?: string; residual: boolean; feeds: string[] }[] {
  const plain = (op: string) => op.replace(/^Spiking/, '');
  return snn.layers.map((l) => {
    const prod = snn.nodes.find((n) => n.outputs.includes(l.input));
    const feeds = snn.nodes.filter((n) => n.inputs.includes(l.output)).map((n) => plain(n.opType));
    // a residual sum adds two time-varying branches (a bias Add has one)
    const residual = Boolean(prod && (prod.opType === 'Add' || prod.opType === 'Sum') && prod.inputs.filter((i) => snn.dynamic.has(i)).length >= 2);
    return { ...(prod ? { from: plain(prod.opType) } : {}), residual, feeds: [...new Set(feeds)] };
  });
}

/** The record's `engine`: the engine that ran (tfjs with its backend, as before engines were registered). */
function ranEngine(id: string, tfjsBackend?: string): string {
  return id === 'tfjs' ? `tfjs (${tfjsBackend ?? 'cpu'})` : id;
}

function engineChoiceRecord(c: EngineChoice, arrangement?: Arrangement): EngineChoiceRecord {
  return {
    requested: c.requested,
    reason: c.reason,
    ...(c.estimates ? { estimates: { ...c.estimates } } : {}),
    ...(arrangement
      ? {
          arrangement: {
            layerCounts: [...arrangement.layerCounts],
            stepsPerIteration: arrangement.stepsPerIteration,
            ...(arrangement.order ? { order: arrangement.order } : {}),
          },
        }
      : {}),
    ...(c.arrangement
      ? {
          measured: {
            ...c.arrangement,
            ...(c.arrangement.probeMs ? { probeMs: { ...c.arrangement.probeMs } } : {}),
            ...(c.arrangement.relative ? { relative: { ...c.arrangement.relative } } : {}),
            ...(c.arrangement.openMs ? { openMs: { ...c.arrangement.openMs } } : {}),
            ...(c.arrangement.finalists ? { finalists: [...c.arrangement.finalists] } : {}),
          },
        }
      : {}),
  };
}

/** The time steps to score, sorted and without repeats (default 8 … 256). */
function timestepsOf(asked: readonly number[] | undefined): number[] {
  const timesteps = [...new Set(asked ?? DEFAULT_TIMESTEPS)].sort((a, b) => a - b);
  if (!timesteps.length || timesteps.some((t) => !(Number.isInteger(t) && t >= 1))) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `timesteps: expected positive integers, got ${JSON.stringify(asked)}`, {
      option: 'timesteps',
      actual: asked,
    });
  }
  return timesteps;
}

/** The spike raster of one sample, started next to the simulation; undefined when none is asked for. */
async function startRaster(snn: SnnModel, test: Dataset, T: number, opts: EvaluateOptions): Promise<RasterTask | undefined> {
  if (opts.raster !== false && opts.raster?.layers !== 0) {
    const sample = opts.raster?.sample ?? 0;
    if (!(Number.isInteger(sample) && sample >= 0 && sample < test.count)) {
      throw new Onnx2SnnError(ErrorCodes.OPTION, `report.sample: the raster sample ${sample} is not one of the ${test.count} evaluated samples`, {
        option: 'report.sample',
        actual: sample,
      });
    }
    // drawn next to the simulation (raster-task.ts: a worker thread when it is large)
    return rasterTask(snn, test, T, { ...(opts.raster ?? {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  }
  return undefined;
}

/** The per-layer record: the comparison's figures, the calibration statistics and where the layer sits. */
function evalLayers(r: Awaited<ReturnType<typeof compareAnnSnn>>, thresholds: ThresholdsFile, snn: SnnModel): EvalLayer[] {
  const statsBySite = new Map(thresholds.layers.map((l) => [l.site, l.stats]));
  const ctx = layerContext(snn);
  const ctxBySite = new Map(snn.layers.map((l, i) => [l.output, ctx[i]!]));
  return r.layers.map((l) => {
    const st = statsBySite.get(l.site);
    const c = ctxBySite.get(l.site);
    return {
      name: l.name,
      site: l.site,
      threshold: typeof l.threshold === 'number' ? l.threshold : [...l.threshold],
      spikeRate: l.spikeRate,
      correlation: l.correlation,
      neurons: l.neurons,
      silent: l.silent,
      saturated: l.saturated,
      ...(st ? { stats: { max: st.max, p99: st.p99, p99_9: st.p99_9, p99_99: st.p99_99 } } : {}),
      ...(c?.from ? { from: c.from } : {}),
      ...(c?.residual ? { residual: true } : {}),
      ...(c ? { feeds: c.feeds } : {}),
      scatter: l.scatter,
    };
  });
}

/** The thresholds evaluate converts with: from the file given, or calibrated (src/pipeline.ts resolveThresholds). */
function thresholdsOf(model: Model, opts: EvaluateOptions, smallest: number, run: { device?: Device; threads?: number }): Promise<ThresholdsFile> {
  return resolveThresholds(model, {
    ...(opts.thresholds ? { thresholds: opts.thresholds } : {}),
    ...(opts.calib ? { calib: opts.calib } : {}),
    ...(opts.calibration ? { calibration: opts.calibration } : {}),
    ...(opts.method ? { method: opts.method } : {}),
    ...(opts.refine ? { refine: opts.refine } : {}),
    targetTimesteps: opts.targetTimesteps ?? smallest,
    ...(opts.calibrationSeed !== undefined ? { calibrationSeed: opts.calibrationSeed } : {}),
    snn: opts.snn ?? {},
    batchSize: opts.calibBatchSize ?? 64,
    ...run,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.modelPath ? { modelPath: opts.modelPath } : {}),
  });
}

export async function evaluate(model: Model, test: Dataset, opts: EvaluateOptions = {}): Promise<EvalRecord> {
  const t0 = performance.now();
  const timesteps = timestepsOf(opts.timesteps);
  const run = { ...(opts.device ? { device: opts.device } : {}), ...(opts.threads ? { threads: opts.threads } : {}) };
  const thresholds = await thresholdsOf(model, opts, timesteps[0]!, run);
  const t1 = performance.now();
  const { snn, onnx } = convert(model, thresholds, opts.snn ?? {});
  const t2 = performance.now();
  const T = timesteps[timesteps.length - 1]!;
  const rasterJob = await startRaster(snn, test, T, opts);
  let r: Awaited<ReturnType<typeof compareAnnSnn>>;
  try {
    r = await compareAnnSnn(opts.annModel ?? model, onnx, test, {
      timesteps,
      snn,
      ...(opts.engine ? { engine: opts.engine } : {}),
      ...(opts.tfjsBackend ? { tfjsBackend: opts.tfjsBackend } : {}),
      ...run,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.scatterPoints !== undefined ? { scatterPoints: opts.scatterPoints } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  } catch (e) {
    rasterJob?.cancel();
    throw e;
  }
  const t3 = performance.now();
  const raster = await rasterJob?.result;
  const t4 = performance.now();
  const layers = evalLayers(r, thresholds, snn);
  const last = r.snn.find((s) => s.timesteps === T);
  // the readout neurons of --readout spikes have no ANN activation to compare with
  const compared = layers.filter((l) => l.site !== snn.readout);
  const diagnosis = diagnose({
    layers: compared,
    timesteps: T,
    annAccuracy: r.ann.accuracy,
    ...(last ? { snnAccuracy: last.accuracy } : {}),
    method: thresholds.method,
    encoding: snn.options.encoding,
    minCorrelation: opts.minCorrelation ?? DEFAULT_MIN_CORRELATION,
  });
  return {
    model: opts.modelPath ?? model.source ?? '',
    dataset: test.source,
    samples: test.count,
    engine: ranEngine(r.engine?.engine ?? opts.engine ?? 'onnxruntime', opts.tfjsBackend),
    ...(r.engine ? { engineChoice: engineChoiceRecord(r.engine, r.arrangement) } : {}),
    device: opts.device ?? 'cpu',
    ann: { accuracy: r.ann.accuracy, top5: r.ann.top5, ...(opts.predictions ? { predictions: Array.from(r.ann.predictions) } : {}) },
    snn: r.snn.map((s) => ({
      timesteps: s.timesteps,
      accuracy: s.accuracy,
      agreement: s.agreement,
      ...(opts.predictions ? { predictions: Array.from(s.predictions) } : {}),
    })),
    layers,
    ops: r.ops!,
    ...(raster ? { raster } : {}),
    diagnosis,
    conversion: {
      ...snn.options,
      method: thresholds.method,
      calibration: thresholds.calibration,
      inputMax: thresholds.input.max,
      ...(thresholds.auto ? { auto: thresholds.auto } : {}),
      ...(opts.thresholdsPath ? { thresholds: opts.thresholdsPath } : {}),
    },
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.parts ? { parts: { ...r.parts, readout: snn.readout } } : {}),
    seconds: {
      calibrate: (t1 - t0) / 1000,
      convert: (t2 - t1) / 1000,
      simulate: (t3 - t2) / 1000,
      raster: (t4 - t3) / 1000,
      total: (performance.now() - t0) / 1000,
    },
  };
}
