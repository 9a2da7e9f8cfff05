/**
 * MaxPool (opset 1+; ceil_mode and dilations since 10) and AveragePool (count_include_pad since 7,
 * ceil_mode since 10, dilations since 19). 1-D and 2-D windows. MaxPool's second output (Indices)
 * is not supported. In an SNN an average pool is linear (each spike reaches every window holding
 * it; NIR's AvgPool2d), a max pool on spikes becomes the spiking max pool (converters/spiking-pool.ts).
 */
import { attrInt } from '../src/graph/attrs.js';
import { sizeOf } from '../src/graph/tensor.js';
import type { DType, Node, Tensor } from '../src/graph/types.js';
import { same, text } from './backends/nir.js';
import { maxPoolNchw, paddedNhwc, unsupportedInTfjs } from './backends/tfjs.js';
import type { NirLowering, TfjsLowering } from './backends/types.js';
import { defineOp, io } from './define.js';
import { parseWindow, windowGeometry, windowSchema, type Geometry, type WindowAttrs, type WindowVersion } from './spatial.js';
import type { AttrSpec, OpEntry, OutputShape } from './types.js';
import { alloc, attributeError, dimsText, lowest, need, shapeError } from './util.js';

type PoolKind = 'max' | 'avg';

export interface PoolAttrs extends WindowAttrs {
  readonly kernelShape: readonly number[];
  /** AveragePool: count the padding in the divisor. */
  readonly countIncludePad: boolean;
}

/** The window attributes of a pool at its opset; kernel_shape is required. */
export function parsePool(node: Node, v: WindowVersion): PoolAttrs {
  const w = parseWindow(node, v);
  if (w.kernelShape === undefined) throw attributeError(node, 'the required attribute kernel_shape is missing', 'kernel_shape');
  return { ...w, kernelShape: w.kernelShape, countIncludePad: attrInt(node, 'count_include_pad', 0) !== 0 };
}

interface PoolPlan {
  readonly geom: Geometry;
  readonly outDims: number[];
}

