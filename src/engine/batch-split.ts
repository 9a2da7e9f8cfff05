/**
 * A batch cut into contiguous slices of samples and the slices' outputs put back together
 * (src/engine/ort-shards.ts runs one slice per worker). Pure functions over our Tensor type.
 *
 * Which axis is the batch comes from the graph's shapes: the first input's first dimension when it
 * is symbolic (its name, e.g. "N" or "batch_size"), and "N", the name src/snn/emit.ts gives the
 * batch in every output of an emitted SNN (`readout_steps` is [T, N, …]). A value without a shape
 * is taken as batch-first, as is one whose first dimension is not fixed. The concatenation checks each slice's size on that axis, so a wrong
 * guess fails instead of mixing samples.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Graph, Tensor, ValueInfo } from '../graph/types.js';
import type { Feed } from './ort.js';

/** A feed as OrtSession.run takes it (a plain Feed is float32). */
export type FeedValue = Feed | Tensor;

/** The batch dimension's names, or undefined when the first input has a fixed batch (nothing to split). */
export function batchNames(graph: Graph): ReadonlySet<string> | undefined {
  const d = graph.inputs[0]?.shape?.[0];
  if (typeof d === 'number') return undefined;
  return new Set(typeof d === 'string' ? [d, 'N'] : ['N']);
}

/**
 * The batch axis of a value (undefined: none, e.g. the scalar `timesteps`): the axis with a batch
 * name, else the first one unless it is fixed (models name their dimensions freely: an output's
 * "batch" next to an input's "batch_size").
 */
export function batchAxis(vi: ValueInfo | undefined, names: ReadonlySet<string>, rank: number): number | undefined {
  if (rank === 0) return undefined;
  if (!vi?.shape) return 0;
  const a = vi.shape.findIndex((d) => typeof d === 'string' && names.has(d));
  return a >= 0 ? a : typeof vi.shape[0] === 'number' ? undefined : 0;
}

/** Contiguous slice bounds: k + 1 sample indices from 0 to n, the slices' sizes differing by one at most. */
export function sliceBounds(n: number, k: number): number[] {
  return Array.from({ length: k + 1 }, (_, i) => Math.round((i * n) / k));
}

/** Samples [s, e) of a value along `axis` (a copy: it is transferred to a worker). */
export function sliceAlong<T extends FeedValue>(v: T, axis: number, s: number, e: number): T {
  const dims = [...v.dims];
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis]!;
  const data = new (v.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(outer * (e - s) * inner);
  for (let o = 0; o < outer; o++) data.set(v.data.subarray((o * n + s) * inner, (o * n + e) * inner), o * (e - s) * inner);
  dims[axis] = e - s;
  return { ...v, data, dims } as T;
}

/** The slices' values of one output concatenated along `axis` in slice order; `sizes` are the slices' sample counts. */
export function concatAlong(name: string, parts: readonly Tensor[], axis: number | undefined, sizes: readonly number[]): Tensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const bad = parts.findIndex((p, i) => axis === undefined || p.dims[axis] !== sizes[i]);
  if (bad >= 0)
    throw new Onnx2SnnError(ErrorCodes.RUNTIME, `output ${name} has no batch axis to join the workers' slices on (dims ${JSON.stringify(parts[bad]!.dims)})`, {
      output: name,
    });
  const a = axis!;
  const outer = first.dims.slice(0, a).reduce((x, y) => x * y, 1);
  const inner = first.dims.slice(a + 1).reduce((x, y) => x * y, 1);
  const total = sizes.reduce((x, y) => x + y, 0);
  const data = new (first.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    parts.forEach((p, i) => {
      const len = sizes[i]! * inner;
      data.set(p.data.subarray(o * len, (o + 1) * len), at);
      at += len;
    });
  }
  const dims = [...first.dims];
  dims[a] = total;
  return { dtype: first.dtype, dims, data };
}
