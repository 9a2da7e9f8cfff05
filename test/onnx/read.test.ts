/**
 * src/onnx/read.ts and write.ts on the bundled real models: what is read, a write→read round trip
 * (structure and onnxruntime outputs), and the stable error codes for bad input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Onnx2SnnError } from '../../src/errors.js';
import type { Tensor } from '../../src/graph/types.js';
import { onnx } from '../../src/onnx/proto.js';
import { loadOnnxFile, readOnnx } from '../../src/onnx/read.js';
import { writeOnnx } from '../../src/onnx/write.js';
import { thrown } from '../helpers/errors.js';
import { makeModel, mulberry32, randomTensor, T } from '../helpers/ort.js';

type GraphProto = InstanceType<typeof onnx.GraphProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
/** The decoded graph of a ModelProto, typed as the message class (decode fills every repeated field). */
const graphOf = (p: InstanceType<typeof onnx.ModelProto>): GraphProto => p.graph as GraphProto;

const dir = mkdtempSync(join(tmpdir(), 'onnx2snn-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RealModel {
  readonly file: string;
  readonly ir: number;
  readonly opset: number;
  readonly producer: string;
  readonly input: [string, number[]];
  readonly output: [string, number[]];
  readonly initializers: number;
  readonly ops: string;
}

/** What the files hold (checked against `python -c "import onnx"` reading of the same files). */
const REAL: readonly RealModel[] = [
  {
    file: 'fixtures/models/onnx-zoo-mnist-12.onnx',
    ir: 7,
    opset: 12,
    producer: 'CNTK',
    input: ['Input3', [1, 1, 28, 28]],
    output: ['Plus214_Output_0', [1, 10]],
    initializers: 8,
    ops: 'Conv,Add,Relu,MaxPool,Conv,Add,Relu,MaxPool,Reshape,Reshape,MatMul,Add',
  },
  {
    file: 'fixtures/models/vnncomp21-mnistfc-256x2.onnx',
    ir: 4,
    opset: 9,
    producer: 'pytorch',
    input: ['0', [1, 784, 1]],
    output: ['12', [1, 10]],
    initializers: 6,
    ops: 'Flatten,Gemm,Relu,Gemm,Relu,Gemm',
  },
  {
    file: 'fixtures/models/vnncomp21-verivital-convnet_maxpool.onnx',
    ir: 6,
    opset: 9,
    producer: 'pytorch',
    input: ['input', [1, 1, 28, 28]],
    output: ['output', [1, 10]],
    initializers: 4,
    ops: 'Conv,Relu,MaxPool,Flatten,Gemm',
  },
  {
    file: 'fixtures/models/vnncomp21-cifar10-resnet_2b.onnx',
    ir: 6,
    opset: 9,
    producer: 'pytorch',
    input: ['input.1', [1, 3, 32, 32]],
    output: ['33', [1, 10]],
    initializers: 16,
    ops: 'Conv,Relu,Conv,Relu,Conv,Conv,Add,Relu,Conv,Relu,Conv,Add,Relu,Flatten,Gemm,Relu,Gemm',
  },
];

function sameBytes(a: Tensor, b: Tensor, what: string): void {
  expect(a.dtype, `${what} dtype`).toBe(b.dtype);
  expect([...a.dims], `${what} dims`).toEqual([...b.dims]);
  const x = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  expect(x.equals(y), `${what} data`).toBe(true);
}

/** Runs ONNX bytes in onnxruntime (no graph optimisation) on one float input; returns every output. */
async function runBytes(bytes: Uint8Array, input: string, x: Tensor): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  try {
    const res = await s.run({ [input]: new ort.Tensor('float32', Float32Array.from(x.data), [...x.dims]) });
    const out: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(res)) out[k] = v.data as Float32Array;
    return out;
  } finally {
    await s.release();
  }
}

