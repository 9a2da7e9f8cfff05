/**
 * The spiking max pool (SpikingMaxPool, SpikingGlobalMaxPool in the onnx2snn domain): a max pool
 * whose input varies in time passes, per window, the current input of the position with the
 * highest spike count so far (SNN Toolbox's rule), not a max over one step's spikes.
 *
 * - Over a neuron layer the key is 2·count − s = 2·(count before this step) + s: the highest
 *   count wins, and among equal counts a neuron spiking now; a spike passes exactly when the
 *   largest count in the window grows (a unit reaching a new maximum must have spiked, and a unit
 *   already at the maximum that did not spike outranks every spiking one), so every backend
 *   computes M_t − M_{t−1} with M_t = MaxPool(count_t): one plain MaxPool of the counts. With
 *   bursts (converters/neurons/burst.ts) the difference is the growth of the largest count, so
 *   the pooled count is still the window's largest count.
 * - Over a closed-form layer (converters/neurons/closed-form.ts) the rates are pooled once.
 * - Over any other time-varying signal a running sum of the input (this step included) is kept
 *   and the input at the largest sum passes; ties go to the first position in scan order, as
 *   onnxruntime's MaxPool does.
 * NIR has no max pooling, let alone this rule.
 */
import { A } from '../src/graph/attrs.js';
import { float32, int64 } from '../src/graph/tensor.js';
import type { Node, Tensor } from '../src/graph/types.js';
import { maxPoolNchw, paddedNhwc, unsupportedInTfjs } from './backends/tfjs.js';
import type { OnnxContext, ReferenceContext, TfjsSnnContext, TfjsStateful } from './backends/types.js';
import { defineOp, io, noAttrs } from './define.js';
import { onnxClosedFormSpikes } from './neurons/closed-form.js';
import { expandThreshold } from './neurons/dynamics.js';
import { globalMaxPool } from './global-pool.js';
import { MAX_POOL_1, MAX_POOL_10, maxPool1, maxPool10, parsePool, type PoolAttrs } from './pool.js';
import { windowGeometry, windowSchema, type Geometry, type WindowVersion } from './spatial.js';
import { SNN_DOMAIN, type OpEntry } from './types.js';

/** Global pools carry no attributes; their window is the whole plane. */
export type SpikingPoolAttrs = PoolAttrs | Record<string, never>;

const isGlobal = (n: Node): boolean => n.opType === 'SpikingGlobalMaxPool';
const windowed = (a: SpikingPoolAttrs): a is PoolAttrs => 'kernelShape' in a;

/** The window geometry over per-sample dims [C, H, W]. */
function geometry(node: Node, a: SpikingPoolAttrs, spatial: readonly number[]): Geometry {
  if (!windowed(a)) return { kernel: [...spatial], strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], out: [1, 1] };
  return windowGeometry(node, spatial, a.kernelShape, a, true);
}

export interface PoolPlan {
  /** For each output element of one sample: input element offsets of its window, in scan order. */
  readonly windows: Int32Array[];
  readonly inPer: number;
  readonly outPer: number;
}

/** The windows of a spiking max pool over per-sample dims (also the events engine's kernel table, src/engine/events/plan.ts). */
export function poolPlan(node: Node, a: SpikingPoolAttrs, dims: readonly number[]): PoolPlan {
  const [C, H, W] = [dims[0]!, dims[1] ?? 1, dims[2] ?? 1];
  const geom = geometry(node, a, isGlobal(node) ? [H, W] : dims.slice(1));
  const [OH, OW] = [geom.out[0]!, geom.out[1] ?? 1];
  const windows: Int32Array[] = [];
  for (let c = 0; c < C; c++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const w: number[] = [];
        for (let kh = 0; kh < geom.kernel[0]!; kh++) {
          const h = oh * geom.strides[0]! - geom.padsBegin[0]! + kh * geom.dilations[0]!;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < (geom.kernel[1] ?? 1); kw++) {
            const x = ow * (geom.strides[1] ?? 1) - (geom.padsBegin[1] ?? 0) + kw * (geom.dilations[1] ?? 1);
            if (x < 0 || x >= W) continue;
            w.push(c * H * W + h * W + x);
          }
        }
        windows.push(Int32Array.from(w));
      }
  return { windows, inPer: C * H * W, outPer: windows.length };
}

