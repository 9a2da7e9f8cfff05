import { describe, expect, it } from 'vitest';
import { HISTOGRAM_BINS, MAX_RELATIVE_ERROR, binEdges, binIndex } from '../../calibration/histogram.js';
import { SiteStats, percentileKey } from '../../calibration/stats.js';
import { exactPercentile, expectError, normal, reluLike, relErr, rng } from './helpers.js';

const PS = [0, 1, 10, 50, 90, 99, 99.5, 99.9, 99.99, 100];

describe('log histogram', () => {
  it('puts every value in the bin whose edges hold it', () => {
    const r = rng(1);
    for (let i = 0; i < 20000; i++) {
      const v = 10 ** (r() * 20 - 10);
      const b = binIndex(v);
      const [lo, hi] = binEdges(b);
      expect(v >= lo && v < hi, `${v} in bin ${b} [${lo}, ${hi})`).toBe(true);
    }
    // exact edges land in the bin they open
    for (let b = 1; b < HISTOGRAM_BINS - 1; b += 37) expect(binIndex(binEdges(b)[0])).toBe(b);
    expect(binIndex(1e-9)).toBe(0);
    expect(binIndex(1e9)).toBe(HISTOGRAM_BINS - 1);
    expect(binIndex(Infinity)).toBe(HISTOGRAM_BINS - 1);
    expect(MAX_RELATIVE_ERROR).toBeLessThan(0.025);
  });
});