describe('reading the bundled models', () => {
  for (const r of REAL) {
    it(r.file, () => {
      const m = loadOnnxFile(r.file);
      expect(m.irVersion).toBe(r.ir);
      expect(m.opset).toBe(r.opset);
      expect(m.producerName).toBe(r.producer);
      expect(m.source).toBe(r.file);
      expect(m.graph.inputs).toEqual([{ name: r.input[0], dtype: 'float32', shape: r.input[1] }]);
      expect(m.graph.outputs).toEqual([{ name: r.output[0], dtype: 'float32', shape: r.output[1] }]);
      expect(m.graph.initializers.size).toBe(r.initializers);
      expect(m.graph.nodes.map((n) => n.opType).join(',')).toBe(r.ops);
      // every node input is a graph input, an initializer or some node's output
      const known = new Set<string>([...m.graph.inputs.map((i) => i.name), ...m.graph.initializers.keys(), ...m.graph.nodes.flatMap((n) => n.outputs)]);
      for (const n of m.graph.nodes) for (const i of n.inputs) if (i) expect(known.has(i), `${n.name} input ${i}`).toBe(true);
    });
  }

  it('mnist-12: attributes and int64 initializers are plain numbers', () => {
    const m = loadOnnxFile(REAL[0]!.file);
    const conv = m.graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(conv.attrs['kernel_shape']).toEqual({ kind: 'ints', value: [5, 5] });
    expect(conv.attrs['strides']).toEqual({ kind: 'ints', value: [1, 1] });
    const pool = m.graph.nodes.find((n) => n.opType === 'MaxPool')!;
    expect(pool.attrs['kernel_shape']).toEqual({ kind: 'ints', value: [2, 2] });
    const w = m.graph.initializers.get(conv.inputs[1]!)!;
    expect(w.dtype).toBe('float32');
    expect(w.dims).toEqual([8, 1, 5, 5]);
    expect(w.data).toBeInstanceOf(Float32Array);
    const shapes = [...m.graph.initializers.values()].filter((t) => t.dtype === 'int64');
    expect(shapes.length).toBeGreaterThan(0);
    for (const s of shapes) for (const v of s.data) expect(Number.isSafeInteger(v)).toBe(true);
    // the Reshape of the flattened activations: [1, 256]
    expect(shapes.some((s) => s.dims.length === 1 && Array.from(s.data).join(',') === '1,256')).toBe(true);
  });

  it('IR 3 style: initializers also listed as graph inputs are constants, not inputs', () => {
    // mnist-12 itself is IR 7; its IR 3 predecessors (mnist-8 and older exporters) list every weight
    // as a graph input too. Rewrite the file that way and read it back.
    const bytes = readFileSync(REAL[0]!.file);
    const p = onnx.ModelProto.decode(bytes);
    p.irVersion = 3;
    p.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 8 })];
    const g = graphOf(p);
    for (const t of g.initializer as TensorProto[]) {
      g.input.push(
        onnx.ValueInfoProto.create({ name: t.name, type: { tensorType: { elemType: t.dataType, shape: { dim: t.dims.map((d) => ({ dimValue: d })) } } } }),
      );
    }
    expect(g.input.length).toBe(1 + g.initializer.length);
    const m = readOnnx(onnx.ModelProto.encode(p).finish(), 'ir3.onnx');
    expect(m.irVersion).toBe(3);
    expect(m.opset).toBe(8);
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['Input3']);
    expect(m.graph.initializers.size).toBe(8);
  });
});

