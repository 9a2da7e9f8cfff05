/** Small ANN graphs for SNN tests, built with our IR. */
import { A } from '../../src/graph/attrs.js';
import { float32 } from '../../src/graph/tensor.js';
import type { Model, Node, Tensor } from '../../src/graph/types.js';
import { makeModel } from '../helpers/ort.js';

export function node(opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, name?: string): Node {
  return { name: name ?? `${opType}_${outputs[0]}`, opType, domain: '', inputs, outputs, attrs };
}

/** x [N, F] → Relu → MatMul(identity) → y: the readout sums the neuron layer's θ·spikes. */
export function reluProbe(f: number): Model {
  const eye = new Float32Array(f * f);
  for (let i = 0; i < f; i++) eye[i * f + i] = 1;
  return makeModel(13, {
    nodes: [node('Relu', ['x'], ['r'], {}, 'relu'), node('MatMul', ['r', 'eye'], ['y'], {}, 'readout')],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', f] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', f] }],
    initializers: new Map<string, Tensor>([['eye', float32([f, f], eye)]]),
  });
}

/** x [N,1,2,2] → Relu → MaxPool 2×2 → Flatten → MatMul(1×1 identity) → y. */
export function poolProbe(): Model {
  return makeModel(13, {
    nodes: [
      node('Relu', ['x'], ['r'], {}, 'relu'),
      node('MaxPool', ['r'], ['p'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }, 'pool'),
      node('Flatten', ['p'], ['f'], {}, 'flat'),
      node('MatMul', ['f', 'one'], ['y'], {}, 'readout'),
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 1, 2, 2] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 1] }],
    initializers: new Map<string, Tensor>([['one', float32([1, 1], [1])]]),
  });
}
