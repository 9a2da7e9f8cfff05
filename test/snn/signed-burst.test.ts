/**
 * Signed and bipolar neurons with bursts (--neuron signed --burst Γ, or --burst Γ on a network whose
 * default is signed; converters/neurons/signed.ts): the firing rule at its edges, Γ = 1 against the
 * one-spike rule, the emitted ONNX file and tfjs against the reference simulator on the own
 * MobileNetV2 (identical net counts, events and readouts), the flags and the thresholds file of
 * auto's burst candidates.
 */
import { describe, expect, it } from 'vitest';
import { burstEligible } from '../../calibration/auto-burst.js';
import { bipolarNeuron, signedNeuron } from '../../converters/neurons/signed.js';
import { snnOptionsOf } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import { calibrate, convert, loadModel, resolveThresholds } from '../../src/pipeline.js';
import { buildSnn } from '../../src/snn/build.js';
import { layerEventsName, layerOutputName } from '../../src/snn/emit.js';
import { simulateReference } from '../../src/snn/reference.js';
import { DEFAULT_SNN_OPTIONS, type SnnOptions } from '../../src/snn/types.js';
import { OWN_MODELS } from '../../scripts/models.js';
import { convertConfig } from '../helpers/cli.js';
import { expectError } from '../helpers/errors.js';
import { mulberry32 } from '../helpers/ort.js';
import { bottleneck, bottleneckData, reluProbe } from './helpers.js';

type Kind = typeof signedNeuron | typeof bipolarNeuron;

/** One firing step of independent neurons at potentials x (after integration) with counts c; returns k, v, events. */
function fireOnce(kind: Kind, x: readonly number[], c: readonly number[], theta: number, o: Partial<SnnOptions>) {
  const n = x.length;
  const v = new Float32Array(n),
    counts = Float32Array.from(c),
    out = new Float32Array(n),
    events = new Float32Array(n);
  kind.fire!.reference(Float32Array.from(x), v, counts, new Float32Array([theta]), out, { ...DEFAULT_SNN_OPTIONS, neuron: 'signed', ...o }, events);
  return { k: Array.from(counts, (v, i) => v - c[i]!), v: Array.from(v), out: Array.from(out), events: Array.from(events) };
}

