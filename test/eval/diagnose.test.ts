/**
 * Diagnostics: rules on synthetic layer measurements, and on a deliberately broken conversion of
 * the bundled MNIST CNN (one layer's threshold ×50 in the thresholds) the diagnosis names that
 * layer — the second one, not simply the first — and the intact conversion names none.
 */
import { describe, expect, it } from 'vitest';
import type { ThresholdsFile } from '../../calibration/thresholds.js';
import { loadDataset } from '../../src/data/index.js';
import { diagnose, diagnosisText, type DiagnoseLayer } from '../../src/eval/diagnose.js';
import { calibrate, loadModel } from '../../src/pipeline.js';
import { evaluate } from '../../src/report/evaluate.js';

const good = (name: string): DiagnoseLayer => ({
  name,
  correlation: 0.995,
  spikeRate: 0.1,
  silent: 0.5,
  saturated: 0,
  threshold: 2,
  stats: { max: 3, p99: 1.5, p99_9: 2, p99_99: 2.6 },
});

describe('diagnose (rules)', () => {
  it('all layers above the threshold: ok, no layer named', () => {
    const d = diagnose({ layers: [good('a'), good('b')], timesteps: 64 });
    expect(d.ok).toBe(true);
    expect(d.layer).toBeUndefined();
    expect(d.summary).toContain('0.95');
  });

  it('names the first layer below the threshold, not the worst', () => {
    const d = diagnose({ layers: [good('a'), { ...good('b'), correlation: 0.9 }, { ...good('c'), correlation: 0.5 }], timesteps: 64 });
    expect(d.layer).toEqual({ index: 1, name: 'b', correlation: 0.9 });
    expect(d.summary).toContain('"b"');
    expect(diagnosisText(d).length).toBeGreaterThan(2);
  });

  it('respects a custom threshold', () => {
    expect(diagnose({ layers: [good('a')], timesteps: 64, minCorrelation: 0.999 }).layer?.name).toBe('a');
  });

  const cases: [string, Partial<DiagnoseLayer>, string, RegExp, { encoding?: string }?][] = [
    ['threshold far above the calibrated max', { threshold: 40, silent: 0.98, spikeRate: 0.001 }, 'threshold-too-high', /percentile|thresholds file/],
    ['many saturated neurons', { threshold: 1, saturated: 0.2 }, 'threshold-too-low', /percentile:99\.99|max/],
    ['few spikes per neuron', { spikeRate: 0.01, silent: 0.5 }, 'too-few-steps', /--timesteps/],
    ['feeds a max pool', { feeds: ['MaxPool'] }, 'max-pool', /AveragePool/],
    ['a residual sum', { residual: true }, 'residual', /residual scale/],
    ['Poisson input', {}, 'poisson-noise', /--encoding current/, { encoding: 'poisson' }],
    ['nothing specific', {}, 'depth', /--timesteps/],
  ];
  for (const [what, patch, cause, advice, extra] of cases) {
    it(`${what} → ${cause}`, () => {
      const d = diagnose({ layers: [good('a'), { ...good('b'), correlation: 0.8, ...patch }], timesteps: 32, ...(extra ?? {}) });
      expect(d.cause).toBe(cause);
      expect(d.advice.join(' ')).toMatch(advice);
      expect(d.explanation).toBeTruthy();
    });
  }
});

describe('diagnose a broken conversion of the MNIST CNN', () => {
  it('a threshold ×50 on the second layer names that layer; the intact thresholds name none', async () => {
    const model = loadModel('fixtures/models/onnx-zoo-mnist-12.onnx');
    const th = await calibrate(model, loadDataset('fixtures/data/mnist/train-images-idx3-ubyte.gz', { scale: 1 / 255, limit: 300 }));
    const test = loadDataset('fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz', { scale: 1 / 255, limit: 200 });
    const names = th.layers.filter((l) => l.node !== '(readout)').map((l) => l.node);
    expect(names).toEqual(['ReLU32', 'ReLU114']);
    const opts = { timesteps: [16, 64], raster: false as const, scatterPoints: 0 };

    const intact = await evaluate(model, test, { ...opts, thresholds: th });
    expect(intact.diagnosis!.ok, intact.diagnosis!.summary).toBe(true);

    const broken: ThresholdsFile = { ...th, layers: th.layers.map((l) => (l.node === 'ReLU114' ? { ...l, scale: (l.scale as number) * 50 } : l)) };
    const r = await evaluate(model, test, { ...opts, thresholds: broken });
    const d = r.diagnosis!;
    expect(d.ok).toBe(false);
    expect(d.layer!.name).toBe('ReLU114');
    expect(d.cause).toBe('threshold-too-high');
    expect(d.summary).toContain('ReLU114');
    expect(d.explanation).toMatch(/times the largest activation/);
    // the first layer is untouched and still follows the ANN
    expect(r.layers[0]!.correlation).toBeGreaterThan(0.95);
    expect(r.layers[1]!.correlation).toBeLessThan(0.95);
  });
});
