/**
 * The Neuromorphic Intermediate Representation (NIR, github.com/neuromorphs/NIR) held in memory:
 * node types with the parameter names and shapes of the reference implementation (`nir/ir/*.py`),
 * a node table and a list of edges. src/nir/hdf5.ts writes it in the layout of `nir.write`.
 *
 * Shapes never include the batch axis (NIR's `input_type`/`output_type` are per sample).
 * Float parameters are float32 (what PyTorch-based exporters write); integer parameters are
 * plain numbers, written as int64 like h5py writes Python ints.
 */

/** A float32 parameter with its shape (row-major). */
export interface NirTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export type NirNode =
  /** `nir.Input`: shape of one sample. */
  | { readonly type: 'Input'; readonly shape: readonly number[] }
  /** `nir.Output`: shape of one sample. */
  | { readonly type: 'Output'; readonly shape: readonly number[] }
  /** y = W·x + b, W [out, in], b [out]. */
  | { readonly type: 'Affine'; readonly weight: NirTensor; readonly bias: NirTensor }
  /** y = W·x, W [out, in]. */
  | { readonly type: 'Linear'; readonly weight: NirTensor }
  /**
   * PyTorch Conv2d semantics: weight [Cout, Cin/groups, kh, kw], symmetric zero padding
   * (padding[i] on both sides of spatial axis i), bias [Cout]. input_shape = [H, W] of the input.
   */
  | {
      readonly type: 'Conv2d';
      readonly input_shape: readonly [number, number];
      readonly weight: NirTensor;
      readonly stride: readonly [number, number];
      readonly padding: readonly [number, number];
      readonly dilation: readonly [number, number];
      readonly groups: number;
      readonly bias: NirTensor;
    }
  /** dv/dt = R·I; spike z = [v > v_threshold]; then v ← v_reset. Parameters shaped like the layer. */
  | { readonly type: 'IF'; readonly r: NirTensor; readonly v_threshold: NirTensor; readonly v_reset: NirTensor }
  /** τ·dv/dt = (v_leak − v) + R·I; spike z = [v > v_threshold]; then v ← v_reset. */
  | {
      readonly type: 'LIF';
      readonly tau: NirTensor;
      readonly r: NirTensor;
      readonly v_leak: NirTensor;
      readonly v_threshold: NirTensor;
      readonly v_reset: NirTensor;
    }
  /** Integrator: dv/dt = R·I, output v (no spikes). */
  | { readonly type: 'I'; readonly r: NirTensor }
  /** y = s ⊙ x (elementwise, s shaped like x). */
  | { readonly type: 'Scale'; readonly scale: NirTensor }
  /** Flattens axes start_dim..end_dim of the per-sample input (axes counted without the batch). */
  | { readonly type: 'Flatten'; readonly input_type: readonly number[]; readonly start_dim: number; readonly end_dim: number }
  /** PyTorch AvgPool2d (count_include_pad = True, floor mode) / sum pooling. */
  | {
      readonly type: 'AvgPool2d' | 'SumPool2d';
      readonly kernel_size: readonly [number, number];
      readonly stride: readonly [number, number];
      readonly padding: readonly [number, number];
    };

export type NirNodeType = NirNode['type'];

export type NirMetadataValue = string | number;

export interface NirGraph {
  /** Written to the root dataset `version`. */
  readonly version: string;
  /** Nodes by name, in a topological order (insertion order). */
  readonly nodes: Map<string, NirNode>;
  /** [source, target]; a node with several incoming edges receives their sum. */
  readonly edges: [string, string][];
  /** Graph metadata (NIR: informative only, no backend may rely on it). */
  readonly metadata: Record<string, NirMetadataValue>;
}

/** NIR format version written to the file (the layout of nir ≥ 1.0: IF/LIF with v_reset, Conv2d with input_shape). */
export const NIR_VERSION = '1.0.0';

/** Graph metadata key holding a JSON object {NIR node name: ONNX node name}. */
export const NIR_NODE_ORIGIN_KEY = 'onnx2snn.nodes';
