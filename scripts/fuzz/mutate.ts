/**
 * Seeded mutations of an ONNX file for the robustness fuzz (scripts/fuzz.ts, test/scripts/fuzz.test.ts):
 * raw byte edits (flips, insertions, deletions, truncations) and protobuf-aware edits of one field
 * (op types, attributes, dims, data types, wiring, graph inputs/outputs, opset and IR versions,
 * external data). Each mutation is a pure function of (bytes, rng): a case is reproduced from its seed.
 */
import { onnx, type ModelProto } from '../../src/onnx/proto.js';

type Rng = () => number;
type Msg = Record<string, unknown>;

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

/** Op types the mutations swap in: supported ones, near misses and foreign ones. */
const OP_TYPES = [
  'Relu',
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'Mul',
  'Flatten',
  'Reshape',
  'MaxPool',
  'AveragePool',
  'Softmax',
  'Concat',
  'Clip',
  'Identity',
  'Transpose',
  'Sigmoid',
  'Loop',
  'If',
  'relu',
  '',
];
const ATTR_NAMES = ['axis', 'kernel_shape', 'strides', 'pads', 'group', 'transA', 'transB', 'alpha', 'perm', 'auto_pad', 'dilations', 'body', 'value', 'bogus'];
/** Integers at the edges: zero, negatives, huge, int64 sentinels. */
const EDGE_INTS = [0, -1, 1, 2, 3, 7, -7, 1000, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 40];
const DATA_TYPE_NUMBERS = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 16, 17, 21, 99];

export const BYTE_KINDS = ['flip', 'insert', 'delete', 'truncate'] as const;
export const PROTO_KINDS = ['opType', 'attribute', 'dims', 'dataType', 'wiring', 'graphIo', 'version', 'externalData'] as const;
export type MutationKind = (typeof BYTE_KINDS)[number] | (typeof PROTO_KINDS)[number];

function byteMutation(bytes: Uint8Array, kind: (typeof BYTE_KINDS)[number], rng: Rng): Uint8Array {
  const n = bytes.length;
  const at = int(rng, n);
  switch (kind) {
    case 'flip': {
      const out = Uint8Array.from(bytes);
      for (let k = 1 + int(rng, 4); k > 0; k--) {
        const i = int(rng, n);
        out[i] = out[i]! ^ (1 << int(rng, 8));
      }
      return out;
    }
    case 'insert': {
      const ins = Uint8Array.from({ length: 1 + int(rng, 8) }, () => int(rng, 256));
      const out = new Uint8Array(n + ins.length);
      out.set(bytes.subarray(0, at));
      out.set(ins, at);
      out.set(bytes.subarray(at), at + ins.length);
      return out;
    }
    case 'delete': {
      const len = Math.min(n - at, 1 + int(rng, 16));
      const out = new Uint8Array(n - len);
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + len), at);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
  }
}

const nodesOf = (m: Msg): Msg[] => ((m['graph'] as Msg | undefined)?.['node'] as Msg[] | undefined) ?? [];
const tensorsOf = (m: Msg): Msg[] => ((m['graph'] as Msg | undefined)?.['initializer'] as Msg[] | undefined) ?? [];

/** Every tensor name in the graph: node inputs and outputs, graph I/O, initializers. */
function tensorNames(g: Msg): string[] {
  const names = new Set<string>();
  for (const n of (g['node'] as Msg[]) ?? []) for (const x of [...((n['input'] as string[]) ?? []), ...((n['output'] as string[]) ?? [])]) names.add(x);
  for (const k of ['input', 'output', 'initializer'] as const) for (const v of (g[k] as Msg[]) ?? []) names.add(String(v['name'] ?? ''));
  return [...names];
}

function mutateAttribute(node: Msg, rng: Rng): void {
  const attrs = (node['attribute'] as Msg[]) ?? [];
  node['attribute'] = attrs;
  const a = attrs.length ? pick(rng, attrs) : undefined;
  const T = onnx.AttributeProto.AttributeType;
  switch (int(rng, 7)) {
    case 0: // a new attribute, maybe unknown to the op
      attrs.push(onnx.AttributeProto.create({ name: pick(rng, ATTR_NAMES), type: T.INT, i: pick(rng, EDGE_INTS) }) as unknown as Msg);
      return;
    case 1:
      if (a) attrs.splice(attrs.indexOf(a), 1);
      return;
    case 2: // the type says one thing, the fields another (one flipped bit in a file does this)
      if (a) a['type'] = pick(rng, [T.INT, T.FLOAT, T.STRING, T.TENSOR, T.GRAPH, T.INTS, T.FLOATS, T.STRINGS, T.UNDEFINED, 42]);
      return;
    case 3:
      if (a) a['ints'] = Array.from({ length: int(rng, 5) }, () => pick(rng, EDGE_INTS));
      return;
    case 4:
      if (a) a['i'] = pick(rng, EDGE_INTS);
      return;
    case 5:
      if (a) a['f'] = pick(rng, [0, -1, NaN, Infinity, 1e30]);
      return;
    default:
      if (a) a['name'] = pick(rng, ATTR_NAMES);
  }
}

