/**
 * ONNX → our Graph. The only place (with tensor-proto.ts and write.ts) that touches protobuf messages.
 *
 * - int64 fields (dims, ints attributes, int64 tensors) become checked JS numbers. Values beyond
 *   ±2^53 are only accepted as the INT64_MIN/MAX sentinels that exporters use for "to the end" in
 *   Slice; they saturate to ±Number.MAX_SAFE_INTEGER-ish magnitudes (±2^63 as a double).
 * - Initializers that are also listed as graph inputs (the IR 3 habit) are constants, not inputs.
 * - External data, and data types we cannot compute with, give a clear error.
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Attr, Dim, Graph, Model, Node, Tensor, ValueInfo } from '../graph/types.js';
import { validateModel } from '../graph/validate.js';
import { DATA_TYPE_NAMES, DATA_TYPES, onnx } from './proto.js';
import { type Ctx, type IntLike, readTensor, toInt } from './tensor-proto.js';

export const MIN_IR_VERSION = 3;
export const MAX_IR_VERSION = 10;
export const MIN_OPSET = 7;
export const MAX_OPSET = 20;

function readAttr(a: InstanceType<typeof onnx.AttributeProto>, ctx: Ctx, nodeName: string): Attr | undefined {
  const T = onnx.AttributeProto.AttributeType;
  const where = `${ctx.file}: node ${nodeName} attribute ${a.name}`;
  const dec = new TextDecoder();
  switch (a.type) {
    case T.INT:
      return { kind: 'int', value: toInt(a.i as IntLike, where) };
    case T.FLOAT:
      return { kind: 'float', value: a.f ?? 0 };
    case T.STRING:
      return { kind: 'string', value: dec.decode(a.s ?? new Uint8Array()) };
    case T.INTS:
      return { kind: 'ints', value: (a.ints ?? []).map((v) => toInt(v as IntLike, where)) };
    case T.FLOATS:
      return { kind: 'floats', value: [...(a.floats ?? [])] };
    case T.STRINGS:
      return { kind: 'strings', value: (a.strings ?? []).map((s) => dec.decode(s)) };
    case T.TENSOR:
      if (!a.t) throw missingValue(where, 'TENSOR', ctx, nodeName, a.name);
      return { kind: 'tensor', value: readTensor(a.t as InstanceType<typeof onnx.TensorProto>, ctx, `${nodeName}.${a.name}`) };
    case T.GRAPH:
      if (!a.g) throw missingValue(where, 'GRAPH', ctx, nodeName, a.name);
      return { kind: 'graph', value: readGraph(a.g as InstanceType<typeof onnx.GraphProto>, ctx) };
    default: {
      // IR < 3 files may leave `type` unset: infer it from the filled field
      if (a.type === undefined || a.type === T.UNDEFINED) {
        if (a.ints && a.ints.length) return { kind: 'ints', value: a.ints.map((v) => toInt(v as IntLike, where)) };
        if (a.floats && a.floats.length) return { kind: 'floats', value: [...a.floats] };
        if (a.t) return { kind: 'tensor', value: readTensor(a.t as InstanceType<typeof onnx.TensorProto>, ctx, `${nodeName}.${a.name}`) };
        if (a.s && a.s.length) return { kind: 'string', value: dec.decode(a.s) };
        if (a.i !== undefined && a.i !== null) return { kind: 'int', value: toInt(a.i as IntLike, where) };
        if (a.f !== undefined && a.f !== null) return { kind: 'float', value: a.f };
      }
      throw new Onnx2SnnError(ErrorCodes.ATTRIBUTE, `${where}: attribute type ${a.type} is not supported`, {
        file: ctx.file,
        node: nodeName,
        attribute: a.name,
      });
    }
  }
}

/** An attribute whose type names a message field that is absent (one flipped bit in a file is enough). */
function missingValue(where: string, type: string, ctx: Ctx, node: string, attribute: string): Onnx2SnnError {
  return new Onnx2SnnError(ErrorCodes.ATTRIBUTE, `${where}: the attribute's type is ${type} but it carries no ${type.toLowerCase()}`, {
    file: ctx.file,
    node,
    attribute,
  });
}

