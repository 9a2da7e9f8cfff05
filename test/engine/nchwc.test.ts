/**
 * The NCHWc lowering (src/engine/nchwc.ts) against the plain file, both run by onnxruntime: spike
 * counts per neuron and readouts identical to the last bit on the bundled convolutional models
 * and the own ResNet-20, with the machine's block size (skipped, with the reason, where
 * onnxruntime has no nchwc kernels). The blocked order of constants is checked against
 * onnxruntime's own ReorderInput.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { nchwcEngine } from '../../src/engine/engines/nchwc.js';
import { blockConstant, filterBiBo, filterBo } from '../../src/engine/nchwc-layout.js';
import { lowerNchwc, NCHWC_DOMAIN } from '../../src/engine/nchwc.js';
import { nchwcBlockSize, reorderInputModel } from '../../src/engine/nchwc-probe.js';
import { OrtSession } from '../../src/engine/ort.js';
import { chooseEngine } from '../../src/engine/registry.js';
import { snnInfo } from '../../src/engine/simulate.js';
import { simulateOrt } from '../../src/engine/ort-run.js';
import type { Model } from '../../src/graph/types.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { ALL_MODELS } from '../../scripts/models.js';

const block = await nchwcBlockSize();
const why = 'onnxruntime has no nchwc kernels on this machine';

describe('nchwc layout', () => {
  it.skipIf(!block)("stores a constant in the order of onnxruntime's ReorderInput", async () => {
    const dims = [1, 2 * block!, 3, 5];
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.5 - 7);
    const s = await OrtSession.create(reorderInputModel(dims));
    const y = (await s.run({ x: { data, dims } }))['y']!;
    await s.release();
    expect(Array.from(blockConstant({ dtype: 'float32', dims, data }, block!).data)).toEqual(Array.from(y.data));
  });

  it('reorders filters to OIHWBiBo (input channels zero-padded) and OIHWBo', () => {
    const b = 4;
    const w = { dtype: 'float32' as const, dims: [8, 6, 1, 2], data: Float32Array.from({ length: 96 }, (_, i) => i + 1) };
    const bibo = filterBiBo(w, b);
    expect(bibo.dims).toEqual([8, 8, 1, 2]);
    // [ob][ib][k][bi][bo]: o = ob·b + bo, i = ib·b + bi
    const at = (o: number, i: number, k: number): number => w.data[(o * 6 + i) * 2 + k]!;
    expect(bibo.data[((1 * 2 + 0) * 2 + 1) * 16 + 2 * 4 + 3]).toBe(at(7, 2, 1));
    expect(bibo.data[((0 * 2 + 1) * 2 + 0) * 16 + 3 * 4 + 1]).toBe(0); // input channel 7 ≥ 6: padding
    const bo = filterBo(w, b);
    expect(bo.data[((1 * 6 + 5) * 2 + 1) * 4 + 2]).toBe(at(6, 5, 1));
  });
});

const models = ['onnx-zoo-mnist-12', 'vnncomp21-verivital-convnet_maxpool', 'vnncomp21-cifar10-resnet_2b', 'own-fmnist-resnet20-bn'];

describe.skipIf(!block)(`nchwc lowering is exact (${block ? `block ${block}` : why})`, () => {
  for (const id of models)
    it(`${id}: counts and readouts of the plain file`, async () => {
      const bm = ALL_MODELS.find((m) => m.id === id)!;
      const model = loadModel(bm.file);
      const { onnx } = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 40 })));
      const ds = loadDataset(bm.test, { ...bm.pre, limit: 12 });
      const low = lowerNchwc(onnx, block!);
      const run = async (m: Model) => {
        const counts: number[][] = [];
        const r = await simulateOrt(m, ds, {
          timesteps: [7, 23],
          batchSize: 8,
          keepReadouts: true,
          onCounts: (_s, _n, cs) => void counts.push(...cs.map((c) => Array.from(c))),
        });
        return { counts, r };
      };
      const [a, b] = [await run(onnx), await run(low.model)];
      expect(b.counts).toEqual(a.counts);
      for (const t of [7, 23]) expect(Array.from(b.r.readouts!.get(t)!)).toEqual(Array.from(a.r.readouts!.get(t)!));
      expect(a.counts.flat().some((c) => c > 0)).toBe(true);
      if (id === 'own-fmnist-resnet20-bn') expect(low.blockedConvs).toBeGreaterThan(0);
    }, 60_000);

  it('auto does not bid it from shapes (the probe times it as a candidate); not available on other devices; the portable file is untouched', async () => {
    const bm = ALL_MODELS.find((m) => m.id === 'own-fmnist-resnet20-bn')!;
    const model = loadModel(bm.file);
    const { onnx } = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 20 })));
    expect(nchwcEngine.unavailable({ file: onnx, info: {} as never }, { timesteps: [4], device: 'webgpu' })).toMatch(/CPU only/);
    const ds = loadDataset(bm.test, { ...bm.pre, limit: 4 });
    const { engine, choice } = await chooseEngine('auto', { file: onnx, info: snnInfo(onnx) }, ds, { timesteps: [4] });
    expect(engine.id).toBe('onnxruntime');
    expect(choice.estimates!['nchwc']).toBeUndefined();
    const l = lowerNchwc(onnx, block!);
    expect(l.model.graph.nodes.some((n) => n.opType === 'ReorderInput')).toBe(true);
    expect(onnx.otherOpsets[NCHWC_DOMAIN]).toBeUndefined(); // the portable file is untouched
  }, 60_000);
});
