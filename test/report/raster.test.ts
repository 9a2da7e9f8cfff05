/**
 * The spike raster comes from the reference simulator on one sample; its spikes must be exactly the
 * spikes onnxruntime counts for that sample in the emitted file.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { spikeRaster, spread } from '../../src/report/raster.js';
import { simulateDataset } from '../../src/engine/simulate.js';

describe('spike raster', () => {
  it('spread picks evenly spaced indices, first and last included', () => {
    expect(spread(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(spread(101, 3)).toEqual([0, 50, 100]);
    expect(spread(10, 1)).toEqual([0]);
  });

  for (const encoding of ['current', 'poisson'] as const) {
    it(`agrees with the onnxruntime spike counts of the same sample (MNIST CNN, ${encoding})`, async () => {
      const model = loadModel('fixtures/models/onnx-zoo-mnist-12.onnx');
      const th = await calibrate(model, loadDataset('fixtures/data/mnist/train-images-idx3-ubyte.gz', { scale: 1 / 255, limit: 100 }));
      const { snn, onnx } = convert(model, th, { encoding, seed: 3 });
      const ds = loadDataset('fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz', { scale: 1 / 255, offset: 10, limit: 4 });
      const T = 24;
      const sample = 2;
      let counts: Float32Array[] = [];
      await simulateDataset(onnx, ds, {
        timesteps: [T],
        batchSize: 4,
        onCounts: (_s, n, c) => void (counts = c.map((x) => x.slice((x.length / n) * sample, (x.length / n) * (sample + 1)))),
      });
      const r = await spikeRaster(snn, ds, T, { sample, neurons: 100_000, layers: 2 });
      expect(r.sample).toBe(sample);
      expect(r.label).toBe(ds.labels[sample]);
      expect(r.layers.map((l) => l.name)).toEqual(['ReLU32', 'ReLU114']);
      r.layers.forEach((l, i) => {
        const c = counts[i]!;
        const active = [...c.keys()].filter((j) => c[j]! > 0);
        expect(l.active).toBe(active.length);
        expect(l.shown).toEqual(active);
        l.shown.forEach((j, k) => expect(l.times[k]!.length, `neuron ${j}`).toBe(c[j]));
      });
    });
  }
});
