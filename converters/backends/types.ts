/**
 * The lowerings of an op, keyed by backend, and the context each backend's walker hands them. The
 * walkers (src/snn/emit.ts, src/snn/reference.ts, src/engine/tfjs.ts, src/nir/export.ts) are loops
 * over the graph that look an op up (converters/registry.ts `opFor`) and call its lowering; the
 * lowerings never see the walker's SNN description, only these contexts.
 *
 * A later engine adds a key here (e.g. `wasm`: a sparse-event WebAssembly engine) with its context
 * type, and the lowerings in the op family files.
 *
 * Type-only imports: TensorFlow.js is passed in as `ctx.tf` by the engine (the op table never loads
 * it), NIR's node types are plain data (src/nir/types.ts).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Node, Tensor } from '../../src/graph/types.js';
import type { NirNode } from '../../src/nir/types.js';
import type { NeuronLayerInfo, NeuronOptions } from '../neurons/types.js';

/** A neuron node's layer, as the walkers know it. */
export interface LayerRef {
  /** Index into the SNN's layers (spikes.<index> in the emitted file). */
  readonly index: number;
  readonly layer: NeuronLayerInfo;
  /** Constant current, IF, reset by subtraction …: solved in closed form (converters/neurons/closed-form.ts). */
  readonly closedForm: boolean;
}

/** What every SNN backend tells a lowering. */
export interface SnnContext {
  /** Opset of the default domain (the model's; the emitted file's for ONNX). */
  readonly opset: number;
  readonly options: NeuronOptions;
  /** Per-sample dims of a tensor of the SNN. */
  dims(tensor: string): readonly number[];
  /** The layer of a neuron node. */
  layer(node: Node): LayerRef;
  /** The layer whose output `tensor` is, when it is a neuron layer's. */
  layerOf(tensor: string): LayerRef | undefined;
}

// ---------------------------------------------------------------------------------------------
// onnx: the emitted file (src/snn/emit.ts)

/** 'outer': once, before the Loop; 'body': every step, inside it; 'after': after it. */
export type Where = 'outer' | 'body' | 'after';

/** What a lowering leaves for the lowerings after it, per tensor (a neuron layer's output). */
export interface EmitFact {
  readonly index: number;
  readonly threshold: number | readonly number[];
  /** The loop-carried spike count (stepped neurons). */
  readonly count?: string;
  /** Closed-form layers: the rates a (outer) and b = v0/θ. */
  readonly rate?: { readonly a: string; readonly b: string };
}

export interface OnnxContext extends SnnContext {
  fresh(base: string): string;
  /** A constant (an initializer of the file, or of the Loop body when only the body reads it). */
  konst(base: string, t: Tensor): string;
  /** A node named snn_<opType>_<k>. */
  node(where: Where, opType: string, inputs: string[], outputs: string[], attrs?: Node['attrs']): void;
  /** A node with its own name. */
  push(where: Where, node: Node): void;
  /** Loop-carried float32 state from `init`; its final value (after the Loop) is `finalName` (= `publicName` when given). */
  carry(base: string, init: string, publicName?: string): { inName: string; outName: string; finalName: string };
  /** A per-sample constant tiled over the batch (before the Loop). */
  initState(base: string, perSample: Tensor): string;
  /** t = 1, 2, … (float32) inside the body. */
  stepTime(): string;
  /** T as float32 after the Loop. */
  timestepsFloat(): string;
  /** Whether a tensor must be computed every step (something reads it that is not a spiking pool). */
  stepped(tensor: string): boolean;
  readonly facts: Map<string, EmitFact>;
  /**
   * Whether the spike count of neuron layer output `tensor` may be recovered once after the Loop
   * instead of being counted every step (src/snn/emit-recover.ts): nothing reads it per step and
   * the layer's input current can be replayed from the counts. Absent: never.
   */
  recoverCount?(tensor: string): boolean;
  /** Registers a layer whose count the emitter recovers after the Loop. */
  recordRecovery?(r: RecoveredCount): void;
}

/**
 * An IF layer (reset by subtraction, gain 1) whose count is recovered after the Loop: with
 * x_t = I_t + c the step input, v_T = v0 + Σx_t − θ·n, so n = round((v0 + T·(Ī + c) − v_T) / θ)
 * with Ī the mean input current, replayed from the upstream counts (src/snn/emit-recover.ts).
 */
export interface RecoveredCount {
  readonly index: number;
  /** The layer's input current tensor (a tensor of the SNN graph). */
  readonly input: string;
  /** The final membrane potential v_T (a Loop output). */
  readonly vFinal: string;
  readonly theta: Float32Array;
  /** Initial potential per element. */
  readonly v0: Float32Array;
  /** Constant extra current per element (calibrated bias), if any. */
  readonly extra: Float32Array | undefined;
  readonly dims: readonly number[];
}

/** Adds the nodes that compute `node` (inputs already renamed for the Loop body). */
export type OnnxLowering<A> = (node: Node, attrs: A, inputs: readonly string[], ctx: OnnxContext) => void;

// ---------------------------------------------------------------------------------------------
// reference: the plain TypeScript simulator (src/snn/reference.ts)

