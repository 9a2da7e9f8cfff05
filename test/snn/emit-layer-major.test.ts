/**
 * Layer-major steps (src/snn/emit-layer-major.ts) against step by step: identical spike counts and
 * per-step readouts at T = 1, k and 2k + 1, on every model family the bench measures (convolutions,
 * residual sums, spiking max pools, Gemms, Poisson input, closed-form first layers).
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { simulateDataset } from '../../src/engine/simulate.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import type { Arrangement } from '../../src/snn/arrangement.js';
import { emitOnnx } from '../../src/snn/emit.js';
import { ALL_MODELS } from '../../scripts/models.js';

const cases = [
  { id: 'vnncomp21-mnistfc-256x2', encoding: 'poisson', counts: 'stepped', k: 4 },
  { id: 'vnncomp21-cifar10-resnet_2b', encoding: 'current', counts: 'recovered', k: 3 },
  { id: 'onnx-zoo-mnist-12', encoding: 'current', counts: 'recovered', k: 4 },
  { id: 'vnncomp21-verivital-convnet_maxpool', encoding: 'current', counts: 'stepped', k: 2 },
  { id: 'own-fmnist-resnet20-bn', encoding: 'current', counts: 'recovered', k: 4 },
] as const;

describe('layer-major k steps = step by step', () => {
  for (const c of cases)
    it(`${c.id}, ${c.encoding} input, ${c.counts} counts, k = ${c.k}: identical counts and readouts`, async () => {
      const bm = ALL_MODELS.find((m) => m.id === c.id)!;
      const model = loadModel(bm.file);
      const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 40 }));
      const ds = loadDataset(bm.test, { ...bm.pre, limit: 5 });
      const { snn } = convert(model, th, { encoding: c.encoding, seed: 1 });
      const step = emitOnnx(snn, { counts: c.counts, stepsPerIteration: c.k });
      const layer = emitOnnx(snn, { counts: c.counts, stepsPerIteration: c.k, order: 'layer' });
      expect((JSON.parse(layer.metadata['onnx2snn.arrangement']!) as Arrangement).order).toBe('layer');
      const ts = [1, c.k, 2 * c.k + 1];
      const counts = async (m: typeof step) => {
        const cs: number[][] = [];
        const r = await simulateDataset(m, ds, {
          timesteps: ts,
          batchSize: 5,
          engine: 'onnxruntime',
          onCounts: (_s, _n, x) => void cs.push(...x.map((v) => Array.from(v))),
        });
        return { r, cs };
      };
      const [a, b] = [await counts(layer), await counts(step)];
      expect(a.cs).toEqual(b.cs);
      expect(a.r.layerSpikes.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
      for (const t of ts) expect(Array.from(a.r.predictions.get(t)!)).toEqual(Array.from(b.r.predictions.get(t)!));
    }, 120_000);
});
