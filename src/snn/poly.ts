/**
 * Polynomial integrate-and-fire neurons (learnable neuron models, LNM, arXiv 2510.07341):
 *
 *     u[t] = u[t−1] + p(u[t−1]) + x[t],   spike when u ≥ 1, reset by subtraction (or to zero),
 *
 * with p a low-degree polynomial per layer, evaluated with Horner's rule; the discrete QIF neuron
 * (arXiv 2510.05168) is the special case p(u) = a(u − u1)(u − u2). u is the potential in units of
 * the threshold. In the network the layer works in the ANN's units like the IF layer (v = θ·u,
 * emits θ·s), so the coefficients become c_k = p_k·θ^(1−k) per element, and p ≡ 0 is exactly IF.
 *
 * Such a neuron's rate is not ReLU-shaped (QIF has a dead zone where p(u) + x = 0 has a stable
 * root, then a convex rise), so the conversion measures its rate transfer curve r(x) numerically
 * (constant input x for `FIT_STEPS` steps from the configured initial potential) and picks the
 * input gain g that makes r(g·y) closest to y in least squares over y ∈ [0, 1] — the range the
 * calibrated threshold maps the ANN's activations to. The layer's current is multiplied by g.
 * The neuron op itself (its step on every backend) is converters/neurons/poly.ts.
 */
import { isZeroPolynomial } from '../../converters/neurons/poly.js';
import type { SnnOptions } from './types.js';

export const FIT_STEPS = 256;

/** Coefficients of a(u − u1)(u − u2), lowest degree first. */
export function qifPolynomial(a: number, u1: number, u2: number): number[] {
  return [a * u1 * u2, -a * (u1 + u2), a];
}

/** Rate of the normalised neuron for a constant input x. */
export function polyRate(p: readonly number[], x: number, opts: Pick<SnnOptions, 'vInit' | 'reset'>, steps = FIT_STEPS): number {
  let u = opts.vInit;
  let n = 0;
  for (let t = 0; t < steps; t++) {
    let f = 0;
    for (let k = p.length - 1; k >= 0; k--) f = f * u + p[k]!;
    u = u + f + x;
    if (!Number.isFinite(u)) u = u > 0 ? 1e30 : -1e30; // diverging polynomials: clamp, keep firing/silent
    if (u >= 1) {
      n++;
      u = opts.reset === 'subtract' ? u - 1 : 0;
    }
  }
  return n / steps;
}

/** The transfer curve r(x) at `points` inputs in [0, xmax]. */
export function transferCurve(p: readonly number[], opts: Pick<SnnOptions, 'vInit' | 'reset'>, xmax = 2, points = 101): { x: number[]; rate: number[] } {
  const x = Array.from({ length: points }, (_, i) => (i / (points - 1)) * xmax);
  return { x, rate: x.map((v) => polyRate(p, v, opts)) };
}

/** Input gain g minimising Σ_y (r(g·y) − y)² over y ∈ [0, 1]; 1 for p ≡ 0 (IF needs none). */
export function fitInputGain(p: readonly number[], opts: Pick<SnnOptions, 'vInit' | 'reset'>): number {
  if (isZeroPolynomial(p)) return 1;
  const ys = Array.from({ length: 41 }, (_, i) => i / 40);
  const loss = (g: number) => ys.reduce((s, y) => s + (polyRate(p, g * y, opts) - y) ** 2, 0);
  let best = 1;
  let bestLoss = loss(1);
  for (let i = 0; i <= 120; i++) {
    const g = 10 ** (-1 + (2 * i) / 120); // 0.1 … 10
    const l = loss(g);
    if (l < bestLoss - 1e-12) {
      bestLoss = l;
      best = g;
    }
  }
  return Math.fround(best);
}
