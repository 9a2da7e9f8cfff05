/**
 * Which nodes become spiking neuron layers: those whose op has the spiking role 'site' — Relu, and
 * Clip with a constant lower bound of 0 (ReLU6 and other capped ReLUs; converters/activation.ts).
 */
import { ruleFor } from '../../converters/registry.js';
import { consumers } from '../graph/graph.js';
import type { Graph, Node } from '../graph/types.js';

/** The cap of a neuron site (Infinity for Relu), or undefined when the node is not one (its op's spiking role decides). */
export function neuronCap(n: Node, g: Graph, opset: number): number | undefined {
  const role = ruleFor(n, opset)?.spiking;
  return role?.kind === 'site' ? role.cap?.(n, g, opset) : undefined;
}

export function isNeuronSite(n: Node, g: Graph, opset: number): boolean {
  return neuronCap(n, g, opset) !== undefined;
}

/**
 * Linear sites (issue 10, "linear bottlenecks"): tensors that carry a real-valued signal into a
 * weighted layer without passing a neuron — the outputs of 1×1 projections without activation and
 * of residual Adds without ReLU in MobileNetV2-style networks. A weighted layer fed by such a signal
 * does its MACs every step; with `--linear bipolar` each becomes a layer of bipolar neurons
 * (converters/neurons/signed.ts) so that the whole network spikes. A site is the output of a
 * weighted op (Conv, Gemm, MatMul) or of an Add/Sub, that is not a graph output and reaches a
 * weighted op's data input directly or through routing ops (Reshape, Flatten, Transpose …).
 */
export function linearSites(g: Graph, opset: number): string[] {
  const cons = consumers(g);
  const outputs = new Set(g.outputs.map((o) => o.name));
  const feedsWeighted = (t: string, depth = 0): boolean =>
    depth < 8 &&
    (cons.get(t) ?? []).some((c) => {
      const r = ruleFor(c, opset)?.synops;
      if (r?.weighted) return c.inputs[0] === t;
      return r?.carry === 'route' && c.inputs[0] === t && c.outputs.some((o) => o && !outputs.has(o) && feedsWeighted(o, depth + 1));
    });
  const out: string[] = [];
  for (const n of g.nodes) {
    const t = n.outputs[0];
    if (!t || outputs.has(t) || isNeuronSite(n, g, opset)) continue;
    const r = ruleFor(n, opset)?.synops;
    if (!(r?.weighted || r?.carry === 'sum')) continue;
    if (feedsWeighted(t)) out.push(t);
  }
  return out;
}