function poolPlan(node: Node, kind: PoolKind, a: PoolAttrs, x: { dims: readonly number[]; dtype: DType }): PoolPlan {
  if (kind === 'max' && node.outputs.length > 1 && node.outputs[1] !== '') {
    throw attributeError(node, `the Indices output of MaxPool is not supported (output "${node.outputs[1]}")`, 'Indices', node.outputs[1]);
  }
  const r = x.dims.length;
  if (r < 3) throw shapeError(node, `input X must be (N, C, spatial...), got ${dimsText(x.dims)}`, 'rank >= 3', r);
  if (r > 4) throw attributeError(node, `only 1-D and 2-D pooling windows are supported, got input ${dimsText(x.dims)}`, 'kernel_shape', r - 2);
  const geom = windowGeometry(node, x.dims.slice(2), a.kernelShape, a, true);
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

function poolEval(node: Node, kind: PoolKind, a: PoolAttrs, x: Tensor): Tensor {
  const { geom, outDims } = poolPlan(node, kind, a, x);
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
  const includePad = kind === 'avg' && a.countIncludePad;
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

const maxPoolTfjs: TfjsLowering<PoolAttrs> = (n, a, [x], { tf }) => {
  const g = windowGeometry(n, x!.shape.slice(2), a.kernelShape, a, true);
  if (g.dilations.some((d) => d !== 1)) throw unsupportedInTfjs(n, 'has dilations');
  return maxPoolNchw(tf, paddedNhwc(tf, x!, g, -Infinity), a.kernelShape, g);
};

const avgPoolTfjs: TfjsLowering<PoolAttrs> = (n, a, [x], { tf }) => {
  const k = a.kernelShape;
  const g = windowGeometry(n, x!.shape.slice(2), k, a, true);
  if ([...g.padsBegin, ...g.padsEnd].some((p) => p !== 0)) throw unsupportedInTfjs(n, 'is padded; the TensorFlow.js path supports unpadded average pools');
  if (g.dilations.some((d) => d !== 1)) throw unsupportedInTfjs(n, 'has dilations');
  const y = tf.avgPool(tf.transpose(x!, [0, 2, 3, 1]) as Parameters<typeof tf.avgPool>[0], [k[0]!, k[1]!], [g.strides[0]!, g.strides[1]!], 'valid');
  return tf.transpose(y, [0, 3, 1, 2]);
};

/** NIR AvgPool2d: PyTorch semantics (floor mode, padding counted in the divisor). */
const avgPoolNir: NirLowering<PoolAttrs> = (n, a, [x], ctx) => {
  if (x!.dims.length !== 3) return ctx.problem(`${n.opType} "${n.name}": only 2-D pooling maps to NIR AvgPool2d (input ${text(x!.dims)})`);
  const [, h, w] = x!.dims as [number, number, number];
  const geom = windowGeometry(n, [h, w], a.kernelShape, a, true);
  const why: string[] = [];
  if (!same(geom.padsBegin, geom.padsEnd)) why.push(`asymmetric padding (begin ${text(geom.padsBegin)}, end ${text(geom.padsEnd)})`);
  if (geom.padsBegin.some((p) => p > 0) && !a.countIncludePad)
    why.push('padding excluded from the average (count_include_pad = 0; NIR/PyTorch AvgPool2d counts it)');
  if (geom.dilations.some((d) => d !== 1)) why.push(`dilations ${text(geom.dilations)}`);
  const kernel: [number, number] = [a.kernelShape[0]!, a.kernelShape[1]!];
  const stride: [number, number] = [geom.strides[0]!, geom.strides[1]!];
  const padding: [number, number] = [geom.padsBegin[0]!, geom.padsBegin[1]!];
  const floorOut = [0, 1].map((i) => Math.floor(([h, w][i]! + 2 * padding[i]! - kernel[i]!) / stride[i]!) + 1);
  if (!same(floorOut, geom.out)) why.push('ceil_mode changes the output size');
  if (why.length) return ctx.problem(`AveragePool "${n.name}": ${why.join(', ')}`);
  const nm = ctx.add(ctx.name(n), { type: 'AvgPool2d', kernel_size: kernel, stride, padding }, x!.terms, n.name);
  return { terms: [nm], dims: ctx.dims(n.outputs[0]!), owned: [] };
};

const prod = (d: readonly number[]): number => d.reduce((p, q) => p * q, 1);

function poolRule(opType: 'MaxPool' | 'AveragePool', sinceOpset: number, v: WindowVersion): OpEntry<PoolAttrs> {
  const kind: PoolKind = opType === 'MaxPool' ? 'max' : 'avg';
  const extra: Record<string, AttrSpec> = kind === 'max' ? (sinceOpset >= 8 ? { storage_order: { kind: 'int' } } : {}) : { count_include_pad: { kind: 'int' } };
  const entry: OpEntry<PoolAttrs> = defineOp<PoolAttrs>({
    opType,
    sinceOpset,
    schema: io(1, kind === 'max' && sinceOpset >= 8 ? [1, 2] : 1, { ...windowSchema(v), kernel_shape: { kind: 'ints', required: true }, ...extra }),
    attrs: (node) => parsePool(node, v),
    shapes(node, a, inputs): OutputShape[] {
      const x = need(node, inputs, 0, 'X');
      return [{ dtype: x.dtype, dims: poolPlan(node, kind, a, x).outDims }];
    },
    run: (node, a, inputs) => [poolEval(node, kind, a, need(node, inputs, 0, 'X'))],
    ...(kind === 'max'
      ? { spiking: { kind: 'spiking', spikingOp: 'SpikingMaxPool' }, lower: { tfjs: maxPoolTfjs } }
      : {
          spiking: { kind: 'linear' },
          synops: { carry: 'window-sum', window: (node: Node) => prod(entry.parseAttributes(node).kernelShape) },
          lower: { tfjs: avgPoolTfjs, nir: avgPoolNir },
        }),
  });
  return entry;
}

/** The window attributes MaxPool has at an opset (the spiking max pool keeps them). */
export const MAX_POOL_1: WindowVersion = { ceilMode: false, dilations: false };
export const MAX_POOL_10: WindowVersion = { ceilMode: true, dilations: true };

export const maxPool1 = poolRule('MaxPool', 1, MAX_POOL_1);
/** storage_order and the optional Indices output appear. */
export const maxPool8 = poolRule('MaxPool', 8, MAX_POOL_1);
export const maxPool10 = poolRule('MaxPool', 10, MAX_POOL_10);
export const averagePool7 = poolRule('AveragePool', 7, { ceilMode: false, dilations: false });
export const averagePool10 = poolRule('AveragePool', 10, { ceilMode: true, dilations: false });
export const averagePool19 = poolRule('AveragePool', 19, { ceilMode: true, dilations: true });

export const ops: readonly OpEntry[] = [maxPool1, maxPool8, maxPool10, averagePool7, averagePool10, averagePool19];
