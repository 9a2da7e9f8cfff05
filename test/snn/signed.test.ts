/**
 * Signed neurons (--neuron signed) and the bipolar neurons of linear sites (--linear bipolar):
 * their counts against the maths, the emitted ONNX file against the reference simulator (identical
 * spike counts), the thresholds file round trip, the NIR refusal and the flag.
 */
import { describe, expect, it } from 'vitest';
import { bipolarNeuron, signedNeuron } from '../../converters/neurons/signed.js';
import { checkThresholds, formatThresholds, validateThresholds } from '../../calibration/thresholds.js';
import type { InMemoryDataset } from '../../src/data/types.js';
import { OrtSession } from '../../src/engine/ort.js';
import type { Model } from '../../src/graph/types.js';
import { toNir } from '../../src/nir/index.js';
import { calibrate, calibrationSites, convert } from '../../src/pipeline.js';
import { buildSnn } from '../../src/snn/build.js';
import { layerEventsName, layerOutputName } from '../../src/snn/emit.js';
import { simulateReference } from '../../src/snn/reference.js';
import { linearSites } from '../../src/snn/sites.js';
import { DEFAULT_SNN_OPTIONS, type SnnOptions } from '../../src/snn/types.js';
import { mulberry32 } from '../helpers/ort.js';
import { convertConfig } from '../helpers/cli.js';
import { expectError } from '../helpers/errors.js';
import { BOTTLENECK_F, bottleneck, reluProbe } from './helpers.js';

const F = BOTTLENECK_F;

function dataset(n: number, seed: number): InMemoryDataset {
  const r = mulberry32(seed);
  return {
    source: 'random',
    format: 'memory',
    count: n,
    sampleShape: [F],
    x: Float32Array.from({ length: n * F }, () => (r() - 0.5) * 4),
    labels: new Int32Array(n),
  };
}

async function emittedCounts(
  onnx: Model,
  x: Float32Array,
  n: number,
  T: number,
  poisson: boolean,
  rng?: Float64Array,
): Promise<Record<string, { data: ArrayLike<number> }>> {
  const session = await OrtSession.create(onnx);
  try {
    return await session.run({
      x: { data: x, dims: [n, F] },
      timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
      ...(poisson ? { rng_state: { dtype: 'float64', dims: [n, F], data: rng! } } : {}),
    });
  } finally {
    await session.release();
  }
}

describe('linear sites', () => {
  it('are the residual sum and the projection that feed a weighted layer, not the projection into the Add nor the output', () => {
    const m = bottleneck(1);
    expect(linearSites(m.graph, m.opset)).toEqual(['s', 'q']);
    expect(calibrationSites(m).map((s) => [s.site, s.linear ?? false])).toEqual([
      ['a', false],
      ['s', true],
      ['q', true],
      ['y', false],
    ]);
  });

  it('--linear analog leaves them analog; bipolar makes them neuron layers with the |a| statistics as θ', async () => {
    const m = bottleneck(1);
    const th = await calibrate(m, dataset(64, 2));
    const lin = th.layers.filter((l) => l.linear).map((l) => l.site);
    expect(lin).toEqual(['s', 'q']);
    // |a|: the 99.9th percentile of the absolute values, of either sign
    expect(th.layers.find((l) => l.site === 's')!.stats.zeros).toBe(0);
    expect(convert(m, th, { linear: 'analog' }).snn.layers.map((l) => l.output)).toEqual(['a']);
    const bip = convert(m, th, { linear: 'bipolar' }).snn;
    expect(bip.layers.map((l) => [l.output, l.linear ?? false])).toEqual([
      ['a', false],
      ['s', true],
      ['q', true],
    ]);
    expect(bip.nodes.filter((n) => n.opType === 'BipolarIF').length).toBe(2);
  });

  it('the thresholds file round-trips with its linear sites; a file without them still validates (for --linear analog)', async () => {
    const m = bottleneck(3);
    const th = await calibrate(m, dataset(32, 4));
    const back = checkThresholds(JSON.parse(formatThresholds(th)), 't.json');
    expect(back).toEqual(th);
    expect(() => validateThresholds(back, calibrationSites(m))).not.toThrow();
    const old = { ...th, layers: th.layers.filter((l) => !l.linear) };
    expect(() => validateThresholds(old, calibrationSites(m))).not.toThrow();
    expectError(() => convert(m, old, { linear: 'bipolar' }), 'E_CONVERT', 'linear site without a calibrated scale', '"residual"');
  });
});

