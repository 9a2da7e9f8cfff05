/**
 * The library's main entry points, in the order a user needs them:
 * loadModel → calibrate → convert → evaluate (or simulate an emitted file).
 * No printing; progress through callbacks; typed results.
 */
import { autoCalibrate, type AutoChoice, type AutoScore } from '../calibration/auto.js';
import { collectStatistics } from '../calibration/collect.js';
import { calibrateLayerwise } from '../calibration/layerwise.js';
import { parseMethod } from '../calibration/registry.js';
import { applyQuantizationRanges, QUANTIZATION_METHOD } from '../calibration/quantization.js';
import { linearCalibrationSites, reluSites, type SiteInfo } from '../calibration/sites.js';
import { buildThresholds, modelHash, scalesBySite, validateThresholds, type ThresholdsFile } from '../calibration/thresholds.js';
import { inMemory } from './data/batches.js';
import { ErrorCodes, Onnx2SnnError } from './errors.js';
import type { Dataset } from './data/types.js';
import type { Device } from './engine/ort.js';
import type { ProgressFn } from './util/progress.js';
import { topoSort } from './graph/graph.js';
import { inferShapes } from './graph/infer.js';
import { canonicalize, type ImportOptions } from './graph/passes/index.js';
import type { Model } from './graph/types.js';
import { loadOnnxFile } from './onnx/read.js';
import { buildSnn, resolveSnnOptions, type SnnModel } from './snn/build.js';
import { emitOnnx } from './snn/emit.js';
import { prepareForConversion, readoutTensor } from './snn/prepare.js';
import { DEFAULT_SNN_OPTIONS, type SnnOptions } from './snn/types.js';

/** The default normalisation method (chosen by measurement, see README "Choosing the method"). */
export const DEFAULT_METHOD = 'percentile:99.9';

/**
 * Reads an ONNX file and applies the import passes and the conversion rewrites. An int8 model's
 * activation rounding is dropped by default (the real-valued graph the SNN approximates);
 * `activationQuant: 'keep'` emulates it (the int8 network's own predictions, for ANN evaluation).
 */
export function loadModel(path: string, opts: ImportOptions = {}): Model {
  return prepareForConversion(canonicalize(loadOnnxFile(path), opts));
}

/** Calibration sites: the ReLU outputs, the linear sites (|a|, for --linear bipolar), plus the readout tensor (used by --readout spikes). */
export function calibrationSites(model: Model): SiteInfo[] {
  // in graph order, so that layer-wise calibration corrects the layers from input to output
  const at = new Map(topoSort(model.graph).map((n, i) => [n.outputs[0], i]));
  const sites = [...reluSites(model), ...linearCalibrationSites(model)].sort((a, b) => at.get(a.site)! - at.get(b.site)!);
  const ro = readoutTensor(model).tensor;
  const dims = inferShapes(model, { batch: 1 }).values.get(ro)?.dims ?? [];
  return [...sites, { site: ro, node: '(readout)', channels: dims.length >= 2 ? dims[1]! : 1, dims: dims.slice(1) }];
}

export interface CalibrateOptions {
  readonly method?: string;
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
  /** Recorded in the thresholds file. */
  readonly modelPath?: string;
}

/**
 * Activation statistics on calibration data → thresholds (scales λ per ReLU site). With
 * `method: 'quantization-range'`, sites of an imported int8 model take λ from their quantization
 * range instead (calibration/quantization.ts); the statistics are still collected and recorded.
 */
export async function calibrate(model: Model, calib: Dataset, opts: CalibrateOptions = {}): Promise<ThresholdsFile> {
  const fromRanges = opts.method === QUANTIZATION_METHOD;
  const method = parseMethod(fromRanges ? DEFAULT_METHOD : (opts.method ?? DEFAULT_METHOD));
  const file = (await calibrator(model, calib, method.method.channelwise, opts))(method.spec);
  return fromRanges ? applyQuantizationRanges(model, file) : file;
}

