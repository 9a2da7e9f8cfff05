/**
 * The project's own deep BatchNorm networks (scripts/train_models.py, fixtures/README.md): the
 * imported graph (BatchNorm folded by our pass where the file keeps it, Clip for ReLU6, depthwise
 * convolutions, residual Adds) gives the same logits as onnxruntime on the ORIGINAL file bytes, and
 * the documented accuracy on the first test images. Catches regressions in the import of real
 * torch exports, the BN-kept one above all.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OWN_MODELS } from '../scripts/models.js';
import { loadDataset } from '../src/data/index.js';
import { evaluateAnn } from '../src/engine/ann.js';
import { loadOnnxFile } from '../src/onnx/read.js';
import type { Graph } from '../src/graph/types.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';

const SAMPLES = 1000;

/** Per model: correct predictions among the first 1000 test images (fixtures/README.md, eval --ann-only --limit 1000), and the op counts of the file as exported. */
const DOCUMENTED: Record<string, { correct: number; ops: Record<string, number> }> = {
  'own-fmnist-resnet20-bn': { correct: 932, ops: { BatchNormalization: 21, Conv: 21, Add: 9, Relu: 19 } },
  'own-fmnist-vgg-bn': { correct: 930, ops: { BatchNormalization: 0, Conv: 6, MaxPool: 3, Relu: 7 } },
  'own-mnist-mobilenetv2': { correct: 991, ops: { BatchNormalization: 0, Clip: 16, Add: 3 } },
};

/** [N, K] logits of onnxruntime running the original file on the whole batch (the files have a dynamic batch dimension). */
async function originalLogits(file: string, x: Float32Array, count: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const res = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, [count, 1, 28, 28]) }, [s.outputNames[0]!]);
    return res[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('own deep BN models: the imported graph gives the logits of onnxruntime on the original file', () => {
  it('the three documented models are registered', () => {
    expect(OWN_MODELS.map((m) => m.id).sort()).toEqual(Object.keys(DOCUMENTED).sort());
  });

  for (const bm of OWN_MODELS) {
    it(`${bm.id}: ${SAMPLES} images of ${bm.test}`, async () => {
      const doc = DOCUMENTED[bm.id]!;
      const raw = loadOnnxFile(bm.file);
      for (const [op, n] of Object.entries(doc.ops)) expect(raw.graph.nodes.filter((x) => x.opType === op).length, `${op} nodes in the file`).toBe(n);

      const model = loadModel(bm.file);
      expect(
        model.graph.nodes.some((x) => x.opType === 'BatchNormalization'),
        'BatchNorm folded on import',
      ).toBe(false);
      const ds = loadDataset(bm.test, { ...bm.pre, limit: SAMPLES });
      const r = await evaluateAnn(model, ds, { threads: 1 });
      expect(r.classes).toBe(10);

      const ref = await originalLogits(bm.file, ds.x, ds.count);
      expect(ref.length).toBe(r.logits.length);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i]! - r.logits[i]!) / (1 + Math.abs(ref[i]!)));
      // folding BN changes the float32 rounding only: a few ulps of the logits' scale
      expect(worst, 'largest logit difference').toBeLessThan(1e-4);

      let correct = 0;
      for (let i = 0; i < ds.count; i++) if (r.predictions[i] === ds.labels[i]) correct++;
      expect(correct, `${bm.id}: correct among the first ${SAMPLES}`).toBe(doc.correct);
    });
  }
});

/** Names the nodes of a graph and of its subgraphs (the Loop body) read. */
function readNames(g: Graph): Set<string> {
  const out = new Set<string>();
  for (const n of g.nodes) {
    for (const i of n.inputs) out.add(i);
    for (const a of Object.values(n.attrs)) if (a.kind === 'graph') for (const i of readNames(a.value)) out.add(i);
  }
  return out;
}

it("own-mnist-mobilenetv2: the emitted SNN keeps no initializer that no node reads (the Clips' min/max; onnxruntime warns about each)", async () => {
  const bm = OWN_MODELS.find((m) => m.id === 'own-mnist-mobilenetv2')!;
  const model = loadModel(bm.file);
  const { onnx } = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 32 })));
  const read = readNames(onnx.graph);
  const check = (g: Graph, where: string): void => {
    const dead = [...g.initializers.keys()].filter((k) => !read.has(k));
    expect(dead, `${where}: initializers no node reads`).toEqual([]);
  };
  check(onnx.graph, 'outer graph');
  const loop = onnx.graph.nodes.find((n) => n.opType === 'Loop')!;
  const body = loop.attrs['body']!;
  if (body.kind !== 'graph') throw new Error('Loop without a body graph');
  check(body.value, 'Loop body');
  expect(onnx.graph.initializers.size + body.value.initializers.size).toBeGreaterThan(0);
});