describe('emitted file = reference simulator with signed spikes', () => {
  const cases: { neuron: SnnOptions['neuron']; encoding: SnnOptions['encoding']; reset: SnnOptions['reset'] }[] = [
    { neuron: 'if', encoding: 'current', reset: 'subtract' },
    { neuron: 'signed', encoding: 'current', reset: 'subtract' },
    { neuron: 'signed', encoding: 'poisson', reset: 'subtract' },
    { neuron: 'if', encoding: 'current', reset: 'zero' },
  ];
  for (const c of cases)
    it(`--neuron ${c.neuron}, --linear bipolar, ${c.encoding} input, reset ${c.reset}: identical counts, negative spikes included`, async () => {
      const m = bottleneck(5);
      const ds = dataset(16, 6);
      const th = await calibrate(m, dataset(64, 7));
      const { snn, onnx } = convert(m, th, { ...c, linear: 'bipolar', seed: 9 });
      const T = 40;
      const { poissonStates } = await import('../../src/snn/poisson.js');
      const out = await emittedCounts(onnx, ds.x, ds.count, T, c.encoding === 'poisson', poissonStates(9, 0, ds.count, F));
      const ref = simulateReference(snn, ds.x, ds.count, { timesteps: T });
      let negative = 0;
      snn.layers.forEach((l, i) => {
        expect(Array.from(out[layerOutputName(i)]!.data), l.name).toEqual(Array.from(ref.counts[i]!));
        negative += ref.counts[i]!.filter((v) => v < 0).length;
        const ev = ref.events[i];
        expect(ev !== undefined, `${l.name} counts its events`).toBe(Boolean(l.linear) || c.neuron === 'signed');
        if (!ev) return;
        // events of either sign: the emitted file's events.<i>; at least |net count|, same parity
        expect(Array.from(out[layerEventsName(i)]!.data), `${l.name} events`).toEqual(Array.from(ev));
        ev.forEach((e, j) => {
          expect(e).toBeGreaterThanOrEqual(Math.abs(ref.counts[i]![j]!));
          expect((e - Math.abs(ref.counts[i]![j]!)) % 2).toBe(0);
        });
      });
      expect(negative, 'neurons with a negative net count').toBeGreaterThan(0);
      const ra = out['readout']!.data;
      const rb = ref.readouts.get(T)!;
      for (let j = 0; j < ra.length; j++) expect(Math.abs(ra[j]! - rb[j]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(rb[j]!)));
    });
});

describe('tfjs engine with signed spikes', () => {
  it("gives the reference simulator's counts (--neuron signed, --linear bipolar, Poisson input)", async () => {
    const { simulateTfjs } = await import('../../src/engine/tfjs.js');
    const m = bottleneck(5);
    const ds = dataset(10, 6);
    const { snn } = convert(m, await calibrate(m, dataset(64, 7)), { neuron: 'signed', linear: 'bipolar', encoding: 'poisson', seed: 2 });
    const T = 30;
    const ref = simulateReference(snn, ds.x, ds.count, { timesteps: T });
    const tf: Float32Array[] = [];
    await simulateTfjs(snn, ds, { timesteps: [T], batchSize: 10, onCounts: (_s, _n, cs) => void tf.push(...cs.map((x) => x.slice())) });
    snn.layers.forEach((l, i) => expect(Array.from(tf[i]!), l.name).toEqual(Array.from(ref.counts[i]!)));
  });
});

