import { describe, expect, it } from 'vitest';
import { annLogProbs, normalTail, pairedLower, readoutDivergence, signedRankP } from '../../calibration/auto-score.js';
import { float32 } from '../../src/graph/tensor.js';
import type { Tensor } from '../../src/graph/types.js';
import { makeModel } from '../helpers/ort.js';
import { node } from '../snn/helpers.js';
import { rng } from './helpers.js';

const fc = (softmax: boolean) =>
  makeModel(13, {
    nodes: [node('MatMul', ['x', 'w'], [softmax ? 'z' : 'y'], {}, 'fc'), ...(softmax ? [node('Softmax', ['z'], ['y'], {}, 'sm')] : [])],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 3] }],
    initializers: new Map<string, Tensor>([['w', float32([3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1])]]),
  });

describe('auto scoring by readout divergence', () => {
  const z = Float32Array.from([2, 0, -1, 0.5, 0.5, 3]);

  it('is 0 when the readout is T times the logits, and matches KL(p ‖ q) computed by hand otherwise', () => {
    const lp = annLogProbs(fc(false), z, 2, 3);
    const T = 16;
    const same = readoutDivergence(
      lp,
      Float32Array.from(z, (v) => v * T),
      2,
      3,
      T,
    );
    for (const v of same) expect(v).toBeCloseTo(0, 9);
    const r = Float32Array.from([1, 1, 1, 0, 0, 0]).map((v) => v * T);
    const kl = readoutDivergence(lp, r, 2, 3, T);
    const sm = (v: number[]) => v.map((x) => Math.exp(x) / v.reduce((a, b) => a + Math.exp(b), 0));
    for (let i = 0; i < 2; i++) {
      const p = sm(Array.from(z.slice(3 * i, 3 * i + 3)));
      const want = p.reduce((a, pi) => a + pi * Math.log(pi / (1 / 3)), 0);
      expect(kl[i]).toBeCloseTo(want, 9);
    }
  });

  it('reads a model ending in Softmax as probabilities (the SNN readout drops the Softmax)', () => {
    const sm = (v: number[]) => v.map((x) => Math.exp(x) / v.reduce((a, b) => a + Math.exp(b), 0));
    const probs = Float32Array.from([...sm([2, 0, -1]), ...sm([0.5, 0.5, 3])]);
    const a = annLogProbs(fc(false), z, 2, 3);
    const b = annLogProbs(fc(true), probs, 2, 3);
    for (let i = 0; i < 6; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
  });

  it('the paired test wins only on a consistent improvement, not on noise or ties', () => {
    const r = rng(3);
    const ref = Float64Array.from({ length: 250 }, () => r());
    expect(pairedLower(ref, ref)).toBe(false);
    // noise of ± 0.05 around the same values: no win either way (for this seed)
    const noisy = Float64Array.from(ref, (v) => v + 0.1 * (r() - 0.5));
    expect(pairedLower(noisy, ref)).toBe(false);
    expect(pairedLower(ref, noisy)).toBe(false);
    // 0.02 lower on average, with noise of ± 0.02: a win
    const better = Float64Array.from(ref, (v) => v - 0.02 + 0.04 * (r() - 0.5));
    expect(pairedLower(better, ref)).toBe(true);
    expect(pairedLower(ref, better)).toBe(false);
  });

  // the oracle: every one of the 2^n sign patterns of the same |d|, ranked by the textbook rule
  const bruteP = (d: number[]): number => {
    const nz = d.filter((v) => v !== 0);
    const abs = nz.map(Math.abs);
    const rank = abs.map((a) => abs.filter((b) => b < a).length + (abs.filter((b) => b === a).length + 1) / 2);
    const w = (signs: number) => rank.reduce((s, r, i) => s + ((signs >> i) & 1 ? r : 0), 0);
    const obs = rank.reduce((s, r, i) => s + (nz[i]! > 0 ? r : 0), 0);
    let hits = 0;
    for (let m = 0; m < 1 << nz.length; m++) if (w(m) >= obs - 1e-9) hits++;
    return hits / (1 << nz.length);
  };

  it.each([
    ['all positive', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
    ['mixed signs', [0.3, -0.1, 0.5, 0.7, -0.2, 0.9, 1.1, 0.05, 0.4, -0.6, 0.8, 1.2]],
    ['ties and zeros', [0.5, -0.5, 0.5, 0, 0.25, -0.25, 1, 1, -1, 0, 2]],
    ['all negative', [-1, -2, -3, -4, -5]],
  ])("Wilcoxon's signed-rank p-value is exact (%s)", (_, d) => {
    expect(signedRankP(d)).toBeCloseTo(bruteP(d), 12);
  });

  it('the one-sided normal tail matches known values', () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 6);
    expect(normalTail(1)).toBeCloseTo(0.158655, 5);
    expect(normalTail(2)).toBeCloseTo(0.02275, 5);
    expect(normalTail(-2)).toBeCloseTo(0.97725, 5);
  });

  it('a small set that is lower on every sample wins, even when one sample carries the mean', () => {
    // 12 samples, as the int8 MobileNetV2's held-out part: one heavy tail in the reference; the
    // mean difference is within 2 standard errors, but the candidate is lower on all 12
    const ref = [0.4, 0.01, 0.02, 0.015, 0.03, 0.01, 0.02, 0.012, 0.018, 0.025, 0.011, 0.014];
    const cand = ref.map((v) => v * 0.2);
    expect(pairedLower(cand, ref)).toBe(true);
    expect(pairedLower(ref, cand)).toBe(false);
    // lower on 9 of 12 by small amounts, higher on 3 by much: the mean decides first (no win)
    const mixed = ref.map((v, i) => (i < 3 ? v + 0.2 : v - 0.001));
    expect(pairedLower(mixed, ref)).toBe(false);
  });
});