describe('signed bursts: the firing rule', () => {
  // θ = 0.3: j·θ is not exact in float32, so the thresholds are fl(j·θ), as every engine compares
  const th = Math.fround(0.3);
  const f = (j: number) => Math.fround(j * th);
  const below = (x: number) => x - Math.abs(x) * 2 ** -23; // the float32 just below (these x are normal)

  it('positive side: k = #{j ≤ Γ : v ≥ fl(j·θ)}, exactly at each level, saturating at Γ; v ← v − fl(k·θ)', () => {
    const x = [th, below(th), f(2), below(f(2)), f(3), 5, 0].map(Math.fround);
    const r = fireOnce(signedNeuron, x, [0, 0, 0, 0, 0, 0, 0], th, { burst: 3 });
    expect(r.k).toEqual([1, 0, 2, 1, 3, 3, 0]);
    expect(r.out).toEqual(r.k.map((k) => Math.fround(k * th)));
    expect(r.v).toEqual(x.map((xi, i) => Math.fround(xi - Math.fround(r.k[i]! * th))));
    expect(r.events).toEqual([1, 0, 2, 1, 3, 3, 0]);
  });

  it('negative side: v < 0, v < −θ, v < −fl(2θ); signed takes back at most its count, bipolar has no bound', () => {
    // −0 is not below 0; exactly at −θ (−fl(2θ)) is not below it; just below is
    const x = [-0, -1e-6, -th, below(-th), -f(2), below(-f(2)), -5].map(Math.fround);
    const big = x.map(() => 10);
    expect(fireOnce(bipolarNeuron, x, big, th, { burst: 3 }).k).toEqual([0, -1, -1, -2, -2, -3, -3]);
    expect(fireOnce(signedNeuron, x, big, th, { burst: 3 }).k).toEqual([0, -1, -1, -2, -2, -3, -3]);
    // memory: never below a zero net count
    expect(fireOnce(signedNeuron, x, [0, 0, 0, 1, 1, 2, 1], th, { burst: 3 }).k).toEqual([0, 0, 0, -1, -1, -2, -1]);
    const r = fireOnce(bipolarNeuron, [-5], [0], th, { burst: 3 });
    expect(r.events).toEqual([3]);
    expect(r.v).toEqual([Math.fround(-5 + Math.fround(3 * th))]);
    // reset to zero after a burst of either sign
    expect(fireOnce(bipolarNeuron, [-5, 5, 0.1], [0, 0, 0], th, { burst: 3, reset: 'zero' }).v).toEqual([0, 0, Math.fround(0.1)]);
  });

  it('Γ = 1 (and no burst) is the one-spike rule, spike for spike; bipolar takes no Γ beside IF burst neurons', () => {
    const r = mulberry32(3);
    for (const [kind, memory] of [
      [signedNeuron, true],
      [bipolarNeuron, false],
    ] as const) {
      const x = Array.from({ length: 400 }, () => Math.fround((r() - 0.5) * 3));
      const c = x.map(() => Math.floor(r() * 3));
      const oneSpike = x.map((v, i) => (v >= th ? 1 : v < 0 && (!memory || c[i]! > 0) ? -1 : 0));
      expect(fireOnce(kind, x, c, th, {}).k).toEqual(oneSpike);
      expect(fireOnce(kind, x, c, th, { burst: 1 }).k).toEqual(oneSpike);
      if (!memory) expect(fireOnce(kind, x, c, th, { neuron: 'burst', burst: 3 }).k).toEqual(oneSpike);
    }
  });

  it('bipolar Γ = 2: the net count is the running input rounded to θ = λ/2 while a step stays within λ', () => {
    const r = mulberry32(7);
    const lambda = 1;
    const theta = lambda / 2;
    const v = new Float32Array([theta / 2]),
      counts = new Float32Array(1),
      out = new Float32Array(1);
    let sum = theta / 2;
    for (let t = 0; t < 300; t++) {
      const i = Math.fround((r() - 0.5) * 2 * lambda * 0.98);
      sum += i;
      bipolarNeuron.fire!.reference(Float32Array.of(Math.fround(v[0]! + i)), v, counts, Float32Array.of(theta), out, {
        ...DEFAULT_SNN_OPTIONS,
        neuron: 'signed',
        burst: 2,
      });
      expect(Math.abs(counts[0]! - Math.floor(sum / theta))).toBeLessThanOrEqual(Math.abs(sum / theta - Math.round(sum / theta)) < 1e-4 ? 1 : 0);
    }
  });
});

