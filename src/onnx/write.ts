/**
 * Our Graph → ONNX bytes. Tensors are written as raw_data (little-endian), int64 values from JS
 * numbers (sentinels beyond ±2^63 saturate to INT64_MIN/MAX).
 */
import type { Attr, Dim, Graph, Model, Tensor, ValueInfo } from '../graph/types.js';
import { dataTypeNumber, onnx } from './proto.js';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function toBigInt(v: number): bigint {
  if (v >= 9.2e18) return INT64_MAX;
  if (v <= -9.2e18) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** int64 for protobufjs: numbers inside the safe range go as numbers, the rest as Long-like objects. */
function int64Field(v: number): number | { low: number; high: number; unsigned: boolean } {
  if (Number.isSafeInteger(v)) return v;
  const b = BigInt.asUintN(64, toBigInt(v));
  return { low: Number(b & 0xffffffffn) | 0, high: Number(b >> 32n) | 0, unsigned: false };
}

export function tensorToProto(t: Tensor, name: string): InstanceType<typeof onnx.TensorProto> {
  const n = t.data.length;
  const bytesPer: Record<string, number> = {
    float32: 4,
    float64: 8,
    int64: 8,
    uint64: 8,
    int32: 4,
    uint32: 4,
    int16: 2,
    uint16: 2,
    int8: 1,
    uint8: 1,
    bool: 1,
  };
  const buf = new ArrayBuffer(n * bytesPer[t.dtype]!);
  const dv = new DataView(buf);
  const d = t.data;
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    switch (t.dtype) {
      case 'float32':
        dv.setFloat32(i * 4, v, true);
        break;
      case 'float64':
        dv.setFloat64(i * 8, v, true);
        break;
      case 'int64':
        dv.setBigInt64(i * 8, toBigInt(v), true);
        break;
      case 'uint64':
        dv.setBigUint64(i * 8, BigInt.asUintN(64, toBigInt(v)), true);
        break;
      case 'int32':
        dv.setInt32(i * 4, v, true);
        break;
      case 'uint32':
        dv.setUint32(i * 4, v, true);
        break;
      case 'int16':
        dv.setInt16(i * 2, v, true);
        break;
      case 'uint16':
        dv.setUint16(i * 2, v, true);
        break;
      case 'int8':
        dv.setInt8(i, v);
        break;
      case 'uint8':
      case 'bool':
        dv.setUint8(i, v);
        break;
    }
  }
  return onnx.TensorProto.create({
    name,
    dims: t.dims.map(int64Field) as number[],
    dataType: dataTypeNumber(t.dtype),
    rawData: new Uint8Array(buf),
  });
}

function attrToProto(name: string, a: Attr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  const enc = new TextEncoder();
  switch (a.kind) {
    case 'int':
      return onnx.AttributeProto.create({ name, type: T.INT, i: int64Field(a.value) as number });
    case 'float':
      return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.value });
    case 'string':
      return onnx.AttributeProto.create({ name, type: T.STRING, s: enc.encode(a.value) });
    case 'ints':
      return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.value.map(int64Field) as number[] });
    case 'floats':
      return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: [...a.value] });
    case 'strings':
      return onnx.AttributeProto.create({ name, type: T.STRINGS, strings: a.value.map((s) => enc.encode(s)) });
    case 'tensor':
      return onnx.AttributeProto.create({ name, type: T.TENSOR, t: tensorToProto(a.value, '') });
    case 'graph':
      return onnx.AttributeProto.create({ name, type: T.GRAPH, g: graphToProto(a.value) });
  }
}

function valueInfoToProto(v: ValueInfo): InstanceType<typeof onnx.ValueInfoProto> {
  const tensorType: Record<string, unknown> = { elemType: dataTypeNumber(v.dtype) };
  if (v.shape) {
    tensorType['shape'] = {
      dim: v.shape.map((d: Dim) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})),
    };
  }
  return onnx.ValueInfoProto.create({ name: v.name, type: { tensorType } as never });
}

export function graphToProto(g: Graph): InstanceType<typeof onnx.GraphProto> {
  return onnx.GraphProto.create({
    name: g.name,
    node: g.nodes.map((n) =>
      onnx.NodeProto.create({
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs).map(([k, a]) => attrToProto(k, a)),
      }),
    ),
    input: g.inputs.map(valueInfoToProto),
    output: g.outputs.map(valueInfoToProto),
    initializer: [...g.initializers].map(([k, t]) => tensorToProto(t, k)),
    valueInfo: [...g.valueInfo.values()].map(valueInfoToProto),
  });
}

/** Encodes a model. IR version is at least 7 (initializers need not be listed as inputs since IR 4). */
export function writeOnnx(model: Model): Uint8Array {
  const opsetImport = [{ domain: '', version: model.opset }, ...Object.entries(model.otherOpsets).map(([domain, version]) => ({ domain, version }))];
  const m = onnx.ModelProto.create({
    irVersion: Math.max(model.irVersion, 7),
    opsetImport,
    producerName: 'onnx2snn',
    producerVersion: model.producerVersion || '0.1.0',
    graph: graphToProto(model.graph),
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(m).finish();
}
