/**
 * The shape ops: Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Concat, Slice, Pad, Shape, Gather,
 * Cast, ConstantOfShape, Constant, Identity, Dropout. Opset-dependent forms are separate rules.
 *
 * Ops whose output shape depends on an input's value (Reshape shape, Slice starts/ends/axes/steps,
 * Pad pads/axes, Squeeze/Unsqueeze axes inputs, ConstantOfShape) need that input to be a constant
 * in inferShapes and throw E_SHAPE otherwise.
 */
import { ONNX_DTYPES } from '../src/graph/dtypes.js';
import { attrFloat, attrInt, attrInts, attrString, attrTensor, hasAttr } from '../src/graph/attrs.js';
import { sizeOf, stridesOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import type { OpRule, OutputShape, ShapedValue } from './types.js';
import { alloc, attributeError, constValue, dimsText, need, optConstValue, sameShape, shapeError, wrapInt } from './util.js';

type Val = ShapedValue | Tensor;

function copyData(t: Tensor): Float32Array | Float64Array {
  return t.data.slice();
}

function withDims(t: Tensor, dims: readonly number[]): Tensor {
  return { dtype: t.dtype, dims: [...dims], data: copyData(t) };
}

/** Integer values of a constant (shape, axes, pads ...). */
function ints(t: Tensor): number[] {
  return Array.from(t.data);
}

/**
 * Copies src into a new array walking `outDims`: out[i0..ik] = src[base + sum(i_d * strides[d])].
 * Used by Transpose, Slice and Pad.
 */
function stridedCopy(src: Float32Array | Float64Array, base: number, outDims: readonly number[], strides: readonly number[], out: Float32Array | Float64Array): void {
  const total = sizeOf(outDims);
  if (total === 0) return;
  const r = outDims.length;
  if (r === 0) {
    out[0] = src[base]!;
    return;
  }
  const len = outDims[r - 1]!;
  const ls = strides[r - 1]!;
  const idx = new Array<number>(r - 1).fill(0);
  let off = base;
  for (let o = 0; o < total; o += len) {
    let i = off;
    for (let j = 0; j < len; j++, i += ls) out[o + j] = src[i]!;
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < outDims[d]!) break;
      off -= strides[d]! * outDims[d]!;
      idx[d] = 0;
    }
  }
}

/** Normalises a list of axes against `rank` (negatives allowed), rejecting out-of-range and repeats. */
function normAxes(node: Node, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => {
    const v = a < 0 ? a + rank : a;
    if (!Number.isInteger(v) || v < 0 || v >= rank) throw attributeError(node, `${what} value ${a} is out of range for rank ${rank}`, what, axes);
    return v;
  });
  if (new Set(out).size !== out.length) throw attributeError(node, `${what} ${dimsText([...axes])} repeats an axis`, what, axes);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Identity, Dropout

export const identity: OpRule = {
  opType: 'Identity',
  inferShapes: (node, inputs) => [sameShape(need(node, inputs, 0, 'input'))],
  evaluate: (node, inputs) => [withDims(need(node, inputs, 0, 'input'), need(node, inputs, 0, 'input').dims)],
};

function hasMask(node: Node): boolean {
  return node.outputs.length > 1 && node.outputs[1] !== '';
}

/**
 * Dropout at inference: the output is the input. The optional mask (bool since opset 10, of the
 * input type before) is all ones since opset 12 (spec and onnxruntime); before opset 12 the spec
 * leaves it undefined at inference and onnxruntime fills it with zeros, which we follow. Since
 * opset 12 a constant true training_mode is rejected.
 */
