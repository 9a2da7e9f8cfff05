import { describe, expect, it } from 'vitest';
import { A } from '../../src/graph/attrs.js';
import type { Attr } from '../../src/graph/types.js';
import { checkOp, expectOnnxError, i64, K, randomTensor, runRule, T } from '../helpers/ort.js';

/** INT64_MAX / INT64_MIN as the JS numbers the reader produces (±2^63). */
const BIG = 2 ** 63;

describe('Flatten', () => {
  const cases: [number[], number | undefined, number][] = [
    [[2, 3, 4, 5], undefined, 13],
    [[2, 3, 4, 5], 0, 13],
    [[2, 3, 4, 5], 2, 13],
    [[2, 3, 4, 5], 4, 13],
    [[2, 3, 4, 5], -1, 13],
    [[2, 3, 4, 5], -4, 11],
    [[2, 3, 4], -2, 11],
    [[2, 3, 4], 1, 9],
  ];
  for (const [dims, axis, opset] of cases) {
    it(`[${dims}] axis ${axis} (opset ${opset})`, async () => {
      await checkOp({ op: 'Flatten', opset, attrs: axis === undefined ? {} : { axis: A.int(axis) }, inputs: [randomTensor(dims, 1)] });
    });
  }
  it('axis out of range', () => {
    expectOnnxError(
      () => runRule({ op: 'Flatten', opset: 13, name: 'fl', attrs: { axis: A.int(5) }, inputs: [randomTensor([2, 3, 4], 1)] }),
      'E_ATTRIBUTE',
      'fl',
    );
  });
});

describe('Reshape', () => {
  const cases: [string, number[], number[], number, Record<string, Attr>?][] = [
    ['0 copies, -1 infers', [2, 3, 4], [0, -1], 13],
    ['-1 only', [2, 3, 4], [-1], 13],
    ['0 in the middle', [2, 3, 4], [4, 0, -1], 13],
    ['more dims', [2, 3, 4], [0, 0, 2, 2], 13],
    ['opset 7', [2, 6], [3, -1, 2], 7],
    ['allowzero=1 keeps a literal 0', [0, 3], [3, 0], 14, { allowzero: A.int(1) }],
    ['allowzero=0 at opset 14 copies', [2, 3, 4], [0, 12], 14, { allowzero: A.int(0) }],
    ['allowzero=1 without zeros', [2, 3, 4], [4, -1], 14, { allowzero: A.int(1) }],
  ];
  for (const [name, dims, shape, opset, attrs] of cases) {
    it(name, async () => {
      await checkOp({ op: 'Reshape', opset, attrs: attrs ?? {}, inputs: [randomTensor(dims, 2), K(i64(shape))] });
    });
  }
  it('element count mismatch', () => {
    expectOnnxError(() => runRule({ op: 'Reshape', opset: 13, name: 'rs', inputs: [randomTensor([2, 3, 4], 1), K(i64([5, -1]))] }), 'E_SHAPE', 'rs');
    expectOnnxError(() => runRule({ op: 'Reshape', opset: 13, name: 'rs2', inputs: [randomTensor([2, 3, 4], 1), K(i64([5, 5]))] }), 'E_SHAPE', 'rs2');
  });
  it('two -1', () => {
    expectOnnxError(() => runRule({ op: 'Reshape', opset: 13, name: 'rs3', inputs: [randomTensor([2, 3, 4], 1), K(i64([-1, -1]))] }), 'E_SHAPE', 'rs3');
  });
  it('a shape that is not constant', () => {
    expectOnnxError(() => runRule({ op: 'Reshape', opset: 13, name: 'rs4', inputs: [randomTensor([2, 3, 4], 1), i64([4, -1])] }), 'E_SHAPE', 'rs4');
  });
});

describe('Transpose', () => {
  const cases: [number[], number[] | undefined][] = [
    [[2, 3, 4], undefined],
    [
      [2, 3, 4, 5],
      [0, 2, 1, 3],
    ],
    [
      [2, 3, 4, 5],
      [3, 1, 0, 2],
    ],
    [
      [2, 3],
      [1, 0],
    ],
    [[4], [0]],
  ];
  for (const [dims, perm] of cases) {
    it(`[${dims}] perm ${perm}`, async () => {
      await checkOp({ op: 'Transpose', opset: 13, attrs: perm ? { perm: A.ints(perm) } : {}, inputs: [randomTensor(dims, 3)] });
    });
  }
  it('int64 data', async () => {
    await checkOp({ op: 'Transpose', opset: 13, attrs: { perm: A.ints([1, 2, 0]) }, inputs: [randomTensor([2, 3, 2], 3, { dtype: 'int64' })], tol: 0 });
  });
});

