/**
 * Per-sample input/output shapes of NIR nodes, and a type check of a whole graph in the spirit of
 * `NIRGraph.check_types` (nir/ir/graph.py): every edge must carry the shape its target expects.
 * Unlike nir's check, pooling nodes take their input shape from their sources (nir leaves it
 * undefined) and Conv2d counts all input channels (nir's input_type uses weight.shape[1], which is
 * Cin/groups).
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { NirGraph, NirNode } from './types.js';

export interface NodeTypes {
  readonly input: readonly number[];
  readonly output: readonly number[];
}

const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

/** nir/ir/utils.py calculate_conv_output: floor((n + 2p − d·(k − 1) − 1) / s) + 1. */
export function convOutputSize(n: number, padding: number, dilation: number, kernel: number, stride: number): number {
  return Math.floor((n + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** nir/ir/utils.py calc_flatten_output (axes without the batch; end_dim −1 = last). */
export function flattenOutput(input: readonly number[], start: number, end: number): number[] {
  const e = end < 0 ? input.length + end : end;
  return [...input.slice(0, start), prod(input.slice(start, e + 1)), ...input.slice(e + 1)];
}

/** Shapes of one node; `inferred` is the input shape from its sources (needed by the pools only). */
export function nodeTypes(node: NirNode, inferred?: readonly number[]): NodeTypes {
  switch (node.type) {
    case 'Input':
    case 'Output':
      return { input: node.shape, output: node.shape };
    case 'Affine':
    case 'Linear':
      return { input: [node.weight.dims[1]!], output: [node.weight.dims[0]!] };
    case 'Conv2d': {
      const [cout, cg, kh, kw] = node.weight.dims as [number, number, number, number];
      const [h, w] = node.input_shape;
      return {
        input: [cg * node.groups, h, w],
        output: [
          cout,
          convOutputSize(h, node.padding[0], node.dilation[0], kh, node.stride[0]),
          convOutputSize(w, node.padding[1], node.dilation[1], kw, node.stride[1]),
        ],
      };
    }
    case 'IF':
    case 'LIF':
    case 'I':
      return { input: node.r.dims, output: node.r.dims };
    case 'Scale':
      return { input: node.scale.dims, output: node.scale.dims };
    case 'Flatten':
      return { input: node.input_type, output: flattenOutput(node.input_type, node.start_dim, node.end_dim) };
    case 'AvgPool2d':
    case 'SumPool2d': {
      if (!inferred || inferred.length !== 3)
        throw new Onnx2SnnError(ErrorCodes.GRAPH, `NIR ${node.type}: input must be [C, H, W], got [${inferred?.join(', ') ?? ''}]`);
      const [c, h, w] = inferred as [number, number, number];
      return {
        input: inferred,
        output: [
          c,
          convOutputSize(h, node.padding[0], 1, node.kernel_size[0], node.stride[0]),
          convOutputSize(w, node.padding[1], 1, node.kernel_size[1], node.stride[1]),
        ],
      };
    }
  }
}

/** Node names in a topological order of the edges (throws E_GRAPH on a cycle or a dangling edge). */
export function topoOrder(g: NirGraph): string[] {
  const indeg = new Map<string, number>();
  for (const k of g.nodes.keys()) indeg.set(k, 0);
  const out = new Map<string, string[]>();
  for (const [a, b] of g.edges) {
    if (!g.nodes.has(a) || !g.nodes.has(b)) throw new Onnx2SnnError(ErrorCodes.GRAPH, `NIR edge ${a} → ${b} names a node that does not exist`);
    indeg.set(b, indeg.get(b)! + 1);
    const l = out.get(a);
    if (l) l.push(b);
    else out.set(a, [b]);
  }
  const ready = [...g.nodes.keys()].filter((k) => indeg.get(k) === 0);
  const order: string[] = [];
  while (ready.length) {
    const k = ready.shift()!;
    order.push(k);
    for (const b of out.get(k) ?? []) {
      const d = indeg.get(b)! - 1;
      indeg.set(b, d);
      if (d === 0) ready.push(b);
    }
  }
  if (order.length !== g.nodes.size) throw new Onnx2SnnError(ErrorCodes.GRAPH, 'NIR graph has a cycle');
  return order;
}

/** Sources of each node, in edge order. */
export function sourcesOf(g: NirGraph): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const k of g.nodes.keys()) m.set(k, []);
  for (const [a, b] of g.edges) m.get(b)?.push(a);
  return m;
}

/** Checks that every edge carries the shape its target expects; returns the shapes of every node. */
export function checkNirTypes(g: NirGraph): Map<string, NodeTypes> {
  const srcs = sourcesOf(g);
  const types = new Map<string, NodeTypes>();
  const problems: string[] = [];
  for (const name of topoOrder(g)) {
    const node = g.nodes.get(name)!;
    const from = srcs.get(name)!;
    if (node.type === 'Input') {
      if (from.length) problems.push(`Input "${name}" has incoming edges`);
    } else if (!from.length) problems.push(`${node.type} "${name}" has no incoming edge`);
    const inferred = from.length ? types.get(from[0]!)?.output : undefined;
    let t: NodeTypes;
    try {
      t = nodeTypes(node, inferred);
    } catch (e) {
      problems.push(`${node.type} "${name}": ${(e as Error).message}`);
      continue;
    }
    types.set(name, t);
    for (const s of from) {
      const o = types.get(s)?.output;
      if (o && (o.length !== t.input.length || o.some((d, i) => d !== t.input[i]))) {
        problems.push(`edge ${s} → ${name}: ${s} outputs [${o.join(', ')}] but ${node.type} "${name}" expects [${t.input.join(', ')}]`);
      }
    }
  }
  if (problems.length) throw new Onnx2SnnError(ErrorCodes.GRAPH, `NIR graph type check failed: ${problems.join('; ')}`, { problems });
  return types;
}
