/**
 * Closed-form constant-current layers (src/snn/closed-form.ts): the same spikes as stepping where
 * the arithmetic is exact, at most one spike apart elsewhere, applied only where the proof holds,
 * and a spiking max pool over them that never touches the layer inside the time loop.
 */
import { describe, expect, it } from 'vitest';
import { OrtSession } from '../../src/engine/ort.js';
import { buildSnn } from '../../src/snn/build.js';
import { closedFormApplies, closedFormLayers } from '../../src/snn/closed-form.js';
import { emitOnnx, layerOutputName } from '../../src/snn/emit.js';
import { simulateReference } from '../../src/snn/reference.js';
import type { SnnOptions } from '../../src/snn/types.js';
import { mulberry32 } from '../helpers/ort.js';
import { poolProbe, reluProbe } from './helpers.js';

const T = 256;

function counts(x: Float32Array, theta: number, opts: Partial<SnnOptions>): { closed: Float32Array; step: Float32Array } {
  const run = (solve: 'closed-form' | 'step') =>
    simulateReference(buildSnn(reluProbe(x.length), new Map([['r', theta]]), { ...opts, solve }), x, 1, { timesteps: T }).counts[0]!;
  return { closed: run('closed-form'), step: run('step') };
}

describe('closed form vs stepping', () => {
  it('equal spike counts when every value is a short binary fraction (exact float32 arithmetic)', () => {
    // I = k/64·θ for k = −70 … 70: covers silent (I ≤ 0), fractional and saturated (I ≥ θ) neurons
    const x = Float32Array.from({ length: 141 }, (_, i) => ((i - 70) / 64) * 2);
    for (const vInit of [0, 0.25, 0.5, 0.875]) {
      const { closed, step } = counts(x, 2, { vInit });
      expect(Array.from(closed), `vInit ${vInit}`).toEqual(Array.from(step));
    }
  });

  it('silent below 0, one spike per step above θ, ⌊b + T·I/θ⌋ between', () => {
    const x = new Float32Array([-5, 0, 0.3, 1, 7]);
    const { closed } = counts(x, 1, { vInit: 0.5 });
    expect(Array.from(closed)).toEqual([0, 0, Math.floor(0.5 + T * Math.fround(0.3)), T, T]);
  });

  it('random currents: counts differ from float32 stepping by at most one spike, in few neurons', () => {
    const r = mulberry32(11);
    const x = Float32Array.from({ length: 1000 }, () => -0.5 + 2 * r());
    const { closed, step } = counts(x, Math.fround(0.7310585), { vInit: 0.5 });
    let differ = 0;
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(closed[i]! - step[i]!)).toBeLessThanOrEqual(1);
      if (closed[i] !== step[i]) differ++;
    }
    expect(differ).toBeLessThan(x.length / 100);
  });
});

describe('where the closed form applies', () => {
  const probe = reluProbe(4);
  const cases: [string, Partial<SnnOptions>, boolean][] = [
    ['IF, reset by subtraction, constant current', {}, true],
    ['--solve step', { solve: 'step' }, false],
    ['LIF', { neuron: 'lif' }, false],
    ['reset to zero', { reset: 'zero' }, false],
    ['Poisson input', { encoding: 'poisson' }, false],
  ];
  for (const [what, opts, want] of cases)
    it(`${what}: ${want ? 'closed form' : 'stepped'}`, () => {
      const snn = buildSnn(probe, new Map([['r', 1]]), opts);
      expect(closedFormApplies(snn, snn.layers[0]!)).toBe(want);
    });

  it('a potential-calibrated initial potential outside [0, 1)·θ is stepped', () => {
    const snn = buildSnn(probe, new Map([['r', 1]]), { v0s: new Map([['r', [0.5, 1.2, 0.5, 0.5]]]) });
    expect(closedFormLayers(snn).size).toBe(0);
  });
});

describe('spiking max pool over a closed-form layer', () => {
  it('onnxruntime pools the rates once: no full-size pass in the loop, spikes equal to the reference key rule', async () => {
    const snn = buildSnn(poolProbe(), new Map([['r', 1]]), { vInit: 0.5 });
    expect(closedFormLayers(snn).size).toBe(1);
    const onnx = emitOnnx(snn);
    expect(JSON.parse(onnx.metadata['onnx2snn.layers']!)[0].solve).toBe('closed-form');
    const loop = onnx.graph.nodes.find((n) => n.opType === 'Loop')!;
    const body = loop.attrs['body']!;
    if (body.kind !== 'graph') throw new Error('Loop without a body');
    // the layer output r (2×2 per sample) is never produced inside the loop, nor any MaxPool run there
    expect(body.value.nodes.some((n) => n.outputs.includes('r'))).toBe(false);
    expect(body.value.nodes.some((n) => n.opType === 'MaxPool')).toBe(false);
    const r = mulberry32(5);
    const n = 200;
    const x = Float32Array.from({ length: n * 4 }, () => -0.3 + 1.5 * r());
    const session = await OrtSession.create(onnx);
    const out = await session.run({ x: { data: x, dims: [n, 1, 2, 2] }, timesteps: { dtype: 'int64', dims: [], data: new Float64Array([64]) } });
    await session.release();
    const ref = simulateReference(snn, x, n, { timesteps: 64 });
    expect(Array.from(out[layerOutputName(0)]!.data)).toEqual(Array.from(ref.counts[0]!));
    // readout = pooled spikes summed: the largest count of each window (the key rule's pooled count)
    const y = out['readout']!.data;
    for (let b = 0; b < n; b++) {
      const c = ref.counts[0]!.subarray(b * 4, b * 4 + 4);
      expect(y[b]).toBe(Math.max(...c));
      expect(ref.readouts.get(64)![b]).toBe(Math.max(...c));
    }
  });
});
