/**
 * Pad (attributes pads/mode/value before opset 11; inputs pads, constant_value since 11, axes
 * since 18; mode wrap since 19). Negative pads crop. In an SNN it moves spikes (constant padding
 * with 0 adds no events); NIR has no primitive for it.
 */
import { attrFloat, attrInts, attrString } from '../src/graph/attrs.js';
import { sizeOf, stridesOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import { defineOp, io, routing } from './define.js';
import type { OpEntry } from './types.js';
import { alloc, attributeError, constValue, dimsText, ints, need, normAxes, optConstValue, shapeError, wrapInt, type Val } from './util.js';

type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

interface PadPlan {
  readonly mode: PadMode;
  readonly begin: number[];
  readonly end: number[];
  readonly value: number;
  readonly dims: number[];
}

interface PadAttrs {
  readonly mode: PadMode;
  /** Pad-2's pads and value attributes (inputs since opset 11). */
  readonly pads?: readonly number[];
  readonly value: number;
}

function parsePad(node: Node, sinceOpset: number): PadAttrs {
  const mode = attrString(node, 'mode', 'constant');
  const modes: PadMode[] = sinceOpset >= 19 ? ['constant', 'reflect', 'edge', 'wrap'] : ['constant', 'reflect', 'edge'];
  if (!modes.includes(mode as PadMode)) throw attributeError(node, `mode "${mode}" is not one of ${modes.join(', ')}`, 'mode', mode);
  if (sinceOpset >= 11) return { mode: mode as PadMode, value: 0 };
  const pads = attrInts(node, 'pads');
  if (!pads) throw attributeError(node, 'the required attribute pads is missing', 'pads');
  return { mode: mode as PadMode, pads, value: attrFloat(node, 'value', 0) };
}

function padPlan(node: Node, a: PadAttrs, x: Val, inputs: readonly (Val | undefined)[], sinceOpset: number): PadPlan {
  const r = x.dims.length;
  const mode = a.mode;
  let pads: number[];
  let value = 0;
  let axes: number[];
  if (a.pads) {
    pads = [...a.pads];
    value = a.value;
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
  if (pads.length !== 2 * axes.length)
    throw shapeError(
      node,
      `pads has ${pads.length} values, expected ${2 * axes.length} (2 x ${axes.length} axes) for input ${dimsText(x.dims)}`,
      2 * axes.length,
      pads.length,
    );
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
      throw shapeError(
        node,
        `reflect pads ${begin[i]}/${end[i]} exceed the maximum ${cropped - 1} for axis ${i} of size ${cropped}`,
        `<= ${cropped - 1}`,
        Math.max(begin[i]!, end[i]!),
      );
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

function padRule(sinceOpset: number): OpEntry<PadAttrs> {
  const schema =
    sinceOpset < 11
      ? io(1, 1, { mode: { kind: 'string' }, pads: { kind: 'ints', required: true }, value: { kind: 'float' } })
      : io([2, sinceOpset >= 18 ? 4 : 3], 1, { mode: { kind: 'string' } });
  return defineOp<PadAttrs>({
    opType: 'Pad',
    sinceOpset,
    schema,
    attrs: (node) => parsePad(node, sinceOpset),
    shapes(node, a, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [{ dtype: x.dtype, dims: padPlan(node, a, x, inputs, sinceOpset).dims }];
    },
    run(node, a, inputs) {
      const x = need(node, inputs, 0, 'data');
      return [padEval(node, x, padPlan(node, a, x, inputs, sinceOpset))];
    },
    ...routing([0]),
  });
}

export const pad2 = padRule(2);
export const pad11 = padRule(11);
export const pad18 = padRule(18);
export const pad19 = padRule(19);

export const ops: readonly OpEntry[] = [pad2, pad11, pad18, pad19];
