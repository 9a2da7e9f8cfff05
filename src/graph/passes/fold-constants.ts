/**
 * Constant folding: every node whose inputs are all constants is evaluated with its JS rule and
 * replaced by an initializer; Shape of a tensor with known dims is folded too (with the batch
 * dimension at its declared value; generaliseBatch then undoes any batch baked into a Reshape).
 * This turns exporter idioms such as Shape→Gather→Unsqueeze→Concat→Reshape (Flatten) and
 * Reshape-of-initializer weights into plain constants.
 */
import { ruleFor } from '../../../converters/registry.js';
import { pruneDeadNodes, topoSort } from '../graph.js';
import { inferShapes } from '../infer.js';
import type { Model, Node, Tensor } from '../types.js';

/** Ops never folded even with constant inputs (none today; random ops would go here). */
const NEVER_FOLD = new Set(['RandomUniform', 'RandomNormal', 'RandomUniformLike', 'RandomNormalLike', 'Multinomial']);

function declaredBatch(m: Model): number {
  const d = m.graph.inputs[0]?.shape?.[0];
  return typeof d === 'number' && d > 0 ? d : 1;
}

export function foldConstants(m: Model): Model {
  const g = m.graph;
  const shapes = inferShapes(m, { batch: declaredBatch(m) }).values;
  const consts = new Map<string, Tensor>(g.initializers);
  const kept: Node[] = [];
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  for (const n of topoSort(g)) {
    const rule = ruleFor(n, m.opset);
    if (!rule || NEVER_FOLD.has(n.opType) || n.outputs.some((o) => graphOutputs.has(o))) {
      kept.push(n);
      continue;
    }
    if (n.opType === 'Shape') {
      const x = shapes.get(n.inputs[0]!);
      if (x) {
        // Shape reads only the dims of its input
        consts.set(n.outputs[0]!, rule.evaluate(n, [{ dtype: x.dtype, dims: x.dims, data: new Float32Array(0) }], { opset: m.opset })[0]!);
        continue;
      }
    }
    const ins = n.inputs.map((x) => (x ? consts.get(x) : undefined));
    const allConst = n.inputs.every((x, i) => !x || ins[i] !== undefined);
    if (!allConst || (n.inputs.length === 0 && n.opType !== 'Constant')) {
      kept.push(n);
      continue;
    }
    const outs = rule.evaluate(n, ins, { opset: m.opset });
    n.outputs.forEach((o, i) => {
      if (o && outs[i]) consts.set(o, outs[i]!);
    });
  }
  // keep only constants still read by someone
  const used = new Set<string>();
  for (const n of kept) for (const i of n.inputs) used.add(i);
  for (const o of g.outputs) used.add(o.name);
  const initializers = new Map<string, Tensor>();
  for (const [k, t] of consts) if (used.has(k)) initializers.set(k, t);
  return { ...m, graph: pruneDeadNodes({ ...g, nodes: kept, initializers }) };
}
