/**
 * MaxPool (opset 1+; ceil_mode and dilations since 10), AveragePool (count_include_pad since 7,
 * ceil_mode since 10, dilations since 19), GlobalAveragePool, GlobalMaxPool. 1-D and 2-D windows;
 * the global pools take any spatial rank. MaxPool's second output (Indices) is not supported.
 */
import { attrInt, attrInts } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import { windowGeometry, type Geometry } from './spatial.js';
import type { OpRule, OutputShape, ShapedValue } from './types.js';
import { alloc, attributeError, dimsText, need, shapeError } from './util.js';

type PoolKind = 'max' | 'avg';

interface PoolVersion {
  readonly ceilMode: boolean;
  readonly dilations: boolean;
}

interface PoolPlan {
  readonly geom: Geometry;
  readonly outDims: number[];
}

function poolPlan(node: Node, kind: PoolKind, v: PoolVersion, x: { dims: readonly number[]; dtype: DType }): PoolPlan {
  if (kind === 'max' && node.outputs.length > 1 && node.outputs[1] !== '') {
    throw attributeError(node, `the Indices output of MaxPool is not supported (output "${node.outputs[1]}")`, 'Indices', node.outputs[1]);
  }
  const r = x.dims.length;
  if (r < 3) throw shapeError(node, `input X must be (N, C, spatial...), got ${dimsText(x.dims)}`, 'rank >= 3', r);
  if (r > 4) throw attributeError(node, `only 1-D and 2-D pooling windows are supported, got input ${dimsText(x.dims)}`, 'kernel_shape', r - 2);
  const kernel = attrInts(node, 'kernel_shape');
  if (kernel === undefined) throw attributeError(node, 'the required attribute kernel_shape is missing', 'kernel_shape');
  const ceilAttr = attrInt(node, 'ceil_mode');
  if (!v.ceilMode && ceilAttr !== undefined) throw attributeError(node, 'ceil_mode is not an attribute of this op at this opset', 'ceil_mode', ceilAttr);
  const ceil = (ceilAttr ?? 0) !== 0;
  const geom = windowGeometry(node, x.dims.slice(2), kernel, { ceilMode: ceil, allowDilations: v.dilations, pool: true });
  return { geom, outDims: [x.dims[0]!, x.dims[1]!, ...geom.out] };
}

/** Per output position along one axis: first valid input index, valid taps, taps inside the padded extent. */
interface AxisWindows {
  readonly first: Int32Array;
  readonly valid: Int32Array;
  readonly padded: Int32Array;
}

function axisWindows(inSize: number, outSize: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number): AxisWindows {
  const first = new Int32Array(outSize);
  const valid = new Int32Array(outSize);
  const padded = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padBegin;
    const k0 = Math.max(0, Math.ceil(-start / dilation));
    const k1 = Math.min(kernel - 1, Math.floor((inSize - 1 - start) / dilation)); // inclusive
    first[o] = start + k0 * dilation;
    valid[o] = Math.max(0, k1 - k0 + 1);
    // taps inside [-padBegin, inSize + padEnd): a window running past the padded end does not count there
    padded[o] = Math.max(0, Math.min(kernel, Math.ceil((inSize + padEnd - start) / dilation)));
  }
  return { first, valid, padded };
}

function lowest(dtype: DType): number {
  switch (dtype) {
    case 'float32': return -3.4028234663852886e38;
    case 'float64': return -Number.MAX_VALUE;
    case 'int8': return -128;
    case 'int16': return -32768;
    case 'int32': return -2147483648;
    case 'int64': return -9223372036854775808;
    default: return 0; // unsigned, bool
  }
}

