/**
 * Our own typed graph (IR). Parsed once from ONNX at the boundary (src/onnx/read.ts) and written
 * back by src/onnx/write.ts; every pass in between is a pure function `(g) => g`.
 *
 * Numbers are plain JS numbers: int64 values are converted (checked) when read, so no protobuf
 * Long ever leaves src/onnx/.
 */

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

/** float32 tensors hold a Float32Array; every other type holds exact integers/values in a Float64Array. */
export interface Tensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** A dimension: a number, a symbolic name (e.g. "N"), or null when unknown. */
export type Dim = number | string | null;

export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  /** undefined when the rank itself is unknown. */
  readonly shape?: readonly Dim[];
}

export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: Tensor }
  | { readonly kind: 'graph'; readonly value: Graph };

export interface Node {
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** '' marks an omitted optional input, as in ONNX. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

export interface Graph {
  readonly name: string;
  readonly nodes: readonly Node[];
  /** Runtime inputs only (initializers that were also listed as inputs are NOT here). */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Value infos for intermediate tensors, when known. */
  readonly valueInfo: ReadonlyMap<string, ValueInfo>;
}

export interface Model {
  readonly graph: Graph;
  readonly irVersion: number;
  /** Opset of the default ('' / 'ai.onnx') domain. */
  readonly opset: number;
  /** Other domains' opsets, e.g. { 'com.microsoft': 1 }. */
  readonly otherOpsets: Readonly<Record<string, number>>;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the model came from (file path) for error messages. */
  readonly source?: string;
}
