/**
 * Burst neurons (--neuron burst, --burst Γ; converters/neurons/burst.ts): the firing against the
 * maths, the emitted ONNX file and the tfjs engine against the reference simulator (identical
 * spike counts), the synaptic operations (a burst of k is k events), the NIR refusal and the flags.
 */
import { describe, expect, it } from 'vitest';
import { burstNeuron } from '../../converters/neurons/burst.js';
import { snnOptionsOf } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import { toNir } from '../../src/nir/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { buildSnn } from '../../src/snn/build.js';
import { layerOutputName } from '../../src/snn/emit.js';
import { poissonStates } from '../../src/snn/poisson.js';
import { simulateReference } from '../../src/snn/reference.js';
import { DEFAULT_SNN_OPTIONS, type SnnOptions } from '../../src/snn/types.js';
import { ALL_MODELS } from '../../scripts/models.js';
import { convertConfig } from '../helpers/cli.js';
import { expectError } from '../helpers/errors.js';
import { mulberry32 } from '../helpers/ort.js';
import { reluProbe } from './helpers.js';

const F = 200;

describe('burst firing', () => {
  /** Steps one neuron (θ = 1, v0 = 0) through the currents; returns the spikes per step. */
  function run(currents: readonly number[], o: Partial<SnnOptions>): number[] {
    const v = new Float32Array([0]),
      counts = new Float32Array(1),
      theta = new Float32Array([1]),
      x = new Float32Array(1),
      out = new Float32Array(1);
    return currents.map((i) => {
      x[0] = Math.fround(v[0]! + i);
      burstNeuron.fire!.reference(x, v, counts, theta, out, { ...DEFAULT_SNN_OPTIONS, ...o });
      return out[0]!;
    });
  }

  it('emits k = clamp(⌊v/θ⌋, 0, Γ) spikes and subtracts them all (hand-computed)', () => {
    // Γ = 2: v 2.5 → 2 spikes, 0.5; 0.5+0.2 = 0.7 → 0; 0.7+3.6 = 4.3 → 2 (capped), 2.3; 2.3−2 = 0.3 → 0
    expect(run([2.5, 0.2, 3.6, -2], { burst: 2 })).toEqual([2, 0, 2, 0]);
    // Γ = 4: 2.5 → 2, 0.5; 0.7 → 0; 4.3 → 4, 0.3; −1.7 → 0
    expect(run([2.5, 0.2, 3.6, -2], { burst: 4 })).toEqual([2, 0, 4, 0]);
    // reset to zero: 2.5 → 2 spikes, v = 0; 0.2; 3.8 → 2, v = 0; −2
    expect(run([2.5, 0.2, 3.6, -2], { burst: 2, reset: 'zero' })).toEqual([2, 0, 2, 0]);
  });

  for (const gamma of [1, 2, 4])
    for (const T of [8, 32])
      it(`Γ = ${gamma}, T = ${T}: θ = λ/Γ and the rate·θ is clamp(I, 0, λ) within λ/(Γ·T)`, () => {
        const lambda = 2;
        const r = mulberry32(7);
        const x = Float32Array.from({ length: F }, () => -1 + 4 * r());
        const snn = buildSnn(reluProbe(F), new Map([['r', lambda]]), { neuron: 'burst', burst: gamma, solve: 'step' });
        expect(snn.layers[0]!.threshold).toBeCloseTo(lambda / gamma, 6);
        const c = simulateReference(snn, x, 1, { timesteps: T }).counts[0]!;
        for (let i = 0; i < F; i++) {
          const want = Math.min(Math.max(x[i]!, 0), lambda);
          expect(Math.abs((c[i]! * lambda) / gamma / T - want)).toBeLessThanOrEqual(lambda / (gamma * T) + 1e-6);
          expect(c[i]!).toBeLessThanOrEqual(gamma * T);
        }
      });

  it('Γ = 1 is IF, spike for spike', () => {
    const r = mulberry32(3);
    const x = Float32Array.from({ length: F }, () => -1 + 4 * r());
    const scales = new Map([['r', 1.7]]);
    const a = simulateReference(buildSnn(reluProbe(F), scales, { neuron: 'burst', burst: 1 }), x, 1, { timesteps: 40 });
    const b = simulateReference(buildSnn(reluProbe(F), scales, { neuron: 'if', solve: 'step' }), x, 1, { timesteps: 40 });
    expect(Array.from(a.counts[0]!)).toEqual(Array.from(b.counts[0]!));
  });
});

