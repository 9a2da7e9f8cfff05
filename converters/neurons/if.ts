/**
 * IF, integrate-and-fire (Rueckauer et al. 2017): v ← v + I. With reset by subtraction its rate
 * converges to clamp(I/θ, 0, 1) with error ≤ 1/T; a constant-current layer is solved in closed
 * form. NIR: `IF` with r = 1, v_threshold = θ, v_reset = 0.
 */
import { filled, nirTensor } from '../backends/nir.js';
import type { NeuronKind } from './types.js';

export const ifNeuron: NeuronKind<'if'> = {
  name: 'if',
  opType: 'IF',
  closedForm: true,
  reference: () => (v, input, x) => {
    for (let j = 0; j < x.length; j++) x[j] = Math.fround(v[j]! + input[j]!);
  },
  onnx: (ctx, v, input, out) => ctx.node('body', 'Add', [v, input], [out]),
  tfjs: (tf) => ({ update: (v, input) => tf.add(v, input), dispose: () => {} }),
  nir: { node: (l, theta) => ({ type: 'IF', r: filled(l.dims, 1), v_threshold: nirTensor(l.dims, theta.slice()), v_reset: filled(l.dims, 0) }) },
};
