/**
 * The log-spaced histogram of positive activation values behind `SiteStats` (calibration/stats.ts):
 * BINS_PER_DECADE (100) bins per decade from 1e-8 to 1e8, plus an underflow bin (0, 1e-8) and an
 * overflow bin [1e8, ∞), and percentiles read from it. The k-th smallest positive value lies in a
 * known bin; inside the bin the values are assumed geometrically spread, and the result is clamped
 * to the exact [smallest positive, max], so the relative error is at most one bin width,
 * 10^(1/100) − 1 ≈ 2.33 %. Percentiles follow numpy's default ('linear'): position (n−1)·p/100.
 */
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';

export const BINS_PER_DECADE = 100;
export const MIN_DECADE = -8;
export const MAX_DECADE = 8;
/** Regular (log-spaced) bins. */
const REGULAR = (MAX_DECADE - MIN_DECADE) * BINS_PER_DECADE;
/** Histogram length: underflow (index 0), REGULAR bins (1..REGULAR), overflow (REGULAR + 1). */
export const HISTOGRAM_BINS = REGULAR + 2;
const LO = 10 ** MIN_DECADE;
const HI = 10 ** MAX_DECADE;
/** EDGES[i] = 10^(MIN_DECADE + i / BINS_PER_DECADE), i = 0..REGULAR: regular bin b (1-based) is [EDGES[b-1], EDGES[b]). */
const EDGES = Float64Array.from({ length: REGULAR + 1 }, (_, i) => 10 ** (MIN_DECADE + i / BINS_PER_DECADE));
/** The worst-case relative error of a percentile read from the histogram. */
export const MAX_RELATIVE_ERROR = 10 ** (1 / BINS_PER_DECADE) - 1;

/** Histogram index of a positive, finite-or-infinite value. */
export function binIndex(v: number): number {
  if (v < LO) return 0;
  if (v >= HI) return REGULAR + 1;
  let i = Math.floor((Math.log10(v) - MIN_DECADE) * BINS_PER_DECADE);
  if (i < 0) i = 0;
  else if (i >= REGULAR) i = REGULAR - 1;
  // log10 may be off by an ulp at an edge: settle against the exact edges.
  if (v < EDGES[i]!) i--;
  else if (v >= EDGES[i + 1]!) i++;
  return i + 1;
}

/** [lower, upper) edges of histogram bin b (the under/overflow bins are open-ended: 0 and ∞). */
export function binEdges(b: number): [number, number] {
  if (b <= 0) return [0, LO];
  if (b >= REGULAR + 1) return [HI, Infinity];
  return [EDGES[b - 1]!, EDGES[b]!];
}

/** Checks a percentile argument: a number in [0, 100]. */
export function checkPercentile(p: number): void {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `percentile ${String(p)} is not a number between 0 and 100`, {
      option: 'percentile',
      actual: p,
      expected: '0..100',
    });
  }
}

/**
 * The k-th smallest (0-based) of `n` positive values recorded in hist[off .. off+HISTOGRAM_BINS),
 * whose exact smallest and largest values are `min` and `max`.
 */
function orderStatistic(hist: Float64Array, off: number, n: number, min: number, max: number, k: number): number {
  if (k <= 0) return min;
  if (k >= n - 1) return max;
  let cum = 0;
  for (let b = 0; b < HISTOGRAM_BINS; b++) {
    const c = hist[off + b]!;
    if (c > 0 && cum + c > k) {
      let [lo, hi] = binEdges(b);
      if (lo < min) lo = min;
      if (hi > max) hi = max;
      if (!(hi > lo)) return lo;
      const frac = (k - cum + 0.5) / c;
      const v = Number.isFinite(hi) ? lo * (hi / lo) ** frac : lo;
      return v < min ? min : v > max ? max : v;
    }
    cum += c;
  }
  return max;
}

/** The p-th percentile (numpy 'linear') of the `n` positive values of a histogram; 0 when n = 0. */
export function histogramPercentile(hist: Float64Array, off: number, n: number, min: number, max: number, p: number): number {
  if (n <= 0) return 0;
  const h = ((n - 1) * p) / 100;
  const k = Math.floor(h);
  const f = h - k;
  const v0 = orderStatistic(hist, off, n, min, max, k);
  if (f === 0) return v0;
  const v1 = orderStatistic(hist, off, n, min, max, k + 1);
  return v0 + f * (v1 - v0);
}