describe('emitted file and tfjs = reference simulator with bursts', () => {
  const cases = [
    { id: 'vnncomp21-cifar10-resnet_2b', burst: 2, encoding: 'current', reset: 'subtract' },
    { id: 'vnncomp21-cifar10-resnet_2b', burst: 4, encoding: 'poisson', reset: 'subtract' },
    { id: 'onnx-zoo-mnist-12', burst: 3, encoding: 'current', reset: 'zero' },
    { id: 'onnx-zoo-mnist-12', burst: 2, encoding: 'current', reset: 'subtract' },
  ] as const;
  const N = 6;
  const T = 20;
  for (const c of cases)
    it(`${c.id}, Γ = ${c.burst}, ${c.encoding} input, reset ${c.reset}: identical spike counts, bursts of more than one spike included`, async () => {
      const bm = ALL_MODELS.find((m) => m.id === c.id)!;
      const model = loadModel(bm.file);
      const ds = loadDataset(bm.test, { ...bm.pre, limit: N });
      const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 64 }));
      // low thresholds (λ/4) so that bursts happen
      const low = { ...th, layers: th.layers.map((l) => ({ ...l, scale: typeof l.scale === 'number' ? l.scale / 4 : l.scale.map((s) => s / 4) })) };
      const { snn, onnx } = convert(model, low, { neuron: 'burst', burst: c.burst, encoding: c.encoding, reset: c.reset, seed: 5 });
      const per = ds.x.length / N;
      const session = await OrtSession.create(onnx);
      const out = await session.run({
        [snn.inputName]: { data: ds.x, dims: [N, ...snn.inputDims] },
        timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
        ...(c.encoding === 'poisson' ? { rng_state: { dtype: 'float64', dims: [N, per], data: poissonStates(5, 0, N, per) } } : {}),
      });
      await session.release();
      const ref = simulateReference(snn, ds.x, N, { timesteps: T });
      let overT = 0;
      snn.layers.forEach((l, i) => {
        const a = out[layerOutputName(i)]!.data,
          b = ref.counts[i]!;
        let differ = 0;
        for (let j = 0; j < b.length; j++) {
          if (a[j] !== b[j]) differ++;
          if (b[j]! > T) overT++;
        }
        expect(differ, `${l.name}: neurons with different counts`).toBe(0);
      });
      // more spikes than steps: only bursts can do that
      expect(overT).toBeGreaterThan(0);
      const ra = out['readout']!.data;
      const rb = ref.readouts.get(T)!;
      for (let j = 0; j < ra.length; j++) expect(Math.abs(ra[j]! - rb[j]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(rb[j]!)));
      // current input, reset by subtraction: the counts compared above were recovered after the Loop
      // (on resnet_2b; mnist-12's neuron layers all feed spiking max pools, which read the count every step)
      const recovered = onnx.graph.nodes.some((nd) => nd.outputs.some((o) => o.startsWith('recover_')));
      if (c.id === 'vnncomp21-cifar10-resnet_2b') expect(recovered).toBe(c.encoding === 'current' && c.reset === 'subtract');
    });
});

