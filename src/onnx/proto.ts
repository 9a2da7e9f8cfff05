/** The only import of onnx-proto in the code base: src/onnx/ is the protobuf boundary. */
import onnxProto from 'onnx-proto';
import { ONNX_DTYPES } from '../graph/dtypes.js';

export const onnx = onnxProto.onnx;
export type ModelProto = InstanceType<typeof onnxProto.onnx.ModelProto>;

/** ONNX TensorProto.DataType numbers and our dtype names. */
export const DATA_TYPES = ONNX_DTYPES;

export const DATA_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
};

export function dataTypeNumber(dtype: import('../graph/types.js').DType): number {
  for (const [k, v] of Object.entries(DATA_TYPES)) if (v === dtype) return Number(k);
  throw new Error(`unknown dtype ${dtype}`);
}
