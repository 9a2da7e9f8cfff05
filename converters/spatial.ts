/**
 * Window geometry shared by Conv and the pooling ops: auto_pad, pads, strides, dilations, ceil_mode
 * and the output spatial size, with onnxruntime's rules (checked in test/converters). The window
 * attributes are parsed once (`parseWindow`); the geometry needs the input's spatial dims.
 */
import { attrInt, attrInts, attrString } from '../src/graph/attrs.js';
import type { Node } from '../src/graph/types.js';
import type { AttrSpec } from './types.js';
import { attributeError, dimsText, shapeError } from './util.js';

/** The window attributes of Conv, MaxPool and AveragePool as written (absent = the default). */
export interface WindowAttrs {
  readonly kernelShape?: readonly number[];
  readonly strides?: readonly number[];
  readonly dilations?: readonly number[];
  readonly pads?: readonly number[];
  readonly autoPad: string;
  /** ceil_mode (pools since opset 10). */
  readonly ceilMode: boolean;
}

/** Which window attributes an op version has. */
export interface WindowVersion {
  readonly dilations: boolean;
  readonly ceilMode: boolean;
}

/** The schema entries of the window attributes of an op version. */
export function windowSchema(v: WindowVersion): Record<string, AttrSpec> {
  return {
    auto_pad: { kind: 'string' },
    kernel_shape: { kind: 'ints' },
    pads: { kind: 'ints' },
    strides: { kind: 'ints' },
    ...(v.dilations ? { dilations: { kind: 'ints' } } : {}),
    ...(v.ceilMode ? { ceil_mode: { kind: 'int' } } : {}),
  };
}

export function parseWindow(node: Node, v: WindowVersion): WindowAttrs {
  const dilations = attrInts(node, 'dilations');
  if (!v.dilations && dilations !== undefined) throw attributeError(node, 'dilations is not an attribute of this op at this opset', 'dilations');
  const ceilAttr = attrInt(node, 'ceil_mode');
  if (!v.ceilMode && ceilAttr !== undefined) throw attributeError(node, 'ceil_mode is not an attribute of this op at this opset', 'ceil_mode', ceilAttr);
  const w = { kernelShape: attrInts(node, 'kernel_shape'), strides: attrInts(node, 'strides'), dilations, pads: attrInts(node, 'pads') };
  return {
    ...Object.fromEntries(Object.entries(w).filter(([, x]) => x !== undefined)),
    autoPad: attrString(node, 'auto_pad', 'NOTSET'),
    ceilMode: (ceilAttr ?? 0) !== 0,
  };
}

export interface Geometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  /** Output spatial dims. */
  readonly out: readonly number[];
}

function intsOfLength(node: Node, name: string, v: readonly number[] | undefined, n: number, dflt: number): number[] {
  if (v === undefined) return new Array<number>(n).fill(dflt);
  if (v.length !== n) throw attributeError(node, `${name} has ${v.length} values, expected ${n} (one per spatial axis)`, name, v);
  return [...v];
}

/**
 * Geometry of a sliding window over `inSpatial` with `kernel`. Throws E_ATTRIBUTE for malformed
 * attributes and E_SHAPE when the (padded) input is smaller than the (dilated) kernel. `pool`:
 * pools honour ceil_mode in VALID windows too, and a window may not lie entirely in the padding;
 * Conv sizes VALID windows with floor always and has no ceil_mode.
 */