describe('tfjs = reference simulator with bursts into a spiking max pool', () => {
  it('identical counts and readout (Γ = 3): the pool passes the growth of the largest count', async () => {
    const { poolProbe } = await import('./helpers.js');
    const { simulateTfjs } = await import('../../src/engine/tfjs.js');
    const snn = buildSnn(poolProbe(), new Map([['r', 0.6]]), { neuron: 'burst', burst: 3, solve: 'step' });
    const n = 32;
    const r = mulberry32(12);
    const x = Float32Array.from({ length: n * 4 }, () => r() * 1.2 - 0.2);
    const T = 30;
    const ref = simulateReference(snn, x, n, { timesteps: T });
    expect(ref.counts[0]!.some((c) => c > T)).toBe(true);
    const ds = { source: 'random', format: 'memory' as const, count: n, sampleShape: [1, 2, 2], x, labels: new Int32Array(n) };
    const tf: Float32Array[] = [];
    await simulateTfjs(snn, ds, { timesteps: [T], batchSize: 8, onCounts: (_s, _n, cs) => void tf.push(cs[0]!.slice()) });
    expect(Array.from(tf.flatMap((c) => Array.from(c)))).toEqual(Array.from(ref.counts[0]!));
    // the pooled output integrates to θ·(largest count in the window): the readout is θ·max count
    const th = snn.layers[0]!.threshold as number;
    const y = ref.readouts.get(T)!;
    for (let b = 0; b < n; b++) expect(y[b]!).toBeCloseTo(th * Math.max(...ref.counts[0]!.slice(4 * b, 4 * b + 4)), 4);
  });
});

describe('synaptic operations of bursts', () => {
  it('count every spike of a burst: Γ = 2 at T costs the events of its counts, about twice IF at the same T', async () => {
    const { opsPlan, SynopsCounter } = await import('../../src/eval/ops.js');
    const r = mulberry32(9);
    const x = Float32Array.from({ length: 8 * F }, () => 2 * r());
    const scales = new Map([['r', 2]]);
    const T = 32;
    const synops = (o: Partial<SnnOptions>) => {
      const snn = buildSnn(reluProbe(F), scales, { ...o, solve: 'step' });
      const ref = simulateReference(snn, x, 8, { timesteps: T });
      const c = new SynopsCounter(opsPlan(snn), T);
      c.addBatch(8, ref.counts);
      const spikes = ref.counts[0]!.reduce((a, b) => a + b, 0);
      return { synops: c.result().layers.find((l) => l.name === 'readout')!.synops, spikes };
    };
    const b = synops({ neuron: 'burst', burst: 2 });
    const i = synops({ neuron: 'if' });
    // the readout MatMul is an identity of F outputs per input event: F·spikes per sample
    expect(b.synops).toBeCloseTo((b.spikes * F) / 8, 6);
    expect(b.synops / i.synops).toBeGreaterThan(1.9);
    expect(b.synops / i.synops).toBeLessThan(2.1);
  });
});

describe('NIR export and the flags', () => {
  it('NIR refuses burst layers with E_CONVERT naming the layer', async () => {
    const snn = buildSnn(reluProbe(4), new Map([['r', 1]]), { neuron: 'burst' });
    expectError(() => toNir(snn), 'E_CONVERT', 'relu', 'burst neurons');
  });

  it('--burst Γ alone gives an IF network burst neurons; with another neuron it is E_OPTION naming the flag', () => {
    const parse = convertConfig;
    const alone = snnOptionsOf(parse(['--burst', '3']));
    expect(alone).toMatchObject({ burst: 3 });
    expect(buildSnn(reluProbe(4), new Map([['r', 1]]), alone).options).toMatchObject({ neuron: 'burst', burst: 3 });
    expectError(() => buildSnn(reluProbe(4), new Map([['r', 1]]), { neuron: 'if', burst: 2 }), 'E_OPTION', '--burst');
    expect(snnOptionsOf(parse(['--neuron', 'burst'])).neuron).toBe('burst');
    expectError(() => snnOptionsOf(parse(['--burst', '2', '--neuron', 'lif'])), 'E_OPTION', '--burst');
    expectError(() => parse(['--burst', '0']), 'E_OPTION', '--burst');
  });
});
