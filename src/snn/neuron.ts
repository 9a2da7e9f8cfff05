/**
 * Neuron dynamics, written once as plain float32 arithmetic. The reference simulator calls these;
 * src/snn/emit.ts lowers the same sequence of float32 operations to ONNX ops, in the same order,
 * so both give the same spikes for the same input currents.
 *
 *   IF  (Rueckauer et al. 2017): v ← v + I
 *   LIF:                          v ← β·v + (I + c),  c = (1−β)·θ/2 (+ calibrated bias)
 *        c compensates the mean leak of a membrane that saw-tooths between 0 and θ while firing,
 *        so the LIF rate follows I/θ like the IF rate instead of falling short by (1−β)·v̄/θ.
 *   spike s = [v ≥ θ]; reset by subtraction v ← v − s·θ (keeps the residual charge, so the rate
 *   converges to clamp(I/θ, 0, 1) with error ≤ 1/T), or to zero v ← v·(1 − s).
 *   The layer emits s·θ, i.e. activations in the ANN's units.
 */
import type { SnnOptions } from './types.js';

export interface NeuronState {
  /** Membrane potentials, n × per-sample size. */
  readonly v: Float32Array;
  /** Spike counts so far. */
  readonly count: Float32Array;
}

/** Per-element threshold for one sample (channel c = index / (size / channels)). */
export function expandThreshold(threshold: number | readonly number[], dims: readonly number[]): Float32Array {
  const per = dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(per);
  if (typeof threshold === 'number') return out.fill(threshold);
  const inner = per / threshold.length;
  for (let i = 0; i < per; i++) out[i] = threshold[Math.floor(i / inner)]!;
  return out;
}

/**
 * Initial membrane potential per element of one sample: vInit·θ, or, after potential calibration,
 * a per-channel fraction v0_c·θ (the learned generalisation of the θ/2 shift).
 */
export function initialPotential(theta: Float32Array, dims: readonly number[], v0: readonly number[] | undefined, opts: SnnOptions): Float32Array {
  const frac = v0 ? expandThreshold(v0, dims) : undefined;
  const out = new Float32Array(theta.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround((frac ? frac[i]! : opts.vInit) * theta[i]!);
  return out;
}

export function initialState(n: number, v0: Float32Array): NeuronState {
  const per = v0.length;
  const v = new Float32Array(n * per);
  for (let b = 0; b < n; b++) v.set(v0, b * per);
  return { v, count: new Float32Array(n * per) };
}

/**
 * The constant extra current per element, or undefined when there is none: the LIF leak
 * compensation (1−β)·θ/2 plus the layer's calibrated bias (per channel).
 */
export function extraCurrent(theta: Float32Array, dims: readonly number[], bias: readonly number[] | undefined, opts: SnnOptions): Float32Array | undefined {
  const lif = opts.neuron === 'lif';
  if (!lif && !bias) return undefined;
  const b = bias ? expandThreshold(bias, dims) : undefined;
  const c = new Float32Array(theta.length);
  for (let i = 0; i < c.length; i++) c[i] = Math.fround((lif ? ((1 - opts.beta) * theta[i]!) / 2 : 0) + (b ? b[i]! : 0));
  return c;
}

/** Per-layer constants of the polynomial neuron (undefined parts for IF/LIF). */
export interface PolyParams {
  /** Horner coefficients per element, c_0 … c_d (ANN units); empty when p ≡ 0. */
  readonly coef: readonly Float32Array[];
  /** Input gain g (1 = none). */
  readonly gain: number;
}

/**
 * One time step for a batch: updates the state in place and writes θ·s into `out`.
 *   input = ((I·g) + c)    (each part only when present)
 *   IF:   v ← v + input;  LIF: v ← β·v + input;  poly: v ← (v + f(v)) + input, f by Horner.
 */
export function neuronStep(current: Float32Array, st: NeuronState, theta: Float32Array, extra: Float32Array | undefined, opts: SnnOptions, out: Float32Array, poly?: PolyParams): void {
  const per = theta.length;
  const v = st.v;
  const cnt = st.count;
  const lif = opts.neuron === 'lif';
  const beta = Math.fround(opts.beta);
  const sub = opts.reset === 'subtract';
  const coef = poly?.coef ?? [];
  const gain = Math.fround(poly?.gain ?? 1);
  for (let j = 0; j < v.length; j++) {
    const i = j % per;
    const th = theta[i]!;
    let input = gain !== 1 ? Math.fround(current[j]! * gain) : current[j]!;
    if (extra) input = Math.fround(input + extra[i]!);
    let x: number;
    if (lif) x = Math.fround(Math.fround(v[j]! * beta) + input);
    else if (coef.length) {
      const u = v[j]!;
      let f = coef[coef.length - 1]![i]!;
      for (let k = coef.length - 2; k >= 0; k--) f = Math.fround(Math.fround(f * u) + coef[k]![i]!);
      x = Math.fround(Math.fround(u + f) + input);
    } else x = Math.fround(v[j]! + input);
    if (x >= th) {
      v[j] = sub ? Math.fround(x - th) : 0;
      out[j] = th;
      cnt[j] = cnt[j]! + 1;
    } else {
      v[j] = x;
      out[j] = 0;
    }
  }
}