describe('Squeeze / Unsqueeze', () => {
  it('Squeeze opset 11 axes attribute (negative)', async () => {
    await checkOp({ op: 'Squeeze', opset: 11, attrs: { axes: A.ints([1, -1]) }, inputs: [randomTensor([3, 1, 4, 1], 1)] });
  });
  it('Squeeze opset 11 without axes drops every 1', async () => {
    await checkOp({ op: 'Squeeze', opset: 11, inputs: [randomTensor([1, 3, 1, 4, 1], 1)] });
  });
  it('Squeeze opset 13 axes input', async () => {
    await checkOp({ op: 'Squeeze', opset: 13, inputs: [randomTensor([3, 1, 4, 1], 1), K(i64([-3]))] });
  });
  it('Squeeze opset 13 without axes', async () => {
    await checkOp({ op: 'Squeeze', opset: 13, inputs: [randomTensor([1, 3, 1], 1)] });
  });
  it('Squeeze of a non-1 axis', () => {
    expectOnnxError(() => runRule({ op: 'Squeeze', opset: 13, name: 'sq', inputs: [randomTensor([3, 2], 1), K(i64([1]))] }), 'E_SHAPE', 'sq');
  });
  it('Unsqueeze opset 11 axes attribute', async () => {
    await checkOp({ op: 'Unsqueeze', opset: 11, attrs: { axes: A.ints([0, 3]) }, inputs: [randomTensor([3, 4], 1)] });
  });
  it('Unsqueeze opset 11 negative axes', async () => {
    await checkOp({ op: 'Unsqueeze', opset: 11, attrs: { axes: A.ints([-1, 1]) }, inputs: [randomTensor([3, 4], 1)] });
  });
  it('Unsqueeze opset 13 axes input', async () => {
    await checkOp({ op: 'Unsqueeze', opset: 13, inputs: [randomTensor([3, 4], 1), K(i64([1, -1]))] });
  });
  it('Unsqueeze of a scalar', async () => {
    await checkOp({ op: 'Unsqueeze', opset: 13, inputs: [T('float32', [], [2.5]), K(i64([0]))] });
  });
  it('Unsqueeze opset 13 with an axes attribute is rejected', () => {
    expectOnnxError(
      () => runRule({ op: 'Unsqueeze', opset: 13, name: 'us', attrs: { axes: A.ints([0]) }, inputs: [randomTensor([3], 1)] }),
      'E_ATTRIBUTE',
      'us',
    );
  });
});

describe('Concat', () => {
  it('axis 1, three inputs', async () => {
    await checkOp({
      op: 'Concat',
      opset: 13,
      attrs: { axis: A.int(1) },
      inputs: [randomTensor([2, 3, 4], 1), randomTensor([2, 1, 4], 2), K(randomTensor([2, 2, 4], 3))],
    });
  });
  it('axis -1', async () => {
    await checkOp({ op: 'Concat', opset: 11, attrs: { axis: A.int(-1) }, inputs: [randomTensor([2, 3, 4], 1), randomTensor([2, 3, 2], 2)] });
  });
  it('axis 0, int64 shapes', async () => {
    await checkOp({ op: 'Concat', opset: 13, attrs: { axis: A.int(0) }, inputs: [i64([1, 2]), K(i64([-1])), i64([7, 8, 9])], tol: 0 });
  });
  it('mismatched dims name the node', () => {
    expectOnnxError(
      () => runRule({ op: 'Concat', opset: 13, name: 'cat', attrs: { axis: A.int(1) }, inputs: [randomTensor([2, 3, 4], 1), randomTensor([2, 3, 5], 2)] }),
      'E_SHAPE',
      'cat',
    );
    expectOnnxError(
      () => runRule({ op: 'Concat', opset: 13, name: 'cat2', attrs: { axis: A.int(0) }, inputs: [randomTensor([2, 3], 1), randomTensor([3], 2)] }),
      'E_SHAPE',
      'cat2',
    );
  });
});

