/**
 * Batch generalisation. Exporters often declare batch 1 and bake that 1 into Reshape shapes
 * (`[1, 256]`, or `[1, -1]` after Shape→Gather folding). This pass marks dim 0 of inputs and
 * outputs as the symbolic batch 'N', and rewrites a constant Reshape shape whose first entry is
 * the declared batch while the data's dim 0 is the batch: to -1 when the rest of the shape is
 * fully known, else to 0 (copy dim 0 from the input; allowzero must be 0).
 */
import { attrInt } from '../attrs.js';
import { freshNamer } from '../graph.js';
import { inferShapes } from '../infer.js';
import { int64, sizeOf } from '../tensor.js';
import type { Dim, Model, Node, ValueInfo } from '../types.js';

export const BATCH_DIM = 'N';

export function generaliseBatch(m: Model): Model {
  const g = m.graph;
  const first = g.inputs[0]?.shape?.[0];
  const declared = typeof first === 'number' && first > 0 ? first : 1;
  const shapes = inferShapes(m, { batch: declared }).values;
  const fresh = freshNamer(g);
  const inits = new Map(g.initializers);
  const nodes: Node[] = g.nodes.map((n) => {
    if (n.opType !== 'Reshape') return n;
    const shapeT = inits.get(n.inputs[1] ?? '');
    const x = shapes.get(n.inputs[0]!);
    if (!shapeT || !x || shapeT.data.length === 0) return n;
    const s = Array.from(shapeT.data);
    if (s[0] !== declared || x.dims[0] !== declared) return n;
    const rest = s.slice(1);
    const restKnown = rest.every((d) => d > 0);
    let fixed: number[];
    if (restKnown && sizeOf(rest) * declared === sizeOf(x.dims)) fixed = [-1, ...rest];
    else if (attrInt(n, 'allowzero', 0) === 0) fixed = [0, ...rest];
    else return n;
    const name = fresh(`${n.inputs[1]}_batched`);
    inits.set(name, int64([fixed.length], fixed));
    return { ...n, inputs: [n.inputs[0]!, name] };
  });
  const batchify = (v: ValueInfo): ValueInfo =>
    v.shape && v.shape.length > 0 && (v.shape[0] === declared || typeof v.shape[0] !== 'number') ? { ...v, shape: [BATCH_DIM as Dim, ...v.shape.slice(1)] } : v;
  return {
    ...m,
    graph: {
      ...g,
      nodes,
      initializers: inits,
      inputs: g.inputs.map(batchify),
      outputs: g.outputs.map(batchify),
      valueInfo: new Map(), // intermediate shapes baked with batch 1 would now be wrong
    },
  };
}
