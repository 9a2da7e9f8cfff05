import { describe, expect, it } from 'vitest';
import { A } from '../../src/graph/attrs.js';
import type { Attr } from '../../src/graph/types.js';
import { checkOp, expectOnnxError, randomTensor, runRule, T } from '../helpers/ort.js';

interface PoolCase {
  name: string;
  x: number[];
  attrs: Record<string, Attr>;
  opset?: number;
}

const k = (...v: number[]): Attr => A.ints(v);

const common: PoolCase[] = [
  { name: '2x2 stride 2', x: [1, 2, 6, 6], attrs: { kernel_shape: k(2, 2), strides: k(2, 2) } },
  { name: '3x3 stride 1 no pads', x: [2, 2, 5, 6], attrs: { kernel_shape: k(3, 3) } },
  { name: '3x3 stride 2 pads 1', x: [1, 3, 7, 8], attrs: { kernel_shape: k(3, 3), strides: k(2, 2), pads: k(1, 1, 1, 1) } },
  { name: 'asymmetric pads', x: [1, 1, 6, 7], attrs: { kernel_shape: k(3, 2), pads: k(0, 1, 2, 0) } },
  { name: 'stride > kernel', x: [1, 2, 9, 10], attrs: { kernel_shape: k(2, 2), strides: k(3, 4) } },
  { name: 'ceil_mode odd size', x: [1, 2, 7, 7], attrs: { kernel_shape: k(2, 2), strides: k(2, 2), ceil_mode: A.int(1) } },
  { name: 'ceil_mode 3x3 s2 pads 1', x: [1, 2, 8, 9], attrs: { kernel_shape: k(3, 3), strides: k(2, 2), pads: k(1, 1, 1, 1), ceil_mode: A.int(1) } },
  {
    name: 'ceil_mode last window would start in the end padding (dropped)',
    x: [1, 1, 4, 4],
    attrs: { kernel_shape: k(2, 2), strides: k(2, 2), pads: k(0, 0, 1, 1), ceil_mode: A.int(1) },
  },
  { name: 'ceil_mode stride > kernel', x: [1, 1, 8, 9], attrs: { kernel_shape: k(2, 2), strides: k(3, 3), ceil_mode: A.int(1) } },
  { name: 'ceil_mode asymmetric pads stride 3', x: [1, 1, 7, 8], attrs: { kernel_shape: k(3, 3), strides: k(3, 3), pads: k(2, 1, 1, 2), ceil_mode: A.int(1) } },
  { name: 'SAME_UPPER stride 2 odd', x: [1, 2, 7, 9], attrs: { kernel_shape: k(3, 3), strides: k(2, 2), auto_pad: A.string('SAME_UPPER') } },
  { name: 'SAME_LOWER stride 2 odd', x: [1, 2, 7, 9], attrs: { kernel_shape: k(3, 2), strides: k(2, 2), auto_pad: A.string('SAME_LOWER') } },
  { name: 'VALID stride 2', x: [1, 2, 7, 8], attrs: { kernel_shape: k(3, 3), strides: k(2, 2), auto_pad: A.string('VALID') } },
  {
    name: 'VALID stride 2 with ceil_mode',
    x: [1, 2, 8, 9],
    attrs: { kernel_shape: k(3, 2), strides: k(2, 2), auto_pad: A.string('VALID'), ceil_mode: A.int(1) },
  },
  {
    name: 'SAME_UPPER with ceil_mode',
    x: [1, 2, 8, 9],
    attrs: { kernel_shape: k(3, 2), strides: k(3, 2), auto_pad: A.string('SAME_UPPER'), ceil_mode: A.int(1) },
  },
  { name: '1-D', x: [2, 3, 11], attrs: { kernel_shape: k(3), strides: k(2), pads: k(1, 1) } },
  { name: '1-D ceil_mode', x: [1, 2, 10], attrs: { kernel_shape: k(3), strides: k(2), ceil_mode: A.int(1) } },
];

