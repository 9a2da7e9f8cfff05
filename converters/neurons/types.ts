/**
 * The project's own neuron ops (domain onnx2snn): a neuron kind is one file in this folder that
 * says how its layer integrates its input current, per backend; converters/neurons/
 * integrate-and-fire.ts turns it into an op entry (threshold, spike, reset, count, closed form,
 * the NIR mapping), and converters/neurons/index.ts lists the kinds.
 *
 * Units: a layer that replaces a ReLU with scale λ has threshold θ = λ and emits θ·s, s ∈ {0, 1},
 * so every tensor of the SNN stays in the ANN's units (Rueckauer et al. 2017's weight-normalised
 * network with the factor λ_prev/λ carried by the spikes).
 */
import type { NirNode } from '../../src/nir/types.js';
import type { OnnxContext, Tf, TfTensor, Where } from '../backends/types.js';

/** One spiking neuron layer of the SNN (a former ReLU site). */
export interface NeuronLayerInfo {
  /** Name of the neuron node (= the former Relu node's name). */
  readonly name: string;
  /** The input current tensor. */
  readonly input: string;
  /** The output (θ·spikes) tensor; same name as the former ReLU output. */
  readonly output: string;
  /** Per-sample dims, e.g. [C,H,W]. */
  readonly dims: readonly number[];
  /** Threshold: one value, or one per channel (axis 1). */
  readonly threshold: number | readonly number[];
  /**
   * Extra input current per channel added every step (layer-wise calibration, Li et al. 2021:
   * corrects the mean rate error that quantisation and spike-train jitter leave). Absent = 0.
   */
  readonly bias?: readonly number[];
  /** Initial potential per channel as a fraction of θ (potential calibration); absent = vInit. */
  readonly v0?: readonly number[];
  /** 'poly' neurons: this layer's normalised polynomial and its fitted input gain g. */
  readonly poly?: readonly number[];
  readonly gain?: number;
  /** A linear site's bipolar layer (converters/neurons/signed.ts): it represents a in [−θ, θ], not [0, θ]. */
  readonly linear?: boolean;
}

/** The conversion settings the neuron ops read (a subset of SnnOptions, src/snn/types.ts). */
export interface NeuronOptions {
  readonly neuron: string;
  /** Leak factor β of LIF neurons. */
  readonly beta: number;
  readonly reset: 'subtract' | 'zero';
  /** Initial membrane potential as a fraction of θ. */
  readonly vInit: number;
  readonly encoding: 'current' | 'poisson';
  readonly solve?: 'closed-form' | 'step';
  /** Largest burst Γ of 'burst' neurons (./burst.ts; absent = 2) and of signed and bipolar neurons beside signed ones (./signed.ts; absent = 1). */
  readonly burst?: number;
}

/** Per-element constants of one layer (one sample), built once per run. */
export interface LayerConstants {
  readonly theta: Float32Array;
  /** The kind's constant current plus the calibrated bias, or undefined when there is none. */
  readonly extra: Float32Array | undefined;
  /** Input gain g (1 = none). */
  readonly gain: number;
}

/** How the NIR export writes a layer of this kind. */
export interface NirNeuron {
  /** Throws E_CONVERT for settings NIR cannot take (before anything is translated). */
  readonly checkOptions?: (o: NeuronOptions) => void;
  /** Why the layer has no NIR primitive (undefined: it has one). */
  readonly refuse?: (layer: NeuronLayerInfo) => string | undefined;
  /** A calibrated bias that cannot join a weight layer's bias can join the leak. */
  readonly leakBias?: boolean;
  /** The NIR neuron node for the layer (θ per element, d the layer's dims). */
  readonly node: (layer: NeuronLayerInfo, theta: Float32Array, o: NeuronOptions, leakBias: Float32Array | undefined) => NirNode;
}

/** The names the ONNX firing step reads and writes (all in the Loop body). */
export interface OnnxFireNames {
  readonly index: number;
  readonly dims: readonly number[];
  /** The updated potential, the threshold constant θ (and its values). */
  readonly v1: string;
  readonly theta: string;
  readonly thetaData: Float32Array;
  /** Writes: the layer output θ·s, the potential after the reset, the new count. */
  readonly out: string;
  readonly vOut: string;
  readonly countIn: string;
  readonly countOut: string;
  /** Kinds with signed spikes: the events of either sign, carried (in, out). */
  readonly events?: { readonly inName: string; readonly outName: string };
}

