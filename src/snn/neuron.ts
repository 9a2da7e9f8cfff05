/**
 * Neuron dynamics, written once as plain float32 arithmetic. The reference simulator calls these;
 * src/snn/emit.ts lowers the same sequence of float32 operations to ONNX ops, in the same order,
 * so both give the same spikes for the same input currents.
 *
 *   IF  (Rueckauer et al. 2017): v ← v + I
 *   LIF:                          v ← β·v + (I + c),  c = (1−β)·θ/2
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

export function initialState(n: number, theta: Float32Array, opts: SnnOptions): NeuronState {
  const per = theta.length;
  const v = new Float32Array(n * per);
  for (let b = 0; b < n; b++) for (let i = 0; i < per; i++) v[b * per + i] = Math.fround(opts.vInit * theta[i]!);
  return { v, count: new Float32Array(n * per) };
}

/** Leak compensation current per element (LIF only). */
export function leakCompensation(theta: Float32Array, opts: SnnOptions): Float32Array {
  const c = new Float32Array(theta.length);
  for (let i = 0; i < c.length; i++) c[i] = Math.fround(((1 - opts.beta) * theta[i]!) / 2);
  return c;
}

/** One time step for a batch: updates the state in place and writes θ·s into `out`. */
export function neuronStep(current: Float32Array, st: NeuronState, theta: Float32Array, leak: Float32Array | undefined, opts: SnnOptions, out: Float32Array): void {
  const per = theta.length;
  const v = st.v;
  const cnt = st.count;
  const lif = opts.neuron === 'lif';
  const beta = Math.fround(opts.beta);
  const sub = opts.reset === 'subtract';
  for (let j = 0; j < v.length; j++) {
    const i = j % per;
    const th = theta[i]!;
    const x = lif ? Math.fround(Math.fround(v[j]! * beta) + Math.fround(current[j]! + leak![i]!)) : Math.fround(v[j]! + current[j]!);
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
