/**
 * ExactSum: the sum of doubles rounded once, whatever the order or grouping of the additions —
 * checked against an exact BigInt sum, against math.fsum's known cases, and across splits/merges.
 */
import { describe, expect, it } from 'vitest';
import { ExactSum } from '../../src/util/exact-sum.js';
import { mulberry32 } from '../../src/util/random.js';

const sumOf = (xs: readonly number[]): number => {
  const s = new ExactSum();
  for (const x of xs) s.add(x);
  return s.value();
};

/** Values with exponents in [-60, 60] and full 53-bit mantissas, both signs: exact in BigInt units of 2^-112. */
function values(n: number, seed: number): number[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => (rnd() < 0.5 ? -1 : 1) * (1 + rnd()) * 2 ** Math.floor(rnd() * 121 - 60));
}

const SCALE = 2 ** 112;
/** The exact sum, rounded once: BigInt arithmetic, then BigInt → Number (round to nearest, ties to even). */
const exactSum = (xs: readonly number[]): number => Number(xs.reduce((a, x) => a + BigInt(x * SCALE), 0n)) / SCALE;

describe('ExactSum', () => {
  it.each([
    ['math.fsum cases', [1e-16, 1, 1e16], 1.0000000000000002e16],
    ['ten 0.1', Array(10).fill(0.1), 1],
    ['cancellation', [1e100, 1, -1e100], 1],
    ['empty', [], 0],
    ['signed zeros', [-0, 0], 0],
  ])('%s', (_name, xs, want) => {
    expect(sumOf(xs as number[])).toBe(want);
  });

  it('equals the exact (BigInt) sum rounded once, where the plain float sum does not', () => {
    const xs = values(2000, 7);
    const exact = exactSum(xs);
    expect(sumOf(xs)).toBe(exact);
    expect(xs.reduce((a, b) => a + b, 0)).not.toBe(exact);
  });

  it('is the same for any order and any split into merged parts (also through JSON)', () => {
    const xs = values(3000, 11);
    const want = sumOf(xs);
    const rnd = mulberry32(3);
    const shuffled = [...xs];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    expect(sumOf(shuffled)).toBe(want);
    expect(sumOf([...xs].reverse())).toBe(want);
    for (const cuts of [[1000, 2000], [1, 2999], [1500]]) {
      const bounds = [0, ...cuts, xs.length];
      const total = new ExactSum();
      for (let i = 0; i + 1 < bounds.length; i++) {
        const part = new ExactSum();
        for (const x of xs.slice(bounds[i], bounds[i + 1])) part.add(x);
        total.merge(JSON.parse(JSON.stringify(part.toJSON())));
      }
      expect(total.value()).toBe(want);
    }
  });

  it('non-finite values: Infinity and NaN survive merging', () => {
    const a = new ExactSum();
    a.add(1);
    a.add(Infinity);
    expect(a.value()).toBe(Infinity);
    const b = ExactSum.from(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.value()).toBe(Infinity);
    b.add(-Infinity);
    expect(b.value()).toBeNaN();
  });
});
