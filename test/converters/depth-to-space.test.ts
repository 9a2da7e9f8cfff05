/**
 * DepthToSpace (converters/layout.ts), the README's "Adding an op" example: shapes and values
 * against onnxruntime, and as a routing op inside a converted network — the emitted file, the
 * reference simulator and the tfjs engine give the same spike counts, and the synaptic operations
 * of the convolution behind it are counted per event.
 */
import { describe, expect, it } from 'vitest';
import type { InMemoryDataset as Dataset } from '../../src/data/types.js';
import { simulateTfjs } from '../../src/engine/tfjs.js';
import { opsPlan, SynopsCounter } from '../../src/eval/ops.js';
import { A } from '../../src/graph/attrs.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import type { Model, Tensor } from '../../src/graph/types.js';
import { calibrate, convert } from '../../src/pipeline.js';
import { simulateReference } from '../../src/snn/reference.js';
import { simulateDataset } from '../../src/engine/simulate.js';
import { prepareForConversion } from '../../src/snn/prepare.js';
import { checkOp, expectOnnxError, makeModel, mulberry32, randomTensor, runRule } from '../helpers/ort.js';
import { node } from '../snn/helpers.js';

describe('DepthToSpace vs onnxruntime', () => {
  const cases: [number, number[], number, ('DCR' | 'CRD')?][] = [
    [1, [2, 8, 3, 2], 2],
    [11, [2, 8, 3, 2], 2],
    [11, [2, 8, 3, 2], 2, 'CRD'],
    [13, [1, 18, 2, 3], 3, 'CRD'],
    [13, [1, 18, 2, 3], 3, 'DCR'],
    [13, [2, 3, 2, 2], 1],
  ];
  for (const [opset, dims, b, mode] of cases)
    it(`opset ${opset}, ${dims.join('×')}, blocksize ${b}${mode ? `, ${mode}` : ''}`, async () => {
      await checkOp({
        op: 'DepthToSpace',
        opset,
        attrs: { blocksize: A.int(b), ...(mode ? { mode: A.string(mode) } : {}) },
        inputs: [randomTensor(dims, opset + b)],
        tol: 0,
      });
    });

  it('names the node for channels that do not split into blocks, a missing blocksize and an unknown mode', () => {
    expectOnnxError(
      () => runRule({ op: 'DepthToSpace', opset: 13, name: 'd2s', attrs: { blocksize: A.int(2) }, inputs: [randomTensor([1, 6, 2, 2], 1)] }),
      'E_SHAPE',
      'd2s',
    );
    expectOnnxError(() => runRule({ op: 'DepthToSpace', opset: 13, name: 'd2s', inputs: [randomTensor([1, 8, 2, 2], 1)] }), 'E_ATTRIBUTE', 'd2s');
    expectOnnxError(
      () =>
        runRule({ op: 'DepthToSpace', opset: 13, name: 'd2s', attrs: { blocksize: A.int(2), mode: A.string('RDC') }, inputs: [randomTensor([1, 8, 2, 2], 1)] }),
      'E_ATTRIBUTE',
      'd2s',
    );
  });
});

/** x [N,8,3,3] → Conv 1×1 → Relu → DepthToSpace(2, CRD) → Conv 3×3 → Relu → Flatten → MatMul → y [N,5]. */
function model(): Model {
  const w = (dims: number[], seed: number): Tensor => randomTensor(dims, seed, { min: -0.6, max: 0.6 });
  return prepareForConversion(
    canonicalize(
      makeModel(13, {
        nodes: [
          node('Conv', ['x', 'w1', 'b1'], ['c1'], {}, 'conv1'),
          node('Relu', ['c1'], ['r1'], {}, 'relu1'),
          node('DepthToSpace', ['r1'], ['d'], { blocksize: A.int(2), mode: A.string('CRD') }, 'd2s'),
          node('Conv', ['d', 'w2'], ['c2'], { pads: A.ints([1, 1, 1, 1]) }, 'conv2'),
          node('Relu', ['c2'], ['r2'], {}, 'relu2'),
          node('Flatten', ['r2'], ['f'], {}, 'flat'),
          node('MatMul', ['f', 'w3'], ['y'], {}, 'out'),
        ],
        inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 8, 3, 3] }],
        outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 5] }],
        initializers: new Map([
          ['w1', w([8, 8, 1, 1], 1)],
          ['b1', randomTensor([8], 2, { min: 0, max: 0.3 })],
          ['w2', w([4, 2, 3, 3], 3)],
          ['w3', w([144, 5], 4)],
        ]),
      }),
    ),
  );
}

function noise(count: number, seed: number): Dataset {
  const r = mulberry32(seed);
  return {
    source: 'noise',
    format: 'synthetic',
    count,
    sampleShape: [8, 3, 3],
    x: Float32Array.from({ length: count * 72 }, () => r()),
    labels: new Int32Array(count),
  };
}

describe('DepthToSpace in a converted network', () => {
  const T = 16;
  for (const encoding of ['current', 'poisson'] as const)
    it(`${encoding} input: emitted file, reference simulator and tfjs engine spike alike; the Conv behind it counts events`, async () => {
      const m = model();
      const { snn, onnx } = convert(m, await calibrate(m, noise(64, 1)), { encoding, seed: 5 });
      const ds = noise(6, 2);
      const ref = simulateReference(snn, ds.x, ds.count, { timesteps: T });
      const ort: Float32Array[] = [];
      await simulateDataset(onnx, ds, { timesteps: [T], onCounts: (_s, _n, cs) => void ort.push(...cs) });
      const tf: Float32Array[] = [];
      await simulateTfjs(snn, ds, { timesteps: [T], onCounts: (_s, _n, cs) => void tf.push(...cs) });
      expect(ref.counts.map((c) => c.reduce((a, b) => a + b, 0)).every((s) => s > 0)).toBe(true);
      ref.counts.forEach((c, i) => {
        expect(Array.from(ort[i]!), snn.layers[i]!.name).toEqual(Array.from(c));
        expect(Array.from(tf[i]!), snn.layers[i]!.name).toEqual(Array.from(c));
      });
      const counter = new SynopsCounter(opsPlan(snn), T);
      counter.addBatch(ds.count, ref.counts, ds.x);
      const conv2 = counter.result().layers.find((l) => l.name === 'conv2')!;
      // every spike of relu1 reaches conv2 (DepthToSpace only moves it) and drives 4 channels × at most 9 taps
      const spikes = ref.counts[0]!.reduce((a, b) => a + b, 0) / ds.count;
      expect(conv2).toMatchObject({ kind: 'ac', approximate: false });
      expect(conv2.synops).toBeGreaterThanOrEqual(4 * 4 * spikes);
      expect(conv2.synops).toBeLessThanOrEqual(4 * 9 * spikes);
    });
});
