/**
 * NIR graphs as HDF5 files, with h5wasm (HDF5 compiled to WebAssembly; no native build).
 *
 * Layout, as written by `nir.write` (nir/serialization.py: a root dataset `version`, a group
 * `node` holding `NIRGraph.to_dict()`; strings are variable-length UTF-8 like
 * h5py.string_dtype(), Python ints int64, arrays with their dtype, gzip-compressed):
 *
 *   /version                      string scalar
 *   /node/type                    "NIRGraph"
 *   /node/nodes/<name>/type       string scalar ("Affine", "IF", …)
 *   /node/nodes/<name>/<param>    float32 arrays (weight, bias, r, v_threshold, …),
 *                                 int64 arrays (stride, padding, shape, …), int64 scalars (groups, start_dim, end_dim)
 *   /node/edges                   string [E, 2]: (source, target) pairs
 *   /node/metadata/<key>          string or float64 scalars
 *
 * Only each node's constructor fields are written (nir's from_dict passes every stored key to the
 * constructor, so extra keys would make it fail). Files use HDF5 object versions up to 1.10 so that
 * h5py builds with HDF5 ≥ 1.10 read them.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Dataset, Group } from 'h5wasm/node';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { topoOrder } from './shapes.js';
import type { NirGraph, NirMetadataValue, NirNode, NirTensor } from './types.js';

type H5 = typeof import('h5wasm/node')['default'];
let h5promise: Promise<H5> | undefined;

/** Loads h5wasm once (the WebAssembly module is instantiated on first use only). */
async function h5(): Promise<H5> {
  h5promise ??= import('h5wasm/node').then(async (m) => {
    await m.default.ready;
    return m.default;
  });
  return h5promise;
}

/** Arrays of at least this many elements are gzip-compressed (as nir.write does with all arrays). */
const COMPRESS_MIN = 1024;

function writeFloat(g: Group, name: string, t: NirTensor): void {
  const big = t.data.length >= COMPRESS_MIN && t.dims.length > 0;
  g.create_dataset({
    name,
    data: t.data,
    shape: [...t.dims],
    ...(big ? { chunks: [...t.dims], compression: 'gzip' as const, compression_opts: 4 } : {}),
  });
}

const writeInts = (g: Group, name: string, v: readonly number[]): void =>
  void g.create_dataset({ name, data: BigInt64Array.from(v, (x) => BigInt(x)), shape: [v.length] });
const writeInt = (g: Group, name: string, v: number): void => void g.create_dataset({ name, data: BigInt64Array.of(BigInt(v)), shape: [] });
const writeString = (g: Group, name: string, v: string): void => void g.create_dataset({ name, data: v });

function writeNode(g: Group, node: NirNode): void {
  writeString(g, 'type', node.type);
  switch (node.type) {
    case 'Input':
    case 'Output':
      writeInts(g, 'shape', node.shape);
      return;
    case 'Affine':
      writeFloat(g, 'weight', node.weight);
      writeFloat(g, 'bias', node.bias);
      return;
    case 'Linear':
      writeFloat(g, 'weight', node.weight);
      return;
    case 'Conv2d':
      writeInts(g, 'input_shape', node.input_shape);
      writeFloat(g, 'weight', node.weight);
      writeInts(g, 'stride', node.stride);
      writeInts(g, 'padding', node.padding);
      writeInts(g, 'dilation', node.dilation);
      writeInt(g, 'groups', node.groups);
      writeFloat(g, 'bias', node.bias);
      return;
    case 'IF':
      writeFloat(g, 'r', node.r);
      writeFloat(g, 'v_threshold', node.v_threshold);
      writeFloat(g, 'v_reset', node.v_reset);
      return;
    case 'LIF':
      writeFloat(g, 'tau', node.tau);
      writeFloat(g, 'r', node.r);
      writeFloat(g, 'v_leak', node.v_leak);
      writeFloat(g, 'v_threshold', node.v_threshold);
      writeFloat(g, 'v_reset', node.v_reset);
      return;
    case 'I':
      writeFloat(g, 'r', node.r);
      return;
    case 'Scale':
      writeFloat(g, 'scale', node.scale);
      return;
    case 'Flatten':
      writeInts(g, 'input_type', node.input_type);
      writeInt(g, 'start_dim', node.start_dim);
      writeInt(g, 'end_dim', node.end_dim);
      return;
    case 'AvgPool2d':
    case 'SumPool2d':
      writeInts(g, 'kernel_size', node.kernel_size);
      writeInts(g, 'stride', node.stride);
      writeInts(g, 'padding', node.padding);
      return;
  }
}

/** Writes a NIR graph to `path` (through a temporary file and a rename: no half-written file on failure). */
export async function writeNirGraph(graph: NirGraph, path: string): Promise<void> {
  const lib = await h5();
  const target = resolve(path);
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  const fail = (why: string): Onnx2SnnError => new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot write the NIR file (${why})`, { file: path });
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (e) {
    throw fail((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  const f = new lib.File(tmp, 'w', { libver: ['earliest', 'v110'] });
  if (f.file_id < 0n) throw fail('HDF5 could not create the file');
  try {
    try {
      writeString(f, 'version', graph.version);
      const root = f.create_group('node');
      writeString(root, 'type', 'NIRGraph');
      const ng = root.create_group('nodes');
      for (const [name, node] of graph.nodes) writeNode(ng.create_group(name), node);
      root.create_dataset({ name: 'edges', data: graph.edges.flat(), shape: [graph.edges.length, 2] });
      const md = root.create_group('metadata');
      for (const [k, v] of Object.entries(graph.metadata)) {
        if (typeof v === 'string') writeString(md, k, v);
        else md.create_dataset({ name: k, data: Float64Array.of(v), shape: [] });
      }
    } finally {
      f.close();
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e instanceof Onnx2SnnError ? e : fail((e as Error).message);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading (tests, and simulating a .nir file with src/nir/interpret.ts)

function readValue(g: Group, name: string, path: string): Dataset {
  const d = g.get(name);
  if (!d || !('shape' in d)) throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${path}: missing dataset ${g.path}/${name}`, { file: path });
  return d as Dataset;
}

