/**
 * The TensorFlow.js engine against the onnxruntime engine running the emitted file: spike counts
 * equal per neuron (both round float32 elementwise ops alike; their convolutions and matrix
 * products sum in other orders, which could flip a neuron sitting exactly on its threshold — it
 * does not on these samples), readouts within 1e-4 relative.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import { simulateTfjs, tfjsAnn } from '../../src/engine/tfjs.js';
import { inputSpec } from '../../src/engine/input.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { simulateDataset } from '../../src/engine/simulate.js';
import { qifPolynomial } from '../../src/snn/poly.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';

const cases: { id: string; encoding: 'current' | 'poisson'; neuron?: 'poly' }[] = [
  { id: 'vnncomp21-mnistfc-256x2', encoding: 'current' },
  { id: 'vnncomp21-mnistfc-256x2', encoding: 'poisson' },
  { id: 'vnncomp21-mnistfc-256x2', encoding: 'current', neuron: 'poly' },
  { id: 'onnx-zoo-mnist-12', encoding: 'current' },
  { id: 'vnncomp21-verivital-convnet_maxpool', encoding: 'poisson' },
  { id: 'vnncomp21-cifar10-resnet_2b', encoding: 'current' },
];

describe('tfjs engine = onnxruntime engine', () => {
  for (const c of cases)
    it(`${c.id}, ${c.encoding}${c.neuron ? ', QIF' : ''}: same spike counts and predictions`, async () => {
      const bm = BUNDLED_MODELS.find((m) => m.id === c.id)!;
      const model = loadModel(bm.file);
      const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 100 }));
      const { snn, onnx } = convert(model, th, { encoding: c.encoding, seed: 4, ...(c.neuron ? { neuron: 'poly', poly: qifPolynomial(0.25, 0, 0.5) } : {}) });
      const ds = loadDataset(bm.test, { ...bm.pre, offset: 3, limit: 10 });
      const countsOrt: Float32Array[][] = [];
      const countsTf: Float32Array[][] = [];
      const a = await simulateDataset(onnx, ds, { timesteps: [8, 24], batchSize: 10, onCounts: (_s, _n, cs) => void countsOrt.push(cs.map((x) => x.slice())) });
      const b = await simulateTfjs(snn, ds, { timesteps: [8, 24], batchSize: 10, onCounts: (_s, _n, cs) => void countsTf.push(cs.map((x) => x.slice())) });
      countsOrt.forEach((batch, i) => batch.forEach((layer, li) => expect(Array.from(countsTf[i]![li]!), snn.layers[li]!.name).toEqual(Array.from(layer))));
      expect(b.layerSpikes).toEqual(a.layerSpikes);
      for (const t of [8, 24]) expect(Array.from(b.predictions.get(t)!)).toEqual(Array.from(a.predictions.get(t)!));
      expect(a.layerSpikes.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    });
});

describe('tfjs ANN forward = onnxruntime on the original file', () => {
  for (const bm of BUNDLED_MODELS)
    it(`${bm.id}: outputs within 1e-4 of the largest`, async () => {
      const model = loadModel(bm.file);
      const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 50 }));
      const { snn } = convert(model, th);
      const ds = loadDataset(bm.test, { ...bm.pre, limit: 12 });
      const { name, sampleDims } = inputSpec(model, ds);
      const ort = await OrtSession.create(model);
      const want = (await ort.run({ [name]: { data: ds.x, dims: [ds.count, ...sampleDims] } }))[model.graph.outputs[0]!.name]!.data as Float32Array;
      await ort.release();
      const ann = await tfjsAnn(snn);
      const got = ann.run(ds.x, ds.count);
      ann.dispose();
      expect(got.length).toBe(want.length);
      const scale = Math.max(...Array.from(want, Math.abs));
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4 * scale);
    });
});
