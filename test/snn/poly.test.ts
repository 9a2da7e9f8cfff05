import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { buildSnn } from '../../src/snn/build.js';
import { emitOnnx, layerOutputName } from '../../src/snn/emit.js';
import { fitInputGain, polyRate, qifPolynomial } from '../../src/snn/poly.js';
import { simulateReference } from '../../src/snn/reference.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
import { reluProbe } from './helpers.js';

const mnistfc = BUNDLED_MODELS.find((m) => m.id === 'vnncomp21-mnistfc-256x2')!;

describe('polynomial (LNM) neurons', () => {
  it('with f = 0 equal IF exactly on a real model', async () => {
    const model = loadModel(mnistfc.file);
    const th = await calibrate(model, loadDataset(mnistfc.calib, { ...mnistfc.pre, limit: 100 }));
    const ds = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: 20 });
    const a = simulateReference(convert(model, th).snn, ds.x, ds.count, { timesteps: 32 });
    const b = simulateReference(convert(model, th, { neuron: 'poly', poly: [0, 0, 0, 0] }).snn, ds.x, ds.count, { timesteps: 32 });
    a.counts.forEach((c, i) => expect(Array.from(b.counts[i]!)).toEqual(Array.from(c)));
    expect(Array.from(b.readouts.get(32)!)).toEqual(Array.from(a.readouts.get(32)!));
    expect(fitInputGain([0, 0, 0], { vInit: 0.5, reset: 'subtract' })).toBe(1);
  });

  it('a QIF neuron follows a hand-computed trace (a = 0.25, u1 = 0, u2 = 0.5, θ = 1, g = 1)', () => {
    // u ← u + 0.25·u·(u − 0.5) + x, spike at u ≥ 1, reset by subtraction; x = 0.4, u0 = 0
    // t1: 0 + 0 + 0.4 = 0.4
    // t2: 0.4 + 0.25·0.4·(−0.1) + 0.4 = 0.79
    // t3: 0.79 + 0.25·0.79·0.29 + 0.4 = 1.2472… → spike, u = 0.2472…
    // t4: 0.2472 + 0.25·0.2472·(−0.2528) + 0.4 = 0.6316… ; t5: 0.6316 + 0.25·0.6316·0.1316 + 0.4 = 1.0524… → spike
    let u = 0;
    const spikes: number[] = [];
    for (let t = 1; t <= 5; t++) {
      u = u + 0.25 * u * (u - 0.5) + 0.4;
      if (u >= 1) {
        spikes.push(t);
        u -= 1;
      }
    }
    expect(spikes).toEqual([3, 5]);
    const snn = buildSnn(reluProbe(1), new Map([['r', 1]]), { neuron: 'poly', poly: qifPolynomial(0.25, 0, 0.5), vInit: 0 });
    const withUnitGain = { ...snn, layers: snn.layers.map((l) => ({ ...l, gain: 1 })) };
    const traceAt = (T: number) => simulateReference(withUnitGain, new Float32Array([0.4]), 1, { timesteps: T }).counts[0]![0];
    expect([1, 2, 3, 4, 5].map(traceAt)).toEqual([0, 0, 1, 1, 2]);
    // the same neuron's dead zone: below x ≈ 1/64 the quadratic has a stable root and it never fires
    expect(polyRate(qifPolynomial(0.25, 0, 0.5), 0.01, { vInit: 0, reset: 'subtract' })).toBe(0);
    expect(polyRate(qifPolynomial(0.25, 0, 0.5), 0.05, { vInit: 0, reset: 'subtract' })).toBeGreaterThan(0);
  });

  it('the fitted input gain brings the QIF rate curve close to the identity on [0, 1]', () => {
    const p = qifPolynomial(0.25, 0, 0.5);
    const o = { vInit: 0.5, reset: 'subtract' as const };
    const g = fitInputGain(p, o);
    const err = (gain: number) => Array.from({ length: 21 }, (_, i) => i / 20).reduce((s, y) => s + Math.abs(polyRate(p, gain * y, o) - y), 0) / 21;
    expect(err(g)).toBeLessThan(err(1));
    expect(err(g)).toBeLessThan(0.05);
  });

  it('the emitted file gives the reference spike counts for QIF neurons on a real model', async () => {
    const model = loadModel(mnistfc.file);
    const th = await calibrate(model, loadDataset(mnistfc.calib, { ...mnistfc.pre, limit: 100 }));
    const ds = loadDataset(mnistfc.test, { ...mnistfc.pre, limit: 16 });
    const { snn } = convert(model, th, { neuron: 'poly', poly: qifPolynomial(0.25, 0, 0.5) });
    const ref = simulateReference(snn, ds.x, ds.count, { timesteps: 24 });
    const session = await OrtSession.create(emitOnnx(snn));
    const out = await session.run({
      [snn.inputName]: { data: ds.x, dims: [ds.count, 784, 1] },
      timesteps: { dtype: 'int64', dims: [], data: new Float64Array([24]) },
    });
    await session.release();
    let spikes = 0;
    snn.layers.forEach((_, i) => {
      expect(Array.from(out[layerOutputName(i)]!.data)).toEqual(Array.from(ref.counts[i]!));
      spikes += ref.counts[i]!.reduce((a, b) => a + b, 0);
    });
    expect(spikes).toBeGreaterThan(0);
  });
});
