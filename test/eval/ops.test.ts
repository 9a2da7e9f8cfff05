/**
 * Synaptic operations and MACs: the exact structural fan-out of Conv inputs (checked against a
 * brute-force count), synops = Σ spikes × fan-out on small networks simulated by the reference
 * simulator, the static first layer counted once as MACs, and the energy arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { A } from '../../src/graph/attrs.js';
import { float32 } from '../../src/graph/tensor.js';
import type { Node, Tensor } from '../../src/graph/types.js';
import { convFanout, ENERGY_PJ, opsPlan, opsReport, SynopsCounter } from '../../src/eval/ops.js';
import { loadDataset } from '../../src/data/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { buildSnn } from '../../src/snn/build.js';
import { simulateReference } from '../../src/snn/reference.js';
import { makeModel, randomTensor } from '../helpers/ort.js';
import { node, poolProbe, reluProbe } from '../snn/helpers.js';

/** For each input element, the number of (output element, weight) pairs that read it. */
function bruteFanout(
  C: number,
  H: number,
  W: number,
  Cout: number,
  group: number,
  k: [number, number],
  s: [number, number],
  p: [number, number, number, number],
  d: [number, number],
): Float64Array {
  const OH = Math.floor((H + p[0] + p[2] - ((k[0] - 1) * d[0] + 1)) / s[0]) + 1;
  const OW = Math.floor((W + p[1] + p[3] - ((k[1] - 1) * d[1] + 1)) / s[1]) + 1;
  const f = new Float64Array(C * H * W);
  const cinG = C / group;
  const coutG = Cout / group;
  for (let oc = 0; oc < Cout; oc++) {
    const g = Math.floor(oc / coutG);
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let ic = 0; ic < cinG; ic++)
          for (let kh = 0; kh < k[0]; kh++)
            for (let kw = 0; kw < k[1]; kw++) {
              const h = oh * s[0] - p[0] + kh * d[0];
              const w = ow * s[1] - p[1] + kw * d[1];
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              f[(g * cinG + ic) * H * W + h * W + w]!++;
            }
  }
  return f;
}

describe('Conv fan-out', () => {
  const cases = [
    { C: 1, H: 6, W: 6, Cout: 3, group: 1, k: [3, 3], s: [1, 1], p: [0, 0, 0, 0], d: [1, 1] },
    { C: 2, H: 7, W: 5, Cout: 4, group: 1, k: [3, 2], s: [2, 1], p: [1, 0, 1, 1], d: [1, 1] },
    { C: 4, H: 9, W: 8, Cout: 6, group: 2, k: [3, 3], s: [2, 2], p: [2, 1, 0, 2], d: [2, 1] },
  ] as const;
  for (const c of cases) {
    it(`matches a brute-force count: ${JSON.stringify(c)}`, () => {
      const n: Node = node('Conv', ['x', 'w'], ['y'], {
        kernel_shape: A.ints([...c.k]),
        strides: A.ints([...c.s]),
        pads: A.ints([...c.p]),
        dilations: A.ints([...c.d]),
        group: A.int(c.group),
      });
      const f = convFanout(n, [c.C, c.H, c.W], [c.Cout, c.C / c.group, c.k[0], c.k[1]]);
      expect(Array.from(f)).toEqual(Array.from(bruteFanout(c.C, c.H, c.W, c.Cout, c.group, [...c.k], [...c.s], [...c.p], [...c.d])));
    });
  }
  it('without padding, the fan-outs sum to the MACs', () => {
    const n: Node = node('Conv', ['x', 'w'], ['y'], { kernel_shape: A.ints([5, 5]) });
    const f = convFanout(n, [8, 14, 14], [16, 8, 5, 5]);
    expect(f.reduce((a, b) => a + b, 0)).toBe(16 * 10 * 10 * 8 * 5 * 5);
  });
});

