/**
 * The import passes on small graphs built here: each pass (and canonicalize) must keep the outputs
 * of onnxruntime on the ORIGINAL graph (within 1e-4), and must actually do its rewrite.
 */
import { describe, expect, it } from 'vitest';
import { isOnnx2SnnError } from '../../src/errors.js';
import { A } from '../../src/graph/attrs.js';
import { canonicalize, foldBatchNorm, foldConstants, generaliseBatch, removeIdentities, type Pass } from '../../src/graph/passes/index.js';
import type { Attr, Model, Node, Tensor, ValueInfo } from '../../src/graph/types.js';
import { expectClose, i64, makeModel, randomTensor, runOrt, T } from '../helpers/ort.js';

const PASSES: readonly [string, Pass][] = [
  ['foldConstants', foldConstants],
  ['removeIdentities', removeIdentities],
  ['foldBatchNorm', foldBatchNorm],
  ['generaliseBatch', generaliseBatch],
  ['canonicalize', canonicalize],
];

function node(name: string, opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, Attr> = {}): Node {
  return { name, opType, domain: '', inputs: [...inputs], outputs: [...outputs], attrs };
}

const f32 = (name: string, shape: readonly (number | string)[]): ValueInfo => ({ name, dtype: 'float32', shape: [...shape] });

function model(opset: number, nodes: Node[], inputs: ValueInfo[], outputs: ValueInfo[], inits: Record<string, Tensor>): Model {
  return makeModel(opset, { nodes, inputs, outputs, initializers: new Map(Object.entries(inits)) });
}

const ops = (m: Model): string[] => m.graph.nodes.map((n) => n.opType);

/** onnxruntime on `after` gives the outputs onnxruntime gives on `orig` (same names, within tol). */
async function expectSameOutputs(orig: Model, after: Model, feeds: Record<string, Tensor>, tol = 1e-4): Promise<void> {
  const names = orig.graph.outputs.map((o) => o.name);
  expect(after.graph.outputs.map((o) => o.name)).toEqual(names);
  const ref = await runOrt(orig, feeds);
  const got = await runOrt(after, feeds, names);
  names.forEach((n, i) => expectClose(got[i]!, ref[i]!, tol, `output ${n}`));
}