describe('write → read round trip', () => {
  for (const [i, r] of REAL.entries()) {
    it(`${r.file}: same graph, identical onnxruntime outputs`, async () => {
      const bytes = readFileSync(r.file);
      const m = readOnnx(bytes, r.file);
      const encoded = writeOnnx(m);
      const back = readOnnx(encoded, 'roundtrip.onnx');
      expect(back.irVersion).toBe(Math.max(r.ir, 7)); // the writer writes IR ≥ 7
      expect(back.opset).toBe(m.opset);
      expect(back.otherOpsets).toEqual(m.otherOpsets);
      expect(back.metadata).toEqual(m.metadata);
      expect(back.graph.inputs).toEqual(m.graph.inputs);
      expect(back.graph.outputs).toEqual(m.graph.outputs);
      expect(back.graph.nodes).toEqual(m.graph.nodes); // names, op types, domains, inputs, outputs, attrs
      expect([...back.graph.initializers.keys()]).toEqual([...m.graph.initializers.keys()]);
      for (const [k, t] of m.graph.initializers) sameBytes(back.graph.initializers.get(k)!, t, `initializer ${k}`);
      expect([...back.graph.valueInfo.keys()].sort()).toEqual([...m.graph.valueInfo.keys()].sort());

      // onnxruntime on the original bytes and on the re-encoded bytes: bit-identical outputs
      const x = randomTensor(r.input[1], 100 + i, { min: 0, max: 1 });
      const a = await runBytes(bytes, r.input[0], x);
      const b = await runBytes(encoded, r.input[0], x);
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a)) expect(Array.from(b[k]!), k).toEqual(Array.from(a[k]!));
    });
  }

  it('every attribute kind and tensor dtype survives', () => {
    const tensors: Tensor[] = [
      T('float32', [2, 2], [1.5, -2, 0, 3e-8]),
      T('float64', [3], [Math.PI, -1e300, 5e-324]),
      T('int64', [4], [0, -1, 2 ** 53 - 1, -(2 ** 53) + 1]),
      T('int64', [2], [2 ** 63, -(2 ** 63)]),
      T('int32', [2], [-(2 ** 31), 2 ** 31 - 1]),
      T('int16', [2], [-32768, 32767]),
      T('int8', [2], [-128, 127]),
      T('uint8', [2], [0, 255]),
      T('uint16', [1], [65535]),
      T('uint32', [1], [2 ** 32 - 1]),
      T('uint64', [1], [2 ** 40 + 1]),
      T('bool', [3], [1, 0, 1]),
      T('float32', [], [7]),
      T('float32', [0, 3], []),
    ];
    const inits = new Map(tensors.map((t, k) => [`t${k}`, t] as const));
    const m = makeModel(13, {
      nodes: [
        {
          // an op outside the op table: import validation checks only ops it has a schema for
          name: 'n0',
          opType: 'AnyAttributes',
          domain: 'com.example',
          inputs: ['x'],
          outputs: ['y'],
          attrs: {
            i: { kind: 'int', value: -3 },
            big: { kind: 'int', value: 2 ** 53 - 1 },
            f: { kind: 'float', value: 0.25 },
            s: { kind: 'string', value: 'héllo' },
            is: { kind: 'ints', value: [1, -2, 3] },
            // INT64_MAX / INT64_MIN sentinels ("to the end" in Slice) saturate to ±2^63
            sentinels: { kind: 'ints', value: [2 ** 63, -(2 ** 63)] },
            fs: { kind: 'floats', value: [0.5, -1.5] },
            ss: { kind: 'strings', value: ['a', ''] },
            t: { kind: 'tensor', value: T('int64', [2], [4, 5]) },
          },
        },
        { name: '', opType: 'Clip', domain: 'ai.onnx', inputs: ['y', '', ''], outputs: ['z'], attrs: {} },
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, null] }],
      outputs: [{ name: 'z', dtype: 'float32', shape: ['N', 3, null] }],
      initializers: inits,
    });
    const back = readOnnx(writeOnnx(m));
    expect(back.graph.nodes[0]).toEqual(m.graph.nodes[0]);
    // unnamed nodes get a stable name, and 'ai.onnx' is the default domain ''
    expect(back.graph.nodes[1]).toEqual({ name: 'Clip_1', opType: 'Clip', domain: '', inputs: ['y', '', ''], outputs: ['z'], attrs: {} });
    expect(back.graph.inputs).toEqual(m.graph.inputs);
    expect(back.graph.outputs).toEqual(m.graph.outputs);
    for (const [k, t] of inits) {
      const b = back.graph.initializers.get(k)!;
      expect(b.dtype, k).toBe(t.dtype);
      expect([...b.dims], k).toEqual([...t.dims]);
      expect(Array.from(b.data), k).toEqual(Array.from(t.data));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input

function expectFileError(path: string, code: string, ...snippets: string[]): Onnx2SnnError {
  const e = thrown(() => loadOnnxFile(path));
  expect(e.code, e.message).toBe(code);
  expect(e.message).toContain(path);
  for (const s of snippets) expect(e.message).toContain(s);
  return e;
}

function write(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** A small valid model (Add with an initializer, then Relu) as a mutable ModelProto. */
function smallProto(): InstanceType<typeof onnx.ModelProto> {
  const m = makeModel(13, {
    nodes: [
      { name: 'add', opType: 'Add', domain: '', inputs: ['x', 'b'], outputs: ['s'], attrs: {} },
      { name: 'relu', opType: 'Relu', domain: '', inputs: ['s'], outputs: ['y'], attrs: {} },
    ],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
    initializers: new Map([['b', T('float32', [4], [1, 2, 3, 4])]]),
  });
  return onnx.ModelProto.decode(writeOnnx(m));
}

const encode = (p: InstanceType<typeof onnx.ModelProto>): Uint8Array => onnx.ModelProto.encode(p).finish();

describe('bad input gives Onnx2SnnError with a stable code naming the file', () => {
  for (const r of REAL) {
    it(`truncated (first 60%) ${r.file} → E_ONNX_PARSE`, () => {
      const bytes = readFileSync(r.file);
      const p = write(`trunc-${r.file.split('/').pop()}`, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      expectFileError(p, 'E_ONNX_PARSE', 'truncated');
    });
  }

  const rnd = mulberry32(42);
  const nonOnnx: [string, () => Uint8Array][] = [
    ['a text file', () => readFileSync('fixtures/data/cifar10/batches.meta.txt')],
    ['a gzip dataset file', () => readFileSync('fixtures/data/mnist/t10k-labels-idx1-ubyte.gz')],
    ['random bytes', () => Uint8Array.from({ length: 5000 }, () => Math.floor(rnd() * 256))],
    ['an empty file', () => new Uint8Array(0)],
    ['a model without nodes', () => encode(onnx.ModelProto.create({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], graph: { name: 'g' } }))],
  ];
  for (const [what, bytes] of nonOnnx) {
    it(`${what} → E_ONNX_PARSE`, () => {
      expectFileError(write(`${what.replace(/ /g, '_')}.onnx`, bytes()), 'E_ONNX_PARSE');
    });
  }

  it('the small valid model reads (control for the cases below)', () => {
    const m = loadOnnxFile(write('ok.onnx', encode(smallProto())));
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Add', 'Relu']);
  });

  it('a tensor with data_location EXTERNAL → E_ONNX_EXTERNAL_DATA naming the tensor', () => {
    const p = smallProto();
    const t = graphOf(p).initializer[0] as TensorProto;
    t.rawData = new Uint8Array(0);
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: 'weights.bin' }),
      onnx.StringStringEntryProto.create({ key: 'length', value: '16' }),
    ];
    expectFileError(write('external.onnx', encode(p)), 'E_ONNX_EXTERNAL_DATA', '"b"');
  });

  it('external_data entries without data_location → E_ONNX_EXTERNAL_DATA', () => {
    const p = smallProto();
    const t = graphOf(p).initializer[0] as TensorProto;
    t.rawData = new Uint8Array(0);
    t.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: 'weights.bin' })];
    expectFileError(write('external2.onnx', encode(p)), 'E_ONNX_EXTERNAL_DATA', '"b"');
  });

  it('a FLOAT16 initializer → E_ONNX_DTYPE naming the tensor and the type', () => {
    const p = smallProto();
    const t = graphOf(p).initializer[0] as TensorProto;
    t.dataType = onnx.TensorProto.DataType.FLOAT16;
    t.rawData = new Uint8Array(8); // 4 × 2 bytes
    expectFileError(write('fp16.onnx', encode(p)), 'E_ONNX_DTYPE', '"b"', 'FLOAT16');
  });

  it('a FLOAT16 constant inside a node attribute → E_ONNX_DTYPE', () => {
    const p = smallProto();
    graphOf(p).node.unshift(
      onnx.NodeProto.create({
        name: 'c',
        opType: 'Constant',
        output: ['unused'],
        attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { dims: [1], dataType: 10, rawData: new Uint8Array(2) } }],
      }),
    );
    expectFileError(write('fp16-attr.onnx', encode(p)), 'E_ONNX_DTYPE', 'FLOAT16');
  });

  it('a FLOAT16 graph input → E_ONNX_DTYPE', () => {
    const p = smallProto();
    (graphOf(p).input[0] as InstanceType<typeof onnx.ValueInfoProto>).type!.tensorType!.elemType = 10;
    expectFileError(write('fp16-input.onnx', encode(p)), 'E_ONNX_DTYPE', '"x"');
  });

  const versions: [string, (p: InstanceType<typeof onnx.ModelProto>) => void, string | undefined][] = [
    ['IR version 11', (p) => void (p.irVersion = 11), 'E_ONNX_VERSION'],
    ['IR version 2', (p) => void (p.irVersion = 2), 'E_ONNX_VERSION'],
    ['opset 6', (p) => void (p.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 6 })]), 'E_ONNX_VERSION'],
    ['opset 21', (p) => void (p.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 21 })]), 'E_ONNX_VERSION'],
    ['opset 21 as domain "ai.onnx"', (p) => void (p.opsetImport = [onnx.OperatorSetIdProto.create({ domain: 'ai.onnx', version: 21 })]), 'E_ONNX_VERSION'],
    ['no default-domain opset', (p) => void (p.opsetImport = [onnx.OperatorSetIdProto.create({ domain: 'com.microsoft', version: 1 })]), 'E_ONNX_PARSE'],
    [
      'IR 10 with opset 20 (the upper bounds)',
      (p) => {
        p.irVersion = 10;
        p.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 20 })];
      },
      undefined,
    ],
    [
      'IR 3 with opset 7 (the lower bounds)',
      (p) => {
        p.irVersion = 3;
        p.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: 7 })];
      },
      undefined,
    ],
  ];
  for (const [what, edit, code] of versions) {
    it(`${what} → ${code ?? 'accepted'}`, () => {
      const p = smallProto();
      edit(p);
      const path = write(`${what.replace(/[^a-z0-9]+/gi, '_')}.onnx`, encode(p));
      if (code === undefined) {
        const m = loadOnnxFile(path);
        expect(m.irVersion).toBe(Number(p.irVersion));
      } else {
        const e = expectFileError(path, code);
        if (code === 'E_ONNX_VERSION') expect(e.message).toMatch(/IR version|opset/);
      }
    });
  }

  it('a missing file → E_FILE', () => {
    expectFileError(join(dir, 'does-not-exist.onnx'), 'E_FILE', 'ENOENT');
  });

  it('a directory → E_FILE', () => {
    expectFileError(dir, 'E_FILE');
  });

  const badDims: [string, number[], number][] = [
    ['a negative dimension', [-4], 16],
    ['a negative dimension among others', [2, -2], 16],
    ['10^10 elements and no data (not allocated)', [100000, 100000], 0],
  ];
  for (const [what, dims, rawBytes] of badDims) {
    it(`an initializer with ${what} → E_ONNX_PARSE naming the tensor`, () => {
      const p = smallProto();
      const t = graphOf(p).initializer[0] as TensorProto;
      t.dims = dims;
      t.rawData = new Uint8Array(rawBytes);
      expectFileError(write(`dims-${dims.join('x')}.onnx`, encode(p)), 'E_ONNX_PARSE', '"b"');
    });
  }

  it('raw data of the wrong length → E_ONNX_PARSE naming the tensor', () => {
    const p = smallProto();
    (graphOf(p).initializer[0] as TensorProto).rawData = new Uint8Array(12); // 3 floats for dims [4]
    expectFileError(write('short-raw.onnx', encode(p)), 'E_ONNX_PARSE', '"b"');
  });
});
