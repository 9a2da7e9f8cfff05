/**
 * A less noisy score for `--calibration auto` (calibration/auto.ts) than ANN/SNN agreement.
 *
 * Agreement counts each held-out sample as 0 or 1: on 250 samples a difference of 1 point is 2–3
 * samples flipping, within the noise of the split. The readout divergence scores every sample by
 * how far the SNN's output is from the ANN's, KL(softmax(z_ANN) ‖ softmax(r/T)), r the readout
 * after T steps (the summed output current, ≈ T·z): a sample that is close to flipping counts
 * before it flips. This is the distillation loss of Hinton et al. 2015, used here only to rank.
 *
 * A candidate beats the reference only when it is better on the same samples with a paired test:
 * the mean per-sample difference exceeds `z` standard errors of that mean (z = 2: one chance in
 * ~40 that a candidate no better than plain passes by luck), so ties and noise keep plain.
 */
import { readoutTensor } from '../src/snn/prepare.js';
import type { Model } from '../src/graph/types.js';

/** Row-wise log-softmax of [n, K] values (float64), `scale` applied first. */
function logSoftmaxRows(v: ArrayLike<number>, n: number, K: number, scale = 1): Float64Array {
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, v[i * K + k]! * scale);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(v[i * K + k]! * scale - m);
    const lse = m + Math.log(s);
    for (let k = 0; k < K; k++) out[i * K + k] = v[i * K + k]! * scale - lse;
  }
  return out;
}

/**
 * The ANN's log-probabilities from its first output: logits, or (for a model ending in Softmax,
 * which the SNN's readout drops) the log of its probabilities; log-softmax of either is the same.
 */
export function annLogProbs(model: Model, output: Float32Array, n: number, K: number): Float64Array {
  const dropped = readoutTensor(model).dropped?.opType;
  const z = dropped === 'Softmax' ? Float64Array.from(output, (p) => Math.log(Math.max(p, 1e-30))) : output;
  return logSoftmaxRows(z, n, K);
}

/** Per-sample KL(p_ANN ‖ softmax(readout / T)) in nats. */
export function readoutDivergence(annLogP: Float64Array, readout: Float32Array, n: number, K: number, T: number): Float64Array {
  const q = logSoftmaxRows(readout, n, K, 1 / T);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let kl = 0;
    for (let k = 0; k < K; k++) {
      const lp = annLogP[i * K + k]!;
      if (lp > -700) kl += Math.exp(lp) * (lp - q[i * K + k]!);
    }
    out[i] = Math.max(0, kl);
  }
  return out;
}

export const mean = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return v.length ? s / v.length : 0;
};

/**
 * True when `cand` is lower than `ref` on the same samples by more than z standard errors of the
 * mean paired difference (and by more than nothing: identical scores never win).
 */
export function pairedLower(cand: ArrayLike<number>, ref: ArrayLike<number>, z = 2): boolean {
  const n = cand.length;
  if (n === 0 || ref.length !== n) return false;
  const d = Float64Array.from({ length: n }, (_, i) => ref[i]! - cand[i]!);
  const m = mean(d);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (d[i]! - m) ** 2;
  const se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : Infinity;
  return m > 0 && m > z * se;
}
