/**
 * GlobalAveragePool and GlobalMaxPool: one value per channel, any spatial rank. In an SNN the
 * average is linear (NIR: AvgPool2d over the whole plane); a max over spikes becomes the spiking
 * global max pool (converters/spiking-pool.ts).
 */
import { sizeOf } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import { defineOp, io, noAttrs } from './define.js';
import type { OpEntry, OutputShape, ShapedValue } from './types.js';
import { alloc, dimsText, lowest, need, shapeError } from './util.js';

type PoolKind = 'max' | 'avg';

function globalShape(node: Node, x: ShapedValue | Tensor): OutputShape {
  if (x.dims.length < 3) throw shapeError(node, `input X must be (N, C, spatial...), got ${dimsText(x.dims)}`, 'rank >= 3', x.dims.length);
  return { dtype: x.dtype, dims: [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map(() => 1)] };
}

function globalEval(node: Node, kind: PoolKind, x: Tensor): Tensor {
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
  return { dtype, dims, data: out };
}

export const globalAveragePool = defineOp({
  opType: 'GlobalAveragePool',
  schema: io(1, 1),
  attrs: noAttrs,
  shapes: (node, _a, inputs) => [globalShape(node, need(node, inputs, 0, 'X'))],
  run: (node, _a, inputs) => [globalEval(node, 'avg', need(node, inputs, 0, 'X'))],
  spiking: { kind: 'linear' },
  synops: { carry: 'window-sum', window: (_node, inDims) => sizeOf(inDims.slice(2)) },
  lower: {
    tfjs: (_n, _a, [x], { tf }) => tf.mean(x!, [2, 3], true),
    nir: (n, _a, [x], ctx) => {
      if (x!.dims.length !== 3) return ctx.problem(`${n.opType} "${n.name}": only 2-D pooling maps to NIR AvgPool2d (input [${x!.dims.join(', ')}])`);
      const [, h, w] = x!.dims as [number, number, number];
      const nm = ctx.add(ctx.name(n), { type: 'AvgPool2d', kernel_size: [h, w], stride: [h, w], padding: [0, 0] }, x!.terms, n.name);
      return { terms: [nm], dims: ctx.dims(n.outputs[0]!), owned: [] };
    },
  },
});

export const globalMaxPool = defineOp({
  opType: 'GlobalMaxPool',
  schema: io(1, 1),
  attrs: noAttrs,
  shapes: (node, _a, inputs) => [globalShape(node, need(node, inputs, 0, 'X'))],
  run: (node, _a, inputs) => [globalEval(node, 'max', need(node, inputs, 0, 'X'))],
  spiking: { kind: 'spiking', spikingOp: 'SpikingGlobalMaxPool' },
  lower: { tfjs: (_n, _a, [x], { tf }) => tf.max(x!, [2, 3], true) },
});

export const ops: readonly OpEntry[] = [globalAveragePool, globalMaxPool];
