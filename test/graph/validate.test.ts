/**
 * Import validation (src/graph/validate.ts, run by readOnnx): the signatures the issue-12 fuzz found
 * untyped or misclassified, each made by one protobuf edit of a bundled model, get a typed error
 * naming the node or output; exporter habits onnxruntime refuses are normalised instead.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OrtSession } from '../../src/engine/ort.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import { onnx, type ModelProto } from '../../src/onnx/proto.js';
import { readOnnx } from '../../src/onnx/read.js';
import { calibrationSites } from '../../src/pipeline.js';
import { expectError } from '../helpers/errors.js';
import { makeModel, randomTensor } from '../helpers/ort.js';

const MNIST12 = 'fixtures/models/onnx-zoo-mnist-12.onnx';
const FC = 'fixtures/models/vnncomp21-mnistfc-256x2.onnx';
type Msg = Record<string, unknown>;

/** The model's bytes after `edit` of its decoded ModelProto. */
function edited(file: string, edit: (m: Msg, nodes: Msg[]) => void): Uint8Array {
  const m = onnx.ModelProto.decode(readFileSync(file)) as unknown as Msg;
  edit(m, (m['graph'] as Msg)['node'] as Msg[]);
  return onnx.ModelProto.encode(m as unknown as ModelProto).finish();
}
const nodeOf = (nodes: Msg[], opType: string): Msg => nodes.find((n) => n['opType'] === opType)!;
const T = onnx.AttributeProto.AttributeType;

const CASES: readonly [string, (m: Msg, nodes: Msg[]) => void, string, ...string[]][] = [
  ['a graph with no outputs', (m) => ((m['graph'] as Msg)['output'] = []), 'E_GRAPH', 'no output'],
  ['a Relu with no inputs', (_, n) => (nodeOf(n, 'Relu')['input'] = []), 'E_GRAPH', 'ReLU32', '0 inputs, expected 1'],
  [
    'a Relu with an extra input',
    (_, n) => (nodeOf(n, 'Relu')['input'] = [...(nodeOf(n, 'Relu')['input'] as string[]), 'Parameter5']),
    'E_GRAPH',
    'ReLU32',
    '2 inputs',
  ],
  [
    'a Relu with an unknown attribute',
    (_, n) => (nodeOf(n, 'Relu')['attribute'] = [onnx.AttributeProto.create({ name: 'gain', type: T.FLOAT, f: 2 })]),
    'E_ATTRIBUTE',
    'ReLU32',
    'unknown attribute gain',
  ],
  [
    'an attribute typed GRAPH without a graph',
    (_, n) => ((nodeOf(n, 'Conv')['attribute'] as Msg[])[0]!['type'] = T.GRAPH),
    'E_ATTRIBUTE',
    'Convolution28',
    'carries no graph',
  ],
  [
    'an attribute typed TENSOR without a tensor',
    (_, n) => ((nodeOf(n, 'Conv')['attribute'] as Msg[])[0]!['type'] = T.TENSOR),
    'E_ATTRIBUTE',
    'Convolution28',
    'carries no tensor',
  ],
  ['two nodes of one name', (_, n) => (n[1]!['name'] = n[0]!['name']), 'E_GRAPH', 'two nodes are named'],
  ['a node writing a tensor another node writes', (_, n) => (n[1]!['output'] = n[0]!['output']), 'E_GRAPH', 'also writes'],
  ['an output naming an initializer', (m) => (((m['graph'] as Msg)['output'] as Msg[])[0]!['name'] = 'Parameter5'), 'E_GRAPH', '"Parameter5" is a initializer'],
  ['an output naming the graph input', (m) => (((m['graph'] as Msg)['output'] as Msg[])[0]!['name'] = 'Input3'), 'E_GRAPH', '"Input3" is a graph input'],
  ['an output no node produces', (m) => (((m['graph'] as Msg)['output'] as Msg[])[0]!['name'] = 'nowhere'), 'E_GRAPH', '"nowhere" is produced by no node'],
  ['a node reading a tensor nobody provides', (_, n) => ((nodeOf(n, 'Relu')['input'] as string[])[0] = 'nowhere'), 'E_GRAPH', 'ReLU32', '"nowhere"'],
];

describe('typed errors at import, naming the node', () => {
  for (const [what, edit, code, ...snippets] of CASES) {
    it(`${what}: ${code}`, () => {
      const bytes = edited(MNIST12, edit);
      const e = expectError(() => readOnnx(bytes, 'm.onnx'), code, 'm.onnx', ...snippets);
      expect(e.message).not.toContain('\n');
    });
  }

  it('a Gemm with four inputs, the last empty: E_GRAPH (onnxruntime counts it)', () => {
    const bytes = edited(FC, (_, n) => (nodeOf(n, 'Gemm')['input'] = [...(nodeOf(n, 'Gemm')['input'] as string[]), '']));
    expectError(() => readOnnx(bytes, 'fc.onnx'), 'E_GRAPH', 'Gemm_1', '4 inputs (the last 1 empty), expected 3');
  });

  it('an initializer of the wrong type for a Gemm: E_SHAPE naming the node, before onnxruntime', () => {
    const bytes = edited(FC, (m) => {
      const inits = (m['graph'] as Msg)['initializer'] as Msg[];
      const w = inits.find((t) => ((t['dims'] as unknown[]) ?? []).length === 2)!;
      w['dataType'] = 11; // DOUBLE: the raw bytes now hold half as many values …
      w['dims'] = [(w['dims'] as number[])[0]! / 2, (w['dims'] as number[])[1]!]; // … so halve a dim to keep them consistent
    });
    const m = readOnnx(bytes, 'fc.onnx');
    expectError(() => canonicalize(m), 'E_SHAPE', 'Gemm', 'float64', 'float32');
  });
});

describe('what onnxruntime refuses only at run time, found by shape inference', () => {
  it('a Clip whose min is not a scalar: E_SHAPE naming the node', () => {
    const m = makeModel(13, {
      nodes: [{ name: 'clip9', opType: 'Clip', domain: '', inputs: ['x', 'lo'], outputs: ['y'], attrs: {} }],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2] }],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: new Map([['lo', randomTensor([2], 1)]]),
    });
    expectError(() => canonicalize(m), 'E_SHAPE', 'clip9', 'min must be a scalar');
  });
});

describe('normalised instead of refused', () => {
  it('an integral float attribute written as an int (Gemm alpha = 1) is read as a float that onnxruntime accepts', async () => {
    const bytes = edited(
      FC,
      (_, n) =>
        (nodeOf(n, 'Gemm')['attribute'] = [
          ...((nodeOf(n, 'Gemm')['attribute'] as Msg[]) ?? []),
          onnx.AttributeProto.create({ name: 'alpha', type: T.INT, i: 1 }),
        ]),
    );
    const m = canonicalize(readOnnx(bytes, 'fc.onnx'));
    const gemm = m.graph.nodes.find((n) => n.opType === 'Gemm')!;
    expect(gemm.attrs['alpha']).toEqual({ kind: 'float', value: 1 });
    const s = await OrtSession.create(m, { threads: 1 });
    await s.release();
  });

  it('the bundled model itself passes, and its calibration sites are the ReLU outputs and the readout', () => {
    const m = readOnnx(readFileSync(MNIST12), MNIST12);
    expect(calibrationSites(canonicalize(m)).map((s) => s.node)).toEqual(['ReLU32', 'ReLU114', '(readout)']);
  });
});
