import { describe, expect, it } from 'vitest';
import { findRule } from '../../converters/registry.js';
import { A } from '../../src/graph/attrs.js';
import type { Attr } from '../../src/graph/types.js';
import { checkOp, expectClose, expectOnnxError, K, randomTensor, runRule } from '../helpers/ort.js';

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  bias?: boolean;
  attrs?: Record<string, Attr>;
  opset?: number;
}

const cases: ConvCase[] = [
  { name: '3x3 no pads', x: [1, 2, 7, 7], w: [3, 2, 3, 3], bias: true },
  { name: 'pads 1 stride 1', x: [2, 3, 6, 5], w: [4, 3, 3, 3], bias: true, attrs: { pads: A.ints([1, 1, 1, 1]) } },
  { name: 'asymmetric pads', x: [1, 2, 6, 7], w: [2, 2, 3, 2], bias: true, attrs: { pads: A.ints([0, 2, 1, 0]) } },
  { name: 'stride 2 odd size', x: [1, 2, 9, 7], w: [3, 2, 3, 3], attrs: { strides: A.ints([2, 2]) } },
  { name: 'stride (2,3) pads', x: [1, 1, 8, 10], w: [2, 1, 3, 3], bias: true, attrs: { strides: A.ints([2, 3]), pads: A.ints([1, 0, 2, 1]) } },
  { name: 'SAME_UPPER stride 2 odd', x: [1, 2, 7, 9], w: [3, 2, 3, 3], bias: true, attrs: { auto_pad: A.string('SAME_UPPER'), strides: A.ints([2, 2]) } },
  { name: 'SAME_LOWER stride 2 odd', x: [1, 2, 7, 9], w: [3, 2, 3, 3], bias: true, attrs: { auto_pad: A.string('SAME_LOWER'), strides: A.ints([2, 2]) } },
  { name: 'SAME_UPPER even kernel', x: [1, 2, 6, 5], w: [2, 2, 4, 2], attrs: { auto_pad: A.string('SAME_UPPER') } },
  { name: 'SAME_LOWER even kernel', x: [1, 2, 6, 5], w: [2, 2, 4, 2], attrs: { auto_pad: A.string('SAME_LOWER') } },
  {
    name: 'SAME_UPPER stride 3 kernel 1 (negative pad_needed)',
    x: [1, 1, 7, 8],
    w: [1, 1, 1, 1],
    attrs: { auto_pad: A.string('SAME_UPPER'), strides: A.ints([3, 3]) },
  },
  {
    name: 'SAME_UPPER stride 6 kernel 2 (pad_needed -2, clamped to 0)',
    x: [1, 1, 10, 11],
    w: [1, 1, 2, 1],
    attrs: { auto_pad: A.string('SAME_UPPER'), strides: A.ints([6, 5]) },
  },
  {
    name: 'SAME_LOWER stride 6 kernel 2 (pad_needed -2, clamped to 0)',
    x: [1, 1, 10, 11],
    w: [1, 1, 2, 1],
    attrs: { auto_pad: A.string('SAME_LOWER'), strides: A.ints([6, 5]) },
  },
  { name: 'VALID stride 2 odd', x: [1, 2, 9, 8], w: [3, 2, 3, 2], bias: true, attrs: { auto_pad: A.string('VALID'), strides: A.ints([2, 2]) } },
  { name: 'dilations 2', x: [1, 2, 9, 9], w: [2, 2, 3, 3], bias: true, attrs: { dilations: A.ints([2, 2]) } },
  {
    name: 'dilations (2,3) pads stride',
    x: [1, 1, 10, 11],
    w: [2, 1, 3, 2],
    attrs: { dilations: A.ints([2, 3]), pads: A.ints([2, 1, 1, 3]), strides: A.ints([2, 1]) },
  },
  { name: 'group 2', x: [1, 4, 6, 6], w: [6, 2, 3, 3], bias: true, attrs: { group: A.int(2), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'depthwise', x: [2, 3, 7, 7], w: [3, 1, 3, 3], bias: true, attrs: { group: A.int(3), strides: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]) } },
  { name: 'depthwise multiplier 2', x: [1, 2, 5, 5], w: [4, 1, 3, 3], attrs: { group: A.int(2) } },
  { name: 'explicit kernel_shape', x: [1, 2, 5, 5], w: [3, 2, 2, 3], attrs: { kernel_shape: A.ints([2, 3]) } },
  { name: '1x1 conv', x: [1, 8, 4, 4], w: [5, 8, 1, 1], bias: true },
  { name: 'kernel larger than input with pads', x: [1, 1, 2, 2], w: [1, 1, 3, 3], attrs: { pads: A.ints([1, 1, 1, 1]) } },
  { name: '1-D', x: [2, 3, 11], w: [4, 3, 3], bias: true, attrs: { pads: A.ints([1, 2]), strides: A.ints([2]) } },
  { name: '1-D SAME_LOWER stride 3', x: [1, 2, 10], w: [2, 2, 4], attrs: { auto_pad: A.string('SAME_LOWER'), strides: A.ints([3]) } },
  { name: 'opset 20', x: [1, 2, 5, 5], w: [2, 2, 3, 3], bias: true, opset: 20, attrs: { pads: A.ints([1, 0, 0, 1]) } },
];