describe('SiteStats', () => {
  it('counts, exact max, mean of positives', () => {
    const s = new SiteStats();
    s.add(Float32Array.from([0, 1, 2, 0, 4, -1, NaN, 0.5]), [2, 4]);
    expect(s.count).toBe(8);
    expect(s.zeros).toBe(2);
    expect(s.negatives).toBe(1);
    expect(s.nans).toBe(1);
    expect(s.positives).toBe(4);
    expect(s.max).toBe(4);
    expect(s.minPositive).toBe(0.5);
    expect(s.meanPositive).toBeCloseTo(7.5 / 4, 12);
    expect(s.percentile(100)).toBe(4);
    expect(s.percentile(0)).toBe(0.5);
    const j = s.toJSON();
    expect(j).toMatchObject({ count: 8, zeros: 2, positives: 4, max: 4, minPositive: 0.5 });
    expect(j.p99_99).toBeLessThanOrEqual(4);
  });

  it('no positive values: percentiles and max are 0', () => {
    const s = new SiteStats({ channelwise: true });
    s.add(new Float32Array(12), [3, 2, 2]);
    expect(s.max).toBe(0);
    expect(s.percentile(99.9)).toBe(0);
    expect(Array.from(s.channelPercentile(99))).toEqual([0, 0]);
    expect(s.toJSON()).toMatchObject({ count: 12, zeros: 12, positives: 0, max: 0, minPositive: 0, meanPositive: 0, channels: 2 });
  });

  it.each([
    { seed: 11, n: 200_000, sigma: 1.5, mu: 0 },
    { seed: 12, n: 50_000, sigma: 3, mu: -2 },
    { seed: 13, n: 5_000, sigma: 0.3, mu: 1 },
    { seed: 14, n: 100_000, sigma: 4, mu: 0 },
  ])('percentiles within 2.5 % of the exact sorted percentile (seed $seed, σ=$sigma)', ({ seed, n, sigma, mu }) => {
    const x = reluLike(n, seed, { sigma, mu, zeroFrac: 0.4 });
    const s = new SiteStats();
    s.add(x, [n]);
    let exactMax = 0;
    for (const v of x) if (v > exactMax) exactMax = v;
    expect(s.max).toBe(exactMax);
    for (const p of PS) {
      const want = exactPercentile(x, p);
      const got = s.percentile(p);
      expect(relErr(got, want), `p=${p}: ${got} vs ${want}`).toBeLessThanOrEqual(0.025);
    }
  });

  it('outside [1e-8, 1e8): percentiles stay between the bin edge and the exact min / max', () => {
    const x = reluLike(100_000, 15, { sigma: 6 });
    const s = new SiteStats();
    s.add(x, [x.length]);
    let prev = 0;
    for (const p of [0, 0.001, 0.01, 0.1, 1, 5, 25, 50, 75, 95, 99, 99.9, 99.99, 99.999, 100]) {
      const want = exactPercentile(x, p);
      const got = s.percentile(p);
      expect(got).toBeGreaterThanOrEqual(prev);
      prev = got;
      if (want >= 1e-8 && want < 1e8) expect(relErr(got, want), `p=${p}`).toBeLessThanOrEqual(0.025);
      else if (want < 1e-8) expect(got >= s.minPositive && got <= 1e-8).toBe(true);
      else expect(got >= 1e8 && got <= s.max).toBe(true);
    }
    expect(s.histogram[0]).toBeGreaterThan(0);
    expect(s.histogram[HISTOGRAM_BINS - 1]).toBeGreaterThan(0);
  });

  it('percentiles of a sparse tail stay within 2.5 % (few values, large gaps)', () => {
    const r = rng(5);
    for (let t = 0; t < 20; t++) {
      const n = 3 + Math.floor(r() * 40);
      const x = Float32Array.from({ length: n }, () => 10 ** (r() * 6 - 3));
      const s = new SiteStats();
      s.add(x, [n]);
      for (const p of [...PS, 33.3, 75]) expect(relErr(s.percentile(p), exactPercentile(x, p)), `n=${n} p=${p}`).toBeLessThanOrEqual(0.025);
    }
  });

  it('rejects a percentile outside [0, 100] and dims that do not fit the data', () => {
    const s = new SiteStats();
    expectError(() => s.percentile(101), 'E_OPTION', '101');
    expectError(() => s.percentile(NaN), 'E_OPTION');
    expectError(() => s.add(new Float32Array(5), [2, 3]), 'E_SHAPE', '5 values', '[2,3]');
    expectError(() => s.channelMax(), 'E_OPTION', 'channelwise');
    const c = new SiteStats({ channelwise: true });
    c.add(new Float32Array(6), [2, 3]);
    expectError(() => c.add(new Float32Array(8), [2, 4]), 'E_SHAPE', '4 channels', '3');
  });

  it('abs records |x|', () => {
    const s = new SiteStats({ abs: true });
    s.add(Float32Array.from([-3, 2, 0, -0.5]), [4]);
    expect(s.max).toBe(3);
    expect(s.positives).toBe(3);
    expect(s.negatives).toBe(0);
    expect(s.zeros).toBe(1);
  });

  it('per channel: axis 1 of [N, C, H, W], each feature of [N, F]', () => {
    const N = 50;
    const C = 3;
    const HW = 16;
    const x = new Float32Array(N * C * HW);
    const r = rng(3);
    const z = normal(r);
    // channel c has scale 10^c; channel 2 never fires
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let j = 0; j < HW; j++) x[(n * C + c) * HW + j] = c === 2 ? 0 : Math.max(0, z()) * 10 ** c;
    const s = new SiteStats({ channelwise: true });
    s.add(x, [N, C, 4, 4]);
    expect(s.channels).toBe(3);
    const perChannel = (c: number): number[] => {
      const v: number[] = [];
      for (let n = 0; n < N; n++) for (let j = 0; j < HW; j++) v.push(x[(n * C + c) * HW + j]!);
      return v;
    };
    const mx = s.channelMax();
    for (let c = 0; c < C; c++) expect(mx[c]).toBe(Math.max(...perChannel(c)));
    for (const p of [50, 99, 99.9]) {
      const cp = s.channelPercentile(p);
      for (let c = 0; c < 2; c++) expect(relErr(cp[c]!, exactPercentile(perChannel(c), p))).toBeLessThanOrEqual(0.025);
      expect(cp[2]).toBe(0);
    }
    expect(Array.from(s.channelPositives())[2]).toBe(0);
    // layer-wise numbers match a layer-wise collection of the same data
    const flat = new SiteStats();
    flat.add(x, [N, C, 4, 4]);
    expect(s.toJSON()).toEqual({ ...flat.toJSON(), channels: 3 });

    const f = new SiteStats({ channelwise: true });
    f.add(Float32Array.from([1, 0, 3, 2, 5, 0]), [2, 3]);
    expect(Array.from(f.channelMax())).toEqual([2, 5, 3]);
  });

  it('does not depend on the batch size (1, 7, 64) or on merging', () => {
    const N = 150;
    const C = 4;
    const inner = 25;
    const x = reluLike(N * C * inner, 21, { sigma: 2 });
    const per = C * inner;
    const run = (bs: number): SiteStats => {
      const s = new SiteStats({ channelwise: true });
      for (let i = 0; i < N; i += bs) {
        const e = Math.min(N, i + bs);
        s.add(x.subarray(i * per, e * per), [e - i, C, 5, 5]);
      }
      return s;
    };
    const ref = run(N);
    for (const bs of [1, 7, 64]) {
      const s = run(bs);
      expect(s.toJSON()).toEqual(ref.toJSON());
      expect(s.histogram).toEqual(ref.histogram);
      expect(s.channelMax()).toEqual(ref.channelMax());
      expect(s.channelPercentile(99.9)).toEqual(ref.channelPercentile(99.9));
    }
    const a = new SiteStats({ channelwise: true });
    a.add(x.subarray(0, 70 * per), [70, C, inner]);
    const b = new SiteStats({ channelwise: true });
    b.add(x.subarray(70 * per), [N - 70, C, inner]);
    a.merge(b);
    expect(a.histogram).toEqual(ref.histogram);
    expect(a.channelPercentile(99)).toEqual(ref.channelPercentile(99));
    expect(a.max).toBe(ref.max);
    expect(a.percentile(99.99)).toBe(ref.percentile(99.99));
    expect(a.meanPositive).toBeCloseTo(ref.meanPositive, 10);
  });

  it('percentileKey', () => {
    expect(percentileKey(99.9)).toBe('p99_9');
    expect(percentileKey(99)).toBe('p99');
  });
});