/** The input element with the largest key per window, written to out (key(e) for element e of the batch sample). */
function poolByKey(plan: PoolPlan, x: Float32Array, n: number, out: Float32Array, key: (e: number) => number): void {
  for (let b = 0; b < n; b++) {
    const ib = b * plan.inPer;
    const ob = b * plan.outPer;
    for (let o = 0; o < plan.outPer; o++) {
      const w = plan.windows[o]!;
      let best = w[0]!;
      let bk = key(ib + best);
      for (let k = 1; k < w.length; k++) {
        const kk = key(ib + w[k]!);
        if (kk > bk) {
          bk = kk;
          best = w[k]!;
        }
      }
      out[ob + o] = x[ib + best]!;
    }
  }
}

function reference(node: Node, a: SpikingPoolAttrs, ctx: ReferenceContext): (inputs: readonly (Tensor | undefined)[]) => Tensor[] {
  const plan = poolPlan(node, a, ctx.dims(node.inputs[0]!));
  const acc = new Float32Array(ctx.n * plan.inPer);
  const src = ctx.layerOf(node.inputs[0]!);
  const outDims = [ctx.n, ...ctx.dims(node.outputs[0]!)];
  const mNow = new Float32Array(ctx.n * plan.outPer);
  const mPrev = new Float32Array(ctx.n * plan.outPer);
  const thOut = src ? expandThreshold(src.layer.threshold, ctx.dims(node.outputs[0]!)) : new Float32Array(0);
  return ([xin]) => {
    const x = xin!.data as Float32Array;
    const out = new Float32Array(ctx.n * plan.outPer);
    if (src) {
      // θ·(M_t − M_{t−1}), M_t the window's largest count (what the emitted file computes): for one
      // spike per step it is the input at the key 2·count − s; with bursts (up to Γ spikes per step)
      // the pooled count still telescopes to M_T, the largest count, as count recovery assumes
      const count = ctx.counts(src.index);
      poolByKey(plan, count, ctx.n, mNow, (e) => count[e]!);
      for (let i = 0; i < out.length; i++) {
        out[i] = Math.fround((mNow[i]! - mPrev[i]!) * thOut[i % plan.outPer]!);
        mPrev[i] = mNow[i]!;
      }
    } else {
      for (let i = 0; i < x.length; i++) acc[i] = Math.fround(acc[i]! + x[i]!);
      poolByKey(plan, x, ctx.n, out, (e) => acc[e]!);
    }
    return [{ dtype: 'float32', dims: outDims, data: out }];
  };
}

function onnx(n: Node, [input]: readonly string[], ctx: OnnxContext): void {
  const inDims = ctx.dims(n.inputs[0]!);
  const out = n.outputs[0]!;
  const outDims = ctx.dims(out);
  const poolAttrs = isGlobal(n)
    ? { kernel_shape: A.ints(inDims.slice(1)) }
    : Object.fromEntries(Object.entries(n.attrs).filter(([key]) => key !== 'storage_order'));
  const poolTheta = (th: number | readonly number[]): Tensor =>
    typeof th === 'number' ? float32([], [th]) : float32([th.length, ...new Array<number>(inDims.length - 1).fill(1)], th);
  const zeros = (d: readonly number[]): Tensor => float32(d, new Float32Array(d.reduce((p, q) => p * q, 1)));
  const src = ctx.facts.get(n.inputs[0]!);
  if (src?.rate) {
    // over a closed-form layer: max_i ⌊b + t·a_i⌋ = ⌊b + t·max_i a_i⌋, so pool a once
    const aPool = ctx.fresh(`${n.name}_rate`);
    ctx.push('outer', { name: ctx.fresh(`${n.name}_rate_pool`), opType: 'MaxPool', domain: '', inputs: [src.rate.a], outputs: [aPool], attrs: poolAttrs });
    onnxClosedFormSpikes(ctx, `cf_${src.index}_${n.name}`, aPool, src.rate.b, outDims, ctx.konst(`${n.name}_theta`, poolTheta(src.threshold)), out);
    return;
  }
  if (src?.count) {
    // over a neuron layer: M_t − M_{t−1}, M_t = MaxPool(count_t)
    const m = ctx.carry(`${n.name}_max_count`, ctx.initState(`${n.name}_max_count`, zeros(outDims)));
    const grew = ctx.fresh(`${n.name}_grew`);
    ctx.push('body', { name: ctx.fresh(`${n.name}_pool`), opType: 'MaxPool', domain: '', inputs: [src.count], outputs: [m.outName], attrs: poolAttrs });
    ctx.node('body', 'Sub', [m.outName, m.inName], [grew]);
    ctx.node('body', 'Mul', [grew, ctx.konst(`${n.name}_theta`, poolTheta(src.threshold))], [out]);
    return;
  }
  const acc = ctx.carry(`pool_${n.name}`, ctx.initState(`pool_${n.name}`, zeros(inDims)));
  ctx.node('body', 'Add', [acc.inName, input!], [acc.outName]);
  const idx = ctx.fresh(`${n.name}_argmax`),
    flat = ctx.fresh(`${n.name}_flat`),
    ignored = ctx.fresh(`${n.name}_max`);
  ctx.push('body', { name: ctx.fresh(`${n.name}_pool`), opType: 'MaxPool', domain: '', inputs: [acc.outName], outputs: [ignored, idx], attrs: poolAttrs });
  ctx.node('body', 'Reshape', [input!, ctx.konst('flat_shape', int64([1], [-1]))], [flat]);
  ctx.node('body', 'Gather', [flat, idx], [out], { axis: A.int(0) });
}

