/**
 * LIF, leaky integrate-and-fire: v ← β·v + (I + c), c = (1−β)·θ/2. The constant current c
 * compensates the mean leak of a membrane that saw-tooths between 0 and θ while firing, so the
 * rate follows I/θ like the IF rate instead of falling short by (1−β)·v̄/θ.
 *
 * NIR: `LIF` with the forward-Euler reading of τ·dv/dt = (v_leak − v) + R·I at dt = 1, i.e.
 * v ← (1 − 1/τ)·v + v_leak/τ + (R/τ)·I: τ = 1/(1 − β), R = τ, v_leak = θ/2 — the compensation is
 * exactly a leak towards the resting potential θ/2 (a calibrated bias b that no weight layer can
 * take joins it: v_leak = θ/2 + τ·b).
 */
import { float32 } from '../../src/graph/tensor.js';
import { ErrorCodes, Onnx2SnnError } from '../../src/errors.js';
import { filled, nirTensor } from '../backends/nir.js';
import type { NeuronKind } from './types.js';

export const lifNeuron: NeuronKind<'lif'> = {
  name: 'lif',
  opType: 'LIF',
  constantCurrent: (theta, o) => ((1 - o.beta) * theta) / 2,
  reference: (_l, _theta, o) => {
    const beta = Math.fround(o.beta);
    return (v, input, x) => {
      for (let j = 0; j < x.length; j++) x[j] = Math.fround(Math.fround(v[j]! * beta) + input[j]!);
    };
  },
  onnx: (ctx, v, input, out) => {
    const leaky = ctx.fresh(`v_${ctx.index}_leaky`);
    ctx.node('body', 'Mul', [v, ctx.konst(`beta_${ctx.index}`, float32([], [ctx.options.beta]))], [leaky]);
    ctx.node('body', 'Add', [leaky, input], [out]);
  },
  tfjs: (tf, _l, _theta, o) => ({ update: (v, input) => tf.add(tf.mul(v, Math.fround(o.beta)), input), dispose: () => {} }),
  nir: {
    checkOptions: (o) => {
      if (!(o.beta > 0 && o.beta < 1))
        throw new Onnx2SnnError(ErrorCodes.CONVERT, `NIR export: LIF leak beta must lie in (0, 1), got ${o.beta}`, { option: 'beta', actual: o.beta });
    },
    leakBias: true,
    node: (l, theta, o, leakBias) => {
      const d = l.dims;
      const tau = Math.fround(1 / (1 - o.beta));
      // forward Euler at dt = 1: the constant current c = (1−β)·θ/2 + b is v_leak/τ
      const leak = theta.map((t, i) => t / 2 + (leakBias ? tau * leakBias[i]! : 0));
      return {
        type: 'LIF',
        tau: filled(d, tau),
        r: filled(d, tau),
        v_leak: nirTensor(d, leak),
        v_threshold: nirTensor(d, theta.slice()),
        v_reset: filled(d, 0),
      };
    },
  },
};
