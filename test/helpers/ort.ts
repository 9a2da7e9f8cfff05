/**
 * Test helpers: build small models with our IR, run them with onnxruntime-node, and compare an op
 * rule's inferShapes/evaluate with onnxruntime's results.
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { findRule } from '../../converters/registry.js';
import type { ShapedValue } from '../../converters/types.js';
import type { Attr, DType, Graph, Model, Node, Tensor, ValueInfo } from '../../src/graph/types.js';
import { writeOnnx } from '../../src/onnx/write.js';

// ---------------------------------------------------------------------------------------------
// Random data

export { mulberry32 } from '../../src/util/random.js';
import { mulberry32 } from '../../src/util/random.js';
import { thrown } from './errors.js';

export interface RandomOptions {
  readonly dtype?: DType;
  /** Inclusive lower bound (default -1 for floats, -10 for integers). */
  readonly min?: number;
  /** Exclusive upper bound for floats, inclusive for integers (default 1 / 10). */
  readonly max?: number;
}

/** A tensor of `dims` with seeded random values (uniform floats, or uniform integers for integer dtypes). */
export function randomTensor(dims: readonly number[], seed: number, opts: RandomOptions = {}): Tensor {
  const dtype = opts.dtype ?? 'float32';
  const rnd = mulberry32(seed);
  let n = 1;
  for (const d of dims) n *= d;
  const isFloat = dtype === 'float32' || dtype === 'float64';
  const lo = opts.min ?? (isFloat ? -1 : dtype === 'bool' ? 0 : dtype.startsWith('u') ? 0 : -10);
  const hi = opts.max ?? (isFloat ? 1 : dtype === 'bool' ? 1 : 10);
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = isFloat ? lo + (hi - lo) * rnd() : lo + Math.floor((hi - lo + 1) * rnd());
  return { dtype, dims: [...dims], data };
}

/** A tensor from explicit values. */
export function T(dtype: DType, dims: readonly number[], values: ArrayLike<number>): Tensor {
  const data = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  let n = 1;
  for (const d of dims) n *= d;
  if (data.length !== n) throw new Error(`T: ${data.length} values for [${dims.join(',')}]`);
  return { dtype, dims: [...dims], data };
}

export const i64 = (values: readonly number[], dims: readonly number[] = [values.length]): Tensor => T('int64', dims, values);

// ---------------------------------------------------------------------------------------------
// Comparison

/** Mixed absolute/relative closeness: |a - b| <= tol * (1 + |b|) elementwise; NaN matches NaN. Same dtype and dims. */
export function expectClose(actual: Tensor, expected: Tensor, tol = 1e-4, what = 'tensor'): void {
  expect(actual.dtype, `${what}: dtype`).toBe(expected.dtype);
  expect([...actual.dims], `${what}: dims`).toEqual([...expected.dims]);
  expect(actual.data.length, `${what}: element count`).toBe(expected.data.length);
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!;
    const b = expected.data[i]!;
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (a === b) continue;
    const ok = Math.abs(a - b) <= tol * (1 + Math.abs(b));
    if (!ok) expect(a, `${what}: element ${i} (of ${expected.data.length}): got ${a}, onnxruntime ${b}`).toBeCloseTo(b, 10);
  }
}

/** Expects `fn` to throw Onnx2SnnError with `code` whose message names `nodeName`. */
export function expectOnnxError(fn: () => unknown, code: string, nodeName?: string): void {
  const err = thrown(fn);
  expect(err.code, err.message).toBe(code);
  if (nodeName !== undefined) expect(err.message).toContain(`"${nodeName}"`);
}

// ---------------------------------------------------------------------------------------------
// onnxruntime

function toOrt(t: Tensor): ort.Tensor {
  const dims = [...t.dims];
  const d = t.data;
  switch (t.dtype) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(d), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(d), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(Array.from(d, (v) => BigInt(v))), dims);
    case 'uint64':
      return new ort.Tensor('uint64', BigUint64Array.from(Array.from(d, (v) => BigInt(v))), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(d), dims);
    case 'uint32':
      return new ort.Tensor('uint32', Uint32Array.from(d), dims);
    case 'int16':
      return new ort.Tensor('int16', Int16Array.from(d), dims);
    case 'uint16':
      return new ort.Tensor('uint16', Uint16Array.from(d), dims);
    case 'int8':
      return new ort.Tensor('int8', Int8Array.from(d), dims);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(d), dims);
    case 'bool':
      return new ort.Tensor('bool', Uint8Array.from(d), dims);
  }
}

function fromOrt(t: ort.Tensor): Tensor {
  const dtype = t.type as DType;
  const src = t.data as ArrayLike<number | bigint>;
  const data = dtype === 'float32' ? new Float32Array(src.length) : new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = Number(src[i]);
  return { dtype, dims: [...t.dims], data };
}

/** IR version that goes with an opset (IR 7 up to opset 13, 8 up to 18, 9 after). */
function irFor(opset: number): number {
  return opset <= 13 ? 7 : opset <= 18 ? 8 : 9;
}

