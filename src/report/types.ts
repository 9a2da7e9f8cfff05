/**
 * The record of one ANN-vs-SNN evaluation: what `onnx2snn eval --json` writes and what the HTML
 * report and the charts are drawn from (`onnx2snn report run.json` re-renders a saved one).
 * Plain JSON (numbers, strings, arrays): no typed arrays.
 */
import type { AutoChoice } from '../../calibration/auto.js';
import type { Diagnosis } from '../eval/diagnose.js';
import type { OpsReport } from '../eval/ops.js';
import type { CompareParts } from '../eval/parts.js';
import type { SnnOptions } from '../snn/types.js';

export interface EvalLayer {
  readonly name: string;
  /** The former ReLU output tensor. */
  readonly site: string;
  /** θ (= λ): one value, or one per channel. */
  readonly threshold: number | number[];
  /** Spikes per neuron per time step at the largest T. */
  readonly spikeRate: number;
  /** Pearson r between ANN activations and SNN rates·θ at the largest T. */
  readonly correlation: number;
  /** Neurons per sample. */
  readonly neurons?: number;
  /** Share of neurons that never fire (largest T). */
  readonly silent?: number;
  /** Share of neurons that fire at every step (largest T). */
  readonly saturated?: number;
  /** Calibration statistics of the layer (from the thresholds). */
  readonly stats?: { readonly max: number; readonly p99: number; readonly p99_9: number; readonly p99_99: number };
  /** Op type producing the layer's input current. */
  readonly from?: string;
  /** True when its input is a residual sum of two time-varying branches. */
  readonly residual?: boolean;
  /** Op types consuming its spikes. */
  readonly feeds?: string[];
  /** Sampled (ANN activation, SNN rate·θ) pairs among the neurons where either is non-zero. */
  readonly scatter?: { readonly ann: number[]; readonly snn: number[]; readonly nonzero: number; readonly total: number };
}

export interface RasterLayer {
  readonly name: string;
  /** Neurons in the layer (one sample). */
  readonly neurons: number;
  /** Neurons that fire at least once. */
  readonly active: number;
  /** Indices (within the sample) of the neurons shown, ascending. */
  readonly shown: number[];
  /** For each shown neuron, the steps (1-based) at which it fires. */
  readonly times: number[][];
}

export interface Raster {
  /** Index of the sample in the evaluated dataset (after --offset). */
  readonly sample: number;
  readonly label: number;
  /** Class read out by the SNN after `timesteps` steps. */
  readonly prediction: number;
  readonly timesteps: number;
  /** How it was obtained. */
  readonly source: 'reference-simulator';
  readonly layers: RasterLayer[];
}

export interface EngineChoiceRecord {
  /** 'auto' or the engine id given. */
  readonly requested: string;
  readonly reason: string;
  /** --engine auto: each candidate's estimated time relative to onnxruntime running the file (1). */
  readonly estimates?: Record<string, number>;
  /** onnxruntime: per layer where its count comes from, and the time steps per Loop iteration (src/snn/arrangement.ts). */
  readonly arrangement?: { readonly layerCounts: string[]; readonly stepsPerIteration: number; readonly order?: string };
  /** --engine auto on onnxruntime: the arrangement candidate that ran, why, and each candidate's probe time (src/engine/arrangement-probe.ts). */
  readonly measured?: {
    readonly id: string;
    readonly reason: string;
    readonly probeMs?: Record<string, number>;
    readonly relative?: Record<string, number>;
    readonly finalists?: readonly string[];
    readonly costMs?: number;
    readonly openMs?: Record<string, number>;
  };
}

export interface EvalRecord {
  readonly model: string;
  readonly dataset: string;
  readonly samples: number;
  /** Image folders with --skip-bad: the files left out and why (not counted in `samples`). */
  readonly skipped?: { readonly count: number; readonly files: readonly { readonly file: string; readonly reason: string }[] };
  readonly engine: string;
  /** How `engine` was chosen (--engine auto: the estimates compared) and, for onnxruntime, the emitted file's arrangement. */
  readonly engineChoice?: EngineChoiceRecord;
  readonly device: string;
  readonly ann: { readonly accuracy: number; readonly top5: number; readonly predictions?: number[] };
  readonly snn: { readonly timesteps: number; readonly accuracy: number; readonly agreement: number; readonly predictions?: number[] }[];
  readonly layers: EvalLayer[];
  /** Synaptic operations vs MACs per weighted layer and the energy estimate. */
  readonly ops: OpsReport;
  /** A spike raster of one sample for a few layers. */
  readonly raster?: Raster;
  readonly diagnosis: Diagnosis;
  readonly conversion: SnnOptions & {
    readonly method: string;
    readonly calibration: { readonly data: string; readonly samples: number };
    readonly inputMax?: number;
    readonly thresholds?: string;
    /** How `--calibration auto` chose the thresholds ("why this setting"). */
    readonly auto?: AutoChoice;
  };
  /** The resolved configuration of the run (see `onnx2snn.config.schema.json`). */
  readonly config?: unknown;
  /**
   * Shard records only: the counts and exact sums the figures come from, and the readout tensor
   * (left out of the diagnosis), so that `onnx2snn merge` recomputes every figure exactly.
   */
  readonly parts?: CompareParts & { readonly readout: string };
  readonly seconds: Record<string, number>;
}