describe('Slice', () => {
  it('opset 9 attributes with axes and a large end', async () => {
    await checkOp({
      op: 'Slice',
      opset: 9,
      attrs: { starts: A.ints([1, 0]), ends: A.ints([1000, -1]), axes: A.ints([0, 2]) },
      inputs: [randomTensor([3, 4, 5], 1)],
    });
  });
  it('opset 9 attributes without axes, negative start', async () => {
    await checkOp({ op: 'Slice', opset: 9, attrs: { starts: A.ints([-2, 1]), ends: A.ints([3, 3]) }, inputs: [randomTensor([3, 4, 5], 1)] });
  });
  const cases: [string, number[], number[], number[] | undefined, number[] | undefined][] = [
    ['starts/ends only', [1, 0], [3, 2], undefined, undefined],
    ['negative axes', [1], [-1], [-1], undefined],
    ['step 2 with INT64_MAX end', [0], [BIG], [1], [2]],
    ['reverse with sentinels', [-1], [-BIG], [2], [-1]],
    ['step -2 reverse', [BIG], [-BIG], [0], [-2]],
    ['negative step partial', [3, 4], [0, 1], [1, 2], [-1, -2]],
    ['start beyond end clamps', [10], [20], [1], [1]],
    ['empty with negative step', [0], [3], [1], [-1]],
    ['INT64_MIN start with step 1', [-BIG], [2], [0], [1]],
    ['three axes, mixed steps', [0, -1, 1], [BIG, 0, 4], [0, 1, 2], [2, -1, 3]],
  ];
  for (const [name, starts, ends, axes, steps] of cases) {
    it(`opset 13: ${name}`, async () => {
      const inputs = [randomTensor([3, 5, 6], 4), K(i64(starts)), K(i64(ends)), axes ? K(i64(axes)) : undefined, steps ? K(i64(steps)) : undefined];
      // omitted trailing optional inputs are dropped, omitted middle ones stay ''
      while (inputs.length > 3 && inputs[inputs.length - 1] === undefined) inputs.pop();
      await checkOp({ op: 'Slice', opset: 13, inputs });
    });
  }
  it('int32 starts/ends (opset 10)', async () => {
    await checkOp({ op: 'Slice', opset: 10, inputs: [randomTensor([4, 5], 5), K(T('int32', [1], [1])), K(T('int32', [1], [-1])), K(T('int32', [1], [1]))] });
  });
  it('step 0 is rejected', () => {
    expectOnnxError(
      () => runRule({ op: 'Slice', opset: 13, name: 'sl', inputs: [randomTensor([4], 1), K(i64([0])), K(i64([4])), K(i64([0])), K(i64([0]))] }),
      'E_ATTRIBUTE',
      'sl',
    );
  });
  it('starts must be constant for shape inference', () => {
    expectOnnxError(() => runRule({ op: 'Slice', opset: 13, name: 'sl2', inputs: [randomTensor([4], 1), i64([0]), K(i64([4]))] }), 'E_SHAPE', 'sl2');
  });
});

