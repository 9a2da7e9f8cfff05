import { describe, it } from 'vitest';
import { A } from '../../src/graph/attrs.js';
import { checkOp, K, randomTensor, T } from '../helpers/ort.js';

describe('Relu / Clip vs onnxruntime', () => {
  it('Relu', async () => {
    await checkOp({ op: 'Relu', opset: 13, inputs: [randomTensor([2, 3, 4], 1)], tol: 0 });
  });
  it('Clip opset 6 attributes', async () => {
    await checkOp({ op: 'Clip', opset: 7, attrs: { min: A.float(-0.25), max: A.float(0.5) }, inputs: [randomTensor([3, 4], 2)], tol: 0 });
  });
  it('Clip opset 6 defaults (no clipping)', async () => {
    await checkOp({ op: 'Clip', opset: 9, inputs: [randomTensor([3, 4], 3, { min: -1e6, max: 1e6 })], tol: 0 });
  });
  it('Clip opset 11 min/max inputs (ReLU6)', async () => {
    await checkOp({
      op: 'Clip',
      opset: 11,
      inputs: [randomTensor([3, 4], 4, { min: -10, max: 10 }), K(T('float32', [], [0])), K(T('float32', [], [6]))],
      tol: 0,
    });
  });
  it('Clip opset 13 max only', async () => {
    await checkOp({ op: 'Clip', opset: 13, inputs: [randomTensor([3, 4], 5), undefined, K(T('float32', [], [0.2]))], tol: 0 });
  });
  it('Clip opset 13 min only', async () => {
    await checkOp({ op: 'Clip', opset: 13, inputs: [randomTensor([3, 4], 6), K(T('float32', [], [-0.2]))], tol: 0 });
  });
});
