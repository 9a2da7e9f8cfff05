import { describe, it } from 'vitest';
import { A } from '../../src/graph/attrs.js';
import type { Tensor } from '../../src/graph/types.js';
import { checkOp, expectOnnxError, K, randomTensor, runRule } from '../helpers/ort.js';

function params(c: number, seed: number): [Tensor, Tensor, Tensor, Tensor] {
  return [
    randomTensor([c], seed, { min: 0.5, max: 2 }),
    randomTensor([c], seed + 1),
    randomTensor([c], seed + 2),
    randomTensor([c], seed + 3, { min: 0.1, max: 3 }),
  ];
}

describe('BatchNormalization vs onnxruntime', () => {
  for (const opset of [9, 14, 15]) {
    it(`4-D, default epsilon, opset ${opset}`, async () => {
      const [s, b, m, v] = params(3, 10);
      await checkOp({ op: 'BatchNormalization', opset, inputs: [randomTensor([2, 3, 4, 5], 1), K(s), K(b), K(m), K(v)] });
    });
  }
  it('epsilon 1e-3, 2-D input (after Gemm)', async () => {
    const [s, b, m, v] = params(6, 20);
    await checkOp({ op: 'BatchNormalization', opset: 13, attrs: { epsilon: A.float(1e-3) }, inputs: [randomTensor([4, 6], 2), K(s), K(b), K(m), K(v)] });
  });
  it('3-D input, tiny variance', async () => {
    const [s, b, m] = params(2, 30);
    await checkOp({
      op: 'BatchNormalization',
      opset: 13,
      attrs: { epsilon: A.float(0.01) },
      inputs: [randomTensor([1, 2, 7], 3), K(s), K(b), K(m), K(randomTensor([2], 5, { min: 0, max: 1e-4 }))],
    });
  });
  it('opset 7 (spatial attribute default)', async () => {
    const [s, b, m, v] = params(3, 40);
    await checkOp({ op: 'BatchNormalization', opset: 7, inputs: [randomTensor([1, 3, 3, 3], 4), K(s), K(b), K(m), K(v)] });
  });
  it('parameters of the wrong length', () => {
    const [s, b, m] = params(3, 10);
    expectOnnxError(
      () => runRule({ op: 'BatchNormalization', opset: 13, name: 'bn', inputs: [randomTensor([1, 4, 2, 2], 1), K(s), K(b), K(m), K(randomTensor([4], 1))] }),
      'E_SHAPE',
      'bn',
    );
  });
  it('training_mode=1 is rejected', () => {
    const [s, b, m, v] = params(3, 10);
    expectOnnxError(
      () =>
        runRule({
          op: 'BatchNormalization',
          opset: 15,
          name: 'bnt',
          attrs: { training_mode: A.int(1) },
          inputs: [randomTensor([1, 3, 2, 2], 1), K(s), K(b), K(m), K(v)],
        }),
      'E_ATTRIBUTE',
      'bnt',
    );
  });
});

describe('BatchNormalization, older forms', () => {
  it('opset 7 spatial=0: per-element parameters of shape x.dims[1:]', async () => {
    const dims = [3, 2, 2];
    await checkOp({
      op: 'BatchNormalization',
      opset: 7,
      attrs: { spatial: A.int(0) },
      inputs: [
        randomTensor([2, 3, 2, 2], 4),
        K(randomTensor(dims, 1, { min: 0.5, max: 2 })),
        K(randomTensor(dims, 2)),
        K(randomTensor(dims, 3)),
        K(randomTensor(dims, 4, { min: 0.1, max: 2 })),
      ],
    });
  });
  it('extra (training) outputs are rejected: before opset 14 they select training mode', () => {
    const [s, b, m, v] = params(3, 50);
    for (const opset of [9, 15]) {
      expectOnnxError(
        () =>
          runRule({
            op: 'BatchNormalization',
            opset,
            name: 'bn5',
            outputs: ['y', 'mean', 'var'],
            inputs: [randomTensor([1, 3, 2, 2], 4), K(s), K(b), K(m), K(v)],
          }),
        'E_ATTRIBUTE',
        'bn5',
      );
    }
  });
});
