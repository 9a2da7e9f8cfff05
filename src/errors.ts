/**
 * Typed errors with stable codes. The library throws these; the CLI renders them and exits non-zero.
 * A code never changes meaning once published: scripts may match on it.
 */
export const ErrorCodes = {
  /** The file cannot be read at all (missing, unreadable). */
  FILE: 'E_FILE',
  /** Bytes that are not a valid ONNX protobuf, or a truncated one. */
  ONNX_PARSE: 'E_ONNX_PARSE',
  /** A tensor with a data type we do not handle (string, complex, float16 ...). */
  ONNX_DTYPE: 'E_ONNX_DTYPE',
  /** A tensor whose data lives in an external file. */
  ONNX_EXTERNAL: 'E_ONNX_EXTERNAL_DATA',
  /** IR version or opset outside the supported range. */
  ONNX_VERSION: 'E_ONNX_VERSION',
  /** A graph that is structurally wrong (dangling input, missing initializer, cycle). */
  GRAPH: 'E_GRAPH',
  /** One or more ops that we cannot import (lists every one). */
  UNSUPPORTED_OP: 'E_UNSUPPORTED_OP',
  /** An attribute value that ONNX allows but we do not support, or one that is invalid. */
  ATTRIBUTE: 'E_ATTRIBUTE',
  /** Shapes that do not fit together. */
  SHAPE: 'E_SHAPE',
  /** A dataset file we cannot parse. */
  DATA_FORMAT: 'E_DATA_FORMAT',
  /** Samples whose size does not fit the model input. */
  DATA_SHAPE: 'E_DATA_SHAPE',
  /** Label file missing or with a count that differs from the images. */
  DATA_LABELS: 'E_DATA_LABELS',
  /** NaN or Inf in the data after preprocessing. */
  DATA_NAN: 'E_DATA_NAN',
  /** A command-line or API option with a bad value. */
  OPTION: 'E_OPTION',
  /** The runtime failed to execute a graph. */
  RUNTIME: 'E_RUNTIME',
  /** A layer that cannot be converted into a spiking layer (lists every one). */
  CONVERT: 'E_CONVERT',
  /** A thresholds file that does not fit the model. */
  THRESHOLDS: 'E_THRESHOLDS',
  /** Shard records that do not make one run (missing, duplicated, of different runs), or a worker's files differing from the coordinator's. */
  SHARD: 'E_SHARD',
  /** The queue (Redis) cannot be reached. */
  QUEUE_CONNECT: 'E_QUEUE_CONNECT',
  /** The queue (Redis) refused the credentials. */
  QUEUE_AUTH: 'E_QUEUE_AUTH',
  /** A queued job failed on every attempt, or the queue misbehaved. */
  QUEUE: 'E_QUEUE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class Onnx2SnnError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable context: file, node, option, expected, actual ... */
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'Onnx2SnnError';
    this.code = code;
    this.details = details;
  }
}

export function isOnnx2SnnError(e: unknown): e is Onnx2SnnError {
  return e instanceof Onnx2SnnError;
}
