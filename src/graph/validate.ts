/**
 * Import validation: everything onnxruntime (or a later pass) would trip over, found on the typed
 * graph and reported as a typed error naming the node, before any session is created.
 *
 * - wiring: at least one input and one output; every name produced once (node outputs, graph
 *   inputs, initializers: ONNX graphs are in SSA form, IR spec "Names Within a Graph"); node names
 *   unique; every graph output produced by a node; every node input provided (and no cycle);
 * - each node of an op in the table (converters/registry.ts) against its schema (arity, attribute
 *   names and kinds, required attributes: converters/schema.ts). Ops not in the table are left to
 *   the unsupported-op report, which lists all of them at once.
 * Subgraphs (Loop bodies of emitted SNNs) get the schema check; their wiring reads outer scope.
 */
import { opFor } from '../../converters/registry.js';
import { schemaProblems } from '../../converters/schema.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { topoSort } from './graph.js';
import type { OpEntry } from '../../converters/types.js';
import type { Attr, Graph, Model, Node } from './types.js';

/** At most this many problems are spelt out in one message (all of them are in `details`). */
const SHOWN = 5;

function fail(code: typeof ErrorCodes.GRAPH | typeof ErrorCodes.ATTRIBUTE, file: string, problems: readonly string[], node?: string): never {
  const more = problems.length > SHOWN ? ` (and ${problems.length - SHOWN} more)` : '';
  throw new Onnx2SnnError(code, `${file}: ${problems.slice(0, SHOWN).join('; ')}${more}`, { file, problems, ...(node ? { node } : {}) });
}

/** Names given twice among `names` (each reported once). */
function duplicates(names: Iterable<string>): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup];
}

function wiringProblems(g: Graph): { problems: string[]; node?: string } {
  const problems: string[] = [];
  if (g.inputs.length === 0) problems.push('the graph has no input (every input is an initializer)');
  if (g.outputs.length === 0) problems.push('the graph has no output');
  for (const name of duplicates(g.nodes.map((n) => n.name))) problems.push(`two nodes are named "${name}"`);
  const producedBy = new Map<string, string>();
  for (const i of g.inputs) producedBy.set(i.name, 'graph input');
  for (const k of g.initializers.keys()) if (!producedBy.has(k)) producedBy.set(k, 'initializer');
  for (const name of duplicates(g.inputs.map((i) => i.name))) problems.push(`graph input "${name}" is declared twice`);
  // '' marks an omitted optional input or output in ONNX: a graph input or output cannot be named so
  if ([...g.inputs, ...g.outputs].some((v) => v.name === '')) problems.push('a graph input or output has no name');
  let node: string | undefined;
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      const prev = producedBy.get(o);
      if (prev !== undefined) {
        problems.push(
          `node "${n.name}" (${n.opType}) writes "${o}", which ${prev === 'graph input' || prev === 'initializer' ? `is a ${prev}` : `node "${prev}" also writes`}`,
        );
        node ??= n.name;
      } else producedBy.set(o, n.name);
    }
  }
  for (const name of duplicates(g.outputs.map((o) => o.name))) problems.push(`graph output "${name}" is declared twice`);
  for (const o of g.outputs) {
    const by = producedBy.get(o.name);
    if (by === undefined) problems.push(`graph output "${o.name}" is produced by no node`);
    else if (by === 'graph input' || by === 'initializer') problems.push(`graph output "${o.name}" is a ${by}, not the result of a node`);
  }
  return node ? { problems, node } : { problems };
}

/**
 * Some exporters write integral float attributes as ints (Gemm alpha = 1); the schema accepts them
 * and they are rewritten as floats here, since onnxruntime refuses the mismatched type.
 */
function floatAttrs(n: Node, entry: OpEntry | undefined): Node {
  if (!entry) return n;
  let attrs: Record<string, Attr> | undefined;
  for (const [k, a] of Object.entries(n.attrs)) {
    if (a.kind === 'int' && entry.schema.attributes[k]?.kind === 'float') (attrs ??= { ...n.attrs })[k] = { kind: 'float', value: a.value };
  }
  return attrs ? { ...n, attrs } : n;
}

/** Checks every node (and subgraph) against its schema; returns the graph with int-for-float attributes as floats. */
function schemaCheck(g: Graph, opset: number, file: string): Graph {
  const nodes = g.nodes.map((n0) => {
    const entry = opFor(n0, opset);
    const n = floatAttrs(n0, entry);
    const problems = entry ? schemaProblems(n, entry) : [];
    if (problems.length) {
      // one node per error: its name once, then each problem
      const prefix = `node "${n.name}" (${n.opType}): `;
      const shown = problems.map((p, i) => (i > 0 && p.startsWith(prefix) ? p.slice(prefix.length) : p));
      fail(problems.some((p) => p.includes('attribute')) ? ErrorCodes.ATTRIBUTE : ErrorCodes.GRAPH, file, shown, n.name);
    }
    if (!Object.values(n.attrs).some((a) => a.kind === 'graph')) return n;
    const attrs: Record<string, Attr> = {};
    for (const [k, a] of Object.entries(n.attrs)) attrs[k] = a.kind === 'graph' ? { kind: 'graph', value: schemaCheck(a.value, opset, file) } : a;
    return { ...n, attrs };
  });
  return nodes.some((n, i) => n !== g.nodes[i]) ? { ...g, nodes } : g;
}

/**
 * Throws E_GRAPH (wiring) or E_ATTRIBUTE (an attribute against its schema), naming the node, for an
 * invalid model; returns the model, with integral float attributes written as ints made floats.
 */
export function validateModel(m: Model): Model {
  const file = m.source ?? 'model';
  const g = m.graph;
  if (g.nodes.length === 0) fail(ErrorCodes.GRAPH, file, ['the graph has no nodes']);
  const w = wiringProblems(g);
  if (w.problems.length) fail(ErrorCodes.GRAPH, file, w.problems, w.node);
  const checked = schemaCheck(g, m.opset, file);
  try {
    topoSort(g);
  } catch (e) {
    if (e instanceof Onnx2SnnError) throw new Onnx2SnnError(e.code, `${file}: ${e.message}`, { file, ...e.details });
    throw e;
  }
  return checked === g ? m : { ...m, graph: checked };
}
