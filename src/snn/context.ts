/** What every backend walker tells the op lowerings about a converted network (converters/backends/types.ts). */
import type { LayerRef, SnnContext } from '../../converters/backends/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Node } from '../graph/types.js';
import type { SnnModel } from './build.js';

/** The shared part of a lowering context: options, dims, the layer of each neuron node (closed-form ones marked). */
export function snnContext(snn: SnnModel, closed: ReadonlySet<number>, opset = snn.ann.opset): SnnContext {
  const refs = snn.layers.map((layer, index): LayerRef => ({ index, layer, closedForm: closed.has(index) }));
  const byName = new Map(refs.map((r) => [r.layer.name, r]));
  const byOutput = new Map(refs.map((r) => [r.layer.output, r]));
  return {
    opset,
    options: snn.options,
    dims: (t) => snn.dims.get(t) ?? [],
    layer(node: Node): LayerRef {
      const r = byName.get(node.name);
      if (!r) throw new Onnx2SnnError(ErrorCodes.GRAPH, `${node.opType} "${node.name}" is not a neuron layer of this SNN`, { node: node.name });
      return r;
    },
    layerOf: (t) => byOutput.get(t),
  };
}