describe('MaxPool vs onnxruntime', () => {
  for (const [i, c] of common.entries()) {
    it(c.name, async () => {
      await checkOp({ op: 'MaxPool', opset: c.opset ?? 12, attrs: c.attrs, inputs: [randomTensor(c.x, 100 + i)] });
    });
  }
  it('dilations (opset 10+)', async () => {
    await checkOp({
      op: 'MaxPool',
      opset: 12,
      attrs: { kernel_shape: k(2, 3), dilations: k(2, 2), pads: k(1, 1, 1, 1), strides: k(1, 2) },
      inputs: [randomTensor([1, 2, 8, 9], 1)],
    });
  });
  it('SAME_* with dilations is refused (onnxruntime uses the undilated kernel for the pads, the spec the dilated one)', () => {
    for (const ap of ['SAME_UPPER', 'SAME_LOWER']) {
      expectOnnxError(
        () =>
          runRule({
            op: 'MaxPool',
            opset: 12,
            name: 'mpd',
            attrs: { kernel_shape: k(3, 2), dilations: k(2, 3), auto_pad: A.string(ap) },
            inputs: [randomTensor([1, 1, 9, 8], 7)],
          }),
        'E_ATTRIBUTE',
        'mpd',
      );
    }
  });
  it('dilations with ceil_mode', async () => {
    await checkOp({
      op: 'MaxPool',
      opset: 12,
      attrs: { kernel_shape: k(2, 2), dilations: k(2, 2), strides: k(2, 2), ceil_mode: A.int(1) },
      inputs: [randomTensor([1, 1, 8, 9], 2)],
    });
  });
  it('opset 8 form (no ceil_mode)', async () => {
    await checkOp({
      op: 'MaxPool',
      opset: 8,
      attrs: { kernel_shape: k(3, 3), strides: k(2, 2), pads: k(1, 1, 1, 1) },
      inputs: [randomTensor([1, 2, 7, 7], 3)],
    });
  });
  it('int8 (opset 12)', async () => {
    await checkOp({
      op: 'MaxPool',
      opset: 12,
      attrs: { kernel_shape: k(2, 2), strides: k(2, 2), pads: k(1, 1, 0, 0) },
      inputs: [randomTensor([1, 2, 5, 5], 4, { dtype: 'int8', min: -100, max: 100 })],
      tol: 0,
    });
  });
  it('all negative inputs with padding: pads never win', async () => {
    await checkOp({
      op: 'MaxPool',
      opset: 12,
      attrs: { kernel_shape: k(3, 3), pads: k(1, 1, 1, 1) },
      inputs: [randomTensor([1, 1, 4, 4], 5, { min: -2, max: -1 })],
    });
  });
  it('ceil_mode is not an attribute before opset 10', () => {
    expectOnnxError(
      () => runRule({ op: 'MaxPool', opset: 8, name: 'mp', attrs: { kernel_shape: k(2, 2), ceil_mode: A.int(1) }, inputs: [randomTensor([1, 1, 4, 4], 1)] }),
      'E_ATTRIBUTE',
      'mp',
    );
  });
  it('the Indices output is rejected clearly', () => {
    expectOnnxError(
      () =>
        runRule({ op: 'MaxPool', opset: 12, name: 'mpi', outputs: ['y', 'idx'], attrs: { kernel_shape: k(2, 2) }, inputs: [randomTensor([1, 1, 4, 4], 1)] }),
      'E_ATTRIBUTE',
      'mpi',
    );
  });
  it('pads must be smaller than the kernel (as onnxruntime)', () => {
    expectOnnxError(
      () => runRule({ op: 'MaxPool', opset: 12, name: 'mpp', attrs: { kernel_shape: k(2, 2), pads: k(0, 2, 0, 0) }, inputs: [randomTensor([1, 1, 4, 4], 1)] }),
      'E_ATTRIBUTE',
      'mpp',
    );
  });
  it('kernel larger than the padded input', () => {
    expectOnnxError(
      () => runRule({ op: 'MaxPool', opset: 12, name: 'mpk', attrs: { kernel_shape: k(5, 5) }, inputs: [randomTensor([1, 1, 4, 4], 1)] }),
      'E_SHAPE',
      'mpk',
    );
  });
});