function readValueInfo(v: InstanceType<typeof onnx.ValueInfoProto>, ctx: Ctx): ValueInfo {
  const tt = v.type?.tensorType;
  const elem = tt?.elemType ?? 1;
  const dtype = DATA_TYPES[elem];
  if (!dtype) {
    throw new Onnx2SnnError(
      ErrorCodes.ONNX_DTYPE,
      `${ctx.file}: value "${v.name}" has element type ${DATA_TYPE_NAMES[elem] ?? elem}, which onnx2snn does not support`,
      {
        file: ctx.file,
        value: v.name,
      },
    );
  }
  let shape: Dim[] | undefined;
  if (tt?.shape) {
    shape = (tt.shape.dim ?? []).map((d): Dim => {
      if (d.dimParam) return d.dimParam;
      if (d.dimValue !== undefined && d.dimValue !== null) {
        const n = toInt(d.dimValue as IntLike, `${ctx.file}: value ${v.name} shape`);
        return n > 0 || (n === 0 && (d as { value?: string }).value === 'dimValue') ? n : null;
      }
      return null;
    });
  }
  return shape ? { name: v.name ?? '', dtype, shape } : { name: v.name ?? '', dtype };
}

function readGraph(g: InstanceType<typeof onnx.GraphProto>, ctx: Ctx): Graph {
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const tp = t as InstanceType<typeof onnx.TensorProto>;
    initializers.set(tp.name, readTensor(tp, ctx, tp.name));
  }
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_DTYPE, `${ctx.file}: sparse initializers are not supported`, { file: ctx.file });
  }
  // unnamed nodes get a name no other node has (validation rejects real duplicates)
  const named = new Set((g.node ?? []).map((n) => n.name ?? '').filter(Boolean));
  const nodes: Node[] = (g.node ?? []).map((n, i) => {
    let name = n.name ?? '';
    if (!name) {
      name = `${n.opType || 'node'}_${i}`;
      for (let k = 1; named.has(name); k++) name = `${n.opType || 'node'}_${i}_${k}`;
      named.add(name);
    }
    const attrs: Record<string, Attr> = {};
    for (const a of n.attribute ?? []) {
      const ap = a as InstanceType<typeof onnx.AttributeProto>;
      const v = readAttr(ap, ctx, name);
      if (v) attrs[ap.name] = v;
    }
    return {
      name,
      opType: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs,
    };
  });
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => readValueInfo(v as InstanceType<typeof onnx.ValueInfoProto>, ctx));
  const outputs = (g.output ?? []).map((v) => readValueInfo(v as InstanceType<typeof onnx.ValueInfoProto>, ctx));
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of g.valueInfo ?? []) {
    try {
      const vi = readValueInfo(v as InstanceType<typeof onnx.ValueInfoProto>, ctx);
      valueInfo.set(vi.name, vi);
    } catch {
      // value_info is only a hint; an exotic type there does not stop the import
    }
  }
  return { name: g.name ?? 'graph', nodes, inputs, outputs, initializers, valueInfo };
}

/** Decodes ONNX bytes. `file` names the source in error messages. */
export function readOnnx(bytes: Uint8Array, file = '<bytes>'): Model {
  const ctx: Ctx = { file };
  let m: InstanceType<typeof onnx.ModelProto>;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Onnx2SnnError(
      ErrorCodes.ONNX_PARSE,
      `${file}: not a valid ONNX model (${(e as Error).message}); the file may be truncated or not an .onnx file`,
      {
        file,
        cause: (e as Error).message,
      },
    );
  }
  const irVersion = toInt(m.irVersion as IntLike, file);
  if (!m.graph || (m.graph.node ?? []).length === 0) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_PARSE, `${file}: not a valid ONNX model (no graph or no nodes)`, { file });
  }
  if (irVersion < MIN_IR_VERSION || irVersion > MAX_IR_VERSION) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_VERSION, `${file}: IR version ${irVersion} is outside the supported range ${MIN_IR_VERSION}–${MAX_IR_VERSION}`, {
      file,
      expected: `${MIN_IR_VERSION}..${MAX_IR_VERSION}`,
      actual: irVersion,
    });
  }
  let opset: number | undefined;
  const otherOpsets: Record<string, number> = {};
  for (const o of m.opsetImport ?? []) {
    const v = toInt(o.version as IntLike, file);
    if (!o.domain || o.domain === 'ai.onnx') opset = v;
    else otherOpsets[o.domain] = v;
  }
  if (opset === undefined) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_PARSE, `${file}: no opset import for the default ONNX domain`, { file });
  }
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_VERSION, `${file}: opset ${opset} is outside the supported range ${MIN_OPSET}–${MAX_OPSET}`, {
      file,
      expected: `${MIN_OPSET}..${MAX_OPSET}`,
      actual: opset,
    });
  }
  const metadata: Record<string, string> = {};
  for (const p of m.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  return validateModel({
    graph: readGraph(m.graph as InstanceType<typeof onnx.GraphProto>, ctx),
    irVersion,
    opset,
    otherOpsets,
    producerName: m.producerName ?? '',
    producerVersion: m.producerVersion ?? '',
    metadata,
    source: file,
  });
}

/** Reads an .onnx file from disk. */
export function loadOnnxFile(path: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
  return readOnnx(bytes, path);
}