function readFloat(g: Group, name: string, path: string): NirTensor {
  const d = readValue(g, name, path);
  const v = d.value;
  const data = v instanceof Float32Array ? v : Float32Array.from(ArrayBuffer.isView(v) ? (v as unknown as ArrayLike<number>) : [Number(v)]);
  return { dims: d.shape ?? [], data };
}

function readInts(g: Group, name: string, path: string): number[] {
  const v = readValue(g, name, path).value;
  if (typeof v === 'bigint' || typeof v === 'number') return [Number(v)];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => Number(x));
  if (Array.isArray(v)) return v.map((x) => Number(x));
  throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${path}: ${g.path}/${name} is not an integer array`, { file: path });
}

const readInt = (g: Group, name: string, path: string): number => readInts(g, name, path)[0]!;
const pair = (v: number[]): [number, number] => [v[0]!, v[1] ?? v[0]!];

function readString(g: Group, name: string, path: string): string {
  const v = readValue(g, name, path).value;
  return typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array);
}

function readNode(g: Group, path: string): NirNode {
  const type = readString(g, 'type', path);
  const f = (n: string): NirTensor => readFloat(g, n, path);
  const vReset = (th: NirTensor): NirTensor => (g.keys().includes('v_reset') ? f('v_reset') : { dims: th.dims, data: new Float32Array(th.data.length) });
  switch (type) {
    case 'Input':
    case 'Output':
      return { type, shape: readInts(g, 'shape', path) };
    case 'Affine':
      return { type, weight: f('weight'), bias: f('bias') };
    case 'Linear':
      return { type, weight: f('weight') };
    case 'Conv2d': {
      const w = f('weight');
      return {
        type,
        input_shape: pair(readInts(g, 'input_shape', path)),
        weight: w,
        stride: pair(readInts(g, 'stride', path)),
        padding: pair(readInts(g, 'padding', path)),
        dilation: pair(readInts(g, 'dilation', path)),
        groups: readInt(g, 'groups', path),
        bias: f('bias'),
      };
    }
    case 'IF': {
      const th = f('v_threshold');
      return { type, r: f('r'), v_threshold: th, v_reset: vReset(th) };
    }
    case 'LIF': {
      const th = f('v_threshold');
      return { type, tau: f('tau'), r: f('r'), v_leak: f('v_leak'), v_threshold: th, v_reset: vReset(th) };
    }
    case 'I':
      return { type, r: f('r') };
    case 'Scale':
      return { type, scale: f('scale') };
    case 'Flatten':
      return { type, input_type: readInts(g, 'input_type', path), start_dim: readInt(g, 'start_dim', path), end_dim: readInt(g, 'end_dim', path) };
    case 'AvgPool2d':
    case 'SumPool2d':
      return {
        type,
        kernel_size: pair(readInts(g, 'kernel_size', path)),
        stride: pair(readInts(g, 'stride', path)),
        padding: pair(readInts(g, 'padding', path)),
      };
    default:
      throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${path}: NIR node ${g.path} has type "${type}", which this reader does not handle`, {
        file: path,
        type,
      });
  }
}

/** Reads a NIR HDF5 file (the node types of src/nir/types.ts); nodes come back in a topological order. */
export async function readNir(path: string): Promise<NirGraph> {
  const lib = await h5();
  const f = new lib.File(resolve(path), 'r');
  if (f.file_id < 0n) throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot open as HDF5`, { file: path });
  try {
    const version = readString(f, 'version', path);
    const root = f.get('node') as Group | null;
    if (!root || readString(root, 'type', path) !== 'NIRGraph')
      throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${path}: /node is not a NIRGraph`, { file: path });
    const ng = root.get('nodes') as Group;
    const nodes = new Map<string, NirNode>();
    for (const name of ng.keys()) nodes.set(name, readNode(ng.get(name) as Group, path));
    const flat = readValue(root, 'edges', path).value as string[];
    const edges: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) edges.push([flat[i]!, flat[i + 1]!]);
    const metadata: Record<string, NirMetadataValue> = {};
    const md = root.get('metadata') as Group | null;
    if (md) {
      for (const k of md.keys()) {
        const v = (md.get(k) as Dataset).value;
        metadata[k] = typeof v === 'string' ? v : Number(ArrayBuffer.isView(v) ? (v as unknown as ArrayLike<number>)[0] : v);
      }
    }
    const unordered: NirGraph = { version, nodes, edges, metadata };
    const ordered = new Map(topoOrder(unordered).map((k) => [k, nodes.get(k)!]));
    return { version, nodes: ordered, edges, metadata };
  } finally {
    f.close();
  }
}