function dropoutRule(sinceOpset: number): OpRule {
  const maskType = (x: Val): DType => (sinceOpset >= 10 ? 'bool' : x.dtype);
  const checkTraining = (node: Node, t: Val | undefined): void => {
    if (sinceOpset < 12 || !t) return;
    const v = 'data' in t ? t : t.value;
    if (!v) throw shapeError(node, 'training_mode must be a constant (only inference is supported)', 'constant false', 'computed at run time');
    if (v.data[0]) throw attributeError(node, 'training_mode = true is not supported (inference only)', 'training_mode', true);
  };
  return {
    opType: 'Dropout',
    sinceOpset,
    inferShapes(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      checkTraining(node, inputs[2]);
      const outs: OutputShape[] = [sameShape(x)];
      if (hasMask(node)) outs.push({ dtype: maskType(x), dims: [...x.dims] });
      return outs;
    },
    evaluate(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      checkTraining(node, inputs[2]);
      const outs: Tensor[] = [withDims(x, x.dims)];
      if (hasMask(node)) {
        const dt = maskType(x);
        outs.push({ dtype: dt, dims: [...x.dims], data: alloc(dt, x.data.length).fill(sinceOpset >= 12 ? 1 : 0) });
      }
      return outs;
    },
  };
}

export const dropout7 = dropoutRule(7);
export const dropout10 = dropoutRule(10);
export const dropout12 = dropoutRule(12);

// ---------------------------------------------------------------------------------------------
// Flatten

function flattenDims(node: Node, x: Val): number[] {
  const r = x.dims.length;
  const axis0 = attrInt(node, 'axis', 1);
  const axis = axis0 < 0 ? axis0 + r : axis0;
  if (axis < 0 || axis > r) throw attributeError(node, `axis ${axis0} is out of range [${-r}, ${r}] for input ${dimsText(x.dims)}`, 'axis', axis0);
  return [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))];
}

export const flatten: OpRule = {
  opType: 'Flatten',
  inferShapes(node, inputs) {
    const x = need(node, inputs, 0, 'input');
    return [{ dtype: x.dtype, dims: flattenDims(node, x) }];
  },
  evaluate(node, inputs) {
    const x = need(node, inputs, 0, 'input');
    return [withDims(x, flattenDims(node, x))];
  },
};

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
      if (i >= x.dims.length) throw shapeError(node, `shape ${dimsText(shape)} copies dimension ${i} (0) but the input ${dimsText(x.dims)} has rank ${x.dims.length}`, `rank > ${i}`, x.dims.length);
      return x.dims[i]!;
    }
    if (d < 0 || !Number.isInteger(d)) throw shapeError(node, `shape ${dimsText(shape)} has an invalid value ${d}`, '>= -1', d);
    return d;
  });
  if (allowZero && inferAt >= 0 && shape.includes(0)) throw shapeError(node, `shape ${dimsText(shape)} has both 0 and -1 with allowzero=1`, 'no 0 with -1', dimsText(shape));
  const n = sizeOf(x.dims);
  if (inferAt >= 0) {
    const known = sizeOf(out);
    if (known === 0 || n % known !== 0) {
      throw shapeError(node, `cannot reshape ${dimsText(x.dims)} (${n} elements) to ${dimsText(shape)}`, `a multiple of ${known}`, n);
    }
    out[inferAt] = n / known;
  }
  if (sizeOf(out) !== n) throw shapeError(node, `cannot reshape ${dimsText(x.dims)} (${n} elements) to ${dimsText(out)} (${sizeOf(out)} elements)`, n, sizeOf(out));
  return out;
}

function reshapeRule(sinceOpset: number): OpRule {
  const allowZero = (node: Node): boolean => {
    const a = attrInt(node, 'allowzero');
    if (a !== undefined && sinceOpset < 14) throw attributeError(node, 'allowzero is an attribute of Reshape since opset 14 only', 'allowzero', a);
    return (a ?? 0) !== 0;
  };
  return {
    opType: 'Reshape',
    sinceOpset,
    inferShapes(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: reshapeDims(node, x, constValue(node, need(node, inputs, 1, 'shape'), 'shape'), allowZero(node)) }];
    },
    evaluate(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [withDims(x, reshapeDims(node, x, need(node, inputs, 1, 'shape'), allowZero(node)))];
    },
  };
}

export const reshape5 = reshapeRule(5);
export const reshape14 = reshapeRule(14);

// ---------------------------------------------------------------------------------------------
// Transpose

