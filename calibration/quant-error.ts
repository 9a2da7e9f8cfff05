/**
 * Thresholds chosen by calibration error instead of a percentile (Li et al. 2021 "A free lunch from
 * ANN: towards efficient, accurate spiking neural networks calibration"; Deng & Gu 2021; Bu et al.
 * 2022 QCFS): an IF neuron with reset by subtraction, threshold θ and initial potential b·θ, driven
 * by a constant current a for T steps, outputs
 *
 *   q(a) = θ/T · clamp(⌊a·T/θ + b⌋, 0, T)
 *
 * (the closed form of converters/neurons/closed-form.ts). θ is chosen to minimise the squared error
 * Σ (a − q(a))² over the calibration activations: a high θ wastes levels on rare large values
 * (quantisation error θ²/(12T²) on every value), a low θ clips them. Zeros and negative values give
 * q = 0 for any θ and add nothing, so only the histogram of positive values (calibration/stats.ts)
 * is needed. Inside a histogram bin (≤ 2.33 % wide) values are taken as uniformly spread and the
 * error is integrated exactly over the bin, piece by piece between the rounding boundaries.
 */
import { binEdges } from './histogram.js';

/** One channel's (or layer's) positive-value histogram, as `SiteStats.channelHistogram` returns it. */
export interface PositiveHistogram {
  readonly hist: Float64Array;
  readonly n: number;
  readonly min: number;
  readonly max: number;
}

/** Non-empty bins as [lo, hi) ranges clamped to the exact [min, max], with counts and Σ∫a² prefix sums. */
interface Bins {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly count: Float64Array;
  /** sq[i] = Σ_{j<i} count_j · mean of a² over bin j (the error of bins quantised to 0). */
  readonly sq: Float64Array;
  /** Suffix sums from bin i on of count, count·mean(a) and count·mean(a²) (the error of clipped bins). */
  readonly s0: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
}

function binsOf(h: PositiveHistogram): Bins {
  const idx: number[] = [];
  for (let b = 0; b < h.hist.length; b++) if (h.hist[b]! > 0) idx.push(b);
  const lo = new Float64Array(idx.length);
  const hi = new Float64Array(idx.length);
  const count = new Float64Array(idx.length);
  const sq = new Float64Array(idx.length + 1);
  idx.forEach((b, i) => {
    const [l, u] = binEdges(b);
    lo[i] = Math.min(Math.max(l, h.min), h.max);
    hi[i] = Math.max(Math.min(u, h.max), lo[i]!);
    count[i] = h.hist[b]!;
    sq[i + 1] = sq[i]! + count[i]! * meanSquare(lo[i]!, hi[i]!, 0);
  });
  const s0 = new Float64Array(idx.length + 1);
  const s1 = new Float64Array(idx.length + 1);
  const s2 = new Float64Array(idx.length + 1);
  for (let i = idx.length - 1; i >= 0; i--) {
    const [l, u, c] = [lo[i]!, hi[i]!, count[i]!];
    s0[i] = s0[i + 1]! + c;
    s1[i] = s1[i + 1]! + (c * (l + u)) / 2;
    s2[i] = s2[i + 1]! + (c * (l * l + l * u + u * u)) / 3;
  }
  return { lo, hi, count, sq, s0, s1, s2 };
}

/** Mean of (a − q)² for a uniform on [lo, hi] (the value at lo when the range is empty). */
function meanSquare(lo: number, hi: number, q: number): number {
  if (!(hi > lo)) return (lo - q) ** 2;
  return ((hi - q) ** 3 - (lo - q) ** 3) / (3 * (hi - lo));
}

/** Mean of (a − q(a))² for a uniform on [lo, hi], integrated piecewise between rounding boundaries. */
function binError(lo: number, hi: number, theta: number, T: number, b: number): number {
  const step = theta / T;
  let k = Math.min(T, Math.max(0, Math.floor(lo / step + b)));
  if (!(hi > lo)) return (lo - k * step) ** 2;
  let a = lo;
  let sum = 0;
  while (a < hi) {
    // level k holds for a < (k + 1 − b)·step; from level T on, q = θ
    const next = k >= T ? hi : Math.min(hi, (k + 1 - b) * step);
    const q = k * step;
    sum += (next - q) ** 3 - (a - q) ** 3;
    a = next;
    k++;
  }
  return sum / (3 * (hi - lo));
}

/** The first index of the sorted `v` whose value is > x (≥ x with `orEqual`). */
function firstAbove(v: Float64Array, x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v[mid]! < x || (!orEqual && v[mid]! === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Σ count · mean squared error of the rate code at θ. Bins wholly under the first rounding boundary
 * are quantised to 0 and bins wholly over the clipping point to θ: both come from prefix sums, so
 * only the bins in between are integrated piece by piece.
 */
function totalError(bins: Bins, theta: number, T: number, b: number): number {
  const step = theta / T;
  const zero = firstAbove(bins.hi, (1 - b) * step, false);
  const clip = Math.max(zero, firstAbove(bins.lo, (T - b) * step, true));
  let err = bins.sq[zero]! + bins.s2[clip]! - 2 * theta * bins.s1[clip]! + theta * theta * bins.s0[clip]!;
  for (let i = zero; i < clip; i++) err += bins.count[i]! * binError(bins.lo[i]!, bins.hi[i]!, theta, T, b);
  return err;
}

/** Grid points per decade of θ/max in the coarse search, and the decades searched below the max. */
const GRID_PER_DECADE = 80;
const GRID_DECADES = 3;
/** Points of the fine search between the coarse neighbours of the best coarse θ. */
const FINE = 16;

/**
 * The θ in [max·10⁻³, max] that minimises the rate-coding error of these values at T steps with
 * initial potential b·θ: a geometric grid (2.9 % apart), then a finer one around its best point.
 * Ties keep the larger θ. 0 when no value was positive (the caller's guard applies).
 */
export function errorOptimalThreshold(h: PositiveHistogram, T: number, b = 0.5): number {
  if (!(h.n > 0) || !(h.max > 0)) return 0;
  if (!Number.isFinite(h.max)) return h.max;
  const bins = binsOf(h);
  const ratio = 10 ** (1 / GRID_PER_DECADE);
  let best = h.max;
  let bestErr = totalError(bins, best, T, b);
  for (let i = 1; i <= GRID_PER_DECADE * GRID_DECADES; i++) {
    const th = h.max / ratio ** i;
    const e = totalError(bins, th, T, b);
    if (e < bestErr) [best, bestErr] = [th, e];
  }
  const lo = best / ratio;
  const hi = Math.min(h.max, best * ratio);
  for (let j = FINE; j >= 0; j--) {
    const th = lo * (hi / lo) ** (j / FINE);
    const e = totalError(bins, th, T, b);
    if (e < bestErr) [best, bestErr] = [th, e];
  }
  return best;
}

/** The rate-coding error itself (for tests and reports): Σ count · mean (a − q(a))² over the histogram. */
export function rateCodingError(h: PositiveHistogram, theta: number, T: number, b = 0.5): number {
  return h.n > 0 ? totalError(binsOf(h), theta, T, b) : 0;
}