function poolEval(node: Node, kind: PoolKind, v: PoolVersion, x: Tensor): Tensor {
  const { geom, outDims } = poolPlan(node, kind, v, x);
  const twoD = x.dims.length === 4;
  const N = x.dims[0]!;
  const C = x.dims[1]!;
  const H = twoD ? x.dims[2]! : 1;
  const W = x.dims[twoD ? 3 : 2]!;
  const OH = twoD ? geom.out[0]! : 1;
  const OW = geom.out[twoD ? 1 : 0]!;
  const ax = twoD ? 1 : 0;
  const rows = twoD
    ? axisWindows(H, OH, geom.kernel[0]!, geom.strides[0]!, geom.dilations[0]!, geom.padsBegin[0]!, geom.padsEnd[0]!)
    : { first: Int32Array.of(0), valid: Int32Array.of(1), padded: Int32Array.of(1) };
  const cols = axisWindows(W, OW, geom.kernel[ax]!, geom.strides[ax]!, geom.dilations[ax]!, geom.padsBegin[ax]!, geom.padsEnd[ax]!);
  const dh = twoD ? geom.dilations[0]! : 1;
  const dw = geom.dilations[ax]!;
  const includePad = kind === 'avg' && attrInt(node, 'count_include_pad', 0) !== 0;
  const out = alloc(x.dtype, sizeOf(outDims));
  const xd = x.data;
  const low = lowest(x.dtype);
  let o = 0;
  for (let p = 0; p < N * C; p++) {
    const base = p * H * W;
    for (let oy = 0; oy < OH; oy++) {
      const y0 = rows.first[oy]!;
      const ny = rows.valid[oy]!;
      for (let ox = 0; ox < OW; ox++) {
        const x0 = cols.first[ox]!;
        const nx = cols.valid[ox]!;
        if (kind === 'max') {
          let m = low;
          for (let ky = 0; ky < ny; ky++) {
            let i = base + (y0 + ky * dh) * W + x0;
            for (let kx = 0; kx < nx; kx++, i += dw) {
              const val = xd[i]!;
              if (val > m || Number.isNaN(val)) m = val;
            }
          }
          out[o++] = m;
        } else {
          let s = 0;
          for (let ky = 0; ky < ny; ky++) {
            let i = base + (y0 + ky * dh) * W + x0;
            for (let kx = 0; kx < nx; kx++, i += dw) s += xd[i]!;
          }
          const count = includePad ? rows.padded[oy]! * cols.padded[ox]! : ny * nx;
          out[o++] = s / count;
        }
      }
    }
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}

function poolRule(opType: string, kind: PoolKind, sinceOpset: number, v: PoolVersion): OpRule {
  return {
    opType,
    sinceOpset,
    inferShapes(node, inputs): OutputShape[] {
      const x = need(node, inputs, 0, 'X');
      return [{ dtype: x.dtype, dims: poolPlan(node, kind, v, x).outDims }];
    },
    evaluate: (node, inputs) => [poolEval(node, kind, v, need(node, inputs, 0, 'X'))],
  };
}

export const maxPool1 = poolRule('MaxPool', 'max', 1, { ceilMode: false, dilations: false });
export const maxPool10 = poolRule('MaxPool', 'max', 10, { ceilMode: true, dilations: true });
export const averagePool7 = poolRule('AveragePool', 'avg', 7, { ceilMode: false, dilations: false });
export const averagePool10 = poolRule('AveragePool', 'avg', 10, { ceilMode: true, dilations: false });
export const averagePool19 = poolRule('AveragePool', 'avg', 19, { ceilMode: true, dilations: true });

function globalShape(node: Node, x: ShapedValue | Tensor): OutputShape {
  if (x.dims.length < 3) throw shapeError(node, `input X must be (N, C, spatial...), got ${dimsText(x.dims)}`, 'rank >= 3', x.dims.length);
  return { dtype: x.dtype, dims: [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map(() => 1)] };
}

function globalRule(opType: string, kind: PoolKind): OpRule {
  return {
    opType,
    inferShapes: (node, inputs) => [globalShape(node, need(node, inputs, 0, 'X'))],
    evaluate(node, inputs) {
      const x = need(node, inputs, 0, 'X');
      const { dtype, dims } = globalShape(node, x);
      const planes = x.dims[0]! * x.dims[1]!;
      const S = sizeOf(x.dims.slice(2));
      const out = alloc(dtype, planes);
      const xd = x.data;
      const low = lowest(dtype);
      for (let p = 0; p < planes; p++) {
        const base = p * S;
        if (kind === 'max') {
          let m = low;
          for (let i = 0; i < S; i++) {
            const val = xd[base + i]!;
            if (val > m || Number.isNaN(val)) m = val;
          }
          out[p] = m;
        } else {
          let s = 0;
          for (let i = 0; i < S; i++) s += xd[base + i]!;
          out[p] = s / S;
        }
      }
      return [{ dtype, dims, data: out }];
    },
  };
}

export const globalAveragePool = globalRule('GlobalAveragePool', 'avg');
export const globalMaxPool = globalRule('GlobalMaxPool', 'max');

export const poolRules: readonly OpRule[] = [maxPool1, maxPool10, averagePool7, averagePool10, averagePool19, globalAveragePool, globalMaxPool];