describe('synaptic operations', () => {
  it('Relu → MatMul: synops = Σ spikes × output features, exact', () => {
    const f = 6;
    const snn = buildSnn(reluProbe(f), new Map([['r', 1]]), { encoding: 'poisson', inputMax: 1 });
    const x = Float32Array.from({ length: 3 * f }, (_, i) => ((i * 7) % 10) / 10);
    const T = 20;
    const sim = simulateReference(snn, x, 3, { timesteps: T });
    const counter = new SynopsCounter(opsPlan(snn), T);
    counter.addBatch(3, sim.counts, x);
    const r = counter.result();
    expect(r.layers.map((l) => [l.opType, l.kind, l.approximate])).toEqual([['MatMul', 'ac', false]]);
    const spikes = sim.counts[0]!.reduce((a, b) => a + b, 0);
    expect(spikes).toBeGreaterThan(0);
    expect(r.layers[0]!.synops).toBeCloseTo((spikes * f) / 3, 9);
    expect(r.layers[0]!.macs).toBe(f * f);
  });

  it('constant-current input: a weighted layer on the input runs once, as MACs', () => {
    const w = randomTensor([4, 3], 5);
    const m = makeModel(13, {
      nodes: [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['r'], {}, 'relu'), node('MatMul', ['r', 'v'], ['y'])],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 2] }],
      initializers: new Map<string, Tensor>([
        ['w', w],
        ['v', randomTensor([3, 2], 6)],
      ]),
    });
    const snn = buildSnn(m, new Map([['r', 0.5]]));
    const x = Float32Array.from({ length: 8 }, (_, i) => i / 8);
    const sim = simulateReference(snn, x, 2, { timesteps: 16 });
    const counter = new SynopsCounter(opsPlan(snn), 16);
    counter.addBatch(2, sim.counts, x);
    const r = counter.result();
    expect(r.layers.map((l) => l.kind)).toEqual(['mac-once', 'ac']);
    expect(r.layers[0]!.synops).toBe(r.layers[0]!.macs);
    expect(r.layers[1]!.synops).toBeCloseTo((sim.counts[0]!.reduce((a, b) => a + b, 0) * 2) / 2, 9);
    expect(r.totals.snnMacs).toBe(12);
    // energy: MACs at 4.6 pJ, accumulates at 0.9 pJ
    expect(r.energy.annNj).toBeCloseTo(((12 + 6) * ENERGY_PJ.mac) / 1000, 12);
    expect(r.energy.snnNj).toBeCloseTo((12 * ENERGY_PJ.mac + r.totals.synops * ENERGY_PJ.ac) / 1000, 12);
    expect(r.energy.estimate).toBe(true);
  });

  it('behind a spiking max pool the events are the largest count of each window (marked approximate)', () => {
    const snn = buildSnn(poolProbe(), new Map([['r', 1]]));
    const x = Float32Array.from([0.9, 0.2, 0.5, 0.1, 0.05, 0.3, 0.6, 0.7]);
    const sim = simulateReference(snn, x, 2, { timesteps: 10 });
    const counter = new SynopsCounter(opsPlan(snn), 10);
    counter.addBatch(2, sim.counts, x);
    const [l] = counter.result().layers;
    const c = sim.counts[0]!;
    const expected = (Math.max(c[0]!, c[1]!, c[2]!, c[3]!) + Math.max(c[4]!, c[5]!, c[6]!, c[7]!)) / 2;
    expect(l!.approximate).toBe(true);
    expect(l!.synops).toBeCloseTo(expected, 9);
  });

  it('opsReport totals', () => {
    const r = opsReport(
      [
        { name: 'a', opType: 'Conv', macs: 100, synops: 100, kind: 'mac-once', approximate: false },
        { name: 'b', opType: 'Gemm', macs: 50, synops: 400, kind: 'ac', approximate: false },
      ],
      32,
    );
    expect(r.totals).toEqual({ macs: 150, synops: 400, snnMacs: 100 });
    expect(r.energy.ratio).toBeCloseTo((150 * 4.6) / (100 * 4.6 + 400 * 0.9), 12);
  });

  it('the bundled MNIST CNN: one row per Conv/MatMul with the MACs of `inspect`', async () => {
    const model = loadModel('fixtures/models/onnx-zoo-mnist-12.onnx');
    const th = await calibrate(model, loadDataset('fixtures/data/mnist/train-images-idx3-ubyte.gz', { scale: 1 / 255, limit: 100 }));
    const { snn } = convert(model, th);
    const plan = opsPlan(snn);
    expect(plan.weighted.map((w) => [w.node.opType, w.macs, w.kind])).toEqual([
      ['Conv', 8 * 28 * 28 * 25, 'mac-once'],
      ['Conv', 16 * 14 * 14 * 200, 'ac'],
      ['MatMul', 2560, 'ac'],
    ]);
  });
});
