import { describe, expect, it } from 'vitest';
import { finetuneNeurons } from '../../calibration/finetune.js';
import { loadDataset } from '../../src/data/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { qifPolynomial } from '../../src/snn/poly.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';

const mnistfc = BUNDLED_MODELS.find((m) => m.id === 'vnncomp21-mnistfc-256x2')!;
const so = { neuron: 'poly' as const, poly: qifPolynomial(0.25, 0, 0.5) };

describe('fine-tuning polynomial neurons with a surrogate gradient (tfjs)', () => {
  it('lowers the distillation loss, is seeded, and the exact simulators use the learned neurons', async () => {
    const model = loadModel(mnistfc.file);
    const th = await calibrate(model, loadDataset(mnistfc.calib, { ...mnistfc.pre, limit: 200 }));
    const train = loadDataset(mnistfc.calib, { ...mnistfc.pre, limit: 96 });
    const opts = { timesteps: 8, epochs: 3, batchSize: 32, learningRate: 0.01, seed: 5 };
    const a = await finetuneNeurons(model, th, train, so, opts);
    const b = await finetuneNeurons(model, th, train, so, opts);
    expect(a.bestLoss).toBeLessThan(a.loss[0]! * 0.9);
    expect(a.bestLoss).toBe(Math.min(...a.loss));
    expect(b.thresholds.layers).toEqual(a.thresholds.layers);
    expect(a.thresholds.method).toBe(`${th.method}+finetune@8`);
    const relus = a.thresholds.layers.filter((l) => l.node !== '(readout)');
    for (const l of relus) {
      expect(l.poly).toHaveLength(3);
      expect(l.poly).not.toEqual(so.poly);
    }
    const { snn } = convert(model, a.thresholds, so);
    expect(snn.layers.map((l) => l.poly)).toEqual(relus.map((l) => l.poly));
    await expect(finetuneNeurons(model, th, train, { neuron: 'if' }, opts)).rejects.toThrow(/polynomial/);
  });
});