describe('Pad', () => {
  const x = (): ReturnType<typeof randomTensor> => randomTensor([1, 2, 4, 5], 6);
  for (const mode of ['constant', 'reflect', 'edge']) {
    it(`opset 9 attributes, ${mode}`, async () => {
      await checkOp({
        op: 'Pad',
        opset: 9,
        attrs: { pads: A.ints([0, 1, 2, 3, 0, 0, 1, 2]), mode: A.string(mode), ...(mode === 'constant' ? { value: A.float(1.5) } : {}) },
        inputs: [x()],
      });
    });
    it(`opset 13 inputs, ${mode}`, async () => {
      await checkOp({
        op: 'Pad',
        opset: 13,
        attrs: { mode: A.string(mode) },
        inputs: [x(), K(i64([0, 0, 3, 1, 0, 1, 2, 4])), ...(mode === 'constant' ? [K(T('float32', [], [-2]))] : [])],
      });
    });
  }
  it('opset 2 default mode/value', async () => {
    await checkOp({ op: 'Pad', opset: 7, attrs: { pads: A.ints([1, 0, 0, 2]) }, inputs: [randomTensor([3, 4], 1)] });
  });
  it('opset 11 without constant_value', async () => {
    await checkOp({ op: 'Pad', opset: 11, inputs: [randomTensor([3, 4], 1), K(i64([1, 2, 0, 1]))] });
  });
  it('negative pads crop (constant)', async () => {
    await checkOp({ op: 'Pad', opset: 13, inputs: [randomTensor([4, 5], 1), K(i64([-1, 2, 1, -2])), K(T('float32', [], [3]))] });
  });
  it('negative pads crop before edge padding', async () => {
    await checkOp({ op: 'Pad', opset: 13, attrs: { mode: A.string('edge') }, inputs: [randomTensor([4, 5], 1), K(i64([-1, 2, 1, -2]))] });
  });
  it('negative pads crop before reflect padding', async () => {
    await checkOp({ op: 'Pad', opset: 13, attrs: { mode: A.string('reflect') }, inputs: [randomTensor([5, 6], 1), K(i64([-1, 2, 1, -2]))] });
  });
  it('int64 data, constant', async () => {
    await checkOp({ op: 'Pad', opset: 13, inputs: [i64([1, 2, 3]), K(i64([2, 1])), K(i64([7], []))], tol: 0 });
  });
  it('opset 18 axes input', async () => {
    await checkOp({
      op: 'Pad',
      opset: 18,
      attrs: { mode: A.string('reflect') },
      inputs: [randomTensor([2, 4, 5], 1), K(i64([1, 2, 3, 1])), undefined, K(i64([-1, 1]))],
    });
  });
  it('opset 19 wrap', async () => {
    await checkOp({ op: 'Pad', opset: 19, attrs: { mode: A.string('wrap') }, inputs: [randomTensor([3, 4], 1), K(i64([1, 2, 2, 3]))] });
  });
  it('opset 19 wrap with a trailing pad longer than the axis', async () => {
    await checkOp({ op: 'Pad', opset: 19, attrs: { mode: A.string('wrap') }, inputs: [randomTensor([3, 3], 2), K(i64([3, 0, 0, 4]))] });
  });
  it('reflect pads up to size-1 work, beyond are rejected', async () => {
    await checkOp({ op: 'Pad', opset: 13, attrs: { mode: A.string('reflect') }, inputs: [randomTensor([3, 3], 3), K(i64([2, 0, 0, 2]))] });
    expectOnnxError(
      () => runRule({ op: 'Pad', opset: 13, name: 'pr', attrs: { mode: A.string('reflect') }, inputs: [randomTensor([3, 3], 1), K(i64([3, 0, 0, 0]))] }),
      'E_SHAPE',
      'pr',
    );
  });
  it('wrong number of pads', () => {
    expectOnnxError(() => runRule({ op: 'Pad', opset: 13, name: 'pd', inputs: [randomTensor([3, 4], 1), K(i64([1, 2]))] }), 'E_SHAPE', 'pd');
  });
});

describe('Shape', () => {
  it('opset 13', async () => {
    await checkOp({ op: 'Shape', opset: 13, inputs: [randomTensor([2, 3, 4, 5], 1)], tol: 0 });
  });
  const ranges: [number | undefined, number | undefined][] = [
    [1, undefined],
    [1, -1],
    [-2, undefined],
    [undefined, 2],
    [-10, 10],
    [3, 1],
  ];
  for (const [start, end] of ranges) {
    it(`opset 15 start ${start} end ${end}`, async () => {
      const attrs: Record<string, Attr> = {};
      if (start !== undefined) attrs['start'] = A.int(start);
      if (end !== undefined) attrs['end'] = A.int(end);
      await checkOp({ op: 'Shape', opset: 15, attrs, inputs: [randomTensor([2, 3, 4, 5], 1)], tol: 0 });
    });
  }
});

describe('Gather', () => {
  it('axis 0, negative int64 indices', async () => {
    await checkOp({ op: 'Gather', opset: 13, inputs: [randomTensor([5, 3], 1), K(i64([0, -1, 2, -5]))] });
  });
  it('axis 1, 2-D int32 indices', async () => {
    await checkOp({ op: 'Gather', opset: 13, attrs: { axis: A.int(1) }, inputs: [randomTensor([2, 4, 3], 1), T('int32', [2, 2], [3, -2, 0, 1])] });
  });
  it('axis -1, scalar index (shape op pattern)', async () => {
    await checkOp({ op: 'Gather', opset: 11, attrs: { axis: A.int(-1) }, inputs: [randomTensor([2, 4, 3], 1), K(i64([-1], []))] });
  });
  it('int64 data with a scalar index', async () => {
    await checkOp({ op: 'Gather', opset: 13, inputs: [i64([1, 28, 28]), K(i64([0], []))], tol: 0 });
  });
  it('index out of range', () => {
    expect(() => runRule({ op: 'Gather', opset: 13, name: 'ga', inputs: [randomTensor([3], 1), K(i64([3]))] })).toThrow(/"ga"/);
  });
});