/** Over a neuron layer only: θ·(M_t − M_{t−1}), M_t = MaxPool(count_t). */
function tfjs(n: Node, a: SpikingPoolAttrs, ctx: TfjsSnnContext): TfjsStateful {
  const { tf } = ctx;
  const src = ctx.layerOf(n.inputs[0]!);
  if (!src) throw unsupportedInTfjs(n, 'pools a signal that is not a neuron layer');
  const theta = src.layer.threshold;
  return {
    start: () => ({}),
    step(state) {
      const count = ctx.stateOf(n.inputs[0]!)!['count']!;
      const g = geometry(n, a, count.shape.slice(2));
      if (g.dilations.some((d) => d !== 1)) throw unsupportedInTfjs(n, 'has dilations');
      // θ·(M_t − M_{t−1}), M_t = the window's largest count (as the reference and the emitted file);
      // padding at the lowest float32 never wins
      const m = maxPoolNchw(tf, paddedNhwc(tf, count, g, -3.4e38), g.kernel, g);
      const grew = state['m'] ? tf.sub(m, state['m']) : m;
      const th = typeof theta === 'number' ? tf.scalar(theta) : tf.tensor(theta as number[], [1, theta.length, 1, 1]);
      return { output: tf.mul(grew, th), state: { m } };
    },
    dispose: () => {},
  };
}

function spikingPool(opType: 'SpikingMaxPool' | 'SpikingGlobalMaxPool', sinceOpset: number, v: WindowVersion | undefined, plainEntry: OpEntry): OpEntry {
  const plain = plainEntry.opType;
  return defineOp<SpikingPoolAttrs>({
    opType,
    domain: SNN_DOMAIN,
    sinceOpset,
    schema: io(1, 1, v ? { ...windowSchema(v), kernel_shape: { kind: 'ints', required: true }, storage_order: { kind: 'int' } } : {}),
    attrs: (node) => (v ? parsePool(node, v) : noAttrs()),
    // the shapes of the plain pool
    shapes: (n, _a, inputs, ctx) => plainEntry.inferShapes({ ...n, opType: plain, domain: '' }, inputs, ctx),
    run: (node) => {
      throw new Error(`${node.opType} "${node.name}" has state: it runs in a simulator`);
    },
    spiking: { kind: 'nonlinear', readsCounts: true },
    synops: { carry: 'window-max', plainOp: plain },
    lower: {
      reference,
      onnx: (n, _a, inputs, ctx) => onnx(n, inputs, ctx),
      tfjsStateful: tfjs,
      nir: (n, _a, _ins, ctx) =>
        ctx.problem(`${plain} "${n.name}": the spiking max pool (each window passes the input with the largest spike count so far) has no NIR primitive`),
    },
  });
}

export const ops: readonly OpEntry[] = [
  spikingPool('SpikingMaxPool', 1, MAX_POOL_1, maxPool1),
  spikingPool('SpikingMaxPool', 10, MAX_POOL_10, maxPool10),
  spikingPool('SpikingGlobalMaxPool', 1, undefined, globalMaxPool),
];