function transposePerm(node: Node, x: Val): number[] {
  const r = x.dims.length;
  const perm = attrInts(node, 'perm');
  if (perm === undefined) return Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r) throw shapeError(node, `perm ${dimsText(perm)} has ${perm.length} entries for an input of rank ${r} ${dimsText(x.dims)}`, r, perm.length);
  const seen = new Set<number>();
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= r || seen.has(p)) throw attributeError(node, `perm ${dimsText(perm)} is not a permutation of 0..${r - 1}`, 'perm', perm);
    seen.add(p);
  }
  return [...perm];
}

export const transpose: OpRule = {
  opType: 'Transpose',
  inferShapes(node, inputs) {
    const x = need(node, inputs, 0, 'data');
    return [{ dtype: x.dtype, dims: transposePerm(node, x).map((p) => x.dims[p]!) }];
  },
  evaluate(node, inputs) {
    const x = need(node, inputs, 0, 'data');
    const perm = transposePerm(node, x);
    const dims = perm.map((p) => x.dims[p]!);
    const inStrides = stridesOf(x.dims);
    const out = alloc(x.dtype, x.data.length);
    stridedCopy(x.data, 0, dims, perm.map((p) => inStrides[p]!), out);
    return [{ dtype: x.dtype, dims, data: out }];
  },
};

// ---------------------------------------------------------------------------------------------
// Squeeze / Unsqueeze (axes attribute before opset 13, axes input since)

function axesOf(node: Node, inputs: readonly (Val | undefined)[], fromInput: boolean): number[] | undefined {
  if (fromInput) {
    if (hasAttr(node, 'axes')) throw attributeError(node, 'axes is an input (not an attribute) since opset 13', 'axes');
    const t = optConstValue(node, inputs[1], 'axes');
    return t ? ints(t) : undefined;
  }
  const a = attrInts(node, 'axes');
  return a ? [...a] : undefined;
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

function squeezeRule(opType: 'Squeeze' | 'Unsqueeze', sinceOpset: number): OpRule {
  const fromInput = sinceOpset >= 13;
  const f = opType === 'Squeeze' ? squeezeDims : unsqueezeDims;
  return {
    opType,
    sinceOpset,
    inferShapes(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: f(node, x, axesOf(node, inputs, fromInput)) }];
    },
    evaluate(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [withDims(x, f(node, x, axesOf(node, inputs, fromInput)))];
    },
  };
}

export const squeeze1 = squeezeRule('Squeeze', 1);
export const squeeze13 = squeezeRule('Squeeze', 13);
export const unsqueeze1 = squeezeRule('Unsqueeze', 1);
export const unsqueeze13 = squeezeRule('Unsqueeze', 13);

// ---------------------------------------------------------------------------------------------
// Concat

function concatShape(node: Node, xs: readonly (Val | undefined)[]): { axis: number; dims: number[]; dtype: DType } {
  const list = xs.filter((v): v is Val => v !== undefined);
  if (list.length === 0 || list.length !== xs.length) throw shapeError(node, 'Concat needs at least one input and no omitted inputs', '>= 1 inputs', list.length);
  const first = list[0]!;
  const r = first.dims.length;
  const a0 = attrInt(node, 'axis');
  if (a0 === undefined) throw attributeError(node, 'the required attribute axis is missing', 'axis');
  const axis = a0 < 0 ? a0 + r : a0;
  if (axis < 0 || axis >= r) throw attributeError(node, `axis ${a0} is out of range for rank ${r}`, 'axis', a0);
  const dims = [...first.dims];
  dims[axis] = 0;
  list.forEach((v, k) => {
    if (v.dtype !== first.dtype) throw shapeError(node, `input ${k} has type ${v.dtype} but input 0 has ${first.dtype}`, first.dtype, v.dtype);
    const ok = v.dims.length === r && v.dims.every((d, i) => i === axis || d === first.dims[i]);
    if (!ok) throw shapeError(node, `input ${k} ${dimsText(v.dims)} does not match input 0 ${dimsText(first.dims)} outside axis ${axis}`, dimsText(first.dims), dimsText(v.dims));
    dims[axis]! += v.dims[axis]!;
  });
  return { axis, dims, dtype: first.dtype };
}

