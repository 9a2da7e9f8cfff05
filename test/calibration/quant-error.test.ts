import { describe, expect, it } from 'vitest';
import { errorOptimalThreshold, rateCodingError } from '../../calibration/quant-error.js';
import { computeScale, parseMethod } from '../../calibration/registry.js';
import { SiteStats } from '../../calibration/stats.js';
import { OrtSession } from '../../src/engine/ort.js';
import { buildSnn } from '../../src/snn/build.js';
import { emitOnnx } from '../../src/snn/emit.js';
import { simulateReference } from '../../src/snn/reference.js';
import { mulberry32 } from '../helpers/ort.js';
import { reluProbe } from '../snn/helpers.js';
import { expectError } from './helpers.js';

/** The T-step rate code with v0 = θ/2, written out independently of calibration/quant-error.ts. */
const code = (a: number, th: number, T: number): number => (th / T) * Math.min(T, Math.max(0, Math.floor((a * T) / th + 0.5)));
const sse = (v: ArrayLike<number>, th: number, T: number): number => {
  let e = 0;
  for (let i = 0; i < v.length; i++) e += (v[i]! - code(Math.max(v[i]!, 0), th, T)) ** 2 * (v[i]! > 0 ? 1 : 0);
  return e;
};
/** Heavy-tailed activations: half zeros, the rest exponential with a few large outliers. */
function heavyTail(n: number, seed: number, scale = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.5 ? 0 : -Math.log(1 - r()) * scale * (r() < 0.01 ? 8 : 1)));
}
const statsOf = (v: Float32Array, dims: number[], channelwise = false): SiteStats => {
  const s = new SiteStats({ channelwise });
  s.add(v, dims);
  return s;
};
/** The best θ on a fine geometric grid, by brute force on the raw values. */
function bruteForce(v: Float32Array, T: number): { th: number; err: number } {
  let max = 0;
  for (const a of v) max = Math.max(max, a);
  let best = { th: max, err: sse(v, max, T) };
  for (let i = 1; i <= 600; i++) {
    const th = max * 10 ** (-i / 200);
    const err = sse(v, th, T);
    if (err < best.err) best = { th, err };
  }
  return best;
}

describe('thresholds by calibration error (calerr:T, channel-calerr:T)', () => {
  it.each([4, 16, 64])('T=%i: the chosen θ is within 1 percent of the brute-force minimum of Σ(a − q(a))² on the raw values', (T) => {
    const v = heavyTail(20000, T);
    const th = errorOptimalThreshold(statsOf(v, [v.length]).channelHistogram(), T);
    const bf = bruteForce(v, T);
    expect(sse(v, th, T)).toBeLessThanOrEqual(bf.err * 1.01);
    // the histogram's error model agrees with the raw values at that θ (bins are ≤ 2.33 % wide)
    expect(Math.abs(rateCodingError(statsOf(v, [v.length]).channelHistogram(), th, T) / sse(v, th, T) - 1)).toBeLessThan(0.03);
  });

  it('few steps clip more: θ rises with T towards the max, and beats the 99.9th percentile at low T', () => {
    const v = heavyTail(20000, 3);
    const s = statsOf(v, [v.length]);
    const ths = [2, 8, 32, 256].map((T) => computeScale(s, `calerr:${T}`) as number);
    for (let i = 1; i < ths.length; i++) expect(ths[i]!).toBeGreaterThan(ths[i - 1]!);
    expect(ths[0]!).toBeLessThan(s.max / 2);
    const p = s.percentile(99.9);
    expect(sse(v, ths[1]!, 8)).toBeLessThan(sse(v, p, 8));
  });

  it('channel-calerr fits each channel; a silent channel gets the layer value', () => {
    const N = 4000;
    const r = mulberry32(5);
    const x = new Float32Array(N * 3);
    for (let n = 0; n < N; n++) {
      x[n * 3] = r() * 10; // uniform on [0, 10): little to clip
      x[n * 3 + 1] = n % 2000 === 7 ? 1 : r() * 0.1; // two outliers 10× the bulk: clipped
    }
    const s = statsOf(x, [N, 3], true);
    const th = computeScale(s, 'channel-calerr:4') as Float64Array;
    expect(th[0]!).toBeGreaterThan(8);
    expect(th[1]!).toBeLessThan(0.2);
    expect(th[2]).toBe(computeScale(s, 'calerr:4'));
  });

  it('is a registered method whose T is required and an integer', () => {
    expect(parseMethod('channel-calerr:16')).toMatchObject({ param: 16, spec: 'channel-calerr:16' });
    expect(parseMethod('calerr:8').method.channelwise).toBe(false);
    expectError(() => parseMethod('calerr'), 'E_OPTION', 'calerr needs a parameter');
    expectError(() => parseMethod('channel-calerr:2.5'), 'E_OPTION', 'T = "2.5"');
    expect(Array.from(computeScale(statsOf(new Float32Array(8), [2, 4], true), 'channel-calerr:16') as Float64Array)).toEqual([1, 1, 1, 1]);
  });

  it('the SNN with these thresholds: onnxruntime and the reference simulator give the same spikes, and rate·θ is the modelled code', async () => {
    const F = 6;
    const N = 400;
    const T = 16;
    const x = heavyTail(N * F, 11, 2);
    const th = Array.from(computeScale(statsOf(x, [N, F], true), `channel-calerr:${T}`) as Float64Array);
    const snn = buildSnn(reluProbe(F), new Map([['r', th]]), { vInit: 0.5 });
    const ref = simulateReference(snn, x, N, { timesteps: T });
    const session = await OrtSession.create(emitOnnx(snn));
    const out = await session.run({ x: { data: x, dims: [N, F] }, timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) } }, ['readout']);
    await session.release();
    const y = ref.readouts.get(T)!;
    for (let i = 0; i < N * F; i++) {
      const c = i % F;
      expect(ref.counts[0]![i]).toBe(Math.round((code(x[i]!, Math.fround(th[c]!), T) * T) / Math.fround(th[c]!)));
      expect(out['readout']!.data[i]).toBeCloseTo(y[i]!, 4);
    }
  });
});