describe('AveragePool vs onnxruntime', () => {
  for (const include of [0, 1]) {
    for (const [i, c] of common.entries()) {
      it(`${c.name}, count_include_pad=${include}`, async () => {
        await checkOp({
          op: 'AveragePool',
          opset: c.opset ?? 11,
          attrs: { ...c.attrs, count_include_pad: A.int(include) },
          inputs: [randomTensor(c.x, 200 + i)],
        });
      });
    }
  }
  it('opset 7 form with count_include_pad', async () => {
    await checkOp({
      op: 'AveragePool',
      opset: 7,
      attrs: { kernel_shape: k(3, 3), strides: k(2, 2), pads: k(1, 0, 1, 2), count_include_pad: A.int(1) },
      inputs: [randomTensor([1, 2, 7, 7], 3)],
    });
  });
  it('ceil_mode partial windows divide by the elements inside (count_include_pad=0)', async () => {
    // 1x5 input, kernel 2 stride 2, ceil: windows [0,1] [2,3] [4] -> last divides by 1
    const { ours } = await checkOp({
      op: 'AveragePool',
      opset: 11,
      attrs: { kernel_shape: k(1, 2), strides: k(1, 2), ceil_mode: A.int(1) },
      inputs: [T('float32', [1, 1, 1, 5], [1, 2, 3, 4, 5])],
    });
    expect(Array.from(ours[0]!.data)).toEqual([1.5, 3.5, 5]);
  });
  it('ceil_mode with count_include_pad=1: the part past the padded end does not count', async () => {
    // pads end 1, ceil: windows [0,1] [2,3] [4,pad] ; the last has one real element and one pad -> /2
    const { ours } = await checkOp({
      op: 'AveragePool',
      opset: 11,
      attrs: { kernel_shape: k(1, 3), strides: k(1, 2), pads: k(0, 0, 0, 1), ceil_mode: A.int(1), count_include_pad: A.int(1) },
      inputs: [T('float32', [1, 1, 1, 6], [1, 2, 3, 4, 5, 6])],
    });
    expect(ours[0]!.dims).toEqual([1, 1, 1, 3]);
  });
  for (const include of [0, 1]) {
    it(`dilations (opset 19), count_include_pad=${include}`, async () => {
      await checkOp({
        op: 'AveragePool',
        opset: 19,
        attrs: { kernel_shape: k(2, 3), dilations: k(2, 2), pads: k(1, 1, 1, 2), strides: k(2, 1), count_include_pad: A.int(include) },
        inputs: [randomTensor([1, 2, 8, 9], 9)],
      });
    });
    it(`dilations with ceil_mode (opset 19), count_include_pad=${include}`, async () => {
      await checkOp({
        op: 'AveragePool',
        opset: 19,
        attrs: { kernel_shape: k(2, 2), dilations: k(2, 2), pads: k(1, 0, 0, 1), strides: k(2, 2), ceil_mode: A.int(1), count_include_pad: A.int(include) },
        inputs: [randomTensor([1, 1, 8, 9], 10)],
      });
    });
  }
  it('dilations are not an AveragePool attribute before opset 19', () => {
    expectOnnxError(
      () =>
        runRule({ op: 'AveragePool', opset: 13, name: 'ap', attrs: { kernel_shape: k(2, 2), dilations: k(2, 2) }, inputs: [randomTensor([1, 1, 6, 6], 1)] }),
      'E_ATTRIBUTE',
      'ap',
    );
  });
});

describe('global pools vs onnxruntime', () => {
  for (const op of ['GlobalAveragePool', 'GlobalMaxPool']) {
    it(`${op} 2-D`, async () => {
      await checkOp({ op, opset: 13, inputs: [randomTensor([2, 3, 5, 4], 1)] });
    });
    it(`${op} 1-D`, async () => {
      await checkOp({ op, opset: 13, inputs: [randomTensor([1, 4, 7], 2)] });
    });
    it(`${op} 3-D`, async () => {
      await checkOp({ op, opset: 13, inputs: [randomTensor([1, 2, 3, 4, 2], 3)] });
    });
  }
});