/** Collects the statistics once; the returned function builds the thresholds of any method from them. */
async function calibrator(model: Model, calib: Dataset, channelwise: boolean, opts: CalibrateOptions): Promise<(method: string) => ThresholdsFile> {
  const sites = calibrationSites(model);
  const stats = await collectStatistics(
    model,
    calib,
    sites.map((s) => s.site),
    {
      channelwise,
      absSites: sites.filter((s) => s.linear).map((s) => s.site),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.device ? { device: opts.device } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
  );
  return (method) => buildThresholds(model, stats, method, { model: opts.modelPath ?? model.source ?? '', data: calib.source, samples: calib.count, sites });
}

export interface RefineOptions {
  /** Layer-wise bias calibration (Li et al. 2021) tuned for this many steps. */
  readonly biasCalibration?: number;
  /** Layer-wise calibration of the initial membrane potential per channel, tuned for this many steps. */
  readonly potentialCalibration?: number;
  /** Fine-tune polynomial neurons with a surrogate gradient at this many steps. */
  readonly finetune?: {
    readonly timesteps: number;
    readonly epochs?: number;
    readonly samples?: number;
    readonly seed?: number;
    readonly learningRate?: number;
  };
  readonly snn?: Partial<SnnOptions>;
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
}

/**
 * The post-conversion calibrations, in order: layer-wise bias calibration, potential calibration, then fine-tuning of
 * polynomial neurons. Both run on the calibration data and return a new thresholds file.
 */
export async function refineThresholds(model: Model, thresholds: ThresholdsFile, calib: Dataset, opts: RefineOptions): Promise<ThresholdsFile> {
  let t = thresholds;
  const run = {
    ...(opts.device ? { device: opts.device } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  if (opts.biasCalibration) {
    t = await calibrateLayerwise(model, t, calib, {
      timesteps: opts.biasCalibration,
      ...(opts.snn ? { snnOptions: opts.snn } : {}),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...run,
    });
  }
  if (opts.potentialCalibration) {
    t = await calibrateLayerwise(model, t, calib, {
      timesteps: opts.potentialCalibration,
      mode: 'potential',
      ...(opts.snn ? { snnOptions: opts.snn } : {}),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...run,
    });
  }
  if (opts.finetune) {
    const f = opts.finetune;
    const train = await inMemory(calib, f.samples ?? calib.count);
    // TensorFlow.js (about a second to import) is loaded only when fine-tuning runs
    const { finetuneNeurons } = await import('../calibration/finetune.js');
    t = (
      await finetuneNeurons(model, t, train, opts.snn ?? {}, {
        timesteps: f.timesteps,
        ...(f.epochs ? { epochs: f.epochs } : {}),
        ...(f.seed !== undefined ? { seed: f.seed } : {}),
        ...(f.learningRate ? { learningRate: f.learningRate } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      })
    ).thresholds;
  }
  return t;
}

/** Checks that a thresholds file belongs to this model. */
export function checkThresholdsFor(model: Model, file: ThresholdsFile, path?: string): void {
  validateThresholds(file, calibrationSites(model), { modelHash: modelHash(model), ...(path ? { path } : {}) });
}

export interface ConvertResult {
  readonly snn: SnnModel;
  /** The standard ONNX model (Loop over time) to write or run. */
  readonly onnx: Model;
}

/** Thresholds + settings → SNN (description and emitted ONNX). */
export function convert(model: Model, thresholds: ThresholdsFile, options: Partial<SnnOptions> = {}): ConvertResult {
  const scales = new Map<string, number | readonly number[]>();
  for (const [k, v] of scalesBySite(thresholds)) scales.set(k, typeof v === 'number' ? v : Array.from(v));
  // a file auto fitted for bursts converts with them, unless the caller names a neuron: burst
  // neurons where the network's default is IF, signed bursts where it is signed (resolveSnnOptions)
  const chosen = thresholds.burst !== undefined && options.neuron === undefined && options.burst === undefined ? { burst: thresholds.burst } : {};
  const opts = resolveSnnOptions(model, { ...options, ...chosen });
  const biases = new Map<string, readonly number[]>();
  const polys = new Map<string, { poly: readonly number[]; gain: number }>();
  const v0s = new Map<string, readonly number[]>();
  for (const l of thresholds.layers) {
    if (l.bias) biases.set(l.site, l.bias);
    if (l.v0) v0s.set(l.site, l.v0);
    if (l.poly && opts.neuron === 'poly') polys.set(l.site, { poly: l.poly, gain: l.gain ?? 1 });
  }
  const snn = buildSnn(model, scales, { ...opts, inputMax: thresholds.input.max, biases, v0s, polys });
  const onnx = emitOnnx(snn, {
    extra: {
      'onnx2snn.calibration': JSON.stringify({ method: thresholds.method, data: thresholds.calibration.data, samples: thresholds.calibration.samples }),
      'onnx2snn.source': thresholds.model,
    },
  });
  return { snn, onnx };
}

/** 'auto': chosen by measurement (calibration/auto.ts); 'fixed': the method and refinements as given (default percentile:99.9, none). */
export type CalibrationMode = 'auto' | 'fixed';

export interface ResolveOptions {
  /** Thresholds read from a file: used as they are (then refined when `refine` asks for it). */
  readonly thresholds?: ThresholdsFile;
  readonly calib?: Dataset;
  /** Default 'auto'; auto applies only when no method, refinement or thresholds file is given. */
  readonly calibration?: CalibrationMode;
  readonly method?: string;
  readonly refine?: Omit<RefineOptions, 'snn' | 'device' | 'threads' | 'onProgress' | 'batchSize'>;
  /** The T auto tunes for (required when auto runs). */
  readonly targetTimesteps?: number;
  /** Seed of auto's held-out split (default 0). */
  readonly calibrationSeed?: number;
  /** How auto ranks its candidates (default DEFAULT_AUTO_SCORE, calibration/auto.ts). */
  readonly autoScore?: AutoScore;
  /** Most MAC·steps one layer-wise fit may cost for auto to try it (default AUTO_LAYERWISE_BUDGET, calibration/auto-budget.ts). */
  readonly autoLayerwiseBudget?: number;
  readonly snn?: Partial<SnnOptions>;
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
  readonly modelPath?: string;
}

/** True when `resolveThresholds` with these options runs the auto search. */
export function usesAuto(o: Pick<ResolveOptions, 'thresholds' | 'calibration' | 'method' | 'refine'>): boolean {
  const r = o.refine;
  return (o.calibration ?? 'auto') === 'auto' && !o.thresholds && !o.method && !(r && (r.biasCalibration || r.potentialCalibration || r.finetune));
}

/**
 * The one place that decides where the thresholds come from (what `calibrate`, `convert`, `eval`
 * and `evaluate` call): a thresholds file, else calibration data with the auto search or the
 * fixed method; then the refinements asked for. E_OPTION when calibration data is needed and missing.
 */
export async function resolveThresholds(model: Model, opts: ResolveOptions): Promise<ThresholdsFile> {
  const r = opts.refine ?? {};
  const refining = Boolean(r.biasCalibration || r.potentialCalibration || r.finetune);
  if (opts.thresholds && !refining) return opts.thresholds;
  if (!opts.calib) {
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      refining
        ? 'calibration: bias/potential calibration and fine-tuning need calibration data'
        : 'calibration: SNN conversion needs calibration data or thresholds',
      { option: 'calib' },
    );
  }
  const run = {
    ...(opts.device ? { device: opts.device } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  const common = { batchSize: opts.batchSize ?? 64, ...run, ...(opts.modelPath ? { modelPath: opts.modelPath } : {}) };
  if (usesAuto(opts)) {
    const T = opts.targetTimesteps;
    if (!(Number.isInteger(T) && T! >= 1))
      throw new Onnx2SnnError(ErrorCodes.OPTION, `--target-timesteps ${String(T)}: auto calibration needs a positive integer number of steps`, {
        option: 'target-timesteps',
        actual: T,
      });
    const make = await calibrator(model, opts.calib, true, common);
    const snn = opts.snn ?? {};
    const ctx = { thresholdsFor: make, toOnnx: (t: ThresholdsFile) => convert(model, t, snn).onnx };
    return (
      await autoCalibrate(model, opts.calib, ctx, {
        timesteps: T!,
        seed: opts.calibrationSeed ?? 0,
        snnOptions: snn,
        ...(opts.autoScore ? { score: opts.autoScore } : {}),
        ...(opts.autoLayerwiseBudget !== undefined ? { layerwiseBudget: opts.autoLayerwiseBudget } : {}),
        ...common,
      })
    ).thresholds;
  }
  const t = opts.thresholds ?? (await calibrate(model, opts.calib, { ...(opts.method ? { method: opts.method } : {}), ...common }));
  return refining ? refineThresholds(model, t, opts.calib, { ...r, snn: opts.snn ?? {}, ...common }) : t;
}

export type { AutoChoice };
