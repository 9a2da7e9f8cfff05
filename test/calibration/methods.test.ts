import { describe, expect, it } from 'vitest';
import { computeScale, listMethods, methodSyntax, parseMethod } from '../../calibration/registry.js';
import { SiteStats } from '../../calibration/stats.js';
import { expectError, relErr } from './helpers.js';

/** 1000 values 1..1000 in channel 0 of [N=1000, C=3], channel 1 = 0.5 everywhere, channel 2 silent. */
function handMade(channelwise: boolean): SiteStats {
  const N = 1000;
  const x = new Float32Array(N * 3);
  for (let n = 0; n < N; n++) {
    x[n * 3] = n + 1;
    x[n * 3 + 1] = 0.5;
  }
  const s = new SiteStats({ channelwise });
  s.add(x, [N, 3]);
  return s;
}

describe('normalisation methods', () => {
  it('lists the methods with their syntax', () => {
    expect(listMethods().map(methodSyntax)).toEqual(['max', 'percentile:P', 'channel-max', 'channel-percentile:P', 'calerr:T', 'channel-calerr:T']);
    for (const m of listMethods()) expect(m.description.length).toBeGreaterThan(10);
  });

  it('max: the largest activation', () => {
    expect(computeScale(handMade(false), 'max')).toBe(1000);
  });

  it('percentile:P: the P-th percentile of the positive values', () => {
    const s = handMade(false);
    // positives: 1..1000 and 1000 × 0.5 → 2000 values; p50 lies between 0.5 and 1
    const exact = (p: number): number => {
      const v = [...Array.from({ length: 1000 }, () => 0.5), ...Array.from({ length: 1000 }, (_, i) => i + 1)];
      const h = ((v.length - 1) * p) / 100;
      const k = Math.floor(h);
      return v[k]! + (h - k) * ((v[k + 1] ?? v[k]!) - v[k]!);
    };
    for (const p of [90, 99, 99.9, 99.99]) {
      const got = computeScale(s, `percentile:${p}`) as number;
      expect(relErr(got, exact(p)), `p=${p}`).toBeLessThanOrEqual(0.025);
    }
    expect(computeScale(s, 'percentile:100')).toBe(1000);
    expect(computeScale(s, 'percentile')).toBe(computeScale(s, 'percentile:99.9'));
  });

  it('channel-max and channel-percentile: one λ per channel; a silent channel gets the layer value', () => {
    const s = handMade(true);
    const cm = computeScale(s, 'channel-max') as Float64Array;
    expect(Array.from(cm)).toEqual([1000, 0.5, 1000]);
    const cp = computeScale(s, 'channel-percentile:99') as Float64Array;
    expect(cp).toHaveLength(3);
    expect(relErr(cp[0]!, 990.01)).toBeLessThanOrEqual(0.025);
    expect(cp[1]).toBeCloseTo(0.5, 6);
    expect(cp[2]).toBe(s.percentile(99)); // guard: the layer-wise percentile
    for (const v of cp) expect(v).toBeGreaterThan(0);
  });

  it('a layer that never fires gets λ = 1 (never 0), for every method', () => {
    const s = new SiteStats({ channelwise: true });
    s.add(new Float32Array(8), [2, 4]);
    expect(computeScale(s, 'max')).toBe(1);
    expect(computeScale(s, 'percentile:99.99')).toBe(1);
    expect(Array.from(computeScale(s, 'channel-max') as Float64Array)).toEqual([1, 1, 1, 1]);
    expect(Array.from(computeScale(s, 'channel-percentile:99.9') as Float64Array)).toEqual([1, 1, 1, 1]);
  });

  it('channel methods need channel-wise statistics', () => {
    expectError(() => computeScale(handMade(false), 'channel-max'), 'E_OPTION', 'channelwise');
  });
});

describe('parseMethod', () => {
  it('parses and canonicalises', () => {
    expect(parseMethod('max')).toMatchObject({ param: undefined, spec: 'max' });
    expect(parseMethod('percentile:99.99')).toMatchObject({ param: 99.99, spec: 'percentile:99.99' });
    expect(parseMethod(' percentile ')).toMatchObject({ param: 99.9, spec: 'percentile:99.9' });
    expect(parseMethod('channel-percentile:99.9').method.channelwise).toBe(true);
    expect(parseMethod('channel-max').method.name).toBe('channel-max');
    expect(parseMethod('percentile:100').param).toBe(100);
    expect(parseMethod('percentile:.5').param).toBe(0.5);
  });

  it.each([
    ['maximum', 'unknown normalisation method "maximum"'],
    ['', 'no method given'],
    ['max:3', 'max takes no parameter'],
    ['channel-max:99', 'channel-max takes no parameter'],
    ['percentile:abc', 'P = "abc" is not a number with 0 < P ≤ 100'],
    ['percentile:', 'P = ""'],
    ['percentile:0', 'P = "0"'],
    ['percentile:100.5', 'P = "100.5"'],
    ['percentile:-1', 'P = "-1"'],
    ['channel-percentile:1e3', 'P = "1e3"'],
    ['Percentile:99', 'unknown normalisation method "Percentile"'],
  ])('rejects %j', (spec, why) => {
    const e = expectError(
      () => parseMethod(spec),
      'E_OPTION',
      '--method',
      JSON.stringify(spec),
      why,
      'valid methods: max, percentile:P',
      'channel-max',
      'channel-percentile:P',
    );
    expect(e.details).toMatchObject({ option: 'method', actual: spec });
  });
});
