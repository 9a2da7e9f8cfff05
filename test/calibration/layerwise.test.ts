import { describe, expect, it } from 'vitest';
import { calibrateLayerwise } from '../../calibration/layerwise.js';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import { inputSpec } from '../../src/engine/input.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { simulateDataset } from '../../src/engine/simulate.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
import type { InMemoryDataset as Dataset } from '../../src/data/types.js';
import type { Model } from '../../src/graph/types.js';
import type { ThresholdsFile } from '../../calibration/thresholds.js';

const resnet = BUNDLED_MODELS.find((m) => m.id === 'vnncomp21-cifar10-resnet_2b')!;
const T = 16;

/** Mean over channels of |E[clip(a,0,θ)] − E[θ·n/T]| per layer, on `ds`. */
async function rateErrors(model: Model, th: ThresholdsFile, ds: Dataset): Promise<number[]> {
  const layers = th.layers.filter((l) => l.node !== '(readout)');
  const { name, sampleDims } = inputSpec(model, ds);
  const ann = await OrtSession.create(model, { extraOutputs: layers.map((l) => l.site) });
  const r = await ann.run({ [name]: { data: ds.x, dims: [ds.count, ...sampleDims] } });
  await ann.release();
  const snnMeans = layers.map((l) => new Float64Array(l.channels));
  const { onnx } = convert(model, th);
  await simulateDataset(onnx, ds, {
    timesteps: [T],
    batchSize: ds.count,
    onCounts: (_s, n, counts) => {
      layers.forEach((l, i) => {
        const c = counts[i]!;
        const inner = c.length / n / l.channels;
        for (let j = 0; j < c.length; j++)
          snnMeans[i]![Math.floor(j / inner) % l.channels]! +=
            (c[j]! * (typeof l.scale === 'number' ? l.scale : l.scale[Math.floor(j / inner) % l.channels]!)) / T;
      });
    },
  });
  return layers.map((l, i) => {
    const a = r[l.site]!.data;
    const inner = a.length / ds.count / l.channels;
    const annMean = new Float64Array(l.channels);
    for (let j = 0; j < a.length; j++) {
      const c = Math.floor(j / inner) % l.channels;
      const th_ = typeof l.scale === 'number' ? l.scale : l.scale[c]!;
      annMean[c]! += Math.min(Math.max(a[j]!, 0), th_);
    }
    let err = 0;
    const norm = ds.count * inner;
    for (let c = 0; c < l.channels; c++) err += Math.abs(annMean[c]! / norm - snnMeans[i]![c]! / norm);
    return err / l.channels;
  });
}

describe('layer-wise calibration (Li et al. 2021)', () => {
  for (const [mode, schedule] of [
    ['bias', 'sequential'],
    ['potential', 'sequential'],
    ['potential', 'joint'],
  ] as const)
    it(`${mode}, ${schedule}: reduces the per-layer mean rate error on held-apart data (ResNet, T=16)`, async () => {
      const model = loadModel(resnet.file);
      const calib = loadDataset(resnet.calib, { ...resnet.pre, limit: 400 });
      const heldOut = loadDataset(resnet.calib, { ...resnet.pre, offset: 600, limit: 200 });
      const plain = await calibrate(model, calib);
      const joint = schedule === 'joint';
      const tuned = await calibrateLayerwise(model, plain, calib, { timesteps: T, mode, schedule, ...(joint ? { iterations: 3 } : {}) });
      expect(tuned.method).toBe(`${plain.method}+${mode}@${T}${joint ? '×3j' : ''}`);
      const relus = tuned.layers.filter((l) => l.node !== '(readout)');
      for (const l of relus) expect(mode === 'bias' ? l.bias : l.v0).toHaveLength(l.channels);
      const before = await rateErrors(model, plain, heldOut);
      const after = await rateErrors(model, tuned, heldOut);
      const sum = (x: number[]) => x.reduce((a, b) => a + b, 0);
      expect(sum(after)).toBeLessThan(0.6 * sum(before));
      // the deepest conv layers, where the error accumulates, improve each
      for (let i = 2; i < before.length; i++) expect(after[i]!, `layer ${i}`).toBeLessThan(before[i]!);
    });
});
