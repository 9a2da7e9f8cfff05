/** ONNX TensorProto.DataType numbers of the dtypes we compute with (shared by the reader and Cast). */
import type { DType } from './types.js';

export const ONNX_DTYPES: Readonly<Record<number, DType>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};
