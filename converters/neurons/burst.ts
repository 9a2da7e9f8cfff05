/**
 * Burst neurons, after Li & Zeng 2022 ("Efficient and Accurate Conversion of Spiking Neural
 * Network with Burst Spikes", IJCAI): an IF neuron (v ← v + I) that may emit up to Γ spikes in one
 * step (a burst), reset by subtraction of all of them:
 *
 *   k = Σ_{j=1..Γ} [v ≥ fl(j·θ)]  (= clamp(⌊v/θ⌋, 0, Γ) up to float32 rounding of j·θ);
 *   out = θ·k;  v ← v − θ·k (reset by subtraction) or 0 when k > 0 (to zero);  count ← count + k.
 *
 * Γ = `burst` (SnnOptions, default 2). The comparisons against j·θ rather than ⌊v/θ⌋ keep every
 * engine exact (no division, which WGSL does not round correctly) and make Γ = 1 exactly IF.
 *
 * Threshold: the ReLU's range [0, λ] is split into Γ spike sizes, θ = λ/Γ (src/snn/build.ts via
 * `levels`), so a layer still saturates at λ but has Γ·T levels in T steps instead of T: the
 * quantisation error of rate coding, ≤ λ/T per neuron, becomes ≤ λ/(Γ·T). The price is honest:
 * the count is the number of spikes (a burst of k counts k), so the synaptic operations count k
 * events per burst — about Γ times as many spikes as IF at the same T for the same activations.
 *
 * With reset by subtraction v_T = v0 + Σ_t x_t − θ·n still holds, so the emitted file recovers the
 * count after the Loop as for IF (src/snn/emit-recover.ts) instead of counting every step. No
 * closed form (a = clamp(I/θ, 0, Γ) would need its own constants). NIR's neurons
 * emit at most one spike per step: refused there (E_CONVERT naming the layer).
 */
import { A } from '../../src/graph/attrs.js';
import { float32 } from '../../src/graph/tensor.js';
import type { OnnxContext, Tf, TfTensor } from '../backends/types.js';
import { onnxAtThreshold } from './fire.js';
import type { Fire, NeuronKind, NeuronOptions, OnnxFireNames } from './types.js';

/** The default largest burst Γ. */
const DEFAULT_BURST = 2;

/** Γ of the options (an integer ≥ 1). */
function maxBurst(o: Pick<NeuronOptions, 'burst'>): number {
  return o.burst ?? DEFAULT_BURST;
}

/** fl(j·θ) per element, j = 1..Γ (j = 1 is θ itself). */
export function levelThresholds(theta: Float32Array, gamma: number): Float32Array[] {
  return Array.from({ length: gamma }, (_, j) => (j === 0 ? theta : theta.map((t) => Math.fround((j + 1) * t))));
}

/** k = Σ_{j=1..Γ} [x ≥ fl(j·θ)]: the spikes of one burst (also the positive side of signed bursts, ./signed.ts). */
export function burstSpikes(x: number, th: number, gamma: number): number {
  let k = 0;
  while (k < gamma && x >= (k === 0 ? th : Math.fround((k + 1) * th))) k++;
  return k;
}

const referenceFire: Fire['reference'] = (x, v, counts, theta, out, o) => {
  const per = theta.length;
  const gamma = maxBurst(o);
  const sub = o.reset === 'subtract';
  for (let j = 0; j < x.length; j++) {
    const th = theta[j % per]!;
    const xj = x[j]!;
    const k = burstSpikes(xj, th, gamma);
    if (k === 0) {
      v[j] = xj;
      out[j] = 0;
      continue;
    }
    const emitted = Math.fround(k * th);
    v[j] = sub ? Math.fround(xj - emitted) : 0;
    out[j] = emitted;
    counts[j] = counts[j]! + k;
  }
};

