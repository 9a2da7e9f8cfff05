/** Small ANN graphs for SNN tests, built with our IR. */
import { A } from '../../src/graph/attrs.js';
import { float32 } from '../../src/graph/tensor.js';
import type { Model, Node, Tensor } from '../../src/graph/types.js';
import type { InMemoryDataset } from '../../src/data/types.js';
import { makeModel, mulberry32 } from '../helpers/ort.js';

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

/** Feature width of bottleneck(). */
export const BOTTLENECK_F = 6;

/**
 * x [N,F] → MatMul A → Relu → MatMul B (projection, feeds only the Add) → Add x (residual, no
 * ReLU; linear site) → MatMul C (projection; linear site) → MatMul D → y. Two linear sites: the
 * residual sum s and the projection q; p feeds only the Add, y is the output.
 */
export function bottleneck(seed: number): Model {
  const F = BOTTLENECK_F;
  const r = mulberry32(seed);
  const w = (name: string) =>
    [
      name,
      float32(
        [F, F],
        Float32Array.from({ length: F * F }, () => (r() - 0.5) * 1.2),
      ),
    ] as const;
  return makeModel(13, {
    nodes: [
      node('MatMul', ['x', 'A'], ['h'], {}, 'expand'),
      node('Relu', ['h'], ['a'], {}, 'relu'),
      node('MatMul', ['a', 'B'], ['p'], {}, 'project'),
      node('Add', ['p', 'x'], ['s'], {}, 'residual'),
      node('MatMul', ['s', 'C'], ['q'], {}, 'project2'),
      node('MatMul', ['q', 'D'], ['y'], {}, 'head'),
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', F] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', F] }],
    initializers: new Map<string, Tensor>([w('A'), w('B'), w('C'), w('D')]),
  });
}

/** n seeded samples of bottleneck()'s input, uniform in [−2, 2). */
export function bottleneckData(seed: number, n: number): InMemoryDataset {
  const r = mulberry32(seed);
  const F = BOTTLENECK_F;
  return {
    source: 'random',
    format: 'memory',
    count: n,
    sampleShape: [F],
    x: Float32Array.from({ length: n * F }, () => (r() - 0.5) * 4),
    labels: new Int32Array(n),
  };
}