describe('Conv vs onnxruntime', () => {
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const x = randomTensor(c.x, 100 + i);
      const w = randomTensor(c.w, 200 + i);
      const b = c.bias ? randomTensor([c.w[0]!], 300 + i) : undefined;
      await checkOp({ op: 'Conv', opset: c.opset ?? 13, attrs: c.attrs ?? {}, inputs: [x, K(w), b && K(b)] });
    });
  }
});

describe('Conv SAME with dilations', () => {
  // onnxruntime's CPU Conv rejects dilations with SAME_*; the spec pads for the dilated kernel:
  // out = ceil(in / s), total = (out - 1) * s + (k - 1) * d + 1 - in, extra pad at the end (UPPER) or start (LOWER).
  it('SAME_LOWER, dilation 2, stride 2 equals the explicit pads onnxruntime computes with', async () => {
    const x = randomTensor([1, 2, 9, 8], 11);
    const w = randomTensor([2, 2, 3, 3], 12);
    const same = runRule({
      op: 'Conv',
      opset: 13,
      attrs: { auto_pad: A.string('SAME_LOWER'), dilations: A.ints([2, 2]), strides: A.ints([2, 2]) },
      inputs: [x, K(w)],
    });
    // H: out 5, total 4 -> 2/2; W: out 4, total 3 -> 2/1
    const { ref } = await checkOp({
      op: 'Conv',
      opset: 13,
      attrs: { pads: A.ints([2, 2, 2, 1]), dilations: A.ints([2, 2]), strides: A.ints([2, 2]) },
      inputs: [x, K(w)],
    });
    expect(same.shapes[0]!.dims).toEqual([1, 2, 5, 4]);
    expectClose(same.values[0]!, ref[0]!);
  });
  it('SAME_UPPER, dilation 3, 1-D', async () => {
    const x = randomTensor([1, 1, 10], 13);
    const w = randomTensor([1, 1, 3], 14);
    const same = runRule({ op: 'Conv', opset: 13, attrs: { auto_pad: A.string('SAME_UPPER'), dilations: A.ints([3]) }, inputs: [x, K(w)] });
    // out 10, total 6 -> 3/3
    const { ref } = await checkOp({ op: 'Conv', opset: 13, attrs: { pads: A.ints([3, 3]), dilations: A.ints([3]) }, inputs: [x, K(w)] });
    expectClose(same.values[0]!, ref[0]!);
  });
});

describe('Conv shape errors and MACs', () => {
  it('channel mismatch names the node', () => {
    expectOnnxError(
      () => runRule({ op: 'Conv', opset: 13, name: 'conv7', inputs: [randomTensor([1, 3, 5, 5], 1), K(randomTensor([2, 2, 3, 3], 2))] }),
      'E_SHAPE',
      'conv7',
    );
  });
  it('group must divide channels consistently', () => {
    expectOnnxError(
      () =>
        runRule({ op: 'Conv', opset: 13, name: 'g', attrs: { group: A.int(2) }, inputs: [randomTensor([1, 4, 5, 5], 1), K(randomTensor([3, 2, 3, 3], 2))] }),
      'E_SHAPE',
      'g',
    );
  });
  it('kernel larger than padded input', () => {
    expectOnnxError(
      () => runRule({ op: 'Conv', opset: 13, name: 'big', inputs: [randomTensor([1, 1, 2, 2], 1), K(randomTensor([1, 1, 3, 3], 2))] }),
      'E_SHAPE',
      'big',
    );
  });
  it('bias of the wrong length', () => {
    expectOnnxError(
      () => runRule({ op: 'Conv', opset: 13, name: 'cb', inputs: [randomTensor([1, 2, 4, 4], 1), K(randomTensor([3, 2, 3, 3], 2)), K(randomTensor([2], 3))] }),
      'E_SHAPE',
      'cb',
    );
  });
  it('MACs = output elements x C/group x kh x kw', () => {
    const rule = findRule('Conv', 13)!;
    const { node, shapes } = runRule({
      op: 'Conv',
      opset: 13,
      attrs: { group: A.int(2), pads: A.ints([1, 1, 1, 1]) },
      inputs: [randomTensor([1, 4, 6, 6], 1), K(randomTensor([6, 2, 3, 3], 2))],
    });
    const ins = [
      { dtype: 'float32' as const, dims: [1, 4, 6, 6] },
      { dtype: 'float32' as const, dims: [6, 2, 3, 3] },
    ];
    expect(rule.macs!(node, ins, shapes, { opset: 13 })).toBe(6 * 6 * 6 * (2 * 3 * 3));
  });
});
