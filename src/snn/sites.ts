/**
 * Which nodes become spiking neuron layers: those whose op has the spiking role 'site' — Relu, and
 * Clip with a constant lower bound of 0 (ReLU6 and other capped ReLUs; converters/activation.ts).
 */
import { ruleFor } from '../../converters/registry.js';
import type { Graph, Node } from '../graph/types.js';

/** The cap of a neuron site (Infinity for Relu), or undefined when the node is not one (its op's spiking role decides). */
export function neuronCap(n: Node, g: Graph, opset: number): number | undefined {
  const role = ruleFor(n, opset)?.spiking;
  return role?.kind === 'site' ? role.cap?.(n, g, opset) : undefined;
}

export function isNeuronSite(n: Node, g: Graph, opset: number): boolean {
  return neuronCap(n, g, opset) !== undefined;
}
