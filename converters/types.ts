/**
 * What every op family provides, in one file per family (see registry.ts):
 * attribute parsing with ONNX names and defaults, shape inference, a plain-JS reference evaluation
 * (used for constant folding, for the reference SNN simulator, and checked against onnxruntime in
 * test/converters), and the multiply-accumulate count used by `inspect` and the operation counts.
 */
import type { DType, Node, Tensor } from '../src/graph/types.js';

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

export interface OpRule {
  readonly opType: string;
  /** First opset in which these semantics hold (default 1). */
  readonly sinceOpset?: number;
  /**
   * Output dtypes and dims. `inputs[i]` is undefined for an omitted optional input ('' name).
   * Throws Onnx2SnnError(E_SHAPE / E_ATTRIBUTE) naming the node on inconsistent shapes or attributes.
   */
  inferShapes(node: Node, inputs: readonly (ShapedValue | undefined)[], ctx: OpContext): OutputShape[];
  /** Reference evaluation on concrete tensors (float32 math in Float32Array, as onnxruntime does). */
  evaluate(node: Node, inputs: readonly (Tensor | undefined)[], ctx: OpContext): Tensor[];
  /** Multiply-accumulate operations for one sample (batch 1); 0 or undefined when negligible. */
  macs?(node: Node, inputs: readonly (ShapedValue | undefined)[], outputs: readonly OutputShape[], ctx: OpContext): number;
}
