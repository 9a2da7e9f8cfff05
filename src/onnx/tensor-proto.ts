/**
 * ONNX tensors → our Tensor (read.ts reads the rest of the model). int64 values are checked JS
 * numbers: beyond ±2^53 only the INT64_MIN/MAX sentinels exporters use for "to the end" in Slice
 * are accepted, saturating to ±2^63 as a double; external data and unsupported data types are errors.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { DType, Tensor } from '../graph/types.js';
import { sizeOf } from '../graph/tensor.js';
import { DATA_TYPE_NAMES, DATA_TYPES, type onnx } from './proto.js';

type Long = { low: number; high: number; unsigned: boolean; toNumber(): number; toString(): string };
export type IntLike = number | Long | null | undefined;

const INT64_EDGE = 2 ** 62;

export function toInt(v: IntLike, where: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.toNumber();
  if (!Number.isSafeInteger(n) && Math.abs(n) < INT64_EDGE) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_PARSE, `${where}: integer ${v.toString()} cannot be represented exactly`, { where, value: v.toString() });
  }
  return n;
}

export interface Ctx {
  file: string;
}

export function readTensor(t: InstanceType<typeof onnx.TensorProto>, ctx: Ctx, what: string): Tensor {
  const name = t.name || what;
  const dims = (t.dims ?? []).map((d) => toInt(d as IntLike, `${ctx.file}: tensor ${name} dims`));
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) {
    throw new Onnx2SnnError(
      ErrorCodes.ONNX_EXTERNAL,
      `${ctx.file}: tensor "${name}" stores its data in an external file; save the model with all tensors inside the .onnx file (onnx.save(model, path, save_as_external_data=False))`,
      { file: ctx.file, tensor: name },
    );
  }
  const dtype = DATA_TYPES[t.dataType ?? 0];
  if (!dtype) {
    const tname = DATA_TYPE_NAMES[t.dataType ?? 0] ?? String(t.dataType);
    throw new Onnx2SnnError(
      ErrorCodes.ONNX_DTYPE,
      `${ctx.file}: tensor "${name}" has data type ${tname}, which onnx2snn does not support (supported: FLOAT, DOUBLE and integer/bool types)`,
      {
        file: ctx.file,
        tensor: name,
        dataType: tname,
      },
    );
  }
  if (dims.some((d) => d < 0)) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_PARSE, `${ctx.file}: tensor "${name}" has a negative dimension in [${dims.join(',')}]`, {
      file: ctx.file,
      tensor: name,
      dims,
    });
  }
  const n = sizeOf(dims);
  const raw = t.rawData;
  // the element count is checked against the data before anything of that size is allocated
  const bytes: Record<DType, number> = { float32: 4, float64: 8, int64: 8, uint64: 8, int32: 4, uint32: 4, int16: 2, uint16: 2, int8: 1, uint8: 1, bool: 1 };
  const hasRaw = raw !== null && raw !== undefined && raw.length > 0;
  let src: ArrayLike<IntLike> = [];
  if (hasRaw) {
    if (raw.length !== n * bytes[dtype]) {
      throw new Onnx2SnnError(
        ErrorCodes.ONNX_PARSE,
        `${ctx.file}: tensor "${name}" has ${raw.length} bytes of raw data, expected ${n * bytes[dtype]} for ${dtype}[${dims.join(',')}]`,
        {
          file: ctx.file,
          tensor: name,
          expected: n * bytes[dtype],
          actual: raw.length,
        },
      );
    }
  } else {
    if (dtype === 'float32') src = t.floatData ?? [];
    else if (dtype === 'float64') src = t.doubleData ?? [];
    else if (dtype === 'int64') src = (t.int64Data ?? []) as IntLike[];
    else if (dtype === 'uint64' || dtype === 'uint32') src = (t.uint64Data ?? []) as IntLike[];
    else src = t.int32Data ?? []; // int32, int16, int8, uint16, uint8, bool are stored in int32_data
    if (src.length !== n) {
      throw new Onnx2SnnError(ErrorCodes.ONNX_PARSE, `${ctx.file}: tensor "${name}" has ${src.length} values, expected ${n} for [${dims.join(',')}]`, {
        file: ctx.file,
        tensor: name,
        expected: n,
        actual: src.length,
      });
    }
  }
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  if (hasRaw) {
    readRaw(raw, dtype, out, ctx, name);
  } else {
    for (let i = 0; i < n; i++) out[i] = toInt(src[i], `${ctx.file}: tensor ${name}`);
  }
  return { dtype, dims, data: out };
}

function saturate(v: bigint, ctx: Ctx, name: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) && Math.abs(n) < INT64_EDGE) {
    throw new Onnx2SnnError(ErrorCodes.ONNX_PARSE, `${ctx.file}: tensor "${name}" holds ${v}, which is not exactly representable`, {
      file: ctx.file,
      tensor: name,
    });
  }
  return n;
}

/** Little-endian raw_data → numbers (ONNX stores raw_data little-endian whatever the host). */
function readRaw(raw: Uint8Array, dtype: DType, out: Float32Array | Float64Array, ctx: Ctx, name: string): void {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < out.length; i++) {
    switch (dtype) {
      case 'float32':
        out[i] = dv.getFloat32(i * 4, true);
        break;
      case 'float64':
        out[i] = dv.getFloat64(i * 8, true);
        break;
      case 'int64':
        out[i] = saturate(dv.getBigInt64(i * 8, true), ctx, name);
        break;
      case 'uint64':
        out[i] = saturate(dv.getBigUint64(i * 8, true), ctx, name);
        break;
      case 'int32':
        out[i] = dv.getInt32(i * 4, true);
        break;
      case 'uint32':
        out[i] = dv.getUint32(i * 4, true);
        break;
      case 'int16':
        out[i] = dv.getInt16(i * 2, true);
        break;
      case 'uint16':
        out[i] = dv.getUint16(i * 2, true);
        break;
      case 'int8':
        out[i] = dv.getInt8(i);
        break;
      case 'uint8':
      case 'bool':
        out[i] = dv.getUint8(i);
        break;
    }
  }
}