export const concat: OpRule = {
  opType: 'Concat',
  inferShapes(node, inputs) {
    const { dims, dtype } = concatShape(node, inputs);
    return [{ dtype, dims }];
  },
  evaluate(node, inputs) {
    const { axis, dims, dtype } = concatShape(node, inputs);
    const xs = inputs as readonly Tensor[];
    const out = alloc(dtype, sizeOf(dims));
    const outer = sizeOf(dims.slice(0, axis));
    const inner = sizeOf(dims.slice(axis + 1));
    let o = 0;
    for (let i = 0; i < outer; i++) {
      for (const x of xs) {
        const block = x.dims[axis]! * inner;
        out.set(x.data.subarray(i * block, (i + 1) * block), o);
        o += block;
      }
    }
    return [{ dtype, dims, data: out }];
  },
};

// ---------------------------------------------------------------------------------------------
// Slice (attributes before opset 10; inputs starts, ends, axes, steps since 10)

interface SlicePlan {
  readonly dims: number[];
  readonly base: number;
  readonly strides: number[];
}

function slicePlan(node: Node, x: Val, starts: readonly number[], ends: readonly number[], axes: readonly number[] | undefined, steps: readonly number[] | undefined): SlicePlan {
  const r = x.dims.length;
  if (starts.length !== ends.length) throw shapeError(node, `starts has ${starts.length} values but ends has ${ends.length}`, starts.length, ends.length);
  const ax = axes === undefined ? starts.map((_, i) => i) : axes;
  if (ax.length !== starts.length) throw shapeError(node, `axes has ${ax.length} values but starts has ${starts.length}`, starts.length, ax.length);
  if (steps !== undefined && steps.length !== starts.length) throw shapeError(node, `steps has ${steps.length} values but starts has ${starts.length}`, starts.length, steps.length);
  const axN = normAxes(node, ax, r);
  const inStrides = stridesOf(x.dims);
  const dims = [...x.dims];
  const strides = [...inStrides];
  let base = 0;
  axN.forEach((a, i) => {
    const dim = x.dims[a]!;
    const step = steps ? steps[i]! : 1;
    if (step === 0) throw attributeError(node, 'steps must not be 0', 'steps', steps);
    let s = starts[i]!;
    let e = ends[i]!;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    let len: number;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      len = e > s ? Math.ceil((e - s) / step) : 0;
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      len = s > e ? Math.ceil((s - e) / -step) : 0;
    }
    dims[a] = len;
    strides[a] = inStrides[a]! * step;
    if (len > 0) base += s * inStrides[a]!;
  });
  return { dims, base, strides };
}

function sliceArgs(node: Node, inputs: readonly (Val | undefined)[], fromInputs: boolean): [number[], number[], number[] | undefined, number[] | undefined] {
  if (!fromInputs) {
    const starts = attrInts(node, 'starts');
    const ends = attrInts(node, 'ends');
    if (!starts || !ends) throw attributeError(node, 'the required attributes starts and ends are missing', !starts ? 'starts' : 'ends');
    const axes = attrInts(node, 'axes');
    return [[...starts], [...ends], axes ? [...axes] : undefined, undefined];
  }
  const starts = ints(constValue(node, need(node, inputs, 1, 'starts'), 'starts'));
  const ends = ints(constValue(node, need(node, inputs, 2, 'ends'), 'ends'));
  const axesT = optConstValue(node, inputs[3], 'axes');
  const stepsT = optConstValue(node, inputs[4], 'steps');
  return [starts, ends, axesT ? ints(axesT) : undefined, stepsT ? ints(stepsT) : undefined];
}

function sliceRule(sinceOpset: number): OpRule {
  const fromInputs = sinceOpset >= 10;
  return {
    opType: 'Slice',
    sinceOpset,
    inferShapes(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: slicePlan(node, x, ...sliceArgs(node, inputs, fromInputs)).dims }];
    },
    evaluate(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      const p = slicePlan(node, x, ...sliceArgs(node, inputs, fromInputs));
      const out = alloc(x.dtype, sizeOf(p.dims));
      stridedCopy(x.data, p.base, p.dims, p.strides, out);
      return [{ dtype: x.dtype, dims: p.dims, data: out }];
    },
  };
}

export const slice1 = sliceRule(1);
export const slice10 = sliceRule(10);