/** k = Σ_{j=1..Γ} [v ≥ fl(j·θ)] as float32 in the Loop body; returns k and [v ≥ θ]. */
export function onnxBurst(
  ctx: OnnxContext,
  f: Pick<OnnxFireNames, 'index' | 'dims' | 'v1' | 'theta' | 'thetaData'>,
  gamma = maxBurst(ctx.options),
): { k: string; first: string } {
  const li = f.index;
  const levels = levelThresholds(f.thetaData, gamma);
  let k = '';
  let first = '';
  levels.forEach((data, j) => {
    const th = j === 0 ? f.theta : ctx.konst(`theta_${li}_x${j + 1}`, float32(f.dims, data));
    const s = ctx.fresh(`s_${li}_${j + 1}`),
      sf = ctx.fresh(`sf_${li}_${j + 1}`);
    onnxAtThreshold(ctx, li, f.v1, th, data, f.dims, s);
    ctx.node('body', 'Cast', [s], [sf], { to: A.int(1) });
    if (j === 0) {
      k = first = sf;
      return;
    }
    const sum = ctx.fresh(`burst_${li}_${j + 1}`);
    ctx.node('body', 'Add', [k, sf], [sum]);
    k = sum;
  });
  return { k, first };
}

function onnxFire(ctx: OnnxContext, f: OnnxFireNames): void {
  const { k, first } = onnxBurst(ctx, f);
  ctx.node('body', 'Mul', [k, f.theta], [f.out]);
  if (ctx.options.reset === 'subtract') ctx.node('body', 'Sub', [f.v1, f.out], [f.vOut]);
  else {
    // to zero after a burst of any size: v·(1 − [v ≥ θ])
    const keep = ctx.fresh(`keep_${f.index}`);
    ctx.node('body', 'Sub', [ctx.konst('f_one', float32([], [1])), first], [keep]);
    ctx.node('body', 'Mul', [f.v1, keep], [f.vOut]);
  }
  ctx.node('body', 'Add', [f.countIn, k], [f.countOut]);
}

/** Reset by subtraction without a count: v_T = v0 + Σx − θ·n still holds, so the count is recovered after the Loop. */
function onnxFireUncounted(ctx: OnnxContext, f: Pick<OnnxFireNames, 'index' | 'dims' | 'v1' | 'theta' | 'thetaData' | 'out' | 'vOut'>): void {
  const { k } = onnxBurst(ctx, f);
  ctx.node('body', 'Mul', [k, f.theta], [f.out]);
  ctx.node('body', 'Sub', [f.v1, f.out], [f.vOut]);
}

/** Σ_{j=1..Γ} [v ≥ fl(j·θ)] in tfjs, and [v ≥ θ] (also the positive side of signed bursts, ./signed.ts). */
export function tfjsBurstSpikes(tf: Tf, v1: TfTensor, theta: TfTensor, gamma: number): { spikes: TfTensor; first: TfTensor } {
  const first = tf.cast(tf.greaterEqual(v1, theta), 'float32');
  let spikes = first;
  // fl(j·θ): a float32 product, as in the reference and the emitted file
  for (let j = 2; j <= gamma; j++) spikes = tf.add(spikes, tf.cast(tf.greaterEqual(v1, tf.mul(theta, j)), 'float32'));
  return { spikes, first };
}

const tfjsFire: Fire['tfjs'] = (tf, v1, theta, count, o) => {
  const { spikes, first } = tfjsBurstSpikes(tf, v1, theta, maxBurst(o));
  const output = tf.mul(spikes, theta);
  const v = o.reset === 'subtract' ? tf.sub(v1, output) : tf.mul(v1, tf.sub(1, first));
  return { output, v, count: tf.add(count, spikes), spikes };
};

export const burstNeuron: NeuronKind<'burst'> = {
  name: 'burst',
  opType: 'BurstIF',
  levels: maxBurst,
  reference: () => (v, input, x) => {
    for (let j = 0; j < x.length; j++) x[j] = Math.fround(v[j]! + input[j]!);
  },
  fire: { reference: referenceFire, onnx: onnxFire, tfjs: tfjsFire, onnxUncounted: onnxFireUncounted },
  onnx: (ctx, v, input, out) => ctx.node('body', 'Add', [v, input], [out]),
  tfjs: (tf) => ({ update: (v, input) => tf.add(v, input), dispose: () => {} }),
  nir: {
    refuse: () => 'burst neurons (up to Γ spikes per step, Li & Zeng 2022) have no NIR primitive (NIR has IF, LIF, CubaLIF: one spike per step)',
    node: () => {
      throw new Error('unreachable: burst layers are refused before translation');
    },
  },
};