function mutateWiring(g: Msg, rng: Rng): void {
  const nodes = (g['node'] as Msg[]) ?? [];
  if (!nodes.length) return;
  const n = pick(rng, nodes);
  const names = tensorNames(g);
  const ins = (n['input'] as string[]) ?? [];
  const outs = (n['output'] as string[]) ?? [];
  switch (int(rng, 7)) {
    case 0:
      if (ins.length) ins[int(rng, ins.length)] = pick(rng, names);
      break;
    case 1:
      ins.splice(int(rng, ins.length + 1), 1);
      break;
    case 2:
      ins.push(pick(rng, [...names, '', 'nowhere']));
      break;
    case 3:
      if (outs.length) outs[int(rng, outs.length)] = pick(rng, [...names, '']);
      break;
    case 4:
      outs.push(pick(rng, ['extra', ...names]));
      break;
    case 5:
      n['name'] = String(pick(rng, nodes)['name'] ?? '');
      break; // a duplicate node name
    default:
      nodes.splice(int(rng, nodes.length), 1);
  }
  n['input'] = ins;
  n['output'] = outs;
}

function mutateGraphIo(g: Msg, rng: Rng): void {
  const inputs = (g['input'] as Msg[]) ?? [];
  const outputs = (g['output'] as Msg[]) ?? [];
  const names = tensorNames(g);
  switch (int(rng, 6)) {
    case 0:
      g['output'] = [];
      break;
    case 1:
      g['input'] = [];
      break;
    case 2:
      if (outputs.length) outputs[0]!['name'] = pick(rng, names);
      break; // an initializer, an input, an inner tensor
    case 3:
      if (inputs.length) inputs[0]!['name'] = pick(rng, [...names, '']);
      break;
    case 4:
      outputs.push({ ...(outputs[0] ?? {}), name: pick(rng, names) });
      break;
    default: {
      const v = pick(rng, [...inputs, ...outputs]) as Msg | undefined;
      if (v) v['type'] = pick(rng, [undefined, {}, { tensorType: {} }, { tensorType: { elemType: pick(rng, DATA_TYPE_NUMBERS) } }]);
    }
  }
}

function mutateDims(m: Msg, rng: Rng): void {
  const g = m['graph'] as Msg;
  const vis = [...((g['input'] as Msg[]) ?? []), ...((g['output'] as Msg[]) ?? [])];
  if (rng() < 0.5 && tensorsOf(m).length) {
    const t = pick(rng, tensorsOf(m));
    const dims = [...((t['dims'] as unknown[]) ?? [])];
    if (rng() < 0.3) dims.push(pick(rng, EDGE_INTS));
    else if (dims.length) dims[int(rng, dims.length)] = pick(rng, EDGE_INTS);
    t['dims'] = dims;
  } else if (vis.length) {
    const shape = (((pick(rng, vis)['type'] as Msg | undefined)?.['tensorType'] as Msg | undefined)?.['shape'] as Msg | undefined) ?? undefined;
    const dim = (shape?.['dim'] as Msg[] | undefined) ?? [];
    if (shape && rng() < 0.3) dim.pop();
    else if (dim.length) dim[int(rng, dim.length)] = rng() < 0.5 ? { dimValue: pick(rng, EDGE_INTS) } : { dimParam: 'M' };
  }
}

function protoMutation(bytes: Uint8Array, kind: (typeof PROTO_KINDS)[number], rng: Rng): Uint8Array {
  const m = onnx.ModelProto.decode(bytes) as unknown as Msg;
  const g = m['graph'] as Msg;
  const nodes = nodesOf(m);
  switch (kind) {
    case 'opType':
      if (nodes.length) pick(rng, nodes)['opType'] = pick(rng, OP_TYPES);
      break;
    case 'attribute':
      if (nodes.length) mutateAttribute(pick(rng, nodes), rng);
      break;
    case 'dims':
      mutateDims(m, rng);
      break;
    case 'dataType':
      if (tensorsOf(m).length) pick(rng, tensorsOf(m))['dataType'] = pick(rng, DATA_TYPE_NUMBERS);
      break;
    case 'wiring':
      mutateWiring(g, rng);
      break;
    case 'graphIo':
      mutateGraphIo(g, rng);
      break;
    case 'version': {
      const ops = (m['opsetImport'] as Msg[]) ?? [];
      if (rng() < 0.5) m['irVersion'] = pick(rng, [0, 1, 2, 3, 4, 7, 8, 10, 11, 99]);
      else if (rng() < 0.2) m['opsetImport'] = [];
      else if (ops.length) pick(rng, ops)['version'] = pick(rng, [1, 6, 7, 9, 11, 12, 13, 17, 20, 21, 99]);
      break;
    }
    case 'externalData':
      if (tensorsOf(m).length) {
        const t = pick(rng, tensorsOf(m));
        if (rng() < 0.5) t['dataLocation'] = 1;
        else t['externalData'] = [{ key: 'location', value: 'weights.bin' }];
      }
      break;
  }
  return onnx.ModelProto.encode(m as unknown as ModelProto).finish();
}

/** One seeded mutation of `bytes`: half raw byte edits, half protobuf-aware edits (of a file that decodes). */
export function mutate(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; kind: MutationKind } {
  if (rng() < 0.5) {
    const kind = pick(rng, BYTE_KINDS);
    return { bytes: byteMutation(bytes, kind, rng), kind };
  }
  const kind = pick(rng, PROTO_KINDS);
  return { bytes: protoMutation(bytes, kind, rng), kind };
}