// ---------------------------------------------------------------------------------------------
// Pad (attributes pads/mode/value before opset 11; inputs pads, constant_value since 11, axes since 18)

type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

interface PadPlan {
  readonly mode: PadMode;
  readonly begin: number[];
  readonly end: number[];
  readonly value: number;
  readonly dims: number[];
}

function padPlan(node: Node, x: Val, inputs: readonly (Val | undefined)[], sinceOpset: number): PadPlan {
  const r = x.dims.length;
  const mode = attrString(node, 'mode', 'constant');
  const modes: PadMode[] = sinceOpset >= 19 ? ['constant', 'reflect', 'edge', 'wrap'] : ['constant', 'reflect', 'edge'];
  if (!modes.includes(mode as PadMode)) throw attributeError(node, `mode "${mode}" is not one of ${modes.join(', ')}`, 'mode', mode);
  let pads: number[];
  let value = 0;
  let axes: number[];
  if (sinceOpset < 11) {
    const p = attrInts(node, 'pads');
    if (!p) throw attributeError(node, 'the required attribute pads is missing', 'pads');
    pads = [...p];
    value = attrFloat(node, 'value', 0);
    axes = x.dims.map((_, i) => i);
  } else {
    pads = ints(constValue(node, need(node, inputs, 1, 'pads'), 'pads'));
    const cv = inputs[2];
    if (cv) {
      const t = constValue(node, cv, 'constant_value');
      if (t.data.length > 0) value = t.data[0]!;
    }
    const axT = sinceOpset >= 18 ? optConstValue(node, inputs[3], 'axes') : undefined;
    axes = axT ? normAxes(node, ints(axT), r) : x.dims.map((_, i) => i);
  }
  if (pads.length !== 2 * axes.length) throw shapeError(node, `pads has ${pads.length} values, expected ${2 * axes.length} (2 x ${axes.length} axes) for input ${dimsText(x.dims)}`, 2 * axes.length, pads.length);
  const begin = new Array<number>(r).fill(0);
  const end = new Array<number>(r).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i]!;
    end[a] = pads[i + axes.length]!;
  });
  const dims = x.dims.map((d, i) => {
    const o = d + begin[i]! + end[i]!;
    if (o < 0) throw shapeError(node, `pads ${dimsText(pads)} remove more than axis ${i} of ${dimsText(x.dims)} holds`, '>= 0', o);
    // reflect / edge / wrap read from the (cropped) input: it must not be empty where it is padded
    const cropped = d + Math.min(0, begin[i]!) + Math.min(0, end[i]!);
    if (mode !== 'constant' && (begin[i]! > 0 || end[i]! > 0) && cropped === 0) {
      throw shapeError(node, `cannot ${mode}-pad axis ${i} of size 0`, '> 0', 0);
    }
    // reflect mirrors without repeating the edge: at most size-1 per side (onnxruntime refuses more)
    if (mode === 'reflect' && Math.max(begin[i]!, end[i]!) > cropped - 1) {
      throw shapeError(node, `reflect pads ${begin[i]}/${end[i]} exceed the maximum ${cropped - 1} for axis ${i} of size ${cropped}`, `<= ${cropped - 1}`, Math.max(begin[i]!, end[i]!));
    }
    // onnxruntime reads outside the input for a leading wrap pad longer than the axis
    if (mode === 'wrap' && begin[i]! > cropped) {
      throw shapeError(node, `wrap pad ${begin[i]} before axis ${i} exceeds its size ${cropped} (not supported)`, `<= ${cropped}`, begin[i]);
    }
    return o;
  });
  return { mode: mode as PadMode, begin, end, value, dims };
}

/** Source index along one axis (of length n) for padded position p (p relative to the cropped start), or -1 for the constant. */
function padSource(mode: PadMode, p: number, n: number): number {
  if (p >= 0 && p < n) return p;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return p < 0 ? 0 : n - 1;
    case 'wrap':
      return ((p % n) + n) % n;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * (n - 1);
      let q = ((p % period) + period) % period;
      if (q >= n) q = period - q;
      return q;
    }
  }
}

