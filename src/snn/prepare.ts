/**
 * Rewrites that make an ANN ready for conversion, applied before calibration so that calibration
 * measures exactly the ReLU sites that become neurons:
 * - MaxPool → Relu (or a capped ReLU, Clip(0, m)) becomes Relu → MaxPool (max commutes with any
 *   monotonic function), so the max pool sees spikes and can use the spiking max pool rule.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { consumers } from '../graph/graph.js';
import type { Model, Node } from '../graph/types.js';
import { isNeuronSite } from './sites.js';

const POOLS = new Set(['MaxPool', 'GlobalMaxPool']);

export function prepareForConversion(m: Model): Model {
  let g = m.graph;
  for (;;) {
    const cons = consumers(g);
    const outputs = new Set(g.outputs.map((o) => o.name));
    const pool = g.nodes.find((n) => {
      if (!POOLS.has(n.opType) || n.outputs.filter(Boolean).length !== 1) return false;
      const c = cons.get(n.outputs[0]!) ?? [];
      return c.length === 1 && isNeuronSite(c[0]!, g, m.opset) && !outputs.has(n.outputs[0]!);
    });
    if (!pool) break;
    const relu = cons.get(pool.outputs[0]!)![0]!;
    const x = pool.inputs[0]!;
    const mid = pool.outputs[0]!; // reuse the name for the ReLU output feeding the pool
    const y = relu.outputs[0]!;
    const nodes: Node[] = g.nodes.flatMap((n) => {
      // a Clip keeps its bounds (inputs 1 and 2 since opset 11)
      if (n === pool)
        return [
          { ...relu, inputs: [x, ...relu.inputs.slice(1)], outputs: [mid] },
          { ...pool, inputs: [mid], outputs: [y] },
        ];
      if (n === relu) return [];
      return [n];
    });
    g = { ...g, nodes };
  }
  return { ...m, graph: g };
}

/**
 * The tensor the SNN integrates as its readout: the first graph output, or the input of a final
 * Softmax/LogSoftmax (dropped: the argmax of the summed logits is the SNN's class).
 */
export function readoutTensor(m: Model): { tensor: string; dropped?: Node } {
  const first = m.graph.outputs[0];
  if (!first) throw new Onnx2SnnError(ErrorCodes.GRAPH, `${m.source ?? 'model'}: the graph has no output to read out`, { file: m.source });
  const out = first.name;
  const last = m.graph.nodes.find((n) => n.outputs.includes(out));
  if (last && (last.opType === 'Softmax' || last.opType === 'LogSoftmax')) return { tensor: last.inputs[0]!, dropped: last };
  return { tensor: out };
}
