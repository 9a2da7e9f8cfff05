/**
 * Conv (opset 1+; semantics unchanged through opset 20 for float tensors): 1-D and 2-D, pads,
 * auto_pad, strides, dilations, group (depthwise included), optional bias, kernel_shape optional.
 * A weighted layer: its synaptic operations are counted per event with the exact structural
 * fan-out; lowered to tfjs (group 1) and to NIR's Conv2d.
 */
import { attrInt } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import type { NirNode } from '../src/nir/types.js';
import { f32, filled, nirTensor, same, text } from './backends/nir.js';
import { paddedNhwc, unsupportedInTfjs } from './backends/tfjs.js';
import type { NirLowering, TfjsLowering } from './backends/types.js';
import { defineOp, io } from './define.js';
import { parseWindow, tapRanges, windowGeometry, windowSchema, type Geometry, type WindowAttrs } from './spatial.js';
import type { OpEntry } from './types.js';
import { alloc, attributeError, dimsText, need, shapeError } from './util.js';

export interface ConvAttrs extends WindowAttrs {
  readonly group: number;
}

function parseConv(node: Node): ConvAttrs {
  const group = attrInt(node, 'group', 1);
  if (!(group >= 1)) throw attributeError(node, `group must be >= 1, got ${group}`, 'group', group);
  return { ...parseWindow(node, { dilations: true, ceilMode: false }), group };
}

interface ConvPlan {
  readonly group: number;
  readonly geom: Geometry;
  /** Output dims [N, M, ...spatial]. */
  readonly outDims: number[];
}

function convPlan(
  node: Node,
  a: ConvAttrs,
  x: { dims: readonly number[] },
  w: { dims: readonly number[] },
  b: { dims: readonly number[] } | undefined,
): ConvPlan {
  const xr = x.dims.length;
  if (xr < 3) throw shapeError(node, `input X must be (N, C, spatial...), got ${dimsText(x.dims)}`, 'rank >= 3', x.dims.length);
  if (xr > 4) throw attributeError(node, `only 1-D and 2-D convolutions are supported, got input ${dimsText(x.dims)}`, 'kernel_shape', x.dims.length - 2);
  if (w.dims.length !== xr) throw shapeError(node, `weight W ${dimsText(w.dims)} must have the rank of X ${dimsText(x.dims)}`, xr, w.dims.length);
  const group = a.group;
  const c = x.dims[1]!;
  const m = w.dims[0]!;
  if (c !== w.dims[1]! * group) {
    throw shapeError(
      node,
      `input channels ${c} do not match W's C/group ${w.dims[1]} x group ${group} = ${w.dims[1]! * group} (X ${dimsText(x.dims)}, W ${dimsText(w.dims)})`,
      w.dims[1]! * group,
      c,
    );
  }
  if (m % group !== 0) throw shapeError(node, `output channels ${m} are not divisible by group ${group}`, `multiple of ${group}`, m);
  const wSpatial = w.dims.slice(2);
  const ks = a.kernelShape;
  if (ks !== undefined && (ks.length !== wSpatial.length || ks.some((k, i) => k !== wSpatial[i]))) {
    throw shapeError(node, `kernel_shape ${dimsText(ks)} does not match W's spatial dims ${dimsText(wSpatial)}`, dimsText(wSpatial), dimsText(ks));
  }
  if (b && (b.dims.length !== 1 || b.dims[0] !== m)) throw shapeError(node, `bias B must be [${m}], got ${dimsText(b.dims)}`, dimsText([m]), dimsText(b.dims));
  const geom = windowGeometry(node, x.dims.slice(2), wSpatial, a, false);
  return { group, geom, outDims: [x.dims[0]!, m, ...geom.out] };
}