describe('synaptic operations of signed spikes', () => {
  it('count the events of either sign (exact), or |net count| marked approximate without them', async () => {
    const { opsPlan, SynopsCounter } = await import('../../src/eval/ops.js');
    const m = bottleneck(5);
    const ds = dataset(8, 6);
    const { snn } = convert(m, await calibrate(m, dataset(64, 7)), { neuron: 'signed', linear: 'bipolar' });
    const T = 40;
    const ref = simulateReference(snn, ds.x, ds.count, { timesteps: T });
    const withEvents = new SynopsCounter(opsPlan(snn), T);
    withEvents.addBatch(ds.count, ref.counts, undefined, ref.events);
    const netOnly = new SynopsCounter(opsPlan(snn), T);
    netOnly.addBatch(ds.count, ref.counts);
    const sum = (a: Float32Array, f: (v: number) => number) => a.reduce((t, v) => t + f(v), 0);
    // every MatMul here drives F outputs per input event; layer i feeds MatMul i+1 (a → project, s → project2, q → head)
    const byName = (r: ReturnType<typeof withEvents.result>, name: string) => r.layers.find((l) => l.name === name)!;
    const ev = withEvents.result(),
      net = netOnly.result();
    const at = snn.layers.findIndex((l) => l.output === 's');
    expect(byName(ev, 'project2').synops).toBeCloseTo((sum(ref.events[at]!, (v) => v) * F) / ds.count, 6);
    expect(byName(ev, 'project2').approximate).toBe(false);
    expect(byName(net, 'project2').synops).toBeCloseTo((sum(ref.counts[at]!, Math.abs) * F) / ds.count, 6);
    expect(byName(net, 'project2').approximate).toBe(true);
    expect(sum(ref.events[at]!, (v) => v)).toBeGreaterThan(sum(ref.counts[at]!, Math.abs));
  });
});

describe('signed spikes into a spiking max pool', () => {
  it('emitted file = reference simulator (Poisson input, so that counts go up and down)', async () => {
    const { poolProbe } = await import('./helpers.js');
    const snn = buildSnn(poolProbe(), new Map([['r', 0.6]]), { neuron: 'signed', encoding: 'poisson', seed: 4 });
    const { emitOnnx } = await import('../../src/snn/emit.js');
    const { poissonStates } = await import('../../src/snn/poisson.js');
    const n = 32;
    const r = mulberry32(12);
    const x = Float32Array.from({ length: n * 4 }, () => r() * 2 - 1);
    const T = 50;
    const ref = simulateReference(snn, x, n, { timesteps: T });
    const session = await OrtSession.create(emitOnnx(snn));
    const out = await session.run({
      x: { data: x, dims: [n, 1, 2, 2] },
      timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
      rng_state: { dtype: 'float64', dims: [n, 4], data: poissonStates(4, 0, n, 4) },
    });
    await session.release();
    expect(Array.from(out[layerOutputName(0)]!.data)).toEqual(Array.from(ref.counts[0]!));
    expect(Array.from(out['readout']!.data)).toEqual(Array.from(ref.readouts.get(T)!));
  });
});

describe('signed and bipolar firing', () => {
  const opts = { ...DEFAULT_SNN_OPTIONS };
  /** Steps one neuron (θ = 1, v0 = ½) through the currents; returns the spikes. */
  function run(kind: typeof signedNeuron | typeof bipolarNeuron, currents: readonly number[]): number[] {
    const v = new Float32Array([0.5]),
      counts = new Float32Array(1),
      theta = new Float32Array([1]),
      x = new Float32Array(1),
      out = new Float32Array(1);
    return currents.map((i) => {
      x[0] = Math.fround(v[0]! + i);
      kind.fire!.reference(x, v, counts, theta, out, opts);
      return out[0]!;
    });
  }

  it('signed: a burst that over-fires is taken back by a negative spike; never below a zero count (hand-computed)', () => {
    // v: 1.4→0.4 (+1), 0.4−0.9 = −0.5 → +0.5 (−1), −0.2 → no spike (count 0), −0.7 (stays)
    expect(run(signedNeuron, [0.9, -0.9, -0.7, -0.5])).toEqual([1, -1, 0, 0]);
  });

  it('bipolar: the net count is the running input rounded to the nearest spike, of either sign', () => {
    const r = mulberry32(11);
    const I = Array.from({ length: 300 }, () => Math.fround(-0.2 + 0.6 * (r() - 0.5)));
    const spikes = run(bipolarNeuron, I);
    let net = 0,
      sum = 0.5;
    for (let t = 0; t < I.length; t++) {
      net += spikes[t]!;
      sum += I[t]!;
      expect(Math.abs(net - Math.floor(sum))).toBeLessThanOrEqual(1e-6 + (Math.abs(sum - Math.round(sum)) < 1e-4 ? 1 : 0));
    }
    expect(net).toBeLessThan(-40); // mean −0.2 per step over 300 steps
  });

  it('IF with --neuron signed: constant currents give the IF rate clamp(I/θ, 0, 1) within 1/T', () => {
    const T = 64;
    const x = Float32Array.from({ length: 40 }, (_, i) => -1 + (i / 40) * 3);
    const snn = buildSnn(reluProbe(40), new Map([['r', 1]]), { neuron: 'signed' });
    const c = simulateReference(snn, x, 1, { timesteps: T }).counts[0]!;
    for (let i = 0; i < 40; i++) expect(Math.abs(c[i]! / T - Math.min(Math.max(x[i]!, 0), 1))).toBeLessThanOrEqual(1 / T + 1e-9);
  });
});

