/**
 * Shape (start/end since opset 15), Cast, ConstantOfShape, Constant: ops on shapes and constants,
 * folded away at import (src/graph/passes/fold-constants.ts); none takes a time-varying input.
 */
import { ONNX_DTYPES } from '../src/graph/dtypes.js';
import { attrInt, attrTensor, hasAttr } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import { defineOp, io } from './define.js';
import type { OpEntry } from './types.js';
import { alloc, attributeError, constValue, dimsText, ints, need, shapeError, wrapInt, type Val } from './util.js';

// ---------------------------------------------------------------------------------------------
// Shape

interface ShapeAttrs {
  readonly start: number;
  readonly end?: number;
}

function shapeRange(a: ShapeAttrs, x: Val, sinceOpset: number): number[] {
  const r = x.dims.length;
  if (sinceOpset < 15) return [...x.dims];
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const s = clamp(a.start);
  const e = clamp(a.end ?? r);
  return x.dims.slice(s, Math.max(s, e));
}

function shapeRule(sinceOpset: number): OpEntry<ShapeAttrs> {
  return defineOp<ShapeAttrs>({
    opType: 'Shape',
    sinceOpset,
    schema: io(1, 1, sinceOpset >= 15 ? { start: { kind: 'int' }, end: { kind: 'int' } } : {}),
    attrs: (node) => {
      const end = attrInt(node, 'end');
      return { start: attrInt(node, 'start', 0), ...(end !== undefined ? { end } : {}) };
    },
    shapes(node, a, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: 'int64', dims: [shapeRange(a, x, sinceOpset).length] }];
    },
    run(node, a, inputs) {
      const d = shapeRange(a, need(node, inputs, 0, 'data'), sinceOpset);
      return [{ dtype: 'int64', dims: [d.length], data: Float64Array.from(d) }];
    },
  });
}

export const shape1 = shapeRule(1);
export const shape15 = shapeRule(15);

// ---------------------------------------------------------------------------------------------
// Cast, ConstantOfShape, Constant

function castTo(node: Node): DType {
  const to = attrInt(node, 'to');
  if (to === undefined) throw attributeError(node, 'the required attribute to is missing', 'to');
  const dt = ONNX_DTYPES[to];
  if (!dt) throw attributeError(node, `cast to ONNX data type ${to} is not supported (supported: float, double, integer and bool types)`, 'to', to);
  return dt;
}

/** Casts one value the C++ way: truncation toward zero for integers, wrap-around for narrow ones. */
function castValue(v: number, to: DType): number {
  switch (to) {
    case 'float32':
    case 'float64':
      return v;
    case 'bool':
      return v !== 0 ? 1 : 0; // NaN counts as true
    case 'uint64':
    case 'int64':
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    default:
      return wrapInt(to, Number.isFinite(v) ? Math.trunc(v) : 0);
  }
}

export const cast = defineOp<DType>({
  opType: 'Cast',
  schema: io(1, 1, { to: { kind: 'int', required: true }, saturate: { kind: 'int' } }),
  attrs: castTo,
  shapes(node, to, inputs) {
    const x = need(node, inputs, 0, 'input');
    return [{ dtype: to, dims: [...x.dims] }];
  },
  run(node, to, inputs) {
    const x = need(node, inputs, 0, 'input');
    const out = alloc(to, x.data.length);
    const xd = x.data;
    for (let i = 0; i < xd.length; i++) out[i] = castValue(xd[i]!, to);
    return [{ dtype: to, dims: [...x.dims], data: out }];
  },
});

function parseConstantOfShape(node: Node): { dtype: DType; value: number } {
  const v = attrTensor(node, 'value');
  if (v && v.data.length !== 1) throw attributeError(node, `value must hold exactly one element, got ${v.data.length}`, 'value', v.data.length);
  return { dtype: v ? v.dtype : 'float32', value: v ? v.data[0]! : 0 };
}

function constantOfShapeDims(node: Node, inputs: readonly (Val | undefined)[]): number[] {
  const shapeT = constValue(node, need(node, inputs, 0, 'input'), 'input');
  if (shapeT.dims.length !== 1) throw shapeError(node, `input must be a 1-D shape tensor, got dims ${dimsText(shapeT.dims)}`, '1-D', dimsText(shapeT.dims));
  const dims = ints(shapeT);
  if (dims.some((d) => d < 0 || !Number.isInteger(d))) throw shapeError(node, `shape ${dimsText(dims)} has a negative dimension`, '>= 0', dimsText(dims));
  return dims;
}

export const constantOfShape = defineOp<{ dtype: DType; value: number }>({
  opType: 'ConstantOfShape',
  schema: io(1, 1, { value: { kind: 'tensor' } }),
  attrs: parseConstantOfShape,
  shapes: (node, a, inputs) => [{ dtype: a.dtype, dims: constantOfShapeDims(node, inputs) }],
  run(node, { dtype, value }, inputs) {
    const dims = constantOfShapeDims(node, inputs);
    return [{ dtype, dims, data: alloc(dtype, sizeOf(dims)).fill(value) }];
  },
});

function constantValue(node: Node): Tensor {
  const set = VALUE_KINDS.filter((k) => hasAttr(node, k));
  if (set.length !== 1) throw attributeError(node, `exactly one value attribute is required, got ${set.length ? set.join(', ') : 'none'}`, 'value', set);
  const a = node.attrs[set[0]!]!;
  switch (a.kind) {
    case 'tensor':
      if (set[0] !== 'value') break;
      return { dtype: a.value.dtype, dims: [...a.value.dims], data: a.value.data.slice() };
    case 'float':
      if (set[0] !== 'value_float') break;
      return { dtype: 'float32', dims: [], data: Float32Array.of(a.value) };
    case 'floats':
      if (set[0] !== 'value_floats') break;
      return { dtype: 'float32', dims: [a.value.length], data: Float32Array.from(a.value) };
    case 'int':
      if (set[0] !== 'value_int') break;
      return { dtype: 'int64', dims: [], data: Float64Array.of(a.value) };
    case 'ints':
      if (set[0] !== 'value_ints') break;
      return { dtype: 'int64', dims: [a.value.length], data: Float64Array.from(a.value) };
    default:
      break;
  }
  throw attributeError(node, `attribute ${set[0]} (${a.kind}) is not supported`, set[0], a.kind);
}

const VALUE_KINDS = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'sparse_value', 'value_string', 'value_strings'];

export const constant = defineOp<Tensor>({
  opType: 'Constant',
  schema: io(0, 1, {
    value: { kind: 'tensor' },
    sparse_value: { kind: 'tensor' },
    value_float: { kind: 'float' },
    value_floats: { kind: 'floats' },
    value_int: { kind: 'int' },
    value_ints: { kind: 'ints' },
    value_string: { kind: 'string' },
    value_strings: { kind: 'strings' },
  }),
  attrs: constantValue,
  shapes: (_node, t) => [{ dtype: t.dtype, dims: t.dims }],
  // a copy each time: the value becomes an initializer that passes may hand on
  run: (_node, t) => [{ dtype: t.dtype, dims: [...t.dims], data: t.data.slice() }],
});

export const ops: readonly OpEntry[] = [shape1, shape15, cast, constantOfShape, constant];
