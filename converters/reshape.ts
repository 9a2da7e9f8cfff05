/**
 * The reshaping ops: Identity, Dropout (inference), Flatten, Reshape (shape input since opset 5,
 * allowzero since 14), Squeeze / Unsqueeze (axes attribute before opset 13, input since). In an
 * SNN they move spikes unchanged (only the data input may vary in time); in NIR they vanish or
 * are a `Flatten` (NIR counts axes without the batch, as its calc_flatten_output does).
 */
import { attrInt, attrInts, hasAttr } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import { prod, same, text } from './backends/nir.js';
import type { NirLowering, TfjsLowering } from './backends/types.js';
import { defineOp, io, noAttrs, routing } from './define.js';
import type { OpEntry, OutputShape } from './types.js';
import { alloc, attributeError, constValue, dimsText, ints, need, normAxes, optConstValue, sameShape, shapeError, withDims, type Val } from './util.js';

/** NIR: the same shape is no node; flattening to one axis is `Flatten`; any other reshape has no primitive. */
const reshapeNir: NirLowering<unknown> = (n, _a, [x], ctx) => {
  const outDims = ctx.dims(n.outputs[0]!);
  if (n.opType === 'Flatten') {
    const axis = flatten.parseAttributes(n);
    if (axis !== 1) return ctx.problem(`Flatten "${n.name}": axis ${axis} (only axis 1 keeps the batch axis apart)`);
  }
  if (same(outDims, x!.dims)) return ctx.ownedBy(x!, n.inputs[0]!);
  if (outDims.length === 1 && outDims[0] === prod(x!.dims)) {
    const nm = ctx.add(ctx.name(n), { type: 'Flatten', input_type: [...x!.dims], start_dim: 0, end_dim: -1 }, x!.terms, n.name);
    return { terms: [nm], dims: outDims, owned: [] };
  }
  return ctx.problem(`${n.opType} "${n.name}": reshapes ${text(x!.dims)} to ${text(outDims)}; NIR has Flatten only`);
};

const reshapeTfjs: TfjsLowering<unknown> = (n, _a, [x], ctx) => ctx.tf.reshape(x!, ctx.outDims(n.outputs[0]!));
const passNir: NirLowering<unknown> = (n, _a, [x], ctx) => ctx.ownedBy(x!, n.inputs[0]!);

// ---------------------------------------------------------------------------------------------
// Identity, Dropout

export const identity = defineOp({
  opType: 'Identity',
  schema: io(1, 1),
  attrs: noAttrs,
  shapes: (node, _a, inputs) => [sameShape(need(node, inputs, 0, 'input'))],
  run: (node, _a, inputs) => [withDims(need(node, inputs, 0, 'input'), need(node, inputs, 0, 'input').dims)],
  ...routing(),
  lower: { tfjs: (_n, _a, [x]) => x!, nir: passNir },
});

function hasMask(node: Node): boolean {
  return node.outputs.length > 1 && node.outputs[1] !== '';
}

/**
 * Dropout at inference: the output is the input. The optional mask (bool since opset 10, of the
 * input type before) is all ones since opset 12 (spec and onnxruntime); before opset 12 the spec
 * leaves it undefined at inference and onnxruntime fills it with zeros, which we follow. Since
 * opset 12 a constant true training_mode is rejected.
 */
function dropoutRule(sinceOpset: number): OpEntry {
  const maskType = (x: Val): DType => (sinceOpset >= 10 ? 'bool' : x.dtype);
  const checkTraining = (node: Node, t: Val | undefined): void => {
    if (sinceOpset < 12 || !t) return;
    const v = 'data' in t ? t : t.value;
    if (!v) throw shapeError(node, 'training_mode must be a constant (only inference is supported)', 'constant false', 'computed at run time');
    if (v.data[0]) throw attributeError(node, 'training_mode = true is not supported (inference only)', 'training_mode', true);
  };
  return defineOp({
    opType: 'Dropout',
    sinceOpset,
    schema: sinceOpset >= 12 ? io([1, 3], [1, 2], { seed: { kind: 'int' } }) : io(1, [1, 2], { ratio: { kind: 'float' } }),
    attrs: noAttrs,
    shapes(node, _a, inputs) {
      const x = need(node, inputs, 0, 'data');
      checkTraining(node, inputs[2]);
      const outs: OutputShape[] = [sameShape(x)];
      if (hasMask(node)) outs.push({ dtype: maskType(x), dims: [...x.dims] });
      return outs;
    },
    run(node, _a, inputs) {
      const x = need(node, inputs, 0, 'data');
      checkTraining(node, inputs[2]);
      const outs: Tensor[] = [withDims(x, x.dims)];
      if (hasMask(node)) {
        const dt = maskType(x);
        outs.push({ dtype: dt, dims: [...x.dims], data: alloc(dt, x.data.length).fill(sinceOpset >= 12 ? 1 : 0) });
      }
      return outs;
    },
    ...routing([0]),
    lower: { tfjs: (_n, _a, [x]) => x!, nir: passNir },
  });
}