describe('defaults from structure, on the own MobileNetV2', () => {
  it('a network with linear sites gets signed neurons, others IF; the emitted file = the reference simulator', async () => {
    const { loadDataset } = await import('../../src/data/index.js');
    const { loadModel } = await import('../../src/pipeline.js');
    const { snnDefaults } = await import('../../src/snn/build.js');
    const { OWN_MODELS, BUNDLED_MODELS } = await import('../../scripts/models.js');
    const bm = OWN_MODELS.find((m) => m.id === 'own-mnist-mobilenetv2')!;
    const model = loadModel(bm.file);
    expect(snnDefaults(model).neuron).toBe('signed');
    expect(snnDefaults(loadModel(BUNDLED_MODELS.find((m) => m.id === 'onnx-zoo-mnist-12')!.file)).neuron).toBe('if');
    const ds = loadDataset(bm.test, { ...bm.pre, limit: 3 });
    const { snn, onnx } = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 64 })));
    expect(snn.options.neuron).toBe('signed');
    expect(snn.layers.filter((l) => l.linear).length).toBe(7);
    const T = 12;
    const session = await OrtSession.create(onnx);
    const out = await session.run({
      [snn.inputName]: { data: ds.x, dims: [3, 1, 28, 28] },
      timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
    });
    await session.release();
    const ref = simulateReference(snn, ds.x, 3, { timesteps: T });
    let negative = 0;
    snn.layers.forEach((l, i) => {
      const a = out[layerOutputName(i)]!.data,
        b = ref.counts[i]!;
      let differ = 0;
      for (let j = 0; j < b.length; j++) if (a[j] !== b[j]) differ++;
      expect(differ, `${l.name}: neurons with different counts`).toBe(0);
      negative += b.filter((v) => v < 0).length;
    });
    expect(negative).toBeGreaterThan(0);
  });
});

describe('NIR export and the flag', () => {
  it('NIR refuses bipolar and signed layers with E_CONVERT naming them', async () => {
    const m = bottleneck(5);
    const th = await calibrate(m, dataset(32, 7));
    expectError(() => toNir(convert(m, th, { linear: 'bipolar' }).snn), 'E_CONVERT', 'residual__bipolar', 'no NIR primitive');
    expectError(() => toNir(convert(m, th, { linear: 'analog', neuron: 'signed' }).snn), 'E_CONVERT', 'relu', 'signed neurons');
  });

  it('--linear and --neuron signed parse from the command line; a bad value is E_OPTION naming the flag', () => {
    const parse = (args: string[]) => convertConfig(args).conversion;
    expect(parse(['--linear', 'analog', '--neuron', 'signed'])).toMatchObject({ linear: 'analog', neuron: 'signed' });
    expect(parse([]).linear).toBe(DEFAULT_SNN_OPTIONS.linear);
    expectError(() => parse(['--linear', 'digital']), 'E_OPTION', '--linear');
  });
});