function padEval(node: Node, x: Tensor, plan: PadPlan): Tensor {
  const r = x.dims.length;
  // negative pads crop first; reflect/edge/wrap then read from the cropped input
  const inStrides = stridesOf(x.dims);
  let base = 0;
  const cropDims = x.dims.map((d, i) => {
    const cb = Math.max(0, -plan.begin[i]!);
    const ce = Math.max(0, -plan.end[i]!);
    base += cb * inStrides[i]!;
    return d - cb - ce;
  });
  const maps = plan.dims.map((od, i) => {
    const m = new Int32Array(od);
    const b = Math.max(0, plan.begin[i]!);
    for (let o = 0; o < od; o++) m[o] = padSource(plan.mode, o - b, cropDims[i]!);
    return m;
  });
  const out = alloc(x.dtype, sizeOf(plan.dims));
  const value = x.dtype === 'float32' || x.dtype === 'float64' ? plan.value : wrapInt(x.dtype, Math.trunc(plan.value));
  const total = out.length;
  if (total === 0) return { dtype: x.dtype, dims: plan.dims, data: out };
  if (r === 0) {
    out[0] = x.data[0]!;
    return { dtype: x.dtype, dims: [], data: out };
  }
  const len = plan.dims[r - 1]!;
  const lastMap = maps[r - 1]!;
  const ls = inStrides[r - 1]!;
  const idx = new Array<number>(r - 1).fill(0);
  const xd = x.data;
  for (let o = 0; o < total; o += len) {
    let rowBase = base;
    let constRow = false;
    for (let d = 0; d < r - 1; d++) {
      const s = maps[d]![idx[d]!]!;
      if (s < 0) {
        constRow = true;
        break;
      }
      rowBase += s * inStrides[d]!;
    }
    if (constRow) out.fill(value, o, o + len);
    else {
      for (let j = 0; j < len; j++) {
        const s = lastMap[j]!;
        out[o + j] = s < 0 ? value : xd[rowBase + s * ls]!;
      }
    }
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < plan.dims[d]!) break;
      idx[d] = 0;
    }
  }
  return { dtype: x.dtype, dims: plan.dims, data: out };
}

function padRule(sinceOpset: number): OpRule {
  return {
    opType: 'Pad',
    sinceOpset,
    inferShapes(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: padPlan(node, x, inputs, sinceOpset).dims }];
    },
    evaluate(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [padEval(node, x, padPlan(node, x, inputs, sinceOpset))];
    },
  };
}

export const pad2 = padRule(2);
export const pad11 = padRule(11);
export const pad18 = padRule(18);
export const pad19 = padRule(19);

// ---------------------------------------------------------------------------------------------
// Shape (start/end since opset 15)

function shapeRange(node: Node, x: Val, sinceOpset: number): number[] {
  const r = x.dims.length;
  if (sinceOpset < 15) return [...x.dims];
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const s = clamp(attrInt(node, 'start', 0));
  const e = clamp(attrInt(node, 'end', r));
  return x.dims.slice(s, Math.max(s, e));
}

function shapeRule(sinceOpset: number): OpRule {
  return {
    opType: 'Shape',
    sinceOpset,
    inferShapes(node, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: 'int64', dims: [shapeRange(node, x, sinceOpset).length] }];
    },
    evaluate(node, inputs) {
      const d = shapeRange(node, need(node, inputs, 0, 'data'), sinceOpset);
      return [{ dtype: 'int64', dims: [d.length], data: Float64Array.from(d) }];
    },
  };
}

export const shape1 = shapeRule(1);
export const shape15 = shapeRule(15);

// ---------------------------------------------------------------------------------------------
// Gather

function gatherPlan(node: Node, x: Val, idx: Val): { axis: number; dims: number[] } {
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw shapeError(node, `indices must be int32 or int64, got ${idx.dtype}`, 'int32/int64', idx.dtype);
  const r = x.dims.length;
  if (r === 0) throw shapeError(node, 'data must have rank >= 1', '>= 1', 0);
  const a0 = attrInt(node, 'axis', 0);
  const axis = a0 < 0 ? a0 + r : a0;
  if (axis < 0 || axis >= r) throw attributeError(node, `axis ${a0} is out of range for rank ${r}`, 'axis', a0);
  return { axis, dims: [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)] };
}

