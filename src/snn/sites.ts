/**
 * Which nodes become spiking neuron layers: Relu, and Clip with a constant lower bound of 0
 * (ReLU6 and other capped ReLUs, as in MobileNets). A capped ReLU min(max(x, 0), m) is an IF
 * neuron whose threshold is at most m: the neuron's output θ·rate can never exceed θ, so
 * θ = min(λ, m) reproduces the cap exactly where λ ≥ m.
 */
import type { Graph, Node } from '../graph/types.js';

/** The cap of a neuron site (Infinity for Relu), or undefined when the node is not one. */
export function neuronCap(n: Node, g: Graph, opset: number): number | undefined {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return undefined;
  if (n.opType === 'Relu') return Infinity;
  if (n.opType !== 'Clip') return undefined;
  let lo: number | undefined;
  let hi: number | undefined = Infinity;
  if (opset < 11) {
    const a = n.attrs['min'];
    const b = n.attrs['max'];
    lo = a && (a.kind === 'float' || a.kind === 'int') ? a.value : undefined;
    hi = b && (b.kind === 'float' || b.kind === 'int') ? b.value : Infinity;
  } else {
    const min = n.inputs[1] ? g.initializers.get(n.inputs[1]) : undefined;
    const max = n.inputs[2] ? g.initializers.get(n.inputs[2]) : undefined;
    lo = min && min.data.length === 1 ? min.data[0] : undefined;
    if (n.inputs[2]) hi = max && max.data.length === 1 ? max.data[0] : undefined;
  }
  if (lo !== 0 || hi === undefined || !(hi > 0)) return undefined;
  return hi;
}

export function isNeuronSite(n: Node, g: Graph, opset: number): boolean {
  return neuronCap(n, g, opset) !== undefined;
}