export interface ReferenceContext extends SnnContext {
  /** Batch size. */
  readonly n: number;
  /** The current step t = 1 … T (0 while the static part runs). */
  step(): number;
  /** Spike counts so far (n × size) of a neuron layer, by index; neurons update them. */
  counts(index: number): Float32Array;
  /** Spike events of either sign so far, for a layer with signed spikes (else undefined). */
  events?(index: number): Float32Array | undefined;
}

/** A stateful op in the reference simulator: made once per run, then called every step. */
export type ReferenceLowering<A> = (node: Node, attrs: A, ctx: ReferenceContext) => (inputs: readonly (Tensor | undefined)[]) => Tensor[];

// ---------------------------------------------------------------------------------------------
// tfjs: TensorFlow.js (src/engine/tfjs.ts, calibration/finetune.ts)

export type Tf = typeof TF;
export type TfTensor = TF.Tensor;

export interface TfjsContext {
  readonly tf: Tf;
  /** Input i: computed, or the uploaded constant; E_OPTION naming the node when neither. */
  input(i: number): TfTensor;
  /** The constant behind a tensor name (weights, shapes …), if it is one. */
  constant(name: string): Tensor | undefined;
  /** [batch, ...per-sample dims] of a tensor. */
  outDims(tensor: string): number[];
}

/** Evaluates a stateless op on tfjs tensors (NCHW throughout). */
export type TfjsLowering<A> = (node: Node, attrs: A, inputs: readonly (TfTensor | undefined)[], ctx: TfjsContext) => TfTensor;

/** State of a stateful op between steps (membrane, counts, rates …). */
export type TfjsState = Readonly<Record<string, TfTensor>>;

export interface TfjsSnnContext extends SnnContext {
  readonly tf: Tf;
  /** The state a neuron layer (by output tensor) has after this step, when it is one. */
  stateOf(tensor: string): TfjsState | undefined;
}

/** A stateful op on tfjs: constants once per run, a start per batch, a step inside tf.tidy. */
export interface TfjsStateful {
  /** Initial state for a batch of n; `statics` are the tensors computed once per batch. */
  start(n: number, statics: ReadonlyMap<string, TfTensor>): TfjsState;
  step(state: TfjsState, inputs: readonly (TfTensor | undefined)[], t: number): { readonly output: TfTensor; readonly state: TfjsState };
  /** Frees the run's constants. */
  dispose(): void;
}

export type TfjsStatefulLowering<A> = (node: Node, attrs: A, ctx: TfjsSnnContext) => TfjsStateful;

// ---------------------------------------------------------------------------------------------
// nir: the NIR export (src/nir/export.ts)

/** A time-varying tensor of our graph in NIR: the NIR nodes whose outputs sum to it. */
export interface NirValue {
  readonly terms: readonly string[];
  readonly dims: readonly number[];
  /** Conv2d/Affine/Linear terms that reach nothing but this tensor: a constant added to it can join their bias. */
  readonly owned: readonly string[];
  /** Produced by a node that could not be translated (its error is already recorded). */
  readonly poisoned?: boolean;
}

export interface NirContext extends SnnContext {
  /** Records why a node cannot be expressed; returns undefined for `return ctx.problem(…)`. */
  problem(message: string): undefined;
  /** Adds a NIR node with edges from `from`; `onnx` is the ONNX node it comes from. */
  add(name: string, node: NirNode, from: readonly string[], onnx?: string): string;
  /** A fresh NIR node name for an ONNX node. */
  name(node: Node): string;
  fresh(base: string): string;
  /** `v` as seen by a reader of `tensor`: its weight terms stay modifiable only if nothing else reads it. */
  ownedBy(v: NirValue, tensor: string): NirValue;
  /** Constant input i (a problem naming `what` when it is not one). */
  weight(node: Node, i: number, what: string): Tensor | undefined;
  constant(name: string): Tensor | undefined;
  /** Adds a constant current to the bias of the Conv2d/Affine/Linear producing `v` alone; the reason when it cannot. */
  addBias(v: NirValue, c: Float32Array): string | undefined;
  /** Add/Sub of a constant folded into such a bias (a problem otherwise). */
  foldBias(node: Node, v: NirValue, c: Tensor, sign: 1 | -1): NirValue | undefined;
  /** A Scale node after `v`. */
  scale(node: Node, v: NirValue, scale: Float32Array, suffix: string): NirValue;
}

export type NirLowering<A> = (node: Node, attrs: A, inputs: readonly (NirValue | undefined)[], ctx: NirContext) => NirValue | undefined;

/**
 * An op's lowerings. Missing: the op runs as itself in ONNX and by `evaluate` in the reference;
 * tfjs and NIR refuse it. (Method signatures, so that an entry with typed attributes is an entry.)
 */
export interface Lowerings<A> {
  onnx?(node: Node, attrs: A, inputs: readonly string[], ctx: OnnxContext): void;
  reference?(node: Node, attrs: A, ctx: ReferenceContext): (inputs: readonly (Tensor | undefined)[]) => Tensor[];
  tfjs?(node: Node, attrs: A, inputs: readonly (TfTensor | undefined)[], ctx: TfjsContext): TfTensor;
  tfjsStateful?(node: Node, attrs: A, ctx: TfjsSnnContext): TfjsStateful;
  nir?(node: Node, attrs: A, inputs: readonly (NirValue | undefined)[], ctx: NirContext): NirValue | undefined;
}
