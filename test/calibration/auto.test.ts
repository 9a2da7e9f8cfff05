import { describe, expect, it } from 'vitest';
import { splitIndices, subsetOf } from '../../calibration/auto-split.js';
import { checkThresholds, formatThresholds, type ThresholdsFile } from '../../calibration/thresholds.js';
import type { InMemoryDataset } from '../../src/data/types.js';
import { float32 } from '../../src/graph/tensor.js';
import type { Model, Tensor } from '../../src/graph/types.js';
import { calibrate, convert, resolveThresholds, usesAuto } from '../../src/pipeline.js';
import { simulateDataset } from '../../src/engine/simulate.js';
import { makeModel } from '../helpers/ort.js';
import { node } from '../snn/helpers.js';
import { rng } from './helpers.js';
import { expectError } from '../helpers/errors.js';

/**
 * x [N, 2] → Relu → MatMul → + [0.5, 0] → y: class 0 when h1 < 0.5. Channel 0 spans [0, 200) and
 * carries nothing; channel 1 spans [0, 1) and decides. A layer-wise θ (≈ 200) leaves channel 1
 * without a spike at small T, a per-channel θ resolves it: channel-percentile is clearly best.
 */
function twoScaleNet(): Model {
  return makeModel(13, {
    nodes: [node('Relu', ['x'], ['h'], {}, 'relu'), node('MatMul', ['h', 'w'], ['m'], {}, 'fc'), node('Add', ['m', 'b'], ['y'], {}, 'bias')],
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 2] }],
    initializers: new Map<string, Tensor>([
      ['w', float32([2, 2], [0, 0, 0, 1])],
      ['b', float32([2], [0.5, 0])],
    ]),
  });
}

function twoScaleData(n: number, seed: number, big = 200): InMemoryDataset {
  const r = rng(seed);
  const x = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = Math.fround(big * r());
    x[2 * i + 1] = Math.fround(r());
    labels[i] = x[2 * i + 1]! >= 0.5 ? 1 : 0;
  }
  return { source: `two-scale(${seed})`, format: 'test', count: n, sampleShape: [2], x, labels };
}

async function accuracyAt(model: Model, th: ThresholdsFile, ds: InMemoryDataset, T: number): Promise<number> {
  const r = await simulateDataset(convert(model, th).onnx, ds, { timesteps: [T] });
  const p = r.predictions.get(T)!;
  return p.filter((v, i) => v === ds.labels[i]).length / ds.count;
}

/** Stage 1's best method, on which the burst candidates are built. */
const burstBase = (t: ThresholdsFile): string => t.auto!.candidates.find((c) => c.name.startsWith('burst2:'))!.name.slice('burst2:'.length);

const strip = (t: ThresholdsFile) => ({
  ...t,
  auto: t.auto ? { ...t.auto, seconds: 0, candidates: t.auto.candidates.map((c) => ({ ...c, seconds: 0 })) } : undefined,
});

