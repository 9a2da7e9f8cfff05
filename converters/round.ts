/**
 * Round (opset 11): to the nearest integer, ties to even (IEEE 754 roundTiesToEven, what
 * onnxruntime's std::nearbyint and tf.round compute). It appears in graphs imported with
 * `activationQuant: 'keep'` (src/graph/passes/fake-quant.ts), which emulate the rounding of int8
 * execution; it has no rate-coded form, so such a graph is for ANN evaluation only.
 */
import { roundHalfEven } from '../src/graph/quant.js';
import { defineOp, io, noAttrs } from './define.js';
import type { OpEntry } from './types.js';
import { sameShape, unaryMap } from './util.js';

export const round = defineOp({
  opType: 'Round',
  sinceOpset: 11,
  schema: io(1, 1),
  attrs: noAttrs,
  shapes: (_n, _a, [x]) => [sameShape(x)],
  run: (_n, _a, [x]) => [unaryMap(x!, roundHalfEven)],
  spiking: { kind: 'nonlinear', why: "rounding (int8 emulation of an import with activationQuant 'keep'; convert the 'drop' import)" },
  lower: { tfjs: (_n, _a, [x], { tf }) => tf.round(x!) },
});

export const ops: readonly OpEntry[] = [round];
