/**
 * Removes nodes that do nothing at inference: Identity, Dropout (inference mode), and arithmetic
 * with a neutral constant (x+0, x-0, x*1, x/1) that does not broadcast x to a larger shape.
 * Consumers are rewired to the node's input; a removed node that fed a graph output hands the
 * output name to its input's producer instead.
 */
import type { Model, Node } from '../types.js';
import { inferShapes } from '../infer.js';

function isNeutral(m: Model, n: Node, shapes: ReturnType<typeof inferShapes>['values']): string | undefined {
  if (n.opType === 'Identity') return n.inputs[0];
  if (n.opType === 'Dropout') {
    // the optional mask output must be unused for removal
    if (n.outputs.length > 1 && n.outputs[1]) return undefined;
    return n.inputs[0];
  }
  const neutral: Record<string, [number, boolean]> = { Add: [0, true], Sub: [0, false], Mul: [1, true], Div: [1, false] };
  const spec = neutral[n.opType];
  if (!spec) return undefined;
  const [value, commutative] = spec;
  const candidates = commutative ? [0, 1] : [0];
  for (const keep of candidates) {
    const other = n.inputs[1 - keep]!;
    const c = m.graph.initializers.get(other);
    if (!c || !c.data.every((v) => v === value)) continue;
    const x = shapes.get(n.inputs[keep]!);
    const y = shapes.get(n.outputs[0]!);
    if (!x || !y || x.dims.length !== y.dims.length || x.dims.some((d, i) => d !== y.dims[i]) || x.dtype !== y.dtype) continue;
    return n.inputs[keep];
  }
  return undefined;
}

export function removeIdentities(m: Model): Model {
  const shapes = inferShapes(m).values;
  const g = m.graph;
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const sources = new Set([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  // out -> src for every removable node
  const subst = new Map<string, string>();
  const removed = new Set<Node>();
  for (const n of g.nodes) {
    const src = isNeutral(m, n, shapes);
    if (src === undefined) continue;
    subst.set(n.outputs[0]!, src);
    removed.add(n);
  }
  const resolve = (x: string): string => {
    let y = x;
    while (subst.has(y)) y = subst.get(y)!;
    return y;
  };
  // A graph output whose producer is removed: its resolved source's producer takes the output's
  // name, unless the source is a graph input/initializer/another output (then keep one node).
  const rename = new Map<string, string>();
  for (const o of graphOutputs) {
    if (!subst.has(o)) continue;
    const src = resolve(o);
    if (sources.has(src) || graphOutputs.has(src) || rename.has(src)) {
      const keep = g.nodes.find((n) => n.outputs[0] === o)!;
      removed.delete(keep);
      subst.delete(o);
    } else rename.set(src, o);
  }
  const nameOf = (x: string): string => {
    const r = resolve(x);
    return rename.get(r) ?? r;
  };
  const nodes = g.nodes
    .filter((n) => !removed.has(n))
    .map((n) => ({ ...n, inputs: n.inputs.map((i) => (i ? nameOf(i) : i)), outputs: n.outputs.map((o) => rename.get(o) ?? o) }));
  return { ...m, graph: { ...g, nodes } };
}
