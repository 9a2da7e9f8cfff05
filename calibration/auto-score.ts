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
 * lower on average, and Wilcoxon's signed-rank test at the level of a z = 2 normal test (one chance
 * in ~44 that a candidate no better than plain passes by luck), so ties and noise keep plain.
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

/** One-sided tail of the standard normal at z, 1 − Φ(z) (Abramowitz & Stegun 26.2.17, error < 7.5e-8). */
export function normalTail(z: number): number {
  if (z < 0) return 1 - normalTail(-z);
  const t = 1 / (1 + 0.2316419 * z);
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly;
}

/** Ranks 1…n of |d| (ties: their average rank), doubled so that they are integers. */
function doubledRanks(abs: readonly number[]): number[] {
  const order = abs.map((_, i) => i).sort((a, b) => abs[a]! - abs[b]!);
  const r = new Array<number>(abs.length);
  for (let k = 0; k < order.length; ) {
    let e = k + 1;
    while (e < order.length && abs[order[e]!] === abs[order[k]!]) e++;
    for (let j = k; j < e; j++) r[order[j]!] = k + 1 + e; // 2 × the average of ranks k+1 … e
    k = e;
  }
  return r;
}

/**
 * Exact one-sided p-value of Wilcoxon's signed-rank test (1945) that the paired differences `d`
 * lean positive: P(W⁺ ≥ observed) when each nonzero difference's sign is a fair coin. Zeros are
 * dropped (Wilcoxon's rule); tied |d| share their average rank, and the null distribution is
 * counted over those very ranks (a subset-sum table over the doubled ranks, n(n+1) entries).
 */
export function signedRankP(d: ArrayLike<number>): number {
  const nz = Array.from(d).filter((v) => v !== 0);
  if (nz.length === 0) return 1;
  const r = doubledRanks(nz.map(Math.abs));
  let observed = 0;
  nz.forEach((v, i) => {
    if (v > 0) observed += r[i]!;
  });
  const total = r.reduce((a, b) => a + b, 0);
  // dist[s] = P(sum of the ranks whose sign is + = s), one rank at a time, in place (descending s)
  const dist = new Float64Array(total + 1);
  dist[0] = 1;
  let reach = 0;
  for (const w of r) {
    reach += w;
    for (let s = reach; s >= 0; s--) dist[s] = dist[s]! / 2 + (s >= w ? dist[s - w]! / 2 : 0);
  }
  let p = 0;
  for (let s = observed; s <= total; s++) p += dist[s]!;
  return Math.min(1, p);
}

/**
 * True when `cand` is lower than `ref` on the same samples: lower on average, and consistently so
 * by Wilcoxon's signed-rank test at the one-sided level of a z-standard-error normal test
 * (z = 2: α ≈ 0.023, one chance in ~44 that a candidate no better than plain passes by luck).
 * Rank-based, not a t-test on the mean: the per-sample divergences are heavy-tailed (one
 * near-tie can carry most of a small held-out set's mean and its standard error), and on the
 * int8 MobileNetV2's 12 held-out images a candidate 10× lower on average failed the t-test.
 * Identical scores never win.
 */
export function pairedLower(cand: ArrayLike<number>, ref: ArrayLike<number>, z = 2): boolean {
  const n = cand.length;
  if (n === 0 || ref.length !== n) return false;
  const d = Float64Array.from({ length: n }, (_, i) => ref[i]! - cand[i]!);
  return mean(d) > 0 && signedRankP(d) < normalTail(z);
}