export function windowGeometry(node: Node, inSpatial: readonly number[], kernel: readonly number[], w: WindowAttrs, pool: boolean): Geometry {
  const n = inSpatial.length;
  if (kernel.length !== n) throw shapeError(node, `kernel ${dimsText(kernel)} has ${kernel.length} axes but the input has ${n} spatial axes`, n, kernel.length);
  const strides = intsOfLength(node, 'strides', w.strides, n, 1);
  const dilations = intsOfLength(node, 'dilations', w.dilations, n, 1);
  for (const s of strides) if (!(s >= 1)) throw attributeError(node, `strides must be >= 1, got ${dimsText(strides)}`, 'strides', strides);
  for (const d of dilations) if (!(d >= 1)) throw attributeError(node, `dilations must be >= 1, got ${dimsText(dilations)}`, 'dilations', dilations);
  for (const k of kernel) if (!(k >= 1)) throw attributeError(node, `kernel_shape must be >= 1, got ${dimsText(kernel)}`, 'kernel_shape', kernel);
  const autoPad = w.autoPad;
  const opts = { pool, ceilMode: pool && w.ceilMode };
  const padsBegin = new Array<number>(n).fill(0);
  const padsEnd = new Array<number>(n).fill(0);
  const out = new Array<number>(n).fill(0);
  const ceil = opts.ceilMode;
  const explicitPads = autoPad === 'NOTSET' || autoPad === '' ? intsOfLength(node, 'pads', w.pads, 2 * n, 0) : undefined;
  if (explicitPads) {
    for (const p of explicitPads) if (p < 0) throw attributeError(node, `pads must be >= 0, got ${dimsText(explicitPads)}`, 'pads', explicitPads);
    // as onnxruntime: a pooling window must never lie entirely in the padding
    if (opts.pool && explicitPads.some((p, j) => p >= kernel[j % n]!)) {
      throw attributeError(node, `pads ${dimsText(explicitPads)} must be smaller than kernel_shape ${dimsText(kernel)}`, 'pads', explicitPads);
    }
  }
  for (let i = 0; i < n; i++) {
    const inSize = inSpatial[i]!;
    const s = strides[i]!;
    const dk = (kernel[i]! - 1) * dilations[i]! + 1;
    switch (autoPad) {
      case 'NOTSET':
      case '': {
        const pads = explicitPads!;
        padsBegin[i] = pads[i]!;
        padsEnd[i] = pads[i + n]!;
        const span = inSize + padsBegin[i]! + padsEnd[i]! - dk;
        if (span < 0) {
          throw shapeError(
            node,
            `spatial axis ${i}: padded input ${inSize}+${padsBegin[i]}+${padsEnd[i]} is smaller than the (dilated) kernel ${dk}`,
            `>= ${dk}`,
            inSize + padsBegin[i]! + padsEnd[i]!,
          );
        }
        let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
        // The last window must start inside the input or the left padding.
        if (ceil && (o - 1) * s >= inSize + padsBegin[i]!) o--;
        out[i] = o;
        break;
      }
      case 'SAME_UPPER':
      case 'SAME_LOWER': {
        if (opts.pool && dilations[i] !== 1) {
          // onnxruntime sizes pooling SAME pads with the undilated kernel, the spec with the dilated
          // one; the outputs differ, so refuse rather than silently disagree with either.
          throw attributeError(
            node,
            `auto_pad ${autoPad} with dilations ${dimsText(dilations)} is not supported for pooling (onnxruntime and the ONNX spec disagree); use explicit pads`,
            'auto_pad',
            autoPad,
          );
        }
        const o = Math.ceil(inSize / s);
        const needed = Math.max(0, (o - 1) * s + dk - inSize);
        const half = Math.floor(needed / 2);
        padsBegin[i] = autoPad === 'SAME_UPPER' ? half : needed - half;
        padsEnd[i] = needed - padsBegin[i]!;
        out[i] = o;
        break;
      }
      case 'VALID': {
        const span = inSize - dk;
        if (span < 0)
          throw shapeError(node, `spatial axis ${i}: input ${inSize} is smaller than the (dilated) kernel ${dk} (auto_pad VALID)`, `>= ${dk}`, inSize);
        let o = (ceil && opts.pool ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
        if (ceil && opts.pool && (o - 1) * s >= inSize) o--;
        out[i] = o;
        break;
      }
      default:
        throw attributeError(node, `auto_pad "${autoPad}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`, 'auto_pad', autoPad);
    }
  }
  return { kernel: [...kernel], strides, dilations, padsBegin, padsEnd, out };
}

/**
 * For each kernel tap k along one axis: the range [lo[k], hi[k]) of output positions o whose input
 * index o*stride - padBegin + k*dilation lies inside [0, inSize) (the others read padding).
 */
export function tapRanges(
  inSize: number,
  outSize: number,
  stride: number,
  dilation: number,
  padBegin: number,
  kernel: number,
): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(kernel);
  const hi = new Int32Array(kernel);
  for (let k = 0; k < kernel; k++) {
    const off = k * dilation - padBegin; // input index = o*stride + off
    const a = Math.max(0, Math.ceil(-off / stride));
    const b = Math.min(outSize, Math.floor((inSize - 1 - off) / stride) + 1);
    lo[k] = a;
    hi[k] = Math.max(a, b);
  }
  return { lo, hi };
}