describe('signed bursts on the own MobileNetV2 (signed and bipolar from structure)', () => {
  const bm = OWN_MODELS.find((m) => m.id === 'own-mnist-mobilenetv2')!;
  const N = 3;
  const T = 13;

  it('Γ = 2, T odd: reference = emitted file (net counts, events, readout); θ = λ/2 at every site; Γ = 1 = today', async () => {
    const model = loadModel(bm.file);
    const ds = loadDataset(bm.test, { ...bm.pre, limit: N });
    const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 64 }));
    // --burst 2 alone: the network's default neuron (signed) gets bursts, its bipolar sites too
    const { snn, onnx } = convert(model, th, snnOptionsOf(convertConfig(['--burst', '2'])));
    expect(snn.options).toMatchObject({ neuron: 'signed', burst: 2 });
    const plain = convert(model, th).snn;
    snn.layers.forEach((l, i) =>
      expect(l.threshold, l.name).toEqual(((t) => (typeof t === 'number' ? t / 2 : t.map((v) => v / 2)))(plain.layers[i]!.threshold)),
    );
    const session = await OrtSession.create(onnx);
    const out = await session.run({
      [snn.inputName]: { data: ds.x, dims: [N, 1, 28, 28] },
      timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
    });
    await session.release();
    const ref = simulateReference(snn, ds.x, N, { timesteps: T });
    let bursts = 0,
      negative = 0;
    snn.layers.forEach((l, i) => {
      const b = ref.counts[i]!;
      expect(Array.from(out[layerOutputName(i)]!.data), l.name).toEqual(Array.from(b));
      expect(Array.from(out[layerEventsName(i)]!.data), `${l.name} events`).toEqual(Array.from(ref.events[i]!));
      bursts += b.filter((v) => Math.abs(v) > T).length;
      negative += b.filter((v) => v < 0).length;
    });
    // more spikes than steps (only bursts can) and negative net counts (the bipolar sites)
    expect(bursts).toBeGreaterThan(0);
    expect(negative).toBeGreaterThan(0);
    // the readout sums float currents in each engine's order: equal to float32 rounding
    const ra = out['readout']!.data,
      rb = ref.readouts.get(T)!;
    for (let j = 0; j < rb.length; j++) expect(Math.abs(ra[j]! - rb[j]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(rb[j]!)));
    // Γ = 1 is today's neuron: the same counts as without --burst
    const one = convert(model, th, { burst: 1 }).snn;
    const today = simulateReference(plain, ds.x, N, { timesteps: T });
    simulateReference(one, ds.x, N, { timesteps: T }).counts.forEach((c, i) => expect(Array.from(c)).toEqual(Array.from(today.counts[i]!)));
    // auto's burst candidates here: their file (Γ alone) converts back to signed bursts, not IF burst neurons
    expect(burstEligible(model, {})).toBe(true);
    expect(convert(model, { ...th, burst: 2 }).snn.options).toMatchObject({ neuron: 'signed', burst: 2 });
    expect(convert(model, { ...th, burst: 2 }, { neuron: 'burst' }).snn.options).toMatchObject({ neuron: 'burst' });
  });

  it('tfjs = reference (Γ = 3, Poisson input; a bottleneck with linear sites: tfjs has no grouped Conv for the MobileNetV2)', async () => {
    const { simulateTfjs } = await import('../../src/engine/tfjs.js');
    const m = bottleneck(5);
    const n = 10;
    const ds = bottleneckData(6, n);
    const { snn } = convert(m, await calibrate(m, ds), { neuron: 'signed', burst: 3, encoding: 'poisson', seed: 2 });
    expect(snn.layers.filter((l) => l.linear).length).toBe(2);
    const ref = simulateReference(snn, ds.x, n, { timesteps: T });
    const tf: Float32Array[] = [];
    await simulateTfjs(snn, ds, { timesteps: [T], batchSize: n, onCounts: (_s, _n, cs) => void tf.push(...cs.map((x) => x.slice())) });
    snn.layers.forEach((l, i) => expect(Array.from(tf[i]!), l.name).toEqual(Array.from(ref.counts[i]!)));
    expect(ref.counts.some((c) => c.some((v) => Math.abs(v) > T / 2))).toBe(true);
  });

  it('auto offers burst candidates on a signed network; their files convert back to signed and bipolar bursts', async () => {
    const m = bottleneck(5);
    const calib = bottleneckData(8, 64);
    const th = await resolveThresholds(m, { calib, targetTimesteps: 8 });
    const burst = th.auto!.candidates.filter((c) => c.name.startsWith('burst2:'));
    expect(burst.length).toBe(3); // alone, + potential, + bias
    for (const c of burst) expect(c.maxSpikesPerStep).toBe(2);
    const b = convert(m, { ...th, burst: 2 }).snn;
    expect(b.options).toMatchObject({ neuron: 'signed', burst: 2 });
    expect(b.nodes.filter((x) => x.opType === 'BipolarIF').length).toBe(2);
  });

  it('flags: --neuron signed --burst Γ; --burst with if, lif or poly neurons is E_OPTION naming the flag', () => {
    expect(snnOptionsOf(convertConfig(['--neuron', 'signed', '--burst', '3']))).toMatchObject({ neuron: 'signed', burst: 3 });
    expect(buildSnn(reluProbe(4), new Map([['r', 1]]), { neuron: 'signed', burst: 4 }).layers[0]!.threshold).toBe(0.25);
    expectError(() => snnOptionsOf(convertConfig(['--neuron', 'if', '--burst', '2'])), 'E_OPTION', '--burst');
    expectError(() => buildSnn(reluProbe(4), new Map([['r', 1]]), { neuron: 'lif', burst: 2 }), 'E_OPTION', '--burst');
  });
});
