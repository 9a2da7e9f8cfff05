/** Helpers of the TensorFlow.js lowerings (NCHW kept throughout; tfjs pools and convolves NHWC). */
import { ErrorCodes, Onnx2SnnError } from '../../src/errors.js';
import type { Node } from '../../src/graph/types.js';
import type { Geometry } from '../spatial.js';
import type { Tf, TfTensor } from './types.js';

export const unsupportedInTfjs = (n: Node, why: string): Onnx2SnnError =>
  new Onnx2SnnError(ErrorCodes.OPTION, `tfjs: ${n.opType} "${n.name}" ${why}`, { node: n.name, op: n.opType });

/** NCHW → NHWC, padded per the window geometry with `value`. */
export function paddedNhwc(tf: Tf, x: TfTensor, g: Geometry, value = 0): TfTensor {
  return tf.pad(
    tf.transpose(x, [0, 2, 3, 1]),
    [
      [0, 0],
      [g.padsBegin[0]!, g.padsEnd[0]!],
      [g.padsBegin[1]!, g.padsEnd[1]!],
      [0, 0],
    ],
    value,
  );
}

/** A VALID max pool of an NHWC tensor back to NCHW. */
export function maxPoolNchw(tf: Tf, nhwc: TfTensor, kernel: readonly number[], g: Geometry): TfTensor {
  return tf.transpose(tf.maxPool(nhwc as Parameters<Tf['maxPool']>[0], [kernel[0]!, kernel[1]!], [g.strides[0]!, g.strides[1]!], 'valid'), [0, 3, 1, 2]);
}
