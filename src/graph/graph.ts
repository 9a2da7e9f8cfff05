/** Structural helpers over the Graph IR (pure). */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Graph, Node, Tensor } from './types.js';

/** Map from tensor name to the node producing it. */
export function producers(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o) m.set(o, n);
  return m;
}

/** Map from tensor name to the nodes reading it. */
export function consumers(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes)
    for (const i of n.inputs) {
      if (!i) continue;
      const l = m.get(i);
      if (l) l.push(n);
      else m.set(i, [n]);
    }
  return m;
}

/** Nodes in a topological order (stable: keeps file order where possible). Throws E_GRAPH on a cycle or a dangling input. */
export function topoSort(g: Graph): Node[] {
  const available = new Set<string>(['', ...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  const pending = [...g.nodes];
  const out: Node[] = [];
  let progressed = true;
  while (pending.length && progressed) {
    progressed = false;
    for (let i = 0; i < pending.length; ) {
      const n = pending[i]!;
      if (n.inputs.every((x) => available.has(x))) {
        out.push(n);
        for (const o of n.outputs) available.add(o);
        pending.splice(i, 1);
        progressed = true;
      } else i++;
    }
  }
  if (pending.length) {
    const n = pending[0]!;
    const missing = n.inputs.filter((x) => !available.has(x));
    throw new Onnx2SnnError(
      ErrorCodes.GRAPH,
      `node "${n.name}" (${n.opType}) reads ${missing.map((m) => `"${m}"`).join(', ')}, which no node, input or initializer provides (or the graph has a cycle)`,
      {
        node: n.name,
        missing,
      },
    );
  }
  return out;
}

/** A fresh name not used by any tensor or node of the graph. */
export function freshNamer(g: Graph): (base: string) => string {
  const used = new Set<string>();
  for (const n of g.nodes) {
    used.add(n.name);
    for (const x of [...n.inputs, ...n.outputs]) used.add(x);
  }
  for (const k of g.initializers.keys()) used.add(k);
  for (const v of [...g.inputs, ...g.outputs]) used.add(v.name);
  return (base: string) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

/** Removes initializers no node reads. */
export function pruneInitializers(g: Graph): Graph {
  const used = new Set<string>();
  for (const n of g.nodes) for (const i of n.inputs) used.add(i);
  for (const o of g.outputs) used.add(o.name);
  const inits = new Map<string, Tensor>();
  for (const [k, v] of g.initializers) if (used.has(k)) inits.set(k, v);
  return { ...g, initializers: inits };
}

/** Removes nodes whose outputs reach no graph output. */
export function pruneDeadNodes(g: Graph): Graph {
  const live = new Set(g.outputs.map((o) => o.name));
  const keep: Node[] = [];
  for (const n of [...g.nodes].reverse()) {
    if (n.outputs.some((o) => live.has(o))) {
      keep.push(n);
      for (const i of n.inputs) live.add(i);
    }
  }
  keep.reverse();
  return pruneInitializers({ ...g, nodes: keep });
}