/** Every pass and canonicalize keep the outputs of `m`; returns the transformed models by pass name. */
async function checkAllPasses(m: Model, feeds: Record<string, Tensor>): Promise<Record<string, Model>> {
  const out: Record<string, Model> = {};
  for (const [name, pass] of PASSES) {
    const after = pass(m);
    out[name] = after;
    await expectSameOutputs(m, after, feeds);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('foldConstants', () => {
  for (const opset of [9, 11, 13]) {
    it(`Flatten written as Shape→Gather→Unsqueeze→Concat→Reshape folds to a constant Reshape (opset ${opset})`, async () => {
      const unsq = opset >= 13 ? node('unsq', 'Unsqueeze', ['b', 'axes0'], ['u']) : node('unsq', 'Unsqueeze', ['b'], ['u'], { axes: A.ints([0]) });
      const m = model(
        opset,
        [
          node('relu', 'Relu', ['x'], ['r']),
          node('shape', 'Shape', ['r'], ['s']),
          node('gather', 'Gather', ['s', 'zero'], ['b'], { axis: A.int(0) }),
          unsq,
          node('concat', 'Concat', ['u', 'minus1'], ['shp'], { axis: A.int(0) }),
          node('reshape', 'Reshape', ['r', 'shp'], ['f']),
          node('fc', 'Gemm', ['f', 'W', 'C'], ['y'], { transB: A.int(1) }),
        ],
        [f32('x', [1, 2, 3, 3])],
        [f32('y', [1, 4])],
        {
          zero: T('int64', [], [0]),
          minus1: i64([-1]),
          ...(opset >= 13 ? { axes0: i64([0]) } : {}),
          W: randomTensor([4, 18], 1),
          C: randomTensor([4], 2),
        },
      );
      const res = await checkAllPasses(m, { x: randomTensor([1, 2, 3, 3], 3) });
      const folded = res['foldConstants']!;
      expect(ops(folded)).toEqual(['Relu', 'Reshape', 'Gemm']);
      const reshape = folded.graph.nodes.find((n) => n.opType === 'Reshape')!;
      const shapeT = folded.graph.initializers.get(reshape.inputs[1]!);
      expect(shapeT?.dtype, 'the Reshape shape is an int64 initializer').toBe('int64');
      expect(Array.from(shapeT!.data)).toEqual([1, -1]);
      // no helper constants left behind
      for (const k of ['zero', 'minus1', 'axes0', 's', 'b', 'u']) expect(folded.graph.initializers.has(k), k).toBe(false);
      expect(ops(res['canonicalize']!)).toEqual(['Relu', 'Reshape', 'Gemm']);
    });
  }

  it('weights reaching MatMul through a Reshape of an initializer, and Constant/Transpose chains', async () => {
    const m = model(
      13,
      [
        node('wshape', 'Reshape', ['Wflat', 'wdims'], ['W']),
        node('mm', 'MatMul', ['x', 'W'], ['h']),
        node('bconst', 'Constant', [], ['bias'], { value: A.tensor(randomTensor([4], 5)) }),
        node('badd', 'Add', ['h', 'bias'], ['h2']),
        node('relu', 'Relu', ['h2'], ['r']),
        node('w2t', 'Transpose', ['W2raw'], ['W2'], { perm: A.ints([1, 0]) }),
        node('mm2', 'MatMul', ['r', 'W2'], ['y']),
      ],
      [f32('x', [2, 3])],
      [f32('y', [2, 2])],
      { Wflat: randomTensor([12], 1), wdims: i64([3, 4]), W2raw: randomTensor([2, 4], 2) },
    );
    const res = await checkAllPasses(m, { x: randomTensor([2, 3], 3) });
    for (const name of ['foldConstants', 'canonicalize']) {
      const f = res[name]!;
      expect(ops(f), name).toEqual(['MatMul', 'Add', 'Relu', 'MatMul']);
      const [mm, add, , mm2] = f.graph.nodes;
      expect(f.graph.initializers.get(mm!.inputs[1]!)?.dims, `${name}: MatMul weight is a [3,4] initializer`).toEqual([3, 4]);
      expect(f.graph.initializers.get(add!.inputs[1]!)?.dims).toEqual([4]);
      expect(f.graph.initializers.get(mm2!.inputs[1]!)?.dims).toEqual([4, 2]);
      expect(f.graph.initializers.has('Wflat'), 'unused source initializers are dropped').toBe(false);
      expect(f.graph.initializers.has('W2raw')).toBe(false);
    }
  });

  it('a graph output computed from constants only stays an output', async () => {
    const m = model(
      13,
      [node('relu', 'Relu', ['x'], ['y']), node('k', 'Add', ['a', 'b'], ['kout'])],
      [f32('x', [2, 3])],
      [f32('y', [2, 3]), f32('kout', [3])],
      { a: randomTensor([3], 1), b: randomTensor([3], 2) },
    );
    const f = foldConstants(m);
    await expectSameOutputs(m, f, { x: randomTensor([2, 3], 3) });
  });
});

// ---------------------------------------------------------------------------------------------

describe('removeIdentities', () => {
  interface IdCase {
    readonly name: string;
    readonly op: string;
    /** Inputs of the node under test; 'p' is the data. */
    readonly inputs: readonly string[];
    readonly consts?: Record<string, Tensor>;
    readonly attrs?: Record<string, Attr>;
    readonly outputs?: readonly string[];
    readonly removed: boolean;
    readonly opset?: number;
    /** Output dims of the node when it broadcasts (default [2,3]). */
    readonly outDims?: readonly number[];
  }
  const z = (dims: number[] = [1]) => T('float32', dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0));
  const o = (dims: number[] = [1]) => T('float32', dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(1));
  const cases: IdCase[] = [
    { name: 'Identity', op: 'Identity', inputs: ['p'], removed: true },
    { name: 'Dropout (opset 13, no ratio)', op: 'Dropout', inputs: ['p'], removed: true },
    { name: 'Dropout (opset 13, ratio input)', op: 'Dropout', inputs: ['p', 'ratio'], consts: { ratio: T('float32', [], [0.3]) }, removed: true },
    { name: 'Dropout (opset 10, ratio attribute)', op: 'Dropout', inputs: ['p'], attrs: { ratio: A.float(0.5) }, opset: 10, removed: true },
    { name: 'Dropout whose mask output is named', op: 'Dropout', inputs: ['p'], outputs: ['m', 'mask'], removed: false },
    { name: 'Sub(x, 0)', op: 'Sub', inputs: ['p', 'c'], consts: { c: z() }, removed: true },
    { name: 'Sub(0, x) = -x', op: 'Sub', inputs: ['c', 'p'], consts: { c: z() }, removed: false },
    { name: 'Div(x, 1)', op: 'Div', inputs: ['p', 'c'], consts: { c: o([3]) }, removed: true },
    { name: 'Div(1, x) = 1/x', op: 'Div', inputs: ['c', 'p'], consts: { c: o() }, removed: false },
    { name: 'Mul(x, 1)', op: 'Mul', inputs: ['p', 'c'], consts: { c: T('float32', [], [1]) }, removed: true },
    { name: 'Mul(1, x)', op: 'Mul', inputs: ['c', 'p'], consts: { c: o([1, 1]) }, removed: true },
    { name: 'Mul(x, ones [1,3])', op: 'Mul', inputs: ['p', 'c'], consts: { c: o([1, 3]) }, removed: true },
    // x is declared [2,3] but the batch is generalised: a [2,3] constant would broadcast a batch-1 input
    { name: 'Mul(x, ones [2,3]) whose first dim is the declared batch', op: 'Mul', inputs: ['p', 'c'], consts: { c: o([2, 3]) }, removed: false },
    {
      name: 'Mul(x, ones [4,2,3]) broadcasts to a larger shape',
      op: 'Mul',
      inputs: ['p', 'c'],
      consts: { c: o([4, 2, 3]) },
      removed: false,
      outDims: [4, 2, 3],
    },
    {
      name: 'Mul(ones [2,1,1], x) broadcasts to a larger rank',
      op: 'Mul',
      inputs: ['c', 'p'],
      consts: { c: o([2, 1, 1]) },
      removed: false,
      outDims: [2, 2, 3],
    },
    { name: 'Mul(x, [1,1,2]) is not neutral', op: 'Mul', inputs: ['p', 'c'], consts: { c: T('float32', [3], [1, 1, 2]) }, removed: false },
    { name: 'Add(x, 0)', op: 'Add', inputs: ['p', 'c'], consts: { c: z([3]) }, removed: true },
    { name: 'Add(0, x)', op: 'Add', inputs: ['c', 'p'], consts: { c: z([1, 1]) }, removed: true },
    { name: 'Add(x, 1e-7) is not neutral', op: 'Add', inputs: ['p', 'c'], consts: { c: T('float32', [1], [1e-7]) }, removed: false },
    { name: 'Add(x, zeros [3,2,3]) broadcasts', op: 'Add', inputs: ['p', 'c'], consts: { c: z([3, 2, 3]) }, removed: false, outDims: [3, 2, 3] },
  ];

  /** x → Relu → Add 0.5 → p → [node under test] → m → ×2 → y  (or the node's output is y itself). */
  function build(c: IdCase, asOutput: boolean): Model {
    const out = asOutput ? 'y' : 'm';
    const outs = c.outputs ? [out, ...c.outputs.slice(1)] : [out];
    const nodes = [
      node('relu', 'Relu', ['x'], ['r']),
      node('shift', 'Add', ['r', 'half'], ['p']),
      node('target', c.op, c.inputs, outs, c.attrs ?? {}),
      ...(asOutput ? [] : [node('double', 'Mul', ['m', 'two'], ['y'])]),
    ];
    return model(c.opset ?? 13, nodes, [f32('x', [2, 3])], [f32('y', [...(c.outDims ?? [2, 3])])], {
      half: T('float32', [], [0.5]),
      two: T('float32', [], [2]),
      ...c.consts,
    });
  }

  for (const asOutput of [false, true]) {
    for (const c of cases) {
      it(`${c.name}: ${c.removed ? 'removed' : 'kept'}${asOutput ? ' (its output is the graph output)' : ''}`, async () => {
        const m = build(c, asOutput);
        const res = await checkAllPasses(m, { x: randomTensor([2, 3], 7) });
        for (const name of ['removeIdentities', 'canonicalize']) {
          const after = res[name]!;
          expect(
            after.graph.nodes.some((n) => n.name === 'target'),
            `${name}: node under test ${c.removed ? 'removed' : 'kept'}`,
          ).toBe(!c.removed);
          expect(after.graph.nodes.length, name).toBe(m.graph.nodes.length - (c.removed ? 1 : 0));
          // y is still produced by some node
          expect(
            after.graph.nodes.some((n) => n.outputs.includes('y')),
            `${name}: y is produced`,
          ).toBe(true);
        }
      });
    }
  }

  it('a chain Identity → Dropout → Mul(1) → Div(1) is removed entirely, consumers rewired', async () => {
    const m = model(
      13,
      [
        node('relu', 'Relu', ['x'], ['r']),
        node('id', 'Identity', ['r'], ['a']),
        node('drop', 'Dropout', ['a'], ['b']),
        node('mul1', 'Mul', ['b', 'one'], ['c']),
        node('div1', 'Div', ['c', 'one'], ['d']),
        node('fc', 'MatMul', ['d', 'W'], ['y']),
        node('fc2', 'MatMul', ['b', 'W'], ['y2']),
      ],
      [f32('x', [2, 3])],
      [f32('y', [2, 4]), f32('y2', [2, 4])],
      { one: T('float32', [], [1]), W: randomTensor([3, 4], 1) },
    );
    const res = await checkAllPasses(m, { x: randomTensor([2, 3], 2) });
    const r = res['removeIdentities']!;
    expect(ops(r)).toEqual(['Relu', 'MatMul', 'MatMul']);
    expect(r.graph.nodes[1]!.inputs[0]).toBe('r');
    expect(r.graph.nodes[2]!.inputs[0]).toBe('r');
  });

  it('an Identity straight from the graph input to the graph output is kept', async () => {
    const m = model(13, [node('id', 'Identity', ['x'], ['y'])], [f32('x', [2, 3])], [f32('y', [2, 3])], {});
    const res = await checkAllPasses(m, { x: randomTensor([2, 3], 1) });
    expect(ops(res['removeIdentities']!)).toEqual(['Identity']);
  });

  it('two graph outputs that are Identities of the same tensor: one node remains for the second', async () => {
    const m = model(
      13,
      [node('relu', 'Relu', ['x'], ['r']), node('id1', 'Identity', ['r'], ['y1']), node('id2', 'Identity', ['r'], ['y2'])],
      [f32('x', [2, 3])],
      [f32('y1', [2, 3]), f32('y2', [2, 3])],
      {},
    );
    const res = await checkAllPasses(m, { x: randomTensor([2, 3], 1) });
    expect(ops(res['removeIdentities']!).sort()).toEqual(['Identity', 'Relu']);
  });

  it('a graph output read by an Identity that makes another graph output', async () => {
    const m = model(
      13,
      [node('relu', 'Relu', ['x'], ['r']), node('id', 'Identity', ['r'], ['y']), node('neg', 'Sub', ['zero', 'r'], ['z'])],
      [f32('x', [2, 3])],
      [f32('r', [2, 3]), f32('y', [2, 3]), f32('z', [2, 3])],
      { zero: T('float32', [], [0]) },
    );
    const res = await checkAllPasses(m, { x: randomTensor([2, 3], 1) });
    expect(ops(res['removeIdentities']!)).toEqual(['Relu', 'Identity', 'Sub']);
  });

  it('an output behind a removed node that also feeds other nodes', async () => {
    const m = model(
      13,
      [
        node('relu', 'Relu', ['x'], ['r']),
        node('id', 'Identity', ['r'], ['a']),
        node('drop', 'Dropout', ['a'], ['y']),
        node('dbl', 'Mul', ['a', 'two'], ['z']),
      ],
      [f32('x', [2, 3])],
      [f32('y', [2, 3]), f32('z', [2, 3])],
      { two: T('float32', [], [2]) },
    );
    const res = await checkAllPasses(m, { x: randomTensor([2, 3], 1) });
    expect(ops(res['removeIdentities']!)).toEqual(['Relu', 'Mul']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('foldBatchNorm', () => {
  function bnParams(c: number, seed: number, dims: number[] = [c]): Record<string, Tensor> {
    return {
      gamma: randomTensor(dims, seed, { min: 0.5, max: 2 }),
      beta: randomTensor(dims, seed + 1),
      mean: randomTensor(dims, seed + 2),
      var: randomTensor(dims, seed + 3, { min: 0.1, max: 3 }),
    };
  }
  const bn = (x: string, y: string, attrs: Record<string, Attr> = {}) => node('bn', 'BatchNormalization', [x, 'gamma', 'beta', 'mean', 'var'], [y], attrs);

  interface BnCase {
    readonly name: string;
    readonly opset?: number;
    readonly nodes: Node[];
    readonly input: readonly number[];
    readonly output: readonly number[];
    readonly consts: Record<string, Tensor>;
    /** Op types after foldBatchNorm. */
    readonly expectOps: readonly string[];
    readonly extraOutputs?: ValueInfo[];
  }
  const cases: BnCase[] = [
    {
      name: 'into Conv with bias',
      nodes: [node('conv', 'Conv', ['x', 'W', 'B'], ['c'], { pads: A.ints([1, 1, 1, 1]) }), bn('c', 'y')],
      input: [2, 2, 5, 5],
      output: [2, 3, 5, 5],
      consts: { W: randomTensor([3, 2, 3, 3], 1), B: randomTensor([3], 2), ...bnParams(3, 10) },
      expectOps: ['Conv'],
    },
    {
      name: 'into Conv without bias (a bias is added)',
      nodes: [node('conv', 'Conv', ['x', 'W'], ['c'], { strides: A.ints([2, 2]) }), bn('c', 'y', { epsilon: A.float(1e-3) })],
      input: [2, 2, 5, 5],
      output: [2, 3, 2, 2],
      consts: { W: randomTensor([3, 2, 3, 3], 3), ...bnParams(3, 20) },
      expectOps: ['Conv'],
    },
    {
      name: 'into a grouped Conv',
      nodes: [node('conv', 'Conv', ['x', 'W', 'B'], ['c'], { group: A.int(2) }), bn('c', 'y')],
      input: [2, 2, 4, 4],
      output: [2, 4, 2, 2],
      consts: { W: randomTensor([4, 1, 3, 3], 4), B: randomTensor([4], 5), ...bnParams(4, 30) },
      expectOps: ['Conv'],
    },
    {
      name: 'into Gemm transB 0 with C [N]',
      nodes: [node('fc', 'Gemm', ['x', 'W', 'C'], ['g']), bn('g', 'y')],
      input: [2, 5],
      output: [2, 3],
      consts: { W: randomTensor([5, 3], 6), C: randomTensor([3], 7), ...bnParams(3, 40) },
      expectOps: ['Gemm'],
    },
    {
      name: 'into Gemm transB 1 with C [N], alpha 0.5, beta 2',
      nodes: [node('fc', 'Gemm', ['x', 'W', 'C'], ['g'], { transB: A.int(1), alpha: A.float(0.5), beta: A.float(2) }), bn('g', 'y')],
      input: [2, 5],
      output: [2, 3],
      consts: { W: randomTensor([3, 5], 8), C: randomTensor([3], 9), ...bnParams(3, 50) },
      expectOps: ['Gemm'],
    },
    {
      name: 'into Gemm transB 1 with C [1,N]',
      nodes: [node('fc', 'Gemm', ['x', 'W', 'C'], ['g'], { transB: A.int(1) }), bn('g', 'y')],
      input: [2, 5],
      output: [2, 3],
      consts: { W: randomTensor([3, 5], 10), C: randomTensor([1, 3], 11), ...bnParams(3, 60) },
      expectOps: ['Gemm'],
    },
    {
      name: 'into Gemm with a scalar C and beta 0',
      nodes: [node('fc', 'Gemm', ['x', 'W', 'C'], ['g'], { beta: A.float(0) }), bn('g', 'y')],
      input: [2, 5],
      output: [2, 3],
      consts: { W: randomTensor([5, 3], 12), C: randomTensor([1], 13), ...bnParams(3, 70) },
      expectOps: ['Gemm'],
    },
    {
      name: 'into Gemm without C',
      nodes: [node('fc', 'Gemm', ['x', 'W'], ['g'], { transB: A.int(1) }), bn('g', 'y')],
      input: [2, 5],
      output: [2, 3],
      consts: { W: randomTensor([3, 5], 14), ...bnParams(3, 80) },
      expectOps: ['Gemm'],
    },
    {
      name: 'into MatMul (bias as an Add)',
      nodes: [node('mm', 'MatMul', ['x', 'W'], ['g']), bn('g', 'y')],
      input: [2, 5],
      output: [2, 3],
      consts: { W: randomTensor([5, 3], 15), ...bnParams(3, 90) },
      expectOps: ['MatMul', 'Add'],
    },
    {
      name: 'after a MaxPool: kept as Mul+Add',
      nodes: [
        node('conv', 'Conv', ['x', 'W', 'B'], ['c']),
        node('relu', 'Relu', ['c'], ['r']),
        node('pool', 'MaxPool', ['r'], ['p'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }),
        bn('p', 'y'),
      ],
      input: [2, 2, 5, 5],
      output: [2, 3, 1, 1],
      consts: { W: randomTensor([3, 2, 3, 3], 16), B: randomTensor([3], 17), ...bnParams(3, 100) },
      expectOps: ['Conv', 'Relu', 'MaxPool', 'Mul', 'Add'],
    },
    {
      name: 'on a 2-D tensor after a Relu: Mul+Add per feature',
      nodes: [node('relu', 'Relu', ['x'], ['r']), bn('r', 'y')],
      input: [3, 4],
      output: [3, 4],
      consts: bnParams(4, 110),
      expectOps: ['Relu', 'Mul', 'Add'],
    },
    {
      name: 'after a Conv whose output is also read elsewhere: not folded',
      nodes: [node('conv', 'Conv', ['x', 'W'], ['c']), bn('c', 'y'), node('relu', 'Relu', ['c'], ['y2'])],
      input: [1, 2, 4, 4],
      output: [1, 3, 2, 2],
      consts: { W: randomTensor([3, 2, 3, 3], 18), ...bnParams(3, 120) },
      expectOps: ['Conv', 'Mul', 'Add', 'Relu'],
      extraOutputs: [f32('y2', [1, 3, 2, 2])],
    },
    {
      name: 'after a Conv whose output is a graph output: not folded',
      nodes: [node('conv', 'Conv', ['x', 'W'], ['c']), bn('c', 'y')],
      input: [1, 2, 4, 4],
      output: [1, 3, 2, 2],
      consts: { W: randomTensor([3, 2, 3, 3], 19), ...bnParams(3, 130) },
      expectOps: ['Conv', 'Mul', 'Add'],
      extraOutputs: [f32('c', [1, 3, 2, 2])],
    },
    {
      name: 'on a 3-D tensor after a MaxPool (1-D spatial)',
      nodes: [node('pool', 'MaxPool', ['x'], ['p'], { kernel_shape: A.ints([2]) }), bn('p', 'y')],
      input: [2, 3, 6],
      output: [2, 3, 5],
      consts: bnParams(3, 140),
      expectOps: ['MaxPool', 'Mul', 'Add'],
    },
    {
      name: 'opset 7 spatial=0 (per-element parameters) after a MaxPool',
      opset: 7,
      nodes: [node('pool', 'MaxPool', ['x'], ['p'], { kernel_shape: A.ints([2, 2]) }), bn('p', 'y', { spatial: A.int(0) })],
      input: [2, 3, 3, 3],
      output: [2, 3, 2, 2],
      consts: bnParams(12, 150, [3, 2, 2]),
      expectOps: ['MaxPool', 'Mul', 'Add'],
    },
    {
      name: 'opset 7 spatial=0 after a Conv: not folded into the Conv, Mul+Add per element',
      opset: 7,
      nodes: [node('conv', 'Conv', ['x', 'W', 'B'], ['c']), bn('c', 'y', { spatial: A.int(0) })],
      input: [2, 2, 4, 4],
      output: [2, 3, 2, 2],
      consts: { W: randomTensor([3, 2, 3, 3], 20), B: randomTensor([3], 21), ...bnParams(12, 160, [3, 2, 2]) },
      expectOps: ['Conv', 'Mul', 'Add'],
    },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const m = model(c.opset ?? 13, c.nodes, [f32('x', c.input)], [f32('y', c.output), ...(c.extraOutputs ?? [])], c.consts);
      const res = await checkAllPasses(m, { x: randomTensor(c.input, 500 + i) });
      expect(ops(res['foldBatchNorm']!)).toEqual(c.expectOps);
      expect(ops(res['canonicalize']!)).toEqual(c.expectOps);
      // the original parameters are not modified in place
      expect(m.graph.initializers.get('gamma')).toBe(c.consts['gamma']);
      if (c.consts['W']) expect(Array.from(m.graph.initializers.get('W')!.data)).toEqual(Array.from(c.consts['W'].data));
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('generaliseBatch', () => {
  /** x [1,1,8,8] → Conv 16×3×3 → Relu → MaxPool 2 → [1,16,4,4] → Reshape → [1,256] → Gemm → [1,10]. */
  function batchOneModel(kind: '[1,256]' | '[1,-1]' | 'Shape→Gather→Concat' | 'Flatten', batch: number | string = 1): Model {
    const head = [
      node('conv', 'Conv', ['x', 'W', 'B'], ['c'], { pads: A.ints([1, 1, 1, 1]) }),
      node('relu', 'Relu', ['c'], ['r']),
      node('pool', 'MaxPool', ['r'], ['p'], { kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2]) }),
    ];
    const inits: Record<string, Tensor> = {
      W: randomTensor([16, 1, 3, 3], 1),
      B: randomTensor([16], 2),
      FW: randomTensor([10, 256], 3, { min: -0.2, max: 0.2 }),
      FC: randomTensor([10], 4),
    };
    let flat: Node[];
    if (kind === '[1,256]' || kind === '[1,-1]') {
      inits['shape'] = i64(kind === '[1,256]' ? [1, 256] : [1, -1]);
      flat = [node('reshape', 'Reshape', ['p', 'shape'], ['f'])];
    } else if (kind === 'Flatten') {
      flat = [node('flatten', 'Flatten', ['p'], ['f'])];
    } else {
      inits['zero'] = T('int64', [], [0]);
      inits['axes0'] = i64([0]);
      inits['minus1'] = i64([-1]);
      flat = [
        node('shape', 'Shape', ['p'], ['s']),
        node('gather', 'Gather', ['s', 'zero'], ['b'], { axis: A.int(0) }),
        node('unsq', 'Unsqueeze', ['b', 'axes0'], ['u']),
        node('concat', 'Concat', ['u', 'minus1'], ['shp'], { axis: A.int(0) }),
        node('reshape', 'Reshape', ['p', 'shp'], ['f']),
      ];
    }
    return model(
      13,
      [...head, ...flat, node('fc', 'Gemm', ['f', 'FW', 'FC'], ['y'], { transB: A.int(1) })],
      [f32('x', [batch, 1, 8, 8])],
      [f32('y', [batch, 10])],
      inits,
    );
  }

  const cases: [string, Parameters<typeof batchOneModel>[0], Pass][] = [
    ['Reshape [1,256], generaliseBatch', '[1,256]', generaliseBatch],
    ['Reshape [1,-1], generaliseBatch', '[1,-1]', generaliseBatch],
    ['Reshape [1,256], canonicalize', '[1,256]', canonicalize],
    ['Reshape [1,-1], canonicalize', '[1,-1]', canonicalize],
    ['Shape→Gather→Unsqueeze→Concat→Reshape, canonicalize', 'Shape→Gather→Concat', canonicalize],
    ['Flatten, canonicalize', 'Flatten', canonicalize],
  ];
  for (const [name, kind, pass] of cases) {
    it(`${name}: batch 5 gives the per-sample outputs of 5 batch-1 runs of the original`, async () => {
      const m = batchOneModel(kind);
      const g = pass(m);
      expect(g.graph.inputs[0]!.shape).toEqual(['N', 1, 8, 8]);
      expect(g.graph.outputs[0]!.shape).toEqual(['N', 10]);
      const B = 5;
      const xb = randomTensor([B, 1, 8, 8], 77, { min: 0, max: 1 });
      const [yb] = await runOrt(g, { x: xb });
      expect([...yb!.dims]).toEqual([B, 10]);
      for (let s = 0; s < B; s++) {
        const xs = T('float32', [1, 1, 8, 8], xb.data.subarray(s * 64, (s + 1) * 64));
        const [ys] = await runOrt(m, { x: xs });
        expectClose(T('float32', [1, 10], yb!.data.subarray(s * 10, (s + 1) * 10)), ys!, 1e-4, `sample ${s}`);
      }
      // batch 1 still works and matches
      const x1 = randomTensor([1, 1, 8, 8], 78);
      const [a] = await runOrt(g, { x: x1 });
      const [b] = await runOrt(m, { x: x1 });
      expectClose(a!, b!, 1e-4, 'batch 1');
    });
  }

  it('a symbolic batch with the Shape→Gather→Concat→Reshape idiom: canonicalize keeps batch 3 working', async () => {
    const m = batchOneModel('Shape→Gather→Concat', 'batch_size');
    const g = canonicalize(m);
    expect(ops(g)).not.toContain('Shape');
    expect(g.graph.inputs[0]!.shape).toEqual(['N', 1, 8, 8]);
    const x = randomTensor([3, 1, 8, 8], 79);
    await expectSameOutputs(m, g, { x });
  });

  it('a Reshape that does not start with the batch is left alone', () => {
    // [1,16,4,4] → [16,16]: the first entry is not the declared batch 1
    const m = model(13, [node('reshape', 'Reshape', ['x', 'shape'], ['y'])], [f32('x', [1, 16, 4, 4])], [f32('y', [16, 16])], { shape: i64([16, 16]) });
    const g = generaliseBatch(m);
    expect(g.graph.nodes[0]!.inputs[1]).toBe('shape');
    expect(Array.from(g.graph.initializers.get('shape')!.data)).toEqual([16, 16]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('canonicalize rejects unsupported ops, listing every one', () => {
  it('Sigmoid and Tanh (one behind the other) and an op from a foreign domain', () => {
    const m = {
      ...model(
        13,
        [
          node('conv', 'Conv', ['x', 'W'], ['c']),
          node('sig_gate', 'Sigmoid', ['c'], ['s']),
          node('tanh_cell', 'Tanh', ['s'], ['t']),
          { ...node('ms_gelu', 'Gelu', ['t'], ['g']), domain: 'com.microsoft' },
          node('relu', 'Relu', ['g'], ['y']),
        ],
        [f32('x', [1, 1, 4, 4])],
        [f32('y', [1, 2, 2, 2])],
        { W: randomTensor([2, 1, 3, 3], 1) },
      ),
      source: 'lstm-like.onnx',
    };
    let err: unknown;
    try {
      canonicalize(m);
    } catch (e) {
      err = e;
    }
    expect(isOnnx2SnnError(err), String(err)).toBe(true);
    if (!isOnnx2SnnError(err)) return;
    expect(err.code).toBe('E_UNSUPPORTED_OP');
    for (const s of ['"sig_gate"', '"tanh_cell"', '"ms_gelu"', 'Sigmoid', 'Tanh', 'Gelu', 'com.microsoft', 'lstm-like.onnx']) expect(err.message).toContain(s);
    expect(err.message).not.toContain('"relu"');
    expect(err.message).not.toContain('"conv"');
    expect((err.details['nodes'] as { name: string }[]).map((n) => n.name)).toEqual(['sig_gate', 'tanh_cell', 'ms_gelu']);
  });

  it('unsupported ops on parallel branches', () => {
    const m = model(
      13,
      [node('a', 'Sigmoid', ['x'], ['p']), node('b', 'Tanh', ['x'], ['q']), node('add', 'Add', ['p', 'q'], ['y'])],
      [f32('x', [2, 3])],
      [f32('y', [2, 3])],
      {},
    );
    let err: unknown;
    try {
      canonicalize(m);
    } catch (e) {
      err = e;
    }
    expect(isOnnx2SnnError(err) && err.code).toBe('E_UNSUPPORTED_OP');
    expect((err as Error).message).toContain('"a"');
    expect((err as Error).message).toContain('"b"');
    expect((err as Error).message).toMatch(/\b2 unsupported ops\b/);
  });
});
