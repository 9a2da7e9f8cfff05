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
 * Bursts (`--neuron signed --burst Γ`, or `--burst Γ` on a network whose default is signed): as
 * burst neurons (./burst.ts, Li & Zeng 2022) up to Γ spikes per step of θ = λ/Γ (src/snn/build.ts
 * via `levels`, at ReLU and linear sites alike), on either side:
 *
 *   k = +Σ_{j=1..Γ} [v ≥ fl(j·θ)]  if v ≥ θ;  else k = −Σ_{j=1..Γ} [v < −fl((j−1)·θ)] (v < 0, v < −θ, …),
 *   at most the net count for `signed` (memory: the count never goes below 0);
 *   out = fl(k·θ);  v ← v − out;  count ← count + k;  events ← events + |k|.
 *
 * The membrane then stays in [0, θ) while a step's input is within Γ·θ = λ in size, so the net
 * count is the running input rounded to θ = λ/Γ: Γ·T levels in T steps. Γ = 1 (the default) is
 * the one-spike neuron above, spike for spike. Comparisons against fl(j·θ), no division, as in
 * ./burst.ts, keep every engine exact. The bipolar neurons of linear sites take the Γ of signed
 * ReLU sites; beside IF burst neurons (--neuron burst) they keep one spike per step.
 *
 * NIR has no neuron with signed spikes: both kinds are refused there (E_CONVERT naming the layer).
 */
import { A } from '../../src/graph/attrs.js';
import { float32 } from '../../src/graph/tensor.js';
import type { OnnxContext } from '../backends/types.js';
import { burstSpikes, onnxBurst, tfjsBurstSpikes } from './burst.js';
import type { Fire, NeuronKind, NeuronOptions, OnnxFireNames } from './types.js';

/** Γ of signed and bipolar neurons: `burst` beside signed ReLU sites, else 1 (one spike per step). */
export function signedBurst(o: Pick<NeuronOptions, 'neuron' | 'burst'>): number {
  return o.neuron === 'signed' ? (o.burst ?? 1) : 1;
}

/** −fl((j−1)·θ), the j-th negative threshold (j ≥ 2; j = 1 is 0): the negation of a positive level is exact. */
function negativeLevel(theta: Float32Array, j: number): Float32Array {
  return theta.map((t) => -Math.fround((j - 1) * t));
}

function referenceFire(memory: boolean): Fire['reference'] {
  return (x, v, counts, theta, out, o: NeuronOptions, events?: Float32Array) => {
    const per = theta.length;
    const gamma = signedBurst(o);
    const sub = o.reset === 'subtract';
    for (let j = 0; j < x.length; j++) {
      const th = theta[j % per]!;
      const xj = x[j]!;
      let k = burstSpikes(xj, th, gamma);
      if (k === 0) {
        // v < 0, v < −θ, v < −fl(2θ), …: with memory never more than the count takes back
        const most = memory ? Math.min(gamma, counts[j]!) : gamma;
        while (-k < most && xj < (k === 0 ? 0 : -Math.fround(-k * th))) k--;
      }
      if (k === 0) {
        v[j] = xj;
        out[j] = 0;
        continue;
      }
      const emitted = Math.fround(k * th);
      v[j] = sub ? Math.fround(xj - emitted) : 0;
      out[j] = emitted;
      counts[j] = counts[j]! + k;
      if (events) events[j] = events[j]! + Math.abs(k);
    }
  };
}

/** The negative side −k ≥ 0 as float32 in the Loop body: Σ_j [v < −fl((j−1)·θ)], at most the count with memory. */
function onnxNegative(ctx: OnnxContext, f: OnnxFireNames, gamma: number, memory: boolean): string {
  const li = f.index;
  let neg = '';
  for (let j = 1; j <= gamma; j++) {
    const th = j === 1 ? ctx.konst('f_zero', float32([], [0])) : ctx.konst(`theta_${li}_neg${j}`, float32(f.dims, negativeLevel(f.thetaData, j)));
    const lt = ctx.fresh(`vneg_${li}_${j}`),
      ltF = ctx.fresh(`snegf_${li}_${j}`);
    ctx.node('body', 'Less', [f.v1, th], [lt]);
    ctx.node('body', 'Cast', [lt], [ltF], { to: A.int(1) });
    if (j === 1) neg = ltF;
    else {
      const sum = ctx.fresh(`sneg_${li}_${j}`);
      ctx.node('body', 'Add', [neg, ltF], [sum]);
      neg = sum;
    }
  }
  if (!memory) return neg;
  // the count is a non-negative integer: min(−k, count) takes back at most what was emitted
  const capped = ctx.fresh(`snegm_${li}`);
  ctx.node('body', 'Min', [neg, f.countIn], [capped]);
  return capped;
}

function onnxFire(memory: boolean): Fire['onnx'] {
  return (ctx: OnnxContext, f: OnnxFireNames) => {
    const li = f.index;
    const gamma = signedBurst(ctx.options);
    const { k: pos } = onnxBurst(ctx, f, gamma);
    const neg = onnxNegative(ctx, f, gamma, memory);
    const s = ctx.fresh(`s_${li}`);
    ctx.node('body', 'Sub', [pos, neg], [s]);
    ctx.node('body', 'Mul', [s, f.theta], [f.out]);
    if (ctx.options.reset === 'subtract') ctx.node('body', 'Sub', [f.v1, f.out], [f.vOut]);
    else {
      // reset to zero after a spike of either sign: v·(1 − [k ≠ 0]), [k ≠ 0] = min(|k|, 1)
      const a = ctx.fresh(`sabs_${li}`),
        keep = ctx.fresh(`keep_${li}`);
      ctx.node('body', 'Abs', [s], [a]);
      let fired = a;
      if (gamma > 1) {
        fired = ctx.fresh(`sfired_${li}`);
        ctx.node('body', 'Min', [a, ctx.konst('f_one', float32([], [1]))], [fired]);
      }
      ctx.node('body', 'Sub', [ctx.konst('f_one', float32([], [1])), fired], [keep]);
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
    const gamma = signedBurst(o);
    const { spikes: pos } = tfjsBurstSpikes(tf, v1, theta, gamma);
    let neg = tf.cast(tf.less(v1, 0), 'float32');
    // −fl((j−1)·θ): float32 products, as in the reference and the emitted file
    for (let j = 2; j <= gamma; j++) neg = tf.add(neg, tf.cast(tf.less(v1, tf.neg(tf.mul(theta, j - 1))), 'float32'));
    if (memory) neg = tf.minimum(neg, count);
    const spikes = tf.sub(pos, neg);
    const output = tf.mul(spikes, theta);
    const v = o.reset === 'subtract' ? tf.sub(v1, output) : tf.mul(v1, tf.sub(1, tf.minimum(tf.abs(spikes), 1)));
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
    levels: signedBurst,
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
