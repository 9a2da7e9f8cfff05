/**
 * Counts recovered after the Loop (src/snn/emit-recover.ts) against counts stepped inside it: the
 * same spike counts per neuron and the same readouts on the bundled and own models, at T where the
 * float32 rounding of the recovery is largest (long runs), and fewer passes per step.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import type { Model } from '../../src/graph/types.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { emitOnnx, layerOutputName } from '../../src/snn/emit.js';
import { ALL_MODELS } from '../../scripts/models.js';
import { AUTO_STEPS_PER_ITERATION } from '../../src/snn/arrangement.js';

const cases = [
  { id: 'vnncomp21-cifar10-resnet_2b', n: 8, T: 1024, solve: 'closed-form' },
  { id: 'vnncomp21-cifar10-resnet_2b', n: 8, T: 128, solve: 'step' },
  { id: 'onnx-zoo-mnist-12', n: 8, T: 512, solve: 'closed-form' },
  { id: 'vnncomp21-mnistfc-256x2', n: 32, T: 1024, solve: 'step' },
  { id: 'vnncomp21-verivital-convnet_maxpool', n: 16, T: 512, solve: 'closed-form' },
  { id: 'own-fmnist-resnet20-bn', n: 2, T: 256, solve: 'closed-form' },
] as const;

async function run(onnx: Model, name: string, x: Float32Array, dims: number[], T: number): Promise<Record<string, Float32Array>> {
  const session = await OrtSession.create(onnx);
  const out = await session.run({ [name]: { data: x, dims }, timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) } });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

const loopBody = (m: Model): readonly { opType: string }[] => {
  const loop = m.graph.nodes.find((n) => n.opType === 'Loop')!;
  const g = loop.attrs['body']!;
  return (g.kind === 'graph' ? g.value.nodes : []) as readonly { opType: string }[];
};

describe('spike counts recovered after the Loop = counted every step', () => {
  for (const c of cases)
    it(`${c.id}, --solve ${c.solve}, T = ${c.T}: identical counts per neuron and readouts`, async () => {
      const bm = ALL_MODELS.find((m) => m.id === c.id)!;
      const model = loadModel(bm.file);
      const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 100 }));
      const ds = loadDataset(bm.test, { ...bm.pre, limit: c.n });
      const { snn, onnx } = convert(model, th, { solve: c.solve });
      // the emission before issue 11: counts every step, one step per iteration
      const stepped = emitOnnx(snn, { counts: 'stepped', stepsPerIteration: 1 });
      const dims = [c.n, ...snn.inputDims];
      const [a, b] = [await run(onnx, snn.inputName, ds.x, dims, c.T), await run(stepped, snn.inputName, ds.x, dims, c.T)];
      let spikes = 0;
      snn.layers.forEach((l, i) => {
        const ra = a[layerOutputName(i)]!,
          rb = b[layerOutputName(i)]!;
        let differ = 0;
        for (let j = 0; j < ra.length; j++) {
          if (ra[j] !== rb[j]) differ++;
          spikes += rb[j]!;
        }
        expect(differ, `layer ${l.name}: neurons with a different count`).toBe(0);
      });
      expect(spikes).toBeGreaterThan(0);
      expect(Array.from(a['readout_steps']!)).toEqual(Array.from(b['readout_steps']!));
      // fewer nodes per step wherever a count was recovered
      if (c.id.includes('resnet')) expect(loopBody(emitOnnx(snn, { stepsPerIteration: 1 })).length).toBeLessThan(loopBody(stepped).length);
    }, 120_000);
});

describe('which counts are recovered', () => {
  it('resnet_2b: every stepped layer is recovered (no count Add in the Loop body); the MNIST CNN keeps the counts its max pools read', async () => {
    const bm = ALL_MODELS.find((m) => m.id === 'vnncomp21-cifar10-resnet_2b')!;
    const model = loadModel(bm.file);
    const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 50 }));
    const { onnx } = convert(model, th);
    const body = loopBody(onnx);
    expect(body.filter((n) => n.opType === 'Cast')).toHaveLength(0);
    expect(body.filter((n) => n.opType === 'Where').length).toBeGreaterThan(0);
    // the choice is recorded in the file: the first layer is closed-form, every other one recovered
    const arrangement = JSON.parse(onnx.metadata['onnx2snn.arrangement']!) as { layerCounts: string[]; stepsPerIteration: number; chosen: string };
    expect(arrangement.layerCounts[0]).toBe('closed-form');
    expect(arrangement.layerCounts.slice(1).every((c) => c === 'recovered')).toBe(true);
    expect(arrangement).toMatchObject({ chosen: 'auto', stepsPerIteration: AUTO_STEPS_PER_ITERATION });
    const cnn = ALL_MODELS.find((m) => m.id === 'onnx-zoo-mnist-12')!;
    const m2 = loadModel(cnn.file);
    const th2 = await calibrate(m2, loadDataset(cnn.calib, { ...cnn.pre, limit: 50 }));
    const body2 = loopBody(convert(m2, th2).onnx);
    expect(body2.filter((n) => n.opType === 'Cast').length).toBeGreaterThan(0);
  });
});
