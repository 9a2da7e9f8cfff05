/**
 * Folds `Scale` nodes into the weights of the layers they feed: s ⊙ x followed by W·(…) is
 * (W·diag s)·x. For a neuron layer's output scale θ this gives the weight-normalised network of
 * Rueckauer et al. (2017), W ← W·θ_prev, with the thresholds left at θ.
 *
 * A Scale is folded when every path from it reaches, through Flatten and pooling nodes only, an
 * Affine/Linear (scales its columns) or a Conv2d (scales its input channels; the scale must be
 * constant over each channel), and each node on the way has the Scale's path as its only source
 * (a node that also sums another source cannot take the factor in its weights). Otherwise the
 * Scale stays (e.g. a residual shortcut into a neuron layer, or a spike train into the output).
 */
import { nodeTypes, flattenOutput } from './shapes.js';
import { NIR_NODE_ORIGIN_KEY, type NirGraph, type NirNode, type NirTensor } from './types.js';

interface Fold {
  readonly target: string;
  /** Per column (Affine/Linear) or per input channel (Conv2d). */
  readonly scale: Float32Array;
}

/** One value per channel when `data` ([C, ...]) is constant over each channel's plane. */
export function perChannel(data: Float32Array, channels: number): Float32Array | undefined {
  const inner = data.length / channels;
  if (!Number.isInteger(inner)) return undefined;
  const out = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const v = data[c * inner]!;
    for (let i = 1; i < inner; i++) if (data[c * inner + i] !== v) return undefined;
    out[c] = v;
  }
  return out;
}

function scaled(w: NirTensor, factor: (i: number) => number): NirTensor {
  const data = new Float32Array(w.data.length);
  for (let i = 0; i < data.length; i++) data[i] = w.data[i]! * factor(i);
  return { dims: w.dims, data };
}

export function foldScales(g: NirGraph): NirGraph {
  const nodes = new Map(g.nodes);
  let edges = g.edges.map(([a, b]) => [a, b] as [string, string]);
  const sources = (n: string): string[] => edges.filter(([, b]) => b === n).map(([a]) => a);
  const targets = (n: string): string[] => edges.filter(([a]) => a === n).map(([, b]) => b);

  /** Can `target`, fed only by `from` carrying `scale` (shape `dims`), take the factor? Collects the weight changes. */
  const collect = (target: string, from: string, scale: Float32Array, dims: readonly number[], plan: Fold[]): boolean => {
    const src = sources(target);
    if (src.length !== 1 || src[0] !== from) return false;
    const node = nodes.get(target)!;
    switch (node.type) {
      case 'Affine':
      case 'Linear':
        if (scale.length !== node.weight.dims[1]) return false;
        plan.push({ target, scale });
        return true;
      case 'Conv2d': {
        const c = node.weight.dims[1]! * node.groups;
        if (dims.length !== 3 || dims[0] !== c) return false;
        const per = perChannel(scale, c);
        if (!per) return false;
        plan.push({ target, scale: per });
        return true;
      }
      case 'Flatten': {
        const next = flattenOutput(node.input_type, node.start_dim, node.end_dim);
        const outs = targets(target);
        return outs.length > 0 && outs.every((t) => collect(t, target, scale, next, plan));
      }
      case 'AvgPool2d':
      case 'SumPool2d': {
        if (dims.length !== 3) return false;
        const per = perChannel(scale, dims[0]!);
        if (!per) return false;
        const od = nodeTypes(node, dims).output;
        const inner = od[1]! * od[2]!;
        const next = new Float32Array(od[0]! * inner);
        for (let i = 0; i < next.length; i++) next[i] = per[Math.floor(i / inner)]!;
        const outs = targets(target);
        return outs.length > 0 && outs.every((t) => collect(t, target, next, od, plan));
      }
      default:
        return false;
    }
  };

  const origin = JSON.parse(String(g.metadata[NIR_NODE_ORIGIN_KEY] ?? '{}')) as Record<string, string>;
  for (const [name, node] of [...nodes]) {
    if (node.type !== 'Scale') continue;
    const outs = targets(name);
    const plan: Fold[] = [];
    if (!outs.length || !outs.every((t) => collect(t, name, node.scale.data, node.scale.dims, plan))) continue;
    for (const { target, scale } of plan) {
      const t = nodes.get(target)!;
      let folded: NirNode;
      if (t.type === 'Affine' || t.type === 'Linear') {
        const k = t.weight.dims[1]!;
        folded = { ...t, weight: scaled(t.weight, (i) => scale[i % k]!) };
      } else if (t.type === 'Conv2d') {
        const [cout, cg, kh, kw] = t.weight.dims as [number, number, number, number];
        const perGroup = cout / t.groups;
        const plane = kh * kw;
        folded = {
          ...t,
          weight: scaled(t.weight, (i) => {
            const o = Math.floor(i / (cg * plane));
            const ci = Math.floor(i / plane) % cg;
            return scale[Math.floor(o / perGroup) * cg + ci]!;
          }),
        };
      } else continue;
      nodes.set(target, folded);
    }
    // rewire: every source of the Scale feeds its targets directly, in place of the Scale
    const src = sources(name);
    const next: [string, string][] = [];
    for (const [a, b] of edges) {
      if (b === name) continue;
      if (a === name) for (const s of src) next.push([s, b]);
      else next.push([a, b]);
    }
    edges = next;
    nodes.delete(name);
    delete origin[name];
  }
  return { ...g, nodes, edges, metadata: { ...g.metadata, [NIR_NODE_ORIGIN_KEY]: JSON.stringify(origin) } };
}
