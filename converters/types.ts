/**
 * The op table's entry: everything the project knows about one op (type, domain, opset range), in
 * the spirit of onnxruntime-web's op resolve rules (op → [parseAttributes, run]) and tfjs-core's
 * kernels registered per (kernel, backend):
 *
 * - `schema`: declarative arity and attributes (ONNX names, kinds, required), for import checks;
 * - `parseAttributes`: the attributes read ONCE, with the spec's defaults, into a typed record;
 * - `inferShapes`, `evaluate` (plain-JS reference, float32 as onnxruntime; checked against it in
 *   test/converters), `macs`;
 * - `spiking`: what a time-varying input does to the op in an SNN (src/snn/build.ts);
 * - `synops`: how spike events cross it and what a weighted layer costs (src/eval/ops.ts);
 * - `lower`: its implementation per backend (converters/backends/*: the ONNX Loop body, the
 *   reference simulator, TensorFlow.js, NIR). Ops of the default domain run as themselves inside
 *   the ONNX Loop and through `evaluate` in the reference simulator unless they say otherwise.
 *
 * Entries are made with `defineOp` (converters/define.ts), which memoises `parseAttributes` per node.
 */
import type { Attr, DType, Graph, Node, Tensor } from '../src/graph/types.js';
import type { Lowerings } from './backends/types.js';

/** The domain of the project's own ops (neurons, the spiking max pool): lowered by every backend. */
export const SNN_DOMAIN = 'onnx2snn';

/** A tensor as shape inference sees it: concrete dims (batch already substituted), maybe a value. */
export interface ShapedValue {
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** Present when the value is a known constant (initializer or folded). */
  readonly value?: Tensor;
}

export interface OpContext {
  /** Opset of the default domain of the model the node comes from. */
  readonly opset: number;
}

export interface OutputShape {
  readonly dtype: DType;
  readonly dims: readonly number[];
}

export interface AttrSpec {
  readonly kind: Attr['kind'];
  readonly required?: boolean;
}

/** The ONNX signature of an op version: arity (max Infinity = variadic) and its attributes. */
export interface OpSchema {
  readonly inputs: readonly [min: number, max: number];
  readonly outputs: readonly [min: number, max: number];
  readonly attributes: Readonly<Record<string, AttrSpec>>;
}

/**
 * What a time-varying (spiking) input does to the op in the SNN (src/snn/build.ts):
 * - 'linear': linear or affine in its time-varying operands, so its time average is the ANN's value
 *   (convolutions, products with constants, routing, pooling by averages …);
 * - 'site': a ReLU-like node that becomes a spiking neuron layer (`cap` says which nodes qualify);
 * - 'spiking': replaced by the op `spikingOp` of the SNN domain (max pooling → spiking max pool);
 * - 'neuron': an SNN-domain neuron (its output varies in time);
 * - 'nonlinear': cannot take a time-varying input.
 */
export interface SpikingRole {
  readonly kind: 'linear' | 'site' | 'spiking' | 'neuron' | 'nonlinear';
  /** Input positions that may vary in time (default: any). */
  readonly dynamicInputs?: readonly number[];
  /** At most this many inputs may vary in time (a product of two spike trains is not a rate). */
  readonly maxDynamic?: number;
  /** 'spiking': the SNN-domain op that replaces it. */
  readonly spikingOp?: string;
  /** 'site': the cap of the capped ReLU (Infinity for ReLU), or undefined when this node is not a site. */
  readonly cap?: (node: Node, graph: Graph, opset: number) => number | undefined;
  /** 'nonlinear': why, for the conversion error (default "not linear in a time-varying input"). */
  readonly why?: string;
  /** Reads the spike counts of a neuron layer rather than its spikes (the spiking max pool). */
  readonly readsCounts?: boolean;
}

/**
 * How spike events (per-element counts) cross the op, for synaptic-operation counts (src/eval/ops.ts):
 * - 'route': moved exactly by the op itself (its `evaluate` applied to the counts);
 * - 'pass': elementwise, one event out per event in (products with constants);
 * - 'sum': the events of every input (a residual sum);
 * - 'window-sum': each event reaches every window holding it (average pools, approximate);
 * - 'window-max': the largest count in the window (the spiking max pool, approximate);
 * - 'source': the op emits events (a neuron layer: its spike counts).
 * `weighted` ops are where the events are counted: each drives its fan-out of synapses.
 */
export interface SynopsRole {
  readonly carry?: 'route' | 'pass' | 'sum' | 'window-sum' | 'window-max' | 'source';
  /** 'window-sum': elements per window (dims with the batch axis). */
  readonly window?: (node: Node, inDims: readonly number[]) => number;
  /** 'window-max': the plain op evaluated on the counts. */
  readonly plainOp?: string;
  /** A weighted layer (Conv, Gemm, MatMul): synapses per event at each element of input 0. */
  readonly weighted?: boolean;
  /** Exact per-sample fan-out of every element of input 0 (default: MACs spread evenly). */
  readonly fanout?: (node: Node, inDims: readonly number[], wDims: readonly number[], opset: number) => Float64Array;
}

export interface OpEntry<A = unknown> {
  readonly opType: string;
  /** '' for the default ONNX domain; 'onnx2snn' (SNN_DOMAIN) for the project's own ops. */
  readonly domain: string;
  /** First opset in which these semantics hold (default 1); the entry holds until the next one. */
  readonly sinceOpset?: number;
  readonly schema: OpSchema;
  /** The attributes with ONNX defaults, typed; E_ATTRIBUTE naming the node when malformed. Memoised per node. */
  parseAttributes(node: Node): A;
  /**
   * Output dtypes and dims. `inputs[i]` is undefined for an omitted optional input ('' name).
   * Throws Onnx2SnnError(E_SHAPE / E_ATTRIBUTE) naming the node on inconsistent shapes or attributes.
   */
  inferShapes(node: Node, inputs: readonly (ShapedValue | undefined)[], ctx: OpContext): OutputShape[];
  /** Reference evaluation on concrete tensors (float32 math in Float32Array, as onnxruntime does). */
  evaluate(node: Node, inputs: readonly (Tensor | undefined)[], ctx: OpContext): Tensor[];
  /** Multiply-accumulate operations for one sample (batch 1); 0 or undefined when negligible. */
  macs?(node: Node, inputs: readonly (ShapedValue | undefined)[], outputs: readonly OutputShape[], ctx: OpContext): number;
  readonly spiking: SpikingRole;
  readonly synops?: SynopsRole;
  readonly lower: Lowerings<A>;
}
