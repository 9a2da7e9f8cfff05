import { describe, expect, it } from 'vitest';
import { A } from '../../src/graph/attrs.js';
import { checkOp, expectOnnxError, randomTensor, runRule } from '../helpers/ort.js';

const dims = [2, 3, 4];

describe('Softmax / LogSoftmax vs onnxruntime', () => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const opset of [11, 13]) {
      for (const axis of [undefined, 0, 1, 2, -1, -2]) {
        it(`${op} opset ${opset} axis ${axis ?? 'default'}`, async () => {
          await checkOp({ op, opset, attrs: axis === undefined ? {} : { axis: A.int(axis) }, inputs: [randomTensor(dims, 7, { min: -4, max: 4 })], tol: 1e-5 });
        });
      }
    }
    it(`${op} opset 9 default axis on 2-D`, async () => {
      await checkOp({ op, opset: 9, inputs: [randomTensor([3, 10], 8, { min: -4, max: 4 })], tol: 1e-5 });
    });
  }
  it('opset 11 normalises over all dims from axis on, opset 13 over one axis', () => {
    const x = randomTensor([2, 3, 4], 3);
    const a = runRule({ op: 'Softmax', opset: 11, attrs: { axis: A.int(1) }, inputs: [x] }).values[0]!;
    const b = runRule({ op: 'Softmax', opset: 13, attrs: { axis: A.int(1) }, inputs: [x] }).values[0]!;
    let sumA = 0;
    for (let i = 0; i < 12; i++) sumA += a.data[i]!;
    expect(sumA).toBeCloseTo(1, 5);
    let sumB = 0;
    for (let c = 0; c < 3; c++) sumB += b.data[c * 4]!;
    expect(sumB).toBeCloseTo(1, 5);
  });
  it('large values do not overflow', async () => {
    await checkOp({ op: 'Softmax', opset: 13, inputs: [randomTensor([2, 5], 9, { min: 80, max: 120 })], tol: 1e-5 });
  });
  it('axis out of range', () => {
    expectOnnxError(() => runRule({ op: 'Softmax', opset: 13, name: 'sm', attrs: { axis: A.int(3) }, inputs: [randomTensor(dims, 1)] }), 'E_ATTRIBUTE', 'sm');
  });
});
