import { describe, expect, it } from 'vitest';
import { buildSnn } from '../../src/snn/build.js';
import { emitOnnx } from '../../src/snn/emit.js';
import { simulateReference } from '../../src/snn/reference.js';
import { OrtSession } from '../../src/engine/ort.js';
import { mulberry32 } from '../helpers/ort.js';
import { poolProbe, reluProbe } from './helpers.js';

const F = 200;
const currents = (() => {
  const r = mulberry32(7);
  return Float32Array.from({ length: F }, () => -1 + 3 * r()); // I/θ in [-0.5, 1.0) for θ = 2
})();

describe('IF neuron', () => {
  for (const vInit of [0, 0.5])
    for (const T of [16, 64, 200])
      it(`rate equals clamp(I/θ, 0, 1) within 1/T (T=${T}, v0=${vInit}θ)`, () => {
        const theta = 2;
        const snn = buildSnn(reluProbe(F), new Map([['r', theta]]), { vInit });
        const res = simulateReference(snn, currents, 1, { timesteps: T });
        const counts = res.counts[0]!;
        for (let i = 0; i < F; i++) {
          const want = Math.min(Math.max(currents[i]! / theta, 0), 1);
          expect(Math.abs(counts[i]! / T - want)).toBeLessThanOrEqual(1 / T + 1e-9);
        }
        // the readout is the integrated θ·spikes
        const y = res.readouts.get(T)!;
        for (let i = 0; i < F; i++) expect(y[i]).toBeCloseTo(counts[i]! * theta, 4);
      });

  it('reset by subtraction keeps the residual charge, reset to zero loses it (hand-computed)', () => {
    const x = new Float32Array([0.6, 0.25]);
    const sub = simulateReference(buildSnn(reluProbe(2), new Map([['r', 1]]), { vInit: 0, reset: 'subtract' }), x, 1, { timesteps: 10 });
    const zero = simulateReference(buildSnn(reluProbe(2), new Map([['r', 1]]), { vInit: 0, reset: 'zero' }), x, 1, { timesteps: 10 });
    // v: 0.6, 1.2→0.2, 0.8, 1.4→0.4, 1.0→0, 0.6, ... : 6 spikes in 10 steps with subtraction
    expect(Array.from(sub.counts[0]!)).toEqual([6, 2]);
    // v: 0.6, 1.2→0, 0.6, 1.2→0 ... : a spike every 2nd step: 5; 0.25: 4 steps to reach 1.0 → 2 spikes
    expect(Array.from(zero.counts[0]!)).toEqual([5, 2]);
  });

  it('LIF (β = 0.99) with leak compensation tracks clamp(I/θ, 0, 1): mean rate error < 0.004', () => {
    const T = 400;
    const x = Float32Array.from({ length: F }, (_, i) => (i / F) * 2); // I/θ in [0,1)
    const lif = simulateReference(buildSnn(reluProbe(F), new Map([['r', 2]]), { neuron: 'lif', beta: 0.99 }), x, 1, { timesteps: T });
    let err = 0;
    for (let i = 0; i < F; i++) err += Math.abs(lif.counts[0]![i]! / T - x[i]! / 2);
    // leak without compensation would lose about (1-β)/2 = 0.005 of rate everywhere and all rates below it
    expect(err / F).toBeLessThan(0.004);
  });
});

describe('spiking max pool', () => {
  it('passes the spikes of the input with the highest rate, not the OR of one step', async () => {
    const x = new Float32Array([0.3, 0.7, 0.5, 0.1]);
    const T = 100;
    const snn = buildSnn(poolProbe(), new Map([['r', 1]]), { vInit: 0.5 });
    const ref = simulateReference(snn, x, 1, { timesteps: T });
    const rate = ref.readouts.get(T)![0]! / T;
    expect(Math.abs(rate - 0.7)).toBeLessThanOrEqual(1 / T + 1e-6);
    // the same in onnxruntime running the emitted file
    const session = await OrtSession.create(emitOnnx(snn));
    const out = await session.run({ x: { data: x, dims: [1, 1, 2, 2] }, timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) } });
    expect(out['readout']!.data[0]).toBeCloseTo(ref.readouts.get(T)![0]!, 5);
    await session.release();
  });
});
