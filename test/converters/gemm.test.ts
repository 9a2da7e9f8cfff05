import { describe, expect, it } from 'vitest';
import { findRule } from '../../converters/registry.js';
import { A } from '../../src/graph/attrs.js';
import type { Attr, DType } from '../../src/graph/types.js';
import { checkOp, expectOnnxError, K, randomTensor, runRule } from '../helpers/ort.js';

describe('Gemm vs onnxruntime', () => {
  const M = 3;
  const Kd = 5;
  const N = 4;
  const cases: { name: string; attrs: Record<string, Attr>; c?: number[]; opset?: number }[] = [
    { name: 'plain with C [N]', attrs: {}, c: [N] },
    { name: 'no C (opset 11+)', attrs: {}, opset: 11 },
    { name: 'alpha beta, C [M,N]', attrs: { alpha: A.float(0.5), beta: A.float(-2) }, c: [M, N] },
    { name: 'transA', attrs: { transA: A.int(1) }, c: [1, N] },
    { name: 'transB', attrs: { transB: A.int(1) }, c: [M, 1] },
    { name: 'transA transB alpha', attrs: { transA: A.int(1), transB: A.int(1), alpha: A.float(1.5) }, c: [] },
    { name: 'C [1,1] beta 0.25', attrs: { beta: A.float(0.25) }, c: [1, 1] },
    { name: 'C [1] opset 7', attrs: { transB: A.int(1) }, c: [1], opset: 7 },
    { name: 'opset 9 C [M,N] transB', attrs: { transB: A.int(1), beta: A.float(0) }, c: [M, N], opset: 9 },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const transA = c.attrs['transA'] !== undefined;
      const transB = c.attrs['transB'] !== undefined;
      const a = randomTensor(transA ? [Kd, M] : [M, Kd], 10 + i);
      const b = randomTensor(transB ? [N, Kd] : [Kd, N], 20 + i);
      const cc = c.c ? randomTensor(c.c, 30 + i) : undefined;
      await checkOp({ op: 'Gemm', opset: c.opset ?? 13, attrs: c.attrs, inputs: [a, K(b), cc && K(cc)] });
    });
  }
  it('runtime C input and a larger product', async () => {
    await checkOp({
      op: 'Gemm',
      opset: 13,
      attrs: { transB: A.int(1) },
      inputs: [randomTensor([2, 64], 1), K(randomTensor([10, 64], 2)), randomTensor([10], 3)],
    });
  });
  it('float64', async () => {
    await checkOp({
      op: 'Gemm',
      opset: 13,
      attrs: { alpha: A.float(2) },
      inputs: [randomTensor([2, 3], 1, { dtype: 'float64' }), K(randomTensor([3, 2], 2, { dtype: 'float64' })), K(randomTensor([2], 3, { dtype: 'float64' }))],
    });
  });
});

describe('Gemm shape errors', () => {
  it('wrong K names the node, expected and actual', () => {
    let msg = '';
    try {
      runRule({ op: 'Gemm', opset: 13, name: 'fc1', attrs: { transB: A.int(1) }, inputs: [randomTensor([1, 8], 1), K(randomTensor([10, 9], 2))] });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('"fc1"');
    expect(msg).toContain('8');
    expect(msg).toContain('9');
    expectOnnxError(
      () => runRule({ op: 'Gemm', opset: 13, name: 'fc1', attrs: { transB: A.int(1) }, inputs: [randomTensor([1, 8], 1), K(randomTensor([10, 9], 2))] }),
      'E_SHAPE',
      'fc1',
    );
  });
  it('C that cannot broadcast', () => {
    expectOnnxError(
      () => runRule({ op: 'Gemm', opset: 13, name: 'fc2', inputs: [randomTensor([2, 3], 1), K(randomTensor([3, 4], 2)), K(randomTensor([3], 3))] }),
      'E_SHAPE',
      'fc2',
    );
    expectOnnxError(
      () => runRule({ op: 'Gemm', opset: 13, name: 'fc3', inputs: [randomTensor([2, 3], 1), K(randomTensor([3, 4], 2)), K(randomTensor([1, 2, 4], 3))] }),
      'E_SHAPE',
      'fc3',
    );
  });
  it('MACs = M x N x K', () => {
    const rule = findRule('Gemm', 13)!;
    const { node, shapes } = runRule({ op: 'Gemm', opset: 13, attrs: { transB: A.int(1) }, inputs: [randomTensor([1, 8], 1), K(randomTensor([10, 8], 2))] });
    expect(
      rule.macs!(
        node,
        [
          { dtype: 'float32', dims: [1, 8] },
          { dtype: 'float32', dims: [10, 8] },
        ],
        shapes,
        { opset: 13 },
      ),
    ).toBe(80);
  });
});

describe('MatMul vs onnxruntime', () => {
  const cases: [string, number[], number[], DType?][] = [
    ['2-D x 2-D', [3, 5], [5, 4]],
    ['1-D x 2-D', [5], [5, 4]],
    ['2-D x 1-D', [3, 5], [5]],
    ['1-D x 1-D', [5], [5]],
    ['3-D x 2-D', [2, 3, 5], [5, 4]],
    ['2-D x 3-D', [3, 5], [2, 5, 4]],
    ['3-D x 3-D broadcast batch 1', [1, 3, 5], [4, 5, 2]],
    ['4-D broadcast both ways', [2, 1, 3, 5], [1, 3, 5, 2]],
    ['1-D x 3-D', [5], [2, 5, 3]],
    ['3-D x 1-D', [2, 3, 5], [5]],
    ['int32', [2, 3], [3, 4], 'int32'],
    ['int64 batched', [2, 2, 3], [3, 2], 'int64'],
    ['float64', [2, 3], [3, 2], 'float64'],
  ];
  for (const [i, [name, a, b, dtype]] of cases.entries()) {
    it(name, async () => {
      await checkOp({
        op: 'MatMul',
        opset: 13,
        inputs: [randomTensor(a, 40 + i, { dtype: dtype ?? 'float32' }), randomTensor(b, 50 + i, { dtype: dtype ?? 'float32' })],
      });
    });
  }
  it('K mismatch and batch mismatch are E_SHAPE', () => {
    expectOnnxError(() => runRule({ op: 'MatMul', opset: 13, name: 'mm', inputs: [randomTensor([2, 3], 1), randomTensor([4, 2], 2)] }), 'E_SHAPE', 'mm');
    expectOnnxError(
      () => runRule({ op: 'MatMul', opset: 13, name: 'mm2', inputs: [randomTensor([2, 2, 3], 1), randomTensor([3, 3, 2], 2)] }),
      'E_SHAPE',
      'mm2',
    );
  });
  it('MACs', () => {
    const rule = findRule('MatMul', 13)!;
    const ins = [
      { dtype: 'float32' as const, dims: [2, 1, 3, 5] },
      { dtype: 'float32' as const, dims: [1, 4, 5, 2] },
    ];
    expect(
      rule.macs!({ name: 'm', opType: 'MatMul', domain: '', inputs: ['a', 'b'], outputs: ['y'], attrs: {} }, ins, [{ dtype: 'float32', dims: [2, 4, 3, 2] }], {
        opset: 13,
      }),
    ).toBe(2 * 4 * 3 * 5 * 2);
  });
});
