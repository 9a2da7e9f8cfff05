/**
 * The bundled real models end to end on their documented test sets: the canonical graph evaluated
 * by evaluateAnn gives exactly the documented accuracy, and exactly the predictions onnxruntime
 * gives on the ORIGINAL file bytes (one sample at a time: the files declare batch 1).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODELS } from '../scripts/models.js';
import { loadDataset } from '../src/data/index.js';
import { evaluateAnn } from '../src/engine/ann.js';
import { canonicalize } from '../src/graph/passes/index.js';
import { loadOnnxFile } from '../src/onnx/read.js';

/** Documented accuracy (fixtures/README.md) in percent, and the test-set size it was measured on. */
const DOCUMENTED: Record<string, { percent: number; samples: number }> = {
  'onnx-zoo-mnist-12': { percent: 98.9, samples: 10000 },
  'vnncomp21-mnistfc-256x2': { percent: 98.08, samples: 10000 },
  'vnncomp21-verivital-convnet_maxpool': { percent: 97.92, samples: 10000 },
  'vnncomp21-cifar10-resnet_2b': { percent: 70.3, samples: 1000 },
};

/** Argmax of each sample's logits from onnxruntime running the original file, batch 1 per sample. */
async function originalPredictions(file: string, x: Float32Array, count: number): Promise<Int32Array> {
  const raw = loadOnnxFile(file); // only for the input name and declared dims
  const input = raw.graph.inputs[0]!;
  const dims = input.shape!.map((d) => (typeof d === 'number' ? d : 1));
  expect(dims[0], 'the original declares batch 1').toBe(1);
  const per = dims.reduce((a, b) => a * b, 1);
  expect(per * count).toBe(x.length);
  const s = await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = new Int32Array(count);
  try {
    const name = s.outputNames[0]!;
    for (let i = 0; i < count; i++) {
      const res = await s.run({ [input.name]: new ort.Tensor('float32', x.subarray(i * per, (i + 1) * per), dims) }, [name]);
      const l = res[name]!.data as Float32Array;
      let best = 0;
      for (let j = 1; j < l.length; j++) if (l[j]! > l[best]!) best = j;
      out[i] = best;
    }
  } finally {
    await s.release();
  }
  return out;
}

describe('bundled models: documented accuracy, and the predictions of onnxruntime on the original file', () => {
  it('the bundle is the four documented models', () => {
    expect(BUNDLED_MODELS.map((m) => m.id).sort()).toEqual(Object.keys(DOCUMENTED).sort());
    for (const m of BUNDLED_MODELS) expect(m.annAccuracy * 100, m.id).toBeCloseTo(DOCUMENTED[m.id]!.percent, 6);
  });

  for (const bm of BUNDLED_MODELS) {
    it(`${bm.id} on ${bm.test}`, async () => {
      const doc = DOCUMENTED[bm.id]!;
      const ds = loadDataset(bm.test, bm.pre);
      expect(ds.count).toBe(doc.samples);
      const model = canonicalize(loadOnnxFile(bm.file));
      const r = await evaluateAnn(model, ds, { threads: 1 });
      expect(r.predictions.length).toBe(ds.count);
      expect(r.classes).toBe(10);

      let correct = 0;
      for (let i = 0; i < ds.count; i++) if (r.predictions[i] === ds.labels[i]) correct++;
      expect(correct, `${bm.id}: correct samples`).toBe(Math.round((doc.percent / 100) * doc.samples));
      expect(r.accuracy).toBeCloseTo(doc.percent / 100, 12);
      expect(r.top5).toBeGreaterThanOrEqual(r.accuracy);
      expect(r.top5).toBeLessThanOrEqual(1);

      const ref = await originalPredictions(bm.file, ds.x, ds.count);
      const differ: number[] = [];
      for (let i = 0; i < ds.count; i++) if (ref[i] !== r.predictions[i]) differ.push(i);
      expect(differ, `${bm.id}: samples whose prediction differs from onnxruntime on the original file`).toEqual([]);
    });
  }
});
