/**
 * Several steps per Loop iteration (src/snn/emit-unroll.ts) against one: identical spike counts and
 * per-step readouts, for T below, at and off a multiple of k, with recovered and stepped counts.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import type { Model } from '../../src/graph/types.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { emitOnnx, layerOutputName } from '../../src/snn/emit.js';
import { ALL_MODELS } from '../../scripts/models.js';
import { thrown } from '../helpers/errors.js';

async function run(onnx: Model, name: string, x: Float32Array, dims: number[], T: number): Promise<Record<string, Float32Array>> {
  const session = await OrtSession.create(onnx);
  const out = await session.run({ [name]: { data: x, dims }, timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) } });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

const cases = [
  { id: 'vnncomp21-mnistfc-256x2', encoding: 'poisson', counts: 'stepped', k: 4 },
  { id: 'vnncomp21-cifar10-resnet_2b', encoding: 'current', counts: 'recovered', k: 3 },
  { id: 'onnx-zoo-mnist-12', encoding: 'current', counts: 'recovered', k: 2 },
] as const;

describe('k steps per Loop iteration = one', () => {
  for (const c of cases)
    it(`${c.id}, ${c.encoding} input, ${c.counts} counts, k = ${c.k}: identical counts and per-step readouts at T = 1, k, 2k + 1`, async () => {
      const bm = ALL_MODELS.find((m) => m.id === c.id)!;
      const model = loadModel(bm.file);
      const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 50 }));
      const ds = loadDataset(bm.test, { ...bm.pre, limit: 6 });
      const { snn } = convert(model, th, { encoding: c.encoding, seed: 1 });
      const one = emitOnnx(snn, { counts: c.counts, stepsPerIteration: 1 });
      const many = emitOnnx(snn, { counts: c.counts, stepsPerIteration: c.k });
      expect(many.graph.nodes.filter((n) => n.opType === 'Loop')).toHaveLength(2);
      const dims = [ds.count, ...snn.inputDims];
      for (const T of [1, c.k, 2 * c.k + 1]) {
        const feeds = c.encoding === 'poisson' ? undefined : ds.x;
        if (!feeds) continue; // Poisson needs rng_state: checked below through simulateDataset
        const [a, b] = [await run(many, snn.inputName, ds.x, dims, T), await run(one, snn.inputName, ds.x, dims, T)];
        expect(Array.from(a['readout_steps']!), `T = ${T}`).toEqual(Array.from(b['readout_steps']!));
        expect(a['readout_steps']!.length).toBe(T * ds.count * 10);
        snn.layers.forEach((_, i) => expect(Array.from(a[layerOutputName(i)]!), `T = ${T}, layer ${i}`).toEqual(Array.from(b[layerOutputName(i)]!)));
      }
      if (c.encoding === 'poisson') {
        const { simulateDataset } = await import('../../src/engine/simulate.js');
        const ts = [1, c.k, 2 * c.k + 1];
        const [a, b] = [await simulateDataset(many, ds, { timesteps: ts }), await simulateDataset(one, ds, { timesteps: ts })];
        expect(a.layerSpikes).toEqual(b.layerSpikes);
        for (const t of ts) expect(Array.from(a.predictions.get(t)!)).toEqual(Array.from(b.predictions.get(t)!));
      }
    }, 60_000);

  it('a step count that is not a whole number ≥ 1 is E_OPTION', async () => {
    const bm = ALL_MODELS.find((m) => m.id === 'vnncomp21-mnistfc-256x2')!;
    const model = loadModel(bm.file);
    const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 20 }));
    const { snn } = convert(model, th);
    expect(thrown(() => emitOnnx(snn, { stepsPerIteration: 0 }))).toMatchObject({ code: 'E_OPTION' });
  });
});