/** Firing and reset, once per backend (converters/neurons/fire.ts: one spike per step at most). */
export interface Fire {
  /** x: the updated potentials; writes v (after the reset), out (θ·s) and counts (+s). */
  readonly reference: (
    x: Float32Array,
    v: Float32Array,
    counts: Float32Array,
    theta: Float32Array,
    out: Float32Array,
    o: NeuronOptions,
    events?: Float32Array,
  ) => void;
  readonly onnx: (ctx: OnnxContext, f: OnnxFireNames) => void;
  /**
   * Reset by subtraction without a count, for a kind whose count the emitter recovers after the
   * Loop (v_T = v0 + Σx − θ·n, src/snn/emit-recover.ts); absent: the count is stepped.
   */
  readonly onnxUncounted?: (ctx: OnnxContext, f: Pick<OnnxFireNames, 'index' | 'dims' | 'v1' | 'theta' | 'thetaData' | 'out' | 'vOut'>) => void;
  readonly tfjs: (
    tf: Tf,
    v1: TfTensor,
    theta: TfTensor,
    count: TfTensor,
    o: NeuronOptions,
  ) => { output: TfTensor; v: TfTensor; count: TfTensor; spikes: TfTensor };
}

/**
 * A neuron kind of the integrate-and-fire family: v ← update(v, input) with input = g·I + c, then
 * fire (default: spike s = [v ≥ θ], emit θ·s, reset by subtraction or to zero). `update` (and a
 * kind's own `fire`) is written once per backend, in float32 with the same operations in the same
 * order, so every engine gives the same spikes for the same currents.
 */
export interface NeuronKind<N extends string = string> {
  /** The --neuron value ('if', 'lif', 'poly'). */
  readonly name: N;
  /** Its op type in the onnx2snn domain. */
  readonly opType: string;
  /** A constant current per element, added every step (LIF: the leak compensation (1−β)·θ/2). */
  readonly constantCurrent?: (theta: number, o: NeuronOptions) => number;
  /**
   * Spike sizes per ReLU range: θ = λ/levels (burst neurons: Γ, each step may emit up to Γ spikes
   * of θ, so the layer still saturates at λ). Absent = 1, θ = λ.
   */
  readonly levels?: (o: NeuronOptions) => number;
  /** Whether a constant-current layer of this kind may be solved in closed form (IF only). */
  readonly closedForm?: boolean;
  /** Reference: x[j] = update(v[j], input[j]) in float32 for one batch (per = elements per sample). */
  readonly reference: (layer: NeuronLayerInfo, theta: Float32Array, o: NeuronOptions) => (v: Float32Array, input: Float32Array, x: Float32Array) => void;
  /** Firing and reset (default: converters/neurons/fire.ts singleSpike). */
  readonly fire?: Fire;
  /**
   * Spikes of either sign: the count is the net count (θ·count/T stays the rate) and the layer
   * also counts its events |s| (the synaptic operations it causes), an extra output `events.<i>`.
   */
  readonly signedSpikes?: boolean;
  /** ONNX: nodes in the Loop body computing `out` = update(v, input). */
  readonly onnx: (ctx: NeuronOnnxContext, v: string, input: string, out: string) => void;
  /** tfjs: the updated potential (inside tf.tidy). */
  readonly tfjs: (
    tf: Tf,
    layer: NeuronLayerInfo,
    theta: Float32Array,
    o: NeuronOptions,
  ) => { update: (v: TfTensor, input: TfTensor) => TfTensor; dispose: () => void };
  readonly nir: NirNeuron;
}

/** What a kind's ONNX update needs: the layer, its index (for names) and the emitter. */
export interface NeuronOnnxContext {
  readonly index: number;
  readonly layer: NeuronLayerInfo;
  readonly theta: Float32Array;
  readonly options: NeuronOptions;
  fresh(base: string): string;
  konst(base: string, t: import('../../src/graph/types.js').Tensor): string;
  node(where: Where, opType: string, inputs: string[], outputs: string[]): void;
}