describe('auto calibration', () => {
  const model = twoScaleNet();
  const calib = twoScaleData(400, 1);
  const test = twoScaleData(300, 2);

  it('ranked by agreement, picks the clearly best candidate (per-channel θ) and it beats the fixed pipeline on unseen data', async () => {
    const th = await resolveThresholds(model, { calib, targetTimesteps: 8, autoScore: 'agreement' });
    // per-channel θ, with IF or burst neurons (with bursts too: four levels per step of channel 1 where IF has two)
    expect(th.auto?.chosen).toMatch(/^(burst2:)?channel-percentile:99\.9/);
    expect(th.method).toBe(th.auto!.chosen);
    const plain = th.auto!.candidates[0]!;
    expect(plain.name).toBe('percentile:99.9');
    const chosen = th.auto!.candidates.find((c) => c.name === th.auto!.chosen)!;
    expect(chosen.agreement).toBeGreaterThan(plain.agreement + 0.2);
    const fixed = await calibrate(model, calib);
    expect(await accuracyAt(model, th, test, 8)).toBeGreaterThan((await accuracyAt(model, fixed, test, 8)) + 0.2);
  });

  it('by default ranked by readout divergence: picks a per-channel θ, records every score, beats the fixed pipeline', async () => {
    const th = await resolveThresholds(model, { calib, targetTimesteps: 8 });
    expect(th.auto!.score).toBe('divergence');
    expect(th.auto?.chosen).toMatch(/^(burst2:)?channel-(percentile:99\.9|calerr:8)/);
    const [plain, ...rest] = th.auto!.candidates;
    const chosen = rest.find((c) => c.name === th.auto!.chosen)!;
    expect(chosen.divergence!).toBeLessThan(plain!.divergence!);
    for (const c of th.auto!.candidates) expect(c.divergence!).toBeGreaterThanOrEqual(0);
    const fixed = await calibrate(model, calib);
    expect(await accuracyAt(model, th, test, 8)).toBeGreaterThan((await accuracyAt(model, fixed, test, 8)) + 0.2);
  });

  it('is deterministic: the same choice and file across runs and batch sizes', async () => {
    const a = await resolveThresholds(model, { calib, targetTimesteps: 8, batchSize: 7 });
    const b = await resolveThresholds(model, { calib, targetTimesteps: 8, batchSize: 64 });
    expect(strip(a)).toEqual(strip(b));
    const c = await resolveThresholds(model, { calib, targetTimesteps: 8, calibrationSeed: 5 });
    expect(c.auto!.seed).toBe(5);
  });

  it('round-trips through the thresholds file', async () => {
    const th = await resolveThresholds(model, { calib, targetTimesteps: 8 });
    const back = checkThresholds(JSON.parse(formatThresholds(th)), 'auto.json');
    expect(back.auto).toEqual(th.auto);
    expect(back.layers).toEqual(th.layers);
  });

  it('keeps the fixed pipeline, identical, when it cannot be beaten', async () => {
    // both channels in [0, 1): at T = 512 plain agrees with the ANN on every held-out sample, nothing can win by the margin
    const even = twoScaleData(400, 1, 1);
    const th = await resolveThresholds(model, { calib: even, targetTimesteps: 512 });
    expect(th.auto!.chosen).toBe('percentile:99.9');
    expect(th.auto!.candidates).toHaveLength(1);
    const { auto, ...rest } = th;
    void auto;
    expect(rest).toEqual(await calibrate(model, even));
  });

  it('searches on when plain agrees on every held-out sample but the held-out part is under 1/margin samples', async () => {
    // the same easy data as above, 40 calibration samples: 10 held out, all agreeing, say little
    const even = twoScaleData(40, 1, 1);
    const th = await resolveThresholds(model, { calib: even, targetTimesteps: 512 });
    expect(th.auto!.heldOut).toBe(10);
    expect(th.auto!.candidates[0]!.agreement).toBe(1);
    expect(th.auto!.candidates.length).toBeGreaterThan(1);
  });

  it('skips the layer-wise candidates (and records it) when one fit is over the budget; burst thresholds alone stay', async () => {
    const th = await resolveThresholds(model, { calib, targetTimesteps: 8, autoLayerwiseBudget: 0 });
    const names = th.auto!.candidates.map((c) => c.name);
    expect(names.some((n) => n.includes('@'))).toBe(false);
    expect(names.filter((n) => n.startsWith('burst2:'))).toHaveLength(1);
    expect(th.auto!.layerwiseSkipped).toEqual({ macSteps: th.auto!.fitSamples * 8 * 1 * 4, budget: 0 });
    const full = await resolveThresholds(model, { calib, targetTimesteps: 8 });
    expect(full.auto!.layerwiseSkipped).toBeUndefined();
    expect(full.auto!.candidates.some((c) => c.name.includes('@'))).toBe(true);
  });

  it('offers burst candidates (Γ = 2, marked) only where no neuron was named (IF here; signed networks: test/snn/signed-burst.test.ts)', async () => {
    const th = await resolveThresholds(model, { calib, targetTimesteps: 8 });
    const burst = th.auto!.candidates.filter((c) => c.name.startsWith('burst2:'));
    expect(burst.map((c) => c.name)).toEqual([`burst2:${burstBase(th)}`, `burst2:${burstBase(th)}+potential@8`, `burst2:${burstBase(th)}+bias@8`]);
    for (const c of burst) expect(c.maxSpikesPerStep).toBe(2);
    expect(th.auto!.candidates.filter((c) => !c.name.startsWith('burst')).every((c) => c.maxSpikesPerStep === undefined)).toBe(true);
    const lif = await resolveThresholds(model, { calib, targetTimesteps: 8, snn: { neuron: 'lif' } });
    expect(lif.auto!.candidates.some((c) => c.name.startsWith('burst'))).toBe(false);
  });

  it('a file fitted for burst neurons converts with them (θ = λ/Γ) unless the caller names a neuron; a bad Γ is E_THRESHOLDS', async () => {
    const th = await calibrate(model, calib);
    const b = convert(model, { ...th, burst: 2 }).snn;
    expect(b.options).toMatchObject({ neuron: 'burst', burst: 2 });
    expect(b.layers[0]!.threshold).toBeCloseTo((th.layers[0]!.scale as number) / 2, 6);
    expect(convert(model, { ...th, burst: 2 }, { neuron: 'if' }).snn.options.neuron).toBe('if');
    expect(convert(model, th).snn.options.neuron).toBe('if');
    expectError(() => checkThresholds(JSON.parse(formatThresholds({ ...th, burst: 0 })), 'b.json'), 'E_THRESHOLDS', '"burst"');
  });

  it('applies only without a method, refinement or thresholds file, and as mode fixed', () => {
    expect(usesAuto({})).toBe(true);
    expect(usesAuto({ calibration: 'fixed' })).toBe(false);
    expect(usesAuto({ method: 'max' })).toBe(false);
    expect(usesAuto({ refine: { potentialCalibration: 16 } })).toBe(false);
  });

  it('splits deterministically into disjoint sorted parts and gathers them', async () => {
    const s = splitIndices(100, 25, 50, 3);
    expect(s).toEqual(splitIndices(100, 25, 50, 3));
    expect(s.heldOut).toHaveLength(25);
    expect(s.fit).toHaveLength(50);
    expect(new Set([...s.heldOut, ...s.fit]).size).toBe(75);
    expect([...s.heldOut].sort((a, b) => a - b)).toEqual(s.heldOut);
    expect(splitIndices(100, 25, 50, 4).heldOut).not.toEqual(s.heldOut);
    const sub = await subsetOf(calib, s.heldOut);
    s.heldOut.forEach((i, k) => {
      expect(sub.x[2 * k]).toBe(calib.x[2 * i]);
      expect(sub.labels[k]).toBe(calib.labels[i]);
    });
  });
});
