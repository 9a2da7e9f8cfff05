import { describe, expect, it } from 'vitest';
import { annLogProbs, pairedLower, readoutDivergence } from '../../calibration/auto-score.js';
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
});