describe('Cast', () => {
  const vals = [-3.7, -0.5, 0, 0.4, 2.5, 7.9, 100.2, -100.9];
  const cases: [string, number, ReturnType<typeof T>][] = [
    ['float -> int32 truncates', 6, T('float32', [8], vals)],
    ['float -> int64', 7, T('float32', [8], vals)],
    ['float -> int8', 3, T('float32', [8], vals)],
    ['float -> uint8 (non-negative)', 2, T('float32', [4], [0, 1.9, 200.5, 255])],
    ['float -> bool', 9, T('float32', [4], [0, -0.1, 2, 0])],
    ['float -> double', 11, T('float32', [3], [0.1, -2.5, 1e10])],
    ['double -> float rounds', 1, T('float64', [3], [0.1, 1 / 3, 1e-40])],
    ['int64 -> float', 1, i64([1, -7, 16777217])],
    ['bool -> float', 1, T('bool', [3], [1, 0, 1])],
    ['int64 -> int32', 6, i64([5, -5, 123456])],
  ];
  for (const [name, to, x] of cases) {
    it(name, async () => {
      await checkOp({ op: 'Cast', opset: 13, attrs: { to: A.int(to) }, inputs: [x], tol: 0 });
    });
  }
  it('opset 9 float -> int64', async () => {
    await checkOp({ op: 'Cast', opset: 9, attrs: { to: A.int(7) }, inputs: [T('float32', [2], [2.7, -2.7])], tol: 0 });
  });
  it('unsupported target type', () => {
    expectOnnxError(() => runRule({ op: 'Cast', opset: 13, name: 'c16', attrs: { to: A.int(10) }, inputs: [randomTensor([2], 1)] }), 'E_ATTRIBUTE', 'c16');
  });
});

describe('ConstantOfShape / Constant', () => {
  it('ConstantOfShape default float 0', async () => {
    await checkOp({ op: 'ConstantOfShape', opset: 13, inputs: [K(i64([2, 3]))], tol: 0 });
  });
  it('ConstantOfShape int64 value', async () => {
    await checkOp({ op: 'ConstantOfShape', opset: 13, attrs: { value: A.tensor(i64([7], [1])) }, inputs: [K(i64([4]))], tol: 0 });
  });
  it('ConstantOfShape float value, empty shape -> scalar', async () => {
    await checkOp({ op: 'ConstantOfShape', opset: 13, attrs: { value: A.tensor(T('float32', [1], [0.5])) }, inputs: [K(i64([]))], tol: 0 });
  });
  it('ConstantOfShape needs a constant shape', () => {
    expectOnnxError(() => runRule({ op: 'ConstantOfShape', opset: 13, name: 'cos', inputs: [i64([2])] }), 'E_SHAPE', 'cos');
  });
  const consts: [string, Record<string, Attr>, number][] = [
    ['value tensor', { value: A.tensor(randomTensor([2, 3], 1)) }, 9],
    ['value int64 tensor', { value: A.tensor(i64([1, -1])) }, 13],
    ['value_float', { value_float: A.float(1.25) }, 13],
    ['value_floats', { value_floats: A.floats([1, 2.5, -3]) }, 13],
    ['value_int', { value_int: A.int(-4) }, 13],
    ['value_ints', { value_ints: A.ints([3, 0, -1]) }, 13],
  ];
  for (const [name, attrs, opset] of consts) {
    it(`Constant ${name}`, async () => {
      await checkOp({ op: 'Constant', opset, attrs, inputs: [], tol: 0 });
    });
  }
});

describe('Identity / Dropout', () => {
  it('Identity', async () => {
    await checkOp({ op: 'Identity', opset: 13, inputs: [randomTensor([2, 3], 1)], tol: 0 });
  });
  for (const opset of [7, 10, 12, 13]) {
    it(`Dropout opset ${opset}`, async () => {
      await checkOp({ op: 'Dropout', opset, attrs: opset < 12 ? { ratio: A.float(0.3) } : {}, inputs: [randomTensor([2, 3], 1)], tol: 0 });
    });
    it(`Dropout opset ${opset} with mask output`, async () => {
      await checkOp({ op: 'Dropout', opset, inputs: [randomTensor([2, 3], 1)], outputs: 2, tol: 0 });
    });
  }
  it('Dropout opset 12 with ratio and training_mode=false inputs', async () => {
    await checkOp({ op: 'Dropout', opset: 12, inputs: [randomTensor([2, 3], 1), K(T('float32', [], [0.5])), K(T('bool', [], [0]))], outputs: 2, tol: 0 });
  });
  it('Dropout training_mode=true is rejected', () => {
    expectOnnxError(
      () => runRule({ op: 'Dropout', opset: 13, name: 'do', inputs: [randomTensor([2], 1), K(T('float32', [], [0.5])), K(T('bool', [], [1]))] }),
      'E_ATTRIBUTE',
      'do',
    );
  });
});