export const dropout7 = dropoutRule(7);
export const dropout10 = dropoutRule(10);
export const dropout12 = dropoutRule(12);

// ---------------------------------------------------------------------------------------------
// Flatten

function flattenDims(node: Node, axis0: number, x: Val): number[] {
  const r = x.dims.length;
  const axis = axis0 < 0 ? axis0 + r : axis0;
  if (axis < 0 || axis > r) throw attributeError(node, `axis ${axis0} is out of range [${-r}, ${r}] for input ${dimsText(x.dims)}`, 'axis', axis0);
  return [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))];
}

export const flatten: OpEntry<number> = defineOp<number>({
  opType: 'Flatten',
  schema: io(1, 1, { axis: { kind: 'int' } }),
  attrs: (node) => attrInt(node, 'axis', 1),
  shapes(node, axis, inputs) {
    const x = need(node, inputs, 0, 'input');
    return [{ dtype: x.dtype, dims: flattenDims(node, axis, x) }];
  },
  run(node, axis, inputs) {
    const x = need(node, inputs, 0, 'input');
    return [withDims(x, flattenDims(node, axis, x))];
  },
  ...routing(),
  lower: { tfjs: reshapeTfjs, nir: reshapeNir },
});

// ---------------------------------------------------------------------------------------------
// Reshape (shape input since opset 5, allowzero since 14)

function reshapeDims(node: Node, x: Val, shapeT: Tensor, allowZero: boolean): number[] {
  const shape = ints(shapeT);
  if (shapeT.dims.length !== 1) throw shapeError(node, `shape must be a 1-D tensor, got dims ${dimsText(shapeT.dims)}`, '1-D', dimsText(shapeT.dims));
  let inferAt = -1;
  const out = shape.map((d, i) => {
    if (d === -1) {
      if (inferAt >= 0) throw shapeError(node, `shape ${dimsText(shape)} has more than one -1`, 'at most one -1', dimsText(shape));
      inferAt = i;
      return 1;
    }
    if (d === 0 && !allowZero) {
      if (i >= x.dims.length)
        throw shapeError(
          node,
          `shape ${dimsText(shape)} copies dimension ${i} (0) but the input ${dimsText(x.dims)} has rank ${x.dims.length}`,
          `rank > ${i}`,
          x.dims.length,
        );
      return x.dims[i]!;
    }
    if (d < 0 || !Number.isInteger(d)) throw shapeError(node, `shape ${dimsText(shape)} has an invalid value ${d}`, '>= -1', d);
    return d;
  });
  if (allowZero && inferAt >= 0 && shape.includes(0))
    throw shapeError(node, `shape ${dimsText(shape)} has both 0 and -1 with allowzero=1`, 'no 0 with -1', dimsText(shape));
  const n = sizeOf(x.dims);
  if (inferAt >= 0) {
    const known = sizeOf(out);
    if (known === 0 || n % known !== 0) {
      throw shapeError(node, `cannot reshape ${dimsText(x.dims)} (${n} elements) to ${dimsText(shape)}`, `a multiple of ${known}`, n);
    }
    out[inferAt] = n / known;
  }
  if (sizeOf(out) !== n)
    throw shapeError(node, `cannot reshape ${dimsText(x.dims)} (${n} elements) to ${dimsText(out)} (${sizeOf(out)} elements)`, n, sizeOf(out));
  return out;
}