export const gather: OpRule = {
  opType: 'Gather',
  inferShapes(node, inputs) {
    const x = need(node, inputs, 0, 'data');
    return [{ dtype: x.dtype, dims: gatherPlan(node, x, need(node, inputs, 1, 'indices')).dims }];
  },
  evaluate(node, inputs) {
    const x = need(node, inputs, 0, 'data');
    const ind = need(node, inputs, 1, 'indices');
    const { axis, dims } = gatherPlan(node, x, ind);
    const n = x.dims[axis]!;
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis + 1));
    const k = ind.data.length;
    const out = alloc(x.dtype, outer * k * inner);
    const xd = x.data;
    let o = 0;
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < k; j++) {
        let v = ind.data[j]!;
        if (v < -n || v >= n) throw shapeError(node, `index ${v} is out of range [${-n}, ${n - 1}] for axis ${axis} of ${dimsText(x.dims)}`, `[${-n}, ${n - 1}]`, v);
        if (v < 0) v += n;
        const src = (i * n + v) * inner;
        out.set(xd.subarray(src, src + inner), o);
        o += inner;
      }
    }
    return [{ dtype: x.dtype, dims, data: out }];
  },
};

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

export const cast: OpRule = {
  opType: 'Cast',
  inferShapes(node, inputs) {
    const x = need(node, inputs, 0, 'input');
    return [{ dtype: castTo(node), dims: [...x.dims] }];
  },
  evaluate(node, inputs) {
    const x = need(node, inputs, 0, 'input');
    const to = castTo(node);
    const out = alloc(to, x.data.length);
    const xd = x.data;
    for (let i = 0; i < xd.length; i++) out[i] = castValue(xd[i]!, to);
    return [{ dtype: to, dims: [...x.dims], data: out }];
  },
};

function constantOfShapePlan(node: Node, inputs: readonly (Val | undefined)[]): { dims: number[]; dtype: DType; value: number } {
  const shapeT = constValue(node, need(node, inputs, 0, 'input'), 'input');
  if (shapeT.dims.length !== 1) throw shapeError(node, `input must be a 1-D shape tensor, got dims ${dimsText(shapeT.dims)}`, '1-D', dimsText(shapeT.dims));
  const dims = ints(shapeT);
  if (dims.some((d) => d < 0 || !Number.isInteger(d))) throw shapeError(node, `shape ${dimsText(dims)} has a negative dimension`, '>= 0', dimsText(dims));
  const v = attrTensor(node, 'value');
  if (v && v.data.length !== 1) throw attributeError(node, `value must hold exactly one element, got ${v.data.length}`, 'value', v.data.length);
  return { dims, dtype: v ? v.dtype : 'float32', value: v ? v.data[0]! : 0 };
}

export const constantOfShape: OpRule = {
  opType: 'ConstantOfShape',
  inferShapes(node, inputs) {
    const { dims, dtype } = constantOfShapePlan(node, inputs);
    return [{ dtype, dims }];
  },
  evaluate(node, inputs) {
    const { dims, dtype, value } = constantOfShapePlan(node, inputs);
    return [{ dtype, dims, data: alloc(dtype, sizeOf(dims)).fill(value) }];
  },
};

function constantValue(node: Node): Tensor {
  const set = ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'sparse_value', 'value_string', 'value_strings'].filter((k) => hasAttr(node, k));
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

export const constant: OpRule = {
  opType: 'Constant',
  inferShapes(node) {
    const t = constantValue(node);
    return [{ dtype: t.dtype, dims: t.dims }];
  },
  evaluate: (node) => [constantValue(node)],
};

export const shapeRules: readonly OpRule[] = [
  identity,
  dropout7,
  dropout10,
  dropout12,
  flatten,
  reshape5,
  reshape14,
  transpose,
  squeeze1,
  squeeze13,
  unsqueeze1,
  unsqueeze13,
  concat,
  slice1,
  slice10,
  pad2,
  pad11,
  pad18,
  pad19,
  shape1,
  shape15,
  gather,
  cast,
  constantOfShape,
  constant,
];
