/**
 * The scatter sample (bottom-k on a fixed permutation of global ids): distinct keys, the same
 * sample for any order or split of the stream, exact merging, and a uniform spread.
 */
import { describe, expect, it } from 'vitest';
import { BottomK, permute52 } from '../../src/eval/sample.js';
import { mulberry32 } from '../../src/util/random.js';

describe('permute52', () => {
  it('maps distinct ids to distinct keys in [0, 2^52)', () => {
    const ids = [...Array.from({ length: 50_000 }, (_, i) => i), ...Array.from({ length: 1000 }, (_, i) => 2 ** 52 - 1 - i), 123_456_789_012];
    const keys = ids.map(permute52);
    expect(new Set(keys).size).toBe(ids.length);
    expect(keys.every((k) => Number.isInteger(k) && k >= 0 && k < 2 ** 52)).toBe(true);
  });
});

describe('BottomK', () => {
  const rnd = mulberry32(5);
  const stream = Array.from({ length: 20_000 }, (_, i) => ({ id: i * 7 + 3, a: rnd(), b: rnd() }));
  const sampleOf = (items: typeof stream, k = 300) => {
    const s = new BottomK(k);
    for (const x of items) s.offer(x.id, x.a, x.b);
    return s;
  };

  it('keeps the k smallest keys: the same sample for any order', () => {
    const want = sampleOf(stream).sorted();
    const brute = [...stream].sort((x, y) => permute52(x.id) - permute52(y.id)).slice(0, 300);
    expect(want.ann).toEqual(brute.map((x) => x.a));
    expect(want.keys).toEqual(brute.map((x) => permute52(x.id)));
    expect(sampleOf([...stream].reverse()).sorted()).toEqual(want);
  });

  it('samples of parts merge into the sample of the whole (exactly)', () => {
    const want = sampleOf(stream).sorted();
    const merged = new BottomK(300);
    let seen = 0;
    for (const [s, e] of [
      [0, 7000],
      [7000, 7001],
      [7001, 20_000],
    ] as const) {
      const part = sampleOf(stream.slice(s, e));
      seen += part.seen;
      const p = part.sorted();
      p.keys.forEach((k, i) => merged.insert(k, p.ann[i]!, p.snn[i]!));
    }
    expect(merged.sorted()).toEqual(want);
    expect(seen).toBe(stream.length);
  });

  it('is spread uniformly over the ids (mean id within 4 standard errors)', () => {
    const s = new BottomK(1000);
    for (let i = 0; i < 100_000; i++) s.offer(i, i, 0);
    const ids = s.sorted().ann;
    const mean = ids.reduce((a, b) => a + b, 0) / ids.length;
    expect(Math.abs(mean - 49_999.5)).toBeLessThan(4 * (28_867 / Math.sqrt(1000)));
    expect(new Set(ids).size).toBe(1000);
  });

  it('size 0 counts but keeps nothing', () => {
    const s = sampleOf(stream.slice(0, 10), 0);
    expect(s.seen).toBe(10);
    expect(s.sorted().keys).toEqual([]);
  });
});