function convEval(node: Node, a: ConvAttrs, x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  if (w.dtype !== x.dtype) throw shapeError(node, `W has type ${w.dtype} but X has ${x.dtype}`, x.dtype, w.dtype);
  const { group, geom, outDims } = convPlan(node, a, x, w, b);
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

/** Number of output positions whose window covers each input index along one axis. */
function coverCounts(inSize: number, outSize: number, stride: number, dilation: number, padBegin: number, kernel: number): Int32Array {
  const { lo, hi } = tapRanges(inSize, outSize, stride, dilation, padBegin, kernel);
  const cnt = new Int32Array(inSize);
  for (let k = 0; k < kernel; k++) {
    const off = k * dilation - padBegin;
    for (let o = lo[k]!; o < hi[k]!; o++) cnt[o * stride + off]!++;
  }
  return cnt;
}

/** Exact structural fan-out of every input element of a Conv (per sample; inDims without the batch). */
export function convFanout(node: Node, inDims: readonly number[], wDims: readonly number[]): Float64Array {
  const a = conv.parseAttributes(node);
  const [C, ...spatial] = inDims;
  const cout = wDims[0]!;
  const g = windowGeometry(node, spatial, a.kernelShape ?? wDims.slice(2), a, false);
  const axes = spatial.map((s, i) => coverCounts(s, g.out[i]!, g.strides[i]!, g.dilations[i]!, g.padsBegin[i]!, g.kernel[i]!));
  const per = sizeOf(spatial);
  const out = new Float64Array(C! * per);
  const perChannel = cout / a.group;
  const idx = new Array<number>(spatial.length).fill(0);
  for (let p = 0; p < per; p++) {
    let f = perChannel;
    for (let k = 0; k < axes.length; k++) f *= axes[k]![idx[k]!]!;
    for (let c = 0; c < C!; c++) out[c * per + p] = f;
    for (let k = spatial.length - 1; k >= 0; k--) {
      idx[k]!++;
      if (idx[k]! < spatial[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

const convTfjs: TfjsLowering<ConvAttrs> = (n, a, ins, ctx) => {
  const { tf } = ctx;
  const x = ins[0]!;
  if (a.group !== 1) throw unsupportedInTfjs(n, 'has groups; the TensorFlow.js path supports group = 1');
  const w = ctx.constant(n.inputs[1]!);
  if (!w) throw unsupportedInTfjs(n, 'has non-constant weights');
  const g = windowGeometry(n, x.shape.slice(2), w.dims.slice(2), a, false);
  const filt = tf.transpose(ctx.input(1), [2, 3, 1, 0]) as Parameters<typeof tf.conv2d>[1];
  let y = tf.conv2d(paddedNhwc(tf, x, g) as Parameters<typeof tf.conv2d>[0], filt, [g.strides[0]!, g.strides[1]!], 'valid', 'NHWC', [
    g.dilations[0]!,
    g.dilations[1]!,
  ]) as ReturnType<typeof tf.add>;
  if (n.inputs[2]) y = tf.add(y, ctx.input(2));
  return tf.transpose(y, [0, 3, 1, 2]);
};

const convNir: NirLowering<ConvAttrs> = (n, a, ins, ctx) => {
  const x = ins[0]!;
  if (ins[1] || ins[2]) return ctx.problem(`Conv "${n.name}": time-varying weights or bias`);
  const w = ctx.weight(n, 1, 'weight W');
  if (!w) return undefined;
  if (x.dims.length !== 3 || w.dims.length !== 4) return ctx.problem(`Conv "${n.name}": only 2-D convolutions map to NIR Conv2d (input ${text(x.dims)})`);
  const b = n.inputs[2] ? ctx.weight(n, 2, 'bias B') : undefined;
  const geom = windowGeometry(n, x.dims.slice(1), w.dims.slice(2), a, false);
  if (!same(geom.padsBegin, geom.padsEnd)) {
    return ctx.problem(`Conv "${n.name}": asymmetric padding (begin ${text(geom.padsBegin)}, end ${text(geom.padsEnd)}); NIR Conv2d pads both sides equally`);
  }
  const m = w.dims[0]!;
  const node: NirNode = {
    type: 'Conv2d',
    input_shape: [x.dims[1]!, x.dims[2]!],
    weight: nirTensor(w.dims, f32(w)),
    stride: [geom.strides[0]!, geom.strides[1]!],
    padding: [geom.padsBegin[0]!, geom.padsBegin[1]!],
    dilation: [geom.dilations[0]!, geom.dilations[1]!],
    groups: a.group,
    bias: b ? nirTensor([m], f32(b)) : filled([m], 0),
  };
  const nm = ctx.add(ctx.name(n), node, x.terms, n.name);
  return { terms: [nm], dims: ctx.dims(n.outputs[0]!), owned: [nm] };
};

export const conv: OpEntry<ConvAttrs> = defineOp<ConvAttrs>({
  opType: 'Conv',
  schema: io([2, 3], 1, { ...windowSchema({ dilations: true, ceilMode: false }), group: { kind: 'int' } }),
  attrs: parseConv,
  shapes(node, a, inputs) {
    const x = need(node, inputs, 0, 'X');
    const w = need(node, inputs, 1, 'W');
    if (w.dtype !== x.dtype) throw shapeError(node, `W has type ${w.dtype} but X has ${x.dtype}`, x.dtype, w.dtype);
    return [{ dtype: x.dtype, dims: convPlan(node, a, x, w, inputs[2]).outDims }];
  },
  run: (node, a, inputs) => [convEval(node, a, need(node, inputs, 0, 'X'), need(node, inputs, 1, 'W'), inputs[2])],
  macs(_node, _a, inputs, outputs) {
    const w = inputs[1];
    const y = outputs[0];
    if (!w || !y) return 0;
    return sizeOf(y.dims) * sizeOf(w.dims.slice(1));
  },
  spiking: { kind: 'linear', dynamicInputs: [0] },
  synops: { weighted: true, fanout: (node, inDims, wDims) => convFanout(node, inDims, wDims) },
  lower: { tfjs: convTfjs, nir: convNir },
});

export const ops: readonly OpEntry[] = [conv];