export function makeModel(opset: number, graph: Omit<Graph, 'valueInfo' | 'name'> & { name?: string }): Model {
  return {
    graph: { name: graph.name ?? 'test', valueInfo: new Map(), ...graph },
    irVersion: irFor(opset),
    opset,
    otherOpsets: {},
    producerName: 'onnx2snn-test',
    producerVersion: '0',
    metadata: {},
  };
}

/** Runs a model with onnxruntime (CPU) and returns the named outputs (default: all graph outputs). */
export async function runOrt(model: Model, feeds: Readonly<Record<string, Tensor>>, outputNames?: readonly string[]): Promise<Tensor[]> {
  const session = await ort.InferenceSession.create(writeOnnx(model), { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = toOrt(v);
    const names = outputNames ?? model.graph.outputs.map((o) => o.name);
    const res = await session.run(f, [...names]);
    return names.map((n) => fromOrt(res[n]!));
  } finally {
    await session.release();
  }
}

// ---------------------------------------------------------------------------------------------
// One-op checks

/** An input of the op under test: a runtime graph input, a constant (initializer), or omitted. */
export type OpInput = Tensor | { readonly t: Tensor; readonly constant: true } | undefined;

/** Marks an input as a constant (initializer), so that shape inference sees its value. */
export const K = (t: Tensor): OpInput => ({ t, constant: true });

export interface OpCase {
  readonly op: string;
  readonly opset: number;
  readonly attrs?: Readonly<Record<string, Attr>>;
  readonly inputs: readonly OpInput[];
  /** Output count (default 1); or explicit output names, '' for omitted optional outputs. */
  readonly outputs?: number | readonly string[];
  /** Closeness tolerance (default 1e-4). */
  readonly tol?: number;
  readonly name?: string;
}

function split(i: OpInput): { t: Tensor; constant: boolean } | undefined {
  if (i === undefined) return undefined;
  if ('constant' in i) return { t: i.t, constant: true };
  return { t: i, constant: false };
}

/** The node the case describes (inputs in0.., outputs out0..). */
export function caseNode(c: OpCase): Node {
  const outs = typeof c.outputs === 'object' ? [...c.outputs] : Array.from({ length: c.outputs ?? 1 }, (_, i) => `out${i}`);
  return {
    name: c.name ?? `${c.op.toLowerCase()}_node`,
    opType: c.op,
    domain: '',
    inputs: c.inputs.map((x, i) => (x === undefined ? '' : `in${i}`)),
    outputs: outs,
    attrs: c.attrs ?? {},
  };
}

/** Runs only our rule: inferShapes (constants visible) and evaluate. */
export function runRule(c: OpCase): { node: Node; shapes: { dtype: DType; dims: readonly number[] }[]; values: Tensor[] } {
  const rule = findRule(c.op, c.opset);
  if (!rule) throw new Error(`no rule for ${c.op} at opset ${c.opset}`);
  const node = caseNode(c);
  const ins = c.inputs.map(split);
  const shaped: (ShapedValue | undefined)[] = ins.map((x) => (x ? { dtype: x.t.dtype, dims: x.t.dims, ...(x.constant ? { value: x.t } : {}) } : undefined));
  const ctx = { opset: c.opset };
  const shapes = rule.inferShapes(node, shaped, ctx);
  const values = rule.evaluate(
    node,
    ins.map((x) => x?.t),
    ctx,
  );
  return { node, shapes, values };
}

/**
 * Runs the op with onnxruntime and with our rule and expects the same output dtypes, the same dims
 * (from inferShapes and from evaluate) and close values. Returns both for extra checks.
 */
export async function checkOp(c: OpCase): Promise<{ ours: Tensor[]; ref: Tensor[]; node: Node }> {
  const { node, shapes, values } = runRule(c);
  const ins = c.inputs.map(split);
  const inputs: ValueInfo[] = [];
  const initializers = new Map<string, Tensor>();
  const feeds: Record<string, Tensor> = {};
  ins.forEach((x, i) => {
    if (!x) return;
    const name = `in${i}`;
    if (x.constant) initializers.set(name, x.t);
    else {
      inputs.push({ name, dtype: x.t.dtype, shape: [...x.t.dims] });
      feeds[name] = x.t;
    }
  });
  const outNames = node.outputs.filter((o) => o !== '');
  const outputs: ValueInfo[] = [];
  node.outputs.forEach((o, i) => {
    if (o === '') return;
    const s = shapes[i];
    if (!s) throw new Error(`inferShapes returned no shape for output ${i} (${o})`);
    outputs.push({ name: o, dtype: s.dtype });
  });
  const model = makeModel(c.opset, { nodes: [node], inputs, outputs, initializers });
  const ref = await runOrt(model, feeds, outNames);
  const ours: Tensor[] = [];
  let k = 0;
  node.outputs.forEach((o, i) => {
    if (o === '') return;
    const r = ref[k++]!;
    const s = shapes[i]!;
    const v = values[i];
    if (!v) expect.fail(`evaluate returned no value for output ${i}`);
    expect(s.dtype, `inferShapes dtype of output ${i}`).toBe(r.dtype);
    expect([...s.dims], `inferShapes dims of output ${i}`).toEqual([...r.dims]);
    expectClose(v!, r, c.tol ?? 1e-4, `${c.op} output ${i}`);
    ours.push(v!);
  });
  return { ours, ref, node };
}
