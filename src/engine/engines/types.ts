/**
 * An SNN engine: one way of simulating a converted network over a dataset. Each engine is one
 * file in src/engine/engines/ and one line in src/engine/registry.ts; `--engine auto` (the
 * default) asks every available engine for an estimate and runs the fastest. Whatever runs, spike
 * counts and readouts must be those of the emitted file run by onnxruntime (each engine's test
 * compares them), so accuracy tables do not depend on the choice.
 */
import type { Dataset } from '../../data/types.js';
import type { Model } from '../../graph/types.js';
import type { SnnModel } from '../../snn/build.js';
import type { ProgressFn } from '../../util/progress.js';
import type { Device, OrtSession, OrtTuning } from '../ort.js';
import type { SnnFileInfo, SnnRunResult } from '../snn-file.js';
import type { TfjsBackend } from '../tfjs-ops.js';

/** What an engine can run: the emitted file and, when the caller has the ANN, the SNN description. */
export interface EngineInput {
  /** The emitted SNN (`convert(...).onnx` or a `.snn.onnx` file). */
  readonly file: Model;
  readonly info: SnnFileInfo;
  /** The SNN description (`convert(...).snn`), built on first call; absent when only the file is known. */
  readonly snn?: () => SnnModel;
}

export interface EngineRunOptions {
  /** Time steps at which to score (the largest is simulated). */
  readonly timesteps: readonly number[];
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  /** TensorFlow.js backend for the tfjs engine (default 'cpu'). */
  readonly tfjsBackend?: TfjsBackend;
  /** An open onnxruntime session on the file (the onnxruntime engine reuses it; not released). */
  readonly session?: OrtSession;
  readonly onProgress?: ProgressFn;
  /**
   * Called with each batch's per-neuron spike counts (aligned with info.layers) and, for layers
   * with signed spikes, their events of either sign (undefined for the others, or where an engine
   * does not record them).
   */
  readonly onCounts?: (start: number, n: number, counts: readonly Float32Array[], events?: readonly (Float32Array | undefined)[]) => void | Promise<void>;
  /** onnxruntime session settings (src/engine/arrangements.ts; results do not depend on them). */
  readonly tuning?: OrtTuning;
  /**
   * `--engine auto`'s timed probe of arrangements (src/engine/arrangement-probe.ts): 'auto'
   * (default) when the run is long enough to pay for it, 'always', or 'off'.
   */
  readonly arrangementProbe?: 'auto' | 'always' | 'off';
  /** Keep the readout (the summed output current, ≈ T·logits) of every sample at each requested T in `readouts` (onnxruntime). */
  readonly keepReadouts?: boolean;
}

/** What `--engine auto` gives an engine to estimate its speed from. */
export interface ChoiceContext {
  readonly input: EngineInput;
  readonly opts: EngineRunOptions;
  /**
   * Spikes per neuron per time step of each layer (aligned with info.layers), from a short probe:
   * onnxruntime runs the file on the dataset's first samples for a few steps. Computed on the
   * first call only, so engines that decide from layer shapes alone cost nothing.
   */
  spikeRates(): Promise<readonly number[]>;
  /**
   * The lowest estimate so far (1 for onnxruntime, which is asked first): an engine whose estimate
   * cannot go below it answers without a probe, so auto costs nothing on models it cannot win.
   */
  bestSoFar(): number;
}

export interface SnnEngine {
  /** The `--engine` value. */
  readonly id: string;
  /** One line for help texts and the README. */
  readonly summary: string;
  /** Why this engine cannot run this input with these options (undefined: it can). */
  unavailable(input: EngineInput, opts: EngineRunOptions): string | undefined;
  /**
   * For `--engine auto`: the estimated time of the run relative to onnxruntime running the file
   * (1), from layer shapes and, where needed, `ctx.spikeRates()`; undefined: never chosen
   * automatically (a reference implementation, not a fast one).
   */
  estimate?(ctx: ChoiceContext): number | undefined | Promise<number | undefined>;
  simulate(input: EngineInput, ds: Dataset, opts: EngineRunOptions): Promise<SnnRunResult>;
}
