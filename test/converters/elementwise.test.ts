import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/graph/types.js';
import { checkOp, expectOnnxError, K, randomTensor, runRule, T } from '../helpers/ort.js';

const shapes: [number[], number[]][] = [
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3, 4], [4]],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [[], [2, 3]],
  [
    [1, 3, 1, 5],
    [2, 1, 4, 1],
  ],
  [[4, 1], [1]],
  [
    [3, 1, 2],
    [1, 4, 1],
  ],
];

describe('Add/Sub/Mul/Div broadcasting vs onnxruntime', () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    for (const [i, [a, b]] of shapes.entries()) {
      it(`${op} [${a}] with [${b}]`, async () => {
        const bt = randomTensor(b, 60 + i, op === 'Div' ? { min: 0.5, max: 2 } : {});
        await checkOp({ op, opset: 14, inputs: [randomTensor(a, 50 + i), i % 2 ? K(bt) : bt], tol: 1e-6 });
      });
    }
  }
});

describe('integer and other dtypes', () => {
  const dtypes: DType[] = ['int32', 'int64', 'float64'];
  for (const dtype of dtypes) {
    for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
      it(`${op} ${dtype}`, async () => {
        const a = randomTensor([3, 4], 7, { dtype, min: -20, max: 20 });
        let b = randomTensor([4], 8, { dtype, min: -7, max: 7 });
        if (op === 'Div') b = { ...b, data: b.data.map((v) => (v === 0 ? 3 : v)) };
        const { ours } = await checkOp({ op, opset: 13, inputs: [a, b], tol: 0 });
        expect(ours[0]!.dtype).toBe(dtype);
      });
    }
  }
  it('integer Div truncates toward zero', async () => {
    const { ours } = await checkOp({ op: 'Div', opset: 13, inputs: [T('int32', [4], [7, -7, 7, -7]), T('int32', [4], [2, 2, -2, -2])], tol: 0 });
    expect(Array.from(ours[0]!.data)).toEqual([3, -3, -3, 3]);
  });
  it('uint8 Sub wraps around, int8 Mul wraps', async () => {
    await checkOp({ op: 'Sub', opset: 14, inputs: [T('uint8', [3], [3, 200, 0]), T('uint8', [3], [5, 100, 1])], tol: 0 });
    await checkOp({ op: 'Mul', opset: 14, inputs: [T('int8', [3], [100, -100, 7]), T('int8', [3], [3, 3, 5])], tol: 0 });
  });
  it('opset 7 Add', async () => {
    await checkOp({ op: 'Add', opset: 7, inputs: [randomTensor([2, 3, 4], 1), K(randomTensor([3, 1], 2))], tol: 1e-6 });
  });
});

describe('elementwise shape errors', () => {
  it('non-broadcastable shapes', () => {
    expectOnnxError(() => runRule({ op: 'Add', opset: 13, name: 'add3', inputs: [randomTensor([2, 3], 1), randomTensor([2], 2)] }), 'E_SHAPE', 'add3');
    expectOnnxError(() => runRule({ op: 'Mul', opset: 13, name: 'mul3', inputs: [randomTensor([2, 3, 4], 1), randomTensor([3, 3], 2)] }), 'E_SHAPE', 'mul3');
  });
  it('mixed dtypes', () => {
    expectOnnxError(
      () => runRule({ op: 'Add', opset: 13, name: 'mix', inputs: [randomTensor([2], 1), randomTensor([2], 2, { dtype: 'int64' })] }),
      'E_SHAPE',
      'mix',
    );
  });
});