function reshapeRule(sinceOpset: number): OpEntry<boolean> {
  return defineOp<boolean>({
    opType: 'Reshape',
    sinceOpset,
    schema: io(2, 1, sinceOpset >= 14 ? { allowzero: { kind: 'int' } } : {}),
    attrs: (node) => {
      const a = attrInt(node, 'allowzero');
      if (a !== undefined && sinceOpset < 14) throw attributeError(node, 'allowzero is an attribute of Reshape since opset 14 only', 'allowzero', a);
      return (a ?? 0) !== 0;
    },
    shapes(node, allowZero, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: reshapeDims(node, x, constValue(node, need(node, inputs, 1, 'shape'), 'shape'), allowZero) }];
    },
    run(node, allowZero, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [withDims(x, reshapeDims(node, x, need(node, inputs, 1, 'shape'), allowZero))];
    },
    ...routing([0]),
    lower: { tfjs: reshapeTfjs, nir: reshapeNir },
  });
}

export const reshape5 = reshapeRule(5);
export const reshape14 = reshapeRule(14);

// ---------------------------------------------------------------------------------------------
// Squeeze / Unsqueeze (axes attribute before opset 13, axes input since)

/** The axes attribute before opset 13 (undefined since: the axes are an input). */
function parseAxes(node: Node, fromInput: boolean): readonly number[] | undefined {
  if (fromInput) {
    if (hasAttr(node, 'axes')) throw attributeError(node, 'axes is an input (not an attribute) since opset 13', 'axes');
    return undefined;
  }
  return attrInts(node, 'axes');
}

function axesOf(node: Node, attr: readonly number[] | undefined, inputs: readonly (Val | undefined)[], fromInput: boolean): number[] | undefined {
  if (fromInput) {
    const t = optConstValue(node, inputs[1], 'axes');
    return t ? ints(t) : undefined;
  }
  return attr ? [...attr] : undefined;
}

function squeezeDims(node: Node, x: Val, axes: number[] | undefined): number[] {
  if (axes === undefined) return x.dims.filter((d) => d !== 1);
  const ax = normAxes(node, axes, x.dims.length);
  for (const a of ax) {
    if (x.dims[a] !== 1) throw shapeError(node, `cannot squeeze axis ${a} of ${dimsText(x.dims)}: its size is ${x.dims[a]}, not 1`, 1, x.dims[a]);
  }
  return x.dims.filter((_, i) => !ax.includes(i));
}

function unsqueezeDims(node: Node, x: Val, axes: number[] | undefined): number[] {
  if (axes === undefined) throw attributeError(node, 'axes is required', 'axes');
  const r = x.dims.length + axes.length;
  const ax = normAxes(node, axes, r);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : x.dims[j++]!);
  return out;
}

function squeezeRule(opType: 'Squeeze' | 'Unsqueeze', sinceOpset: number): OpEntry<readonly number[] | undefined> {
  const fromInput = sinceOpset >= 13;
  const f = opType === 'Squeeze' ? squeezeDims : unsqueezeDims;
  return defineOp<readonly number[] | undefined>({
    opType,
    sinceOpset,
    schema: fromInput ? io([opType === 'Squeeze' ? 1 : 2, 2], 1) : io(1, 1, { axes: { kind: 'ints', required: opType === 'Unsqueeze' } }),
    attrs: (node) => parseAxes(node, fromInput),
    shapes(node, axes, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: f(node, x, axesOf(node, axes, inputs, fromInput)) }];
    },
    run(node, axes, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [withDims(x, f(node, x, axesOf(node, axes, inputs, fromInput)))];
    },
    ...routing([0]),
    lower: { tfjs: reshapeTfjs, nir: reshapeNir },
  });
}

export const squeeze1 = squeezeRule('Squeeze', 1);
export const squeeze13 = squeezeRule('Squeeze', 13);
export const unsqueeze1 = squeezeRule('Unsqueeze', 1);
export const unsqueeze13 = squeezeRule('Unsqueeze', 13);

export const ops: readonly OpEntry[] = [identity, dropout7, dropout10, dropout12, flatten, reshape5, reshape14, squeeze1, squeeze13, unsqueeze1, unsqueeze13];
