/**
 * The emitted ONNX file, run by onnxruntime without our code, against the reference simulator:
 * identical spike counts on real models and real data.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import type { InMemoryDataset as Dataset } from '../../src/data/types.js';
import { OrtSession } from '../../src/engine/ort.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { layerOutputName } from '../../src/snn/emit.js';
import { poissonStates } from '../../src/snn/poisson.js';
import { simulateReference } from '../../src/snn/reference.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';

const N = 12;
const T = 24;
const variants = [
  { encoding: 'current', solve: 'closed-form' },
  { encoding: 'current', solve: 'step' },
  { encoding: 'poisson', solve: 'closed-form' },
] as const;
const cases = BUNDLED_MODELS.flatMap((bm) => variants.map((v) => ({ bm, ...v })));

async function runEmitted(onnx: Parameters<typeof OrtSession.create>[0], inputName: string, ds: Dataset, poisson: boolean, seed: number) {
  const per = ds.x.length / ds.count;
  const session = await OrtSession.create(onnx);
  const dims = (onnx.graph.inputs[0]!.shape ?? []).slice(1).map(Number);
  const feeds: Parameters<OrtSession['run']>[0] = {
    [inputName]: { data: ds.x, dims: [ds.count, ...dims] },
    timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
  };
  if (poisson) feeds['rng_state'] = { dtype: 'float64', dims: [ds.count, per], data: poissonStates(seed, 0, ds.count, per) };
  const out = await session.run(feeds);
  await session.release();
  return out;
}

describe('emitted SNN file = reference simulator', () => {
  for (const { bm, encoding, solve } of cases)
    it(`${bm.id}, ${encoding} input${encoding === 'current' ? `, --solve ${solve}` : ''}: identical spike counts per neuron, readout within 1e-3`, async () => {
      const model = loadModel(bm.file);
      const calib = loadDataset(bm.calib, { ...bm.pre, limit: 100 });
      const ds = loadDataset(bm.test, { ...bm.pre, limit: N });
      const th = await calibrate(model, calib);
      const { snn, onnx } = convert(model, th, { encoding, seed: 3, solve });
      const out = await runEmitted(onnx, snn.inputName, ds, encoding === 'poisson', 3);
      const ref = simulateReference(snn, ds.x, N, { timesteps: T });
      let spikes = 0;
      snn.layers.forEach((l, i) => {
        const a = out[layerOutputName(i)]!.data;
        const b = ref.counts[i]!;
        expect(a.length).toBe(b.length);
        let differ = 0;
        for (let j = 0; j < a.length; j++) {
          if (a[j] !== b[j]) differ++;
          spikes += a[j]!;
        }
        expect(differ, `layer ${l.name}: neurons with different spike counts`).toBe(0);
      });
      expect(spikes).toBeGreaterThan(0);
      const ra = out['readout']!.data;
      const rb = ref.readouts.get(T)!;
      for (let j = 0; j < ra.length; j++) expect(Math.abs(ra[j]! - rb[j]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(rb[j]!)));
    });
});

describe('emitted SNN file = reference simulator, after layer-wise calibrations', () => {
  it('resnet_2b with calibrated bias currents and initial potentials: identical spike counts', async () => {
    const { calibrateLayerwise } = await import('../../calibration/layerwise.js');
    const bm = BUNDLED_MODELS.find((m) => m.id === 'vnncomp21-cifar10-resnet_2b')!;
    const model = loadModel(bm.file);
    const calib = loadDataset(bm.calib, { ...bm.pre, limit: 100 });
    const ds = loadDataset(bm.test, { ...bm.pre, limit: N });
    let th = await calibrate(model, calib);
    th = await calibrateLayerwise(model, th, calib, { timesteps: 8 });
    th = await calibrateLayerwise(model, th, calib, { timesteps: 8, mode: 'potential' });
    const { snn, onnx } = convert(model, th);
    expect(snn.layers.every((l) => l.bias && l.v0)).toBe(true);
    const out = await runEmitted(onnx, snn.inputName, ds, false, 0);
    const ref = simulateReference(snn, ds.x, N, { timesteps: T });
    snn.layers.forEach((l, i) => expect(Array.from(out[layerOutputName(i)]!.data), l.name).toEqual(Array.from(ref.counts[i]!)));
  });

  it('resnet_2b with per-channel θ and the joint schedule (what auto calibration emits): identical spike counts', async () => {
    const { calibrateLayerwise } = await import('../../calibration/layerwise.js');
    const bm = BUNDLED_MODELS.find((m) => m.id === 'vnncomp21-cifar10-resnet_2b')!;
    const model = loadModel(bm.file);
    const calib = loadDataset(bm.calib, { ...bm.pre, limit: 100 });
    const ds = loadDataset(bm.test, { ...bm.pre, limit: N });
    let th = await calibrate(model, calib, { method: 'channel-percentile:99.9' });
    th = await calibrateLayerwise(model, th, calib, { timesteps: 8, schedule: 'joint', iterations: 2 });
    th = await calibrateLayerwise(model, th, calib, { timesteps: 8, mode: 'potential', schedule: 'joint', iterations: 2 });
    expect(th.method).toBe('channel-percentile:99.9+bias@8×2j+potential@8×2j');
    const { snn, onnx } = convert(model, th);
    expect(snn.layers.every((l) => l.bias && l.v0 && Array.isArray(l.threshold))).toBe(true);
    const out = await runEmitted(onnx, snn.inputName, ds, false, 0);
    const ref = simulateReference(snn, ds.x, N, { timesteps: T });
    snn.layers.forEach((l, i) => expect(Array.from(out[layerOutputName(i)]!.data), l.name).toEqual(Array.from(ref.counts[i]!)));
  });
});
