/**
 * Conv (opset 1+; semantics unchanged through opset 20 for float tensors): 1-D and 2-D, pads,
 * auto_pad, strides, dilations, group (depthwise included), optional bias, kernel_shape optional.
 */
import { attrInt, attrInts } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import { windowGeometry, tapRanges, type Geometry } from './spatial.js';
import type { OpRule, OutputShape, ShapedValue } from './types.js';
import { alloc, attributeError, dimsText, need, shapeError } from './util.js';

interface ConvPlan {
  readonly group: number;
  readonly geom: Geometry;
  /** Output dims [N, M, ...spatial]. */
  readonly outDims: number[];
}

function convPlan(node: Node, x: { dims: readonly number[] }, w: { dims: readonly number[] }, b: { dims: readonly number[] } | undefined): ConvPlan {
  const xr = x.dims.length;
  if (xr < 3) throw shapeError(node, `input X must be (N, C, spatial...), got ${dimsText(x.dims)}`, 'rank >= 3', x.dims.length);
  if (xr > 4) throw attributeError(node, `only 1-D and 2-D convolutions are supported, got input ${dimsText(x.dims)}`, 'kernel_shape', x.dims.length - 2);
  if (w.dims.length !== xr) throw shapeError(node, `weight W ${dimsText(w.dims)} must have the rank of X ${dimsText(x.dims)}`, xr, w.dims.length);
  const group = attrInt(node, 'group', 1);
  if (!(group >= 1)) throw attributeError(node, `group must be >= 1, got ${group}`, 'group', group);
  const c = x.dims[1]!;
  const m = w.dims[0]!;
  if (c !== w.dims[1]! * group) {
    throw shapeError(node, `input channels ${c} do not match W's C/group ${w.dims[1]} x group ${group} = ${w.dims[1]! * group} (X ${dimsText(x.dims)}, W ${dimsText(w.dims)})`, w.dims[1]! * group, c);
  }
  if (m % group !== 0) throw shapeError(node, `output channels ${m} are not divisible by group ${group}`, `multiple of ${group}`, m);
  const wSpatial = w.dims.slice(2);
  const ks = attrInts(node, 'kernel_shape');
  if (ks !== undefined && (ks.length !== wSpatial.length || ks.some((k, i) => k !== wSpatial[i]))) {
    throw shapeError(node, `kernel_shape ${dimsText(ks)} does not match W's spatial dims ${dimsText(wSpatial)}`, dimsText(wSpatial), dimsText(ks));
  }
  if (b && (b.dims.length !== 1 || b.dims[0] !== m)) throw shapeError(node, `bias B must be [${m}], got ${dimsText(b.dims)}`, dimsText([m]), dimsText(b.dims));
  const geom = windowGeometry(node, x.dims.slice(2), wSpatial, { ceilMode: false, allowDilations: true, pool: false });
  return { group, geom, outDims: [x.dims[0]!, m, ...geom.out] };
}

function convEval(node: Node, x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  if (w.dtype !== x.dtype) throw shapeError(node, `W has type ${w.dtype} but X has ${x.dtype}`, x.dtype, w.dtype);
  const { group, geom, outDims } = convPlan(node, x, w, b);
  const twoD = x.dims.length === 4;
  const N = x.dims[0]!;
  const C = x.dims[1]!;
  const H = twoD ? x.dims[2]! : 1;
  const W = x.dims[twoD ? 3 : 2]!;
  const M = w.dims[0]!;
  const Cg = w.dims[1]!;
  const KH = twoD ? w.dims[2]! : 1;
  const KW = w.dims[twoD ? 3 : 2]!;
  const OH = twoD ? geom.out[0]! : 1;
  const OW = geom.out[twoD ? 1 : 0]!;
  const ax = twoD ? 1 : 0;
  const sh = twoD ? geom.strides[0]! : 1;
  const sw = geom.strides[ax]!;
  const dh = twoD ? geom.dilations[0]! : 1;
  const dw = geom.dilations[ax]!;
  const pt = twoD ? geom.padsBegin[0]! : 0;
  const pl = geom.padsBegin[ax]!;
  const rows = tapRanges(H, OH, sh, dh, pt, KH);
  const cols = tapRanges(W, OW, sw, dw, pl, KW);
  const Mg = M / group;
  const xd = x.data;
  const wd = w.data;
  const bd = b?.data;
  const out = alloc(x.dtype, sizeOf(outDims));
  const acc = new Float64Array(OH * OW);
  const plane = OH * OW;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < group; g++) {
      for (let mm = 0; mm < Mg; mm++) {
        const oc = g * Mg + mm;
        acc.fill(bd ? bd[oc]! : 0);
        for (let c = 0; c < Cg; c++) {
          const xBase = (n * C + g * Cg + c) * H * W;
          const wBase = (oc * Cg + c) * KH * KW;
          for (let ky = 0; ky < KH; ky++) {
            const oyHi = rows.hi[ky]!;
            for (let oy = rows.lo[ky]!; oy < oyHi; oy++) {
              const xRow = xBase + (oy * sh - pt + ky * dh) * W;
              const aRow = oy * OW;
              for (let kx = 0; kx < KW; kx++) {
                const wv = wd[wBase + ky * KW + kx]!;
                const oxHi = cols.hi[kx]!;
                let ox = cols.lo[kx]!;
                let xi = xRow + ox * sw - pl + kx * dw;
                for (; ox < oxHi; ox++) {
                  acc[aRow + ox] = acc[aRow + ox]! + wv * xd[xi]!;
                  xi += sw;
                }
              }
            }
          }
        }
        out.set(acc, (n * M + oc) * plane);
      }
    }
  }
  return { dtype: x.dtype, dims: outDims, data: out };
}

export const conv: OpRule = {
  opType: 'Conv',
  inferShapes(node, inputs): OutputShape[] {
    const x = need(node, inputs, 0, 'X');
    const w = need(node, inputs, 1, 'W');
    if (w.dtype !== x.dtype) throw shapeError(node, `W has type ${w.dtype} but X has ${x.dtype}`, x.dtype, w.dtype);
    return [{ dtype: x.dtype, dims: convPlan(node, x, w, inputs[2]).outDims }];
  },
  evaluate(node, inputs) {
    return [convEval(node, need(node, inputs, 0, 'X'), need(node, inputs, 1, 'W'), inputs[2])];
  },
  macs(node, inputs: readonly (ShapedValue | undefined)[], outputs) {
    const w = inputs[1];
    const y = outputs[0];
    if (!w || !y) return 0;
    return sizeOf(y.dims) * sizeOf(w.dims.slice(1));
  },
};

export const convRules: readonly OpRule[] = [conv];
