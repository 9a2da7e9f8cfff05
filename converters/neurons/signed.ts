/**
 * Signed IF neurons, after Wang et al. 2022 ("Signed Neuron with Memory: Towards Simple, Accurate
 * and High-Efficient ANN-SNN Conversion", IJCAI): an IF neuron with reset by subtraction that also
 * emits a negative spike, s = −1, emitting −θ and resetting v ← v + θ.
 *
 *   s = +1 if v ≥ θ;  s = −1 if v < 0 (and, for `signed`, the neuron has a positive net count);
 *   out = θ·s;  v ← v − θ·s;  count ← count + s (the net count, so θ·count/T stays the rate).
 *
 * Why the negative threshold is 0 and not −θ: with v₀ = θ/2 and thresholds θ and 0 the membrane
 * stays in [0, θ) whenever a step's input is at most θ in size, so the net count is exactly
 * n_t = ⌊(v₀ + Σ_{τ≤t} I_τ)/θ⌋ — the running input rounded to the nearest spike, an error below
 * one spike at every step; a −θ threshold would leave a hysteresis band of 2θ (up to two spikes of
 * error) in exchange for fewer negative spikes.
 *
 * - `signed` (`--neuron signed`, ReLU sites): negative spikes only while the net count is positive
 *   (Wang et al.'s memory): the count never goes below 0, so a neuron that over-fired early on a
 *   bursty input takes its spikes back and its count tracks ReLU of the integrated input.
 * - `bipolar` (linear sites, `--linear bipolar`, src/snn/build.ts): no memory condition, so the net
 *   count tracks the integrated input with either sign: a spiking version of a linear signal whose
 *   calibrated |a| sets θ. Not a --neuron value (it would drop the ReLU).
 *
 * NIR has no neuron with signed spikes: both kinds are refused there (E_CONVERT naming the layer).
 */
import { A } from '../../src/graph/attrs.js';
import { float32 } from '../../src/graph/tensor.js';
import type { OnnxContext } from '../backends/types.js';
import { onnxAtThreshold } from './fire.js';
import type { Fire, NeuronKind, NeuronOptions, OnnxFireNames } from './types.js';

function referenceFire(memory: boolean): Fire['reference'] {
  return (x, v, counts, theta, out, o: NeuronOptions, events?: Float32Array) => {
    const per = theta.length;
    const sub = o.reset === 'subtract';
    for (let j = 0; j < x.length; j++) {
      const th = theta[j % per]!;
      const xj = x[j]!;
      const s = xj >= th ? 1 : xj < 0 && (!memory || counts[j]! > 0) ? -1 : 0;
      if (s === 0) {
        v[j] = xj;
        out[j] = 0;
        continue;
      }
      const emitted = s * th;
      v[j] = sub ? Math.fround(xj - emitted) : 0;
      out[j] = emitted;
      counts[j] = counts[j]! + s;
      if (events) events[j] = events[j]! + 1;
    }
  };
}

function onnxFire(memory: boolean): Fire['onnx'] {
  return (ctx: OnnxContext, f: OnnxFireNames) => {
    const li = f.index;
    const zero = ctx.konst('f_zero', float32([], [0]));
    const pos = ctx.fresh(`spos_${li}`),
      lt = ctx.fresh(`vneg_${li}`),
      posF = ctx.fresh(`sposf_${li}`),
      negF = ctx.fresh(`snegf_${li}`),
      s = ctx.fresh(`s_${li}`);
    onnxAtThreshold(ctx, li, f.v1, f.theta, f.thetaData, f.dims, pos);
    ctx.node('body', 'Less', [f.v1, zero], [lt]);
    let neg = lt;
    if (memory) {
      const has = ctx.fresh(`counted_${li}`);
      neg = ctx.fresh(`sneg_${li}`);
      ctx.node('body', 'Greater', [f.countIn, zero], [has]);
      ctx.node('body', 'And', [lt, has], [neg]);
    }
    ctx.node('body', 'Cast', [pos], [posF], { to: A.int(1) });
    ctx.node('body', 'Cast', [neg], [negF], { to: A.int(1) });
    ctx.node('body', 'Sub', [posF, negF], [s]);
    ctx.node('body', 'Mul', [s, f.theta], [f.out]);
    if (ctx.options.reset === 'subtract') ctx.node('body', 'Sub', [f.v1, f.out], [f.vOut]);
    else {
      // reset to zero after a spike of either sign: v·(1 − |s|)
      const a = ctx.fresh(`sabs_${li}`),
        keep = ctx.fresh(`keep_${li}`);
      ctx.node('body', 'Abs', [s], [a]);
      ctx.node('body', 'Sub', [ctx.konst('f_one', float32([], [1])), a], [keep]);
      ctx.node('body', 'Mul', [f.v1, keep], [f.vOut]);
    }
    ctx.node('body', 'Add', [f.countIn, s], [f.countOut]);
    if (f.events) {
      const a = ctx.fresh(`sevents_${li}`);
      ctx.node('body', 'Abs', [s], [a]);
      ctx.node('body', 'Add', [f.events.inName, a], [f.events.outName]);
    }
  };
}

function tfjsFire(memory: boolean): Fire['tfjs'] {
  return (tf, v1, theta, count, o) => {
    let neg = tf.less(v1, 0);
    if (memory) neg = tf.logicalAnd(neg, tf.greater(count, 0));
    const spikes = tf.sub(tf.cast(tf.greaterEqual(v1, theta), 'float32'), tf.cast(neg, 'float32'));
    const output = tf.mul(spikes, theta);
    const v = o.reset === 'subtract' ? tf.sub(v1, output) : tf.mul(v1, tf.sub(1, tf.abs(spikes)));
    return { output, v, count: tf.add(count, spikes), spikes };
  };
}

function signedKind<N extends string>(name: N, opType: string, memory: boolean): NeuronKind<N> {
  const why = memory
    ? 'signed neurons (negative spikes, Wang et al. 2022) have no NIR primitive (NIR has IF, LIF, CubaLIF)'
    : 'bipolar neurons of a linear site (spikes of either sign) have no NIR primitive (NIR has IF, LIF, CubaLIF); convert with --linear analog for NIR';
  return {
    name,
    opType,
    signedSpikes: true,
    reference: () => (v, input, x) => {
      for (let j = 0; j < x.length; j++) x[j] = Math.fround(v[j]! + input[j]!);
    },
    onnx: (ctx, v, input, out) => ctx.node('body', 'Add', [v, input], [out]),
    tfjs: (tf) => ({ update: (v, input) => tf.add(v, input), dispose: () => {} }),
    fire: { reference: referenceFire(memory), onnx: onnxFire(memory), tfjs: tfjsFire(memory) },
    nir: {
      refuse: () => why,
      node: () => {
        throw new Error(why); // unreachable: refuse() always answers first
      },
    },
  };
}

/** `--neuron signed`: IF with negative spikes that cancel early over-firing (count stays ≥ 0). */
export const signedNeuron = signedKind('signed', 'SignedIF', true);

/** The neurons of linear sites (`--linear bipolar`): spikes of either sign, no memory condition. */
export const bipolarNeuron = signedKind('bipolar', 'BipolarIF', false);
