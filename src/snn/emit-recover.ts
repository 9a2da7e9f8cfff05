/**
 * Spike counts recovered once after the Loop instead of counted every step (issue 11, lever 1).
 *
 * An IF layer with reset by subtraction ends at v_T = v0 + Σ_t x_t − θ·n (x_t = I_t + c its step
 * input), so n = (v0 + Σ_t x_t − v_T) / θ; so does a burst layer (n counts every spike of a burst;
 * converters/neurons/burst.ts), whose θ is λ/Γ, so the rounding margin θ/2 below is Γ times smaller. The sum of the input currents comes from the counts of
 * the layers upstream: every op between neuron layers is affine in its time-varying input (its
 * spiking role is 'linear'), so Σ_t f(X_t) = T·f(mean X) with mean X = θ·count / T for a neuron
 * layer and θ·MaxPool(count_T) / T for a spiking max pool (its per-step outputs telescope to the
 * pooled final count). The replay runs the layer's ops once, on the means, after the Loop.
 *
 * Float32: the stepped v_T carries the rounding of T additions and the replayed sum that of the
 * ops in a different order, so (v0 + T·x̄ − v_T)/θ is an integer only up to those errors; it is
 * rounded to the nearest one. That is exact while the accumulated error stays below θ/2: it grows
 * with |v| (a neuron driven far below threshold for many steps ends at v_T ≈ −T·|I|, and each step
 * rounds at ulp(v)), so a count can differ from the stepped one at large T with strongly negative
 * drive; test/snn/emit-recover.test.ts checks that it does not on the bundled and own models at
 * T = 128 and 1024, and `emitOnnx(snn, { counts: 'stepped' })` keeps the per-step count.
 * Per step the layer then costs Add, GreaterOrEqual, Where, Sub: four passes instead of six.
 */
import { opFor } from '../../converters/registry.js';
import type { OnnxContext, RecoveredCount } from '../../converters/backends/types.js';
import { layerOutputName } from '../../converters/backends/onnx.js';
import { A } from '../graph/attrs.js';
import { float32 } from '../graph/tensor.js';
import type { Node, Tensor } from '../graph/types.js';
import type { SnnModel } from './build.js';
import { closedFormLayers } from './closed-form.js';

/** Where the count of each neuron layer comes from. */
export type CountMode = 'recovered' | 'stepped';

/**
 * Neuron layer outputs whose count may be recovered: constant-current coding, Where available
 * (opset ≥ 9), nothing reads the count per step (a spiking max pool does), and the input current
 * can be replayed from upstream counts.
 */
export function recoverableOutputs(snn: SnnModel, dynamicNodes: readonly Node[], opset: number): Set<string> {
  const out = new Set<string>();
  if (snn.options.encoding !== 'current' || opset < 9) return out;
  const opsetIn = snn.ann.opset;
  const producer = new Map<string, Node>();
  for (const n of dynamicNodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const countsRead = new Set<string>();
  for (const n of dynamicNodes) if (opFor(n, opsetIn)?.spiking.readsCounts) countsRead.add(n.inputs[0]!);
  const neuronOut = new Set(snn.layers.map((l) => l.output));
  const memo = new Map<string, boolean>();
  const replayable = (t: string): boolean => {
    if (!t || !snn.dynamic.has(t) || neuronOut.has(t)) return true;
    let r = memo.get(t);
    if (r !== undefined) return r;
    const p = producer.get(t);
    const role = p ? opFor(p, opsetIn)?.spiking : undefined;
    if (!p || !role) r = false;
    else if (role.readsCounts) r = neuronOut.has(p.inputs[0]!);
    else r = role.kind === 'linear' && p.inputs.every(replayable);
    memo.set(t, r);
    return r;
  };
  const closed = closedFormLayers(snn);
  snn.layers.forEach((l, i) => {
    if (!closed.has(i) && !countsRead.has(l.output) && replayable(l.input)) out.add(l.output);
  });
  return out;
}

/** θ per channel ([C, 1, …]) or one value, for a tensor of rank `rank`. */
function channelTheta(th: number | readonly number[], rank: number): Tensor {
  return typeof th === 'number' ? float32([], [th]) : float32([th.length, ...new Array<number>(rank - 1).fill(1)], th);
}

/** The tensors the recovered layers' inputs need, back to neuron outputs and static tensors. */
function neededTensors(snn: SnnModel, dynamicNodes: readonly Node[], recs: ReadonlyMap<number, RecoveredCount>): Set<string> {
  const need = new Set<string>([...recs.values()].map((r) => r.input));
  for (let k = dynamicNodes.length - 1; k >= 0; k--) {
    const n = dynamicNodes[k]!;
    if (!n.outputs.some((o) => need.has(o))) continue;
    // a neuron's mean comes from its count: its input is not needed
    if (snn.layers.some((l) => l.output === n.outputs[0])) continue;
    for (const i of n.inputs) if (i && snn.dynamic.has(i)) need.add(i);
  }
  return need;
}

/** After the Loop: the means of the needed tensors in graph order, and the recovered counts. */
export function emitRecoveredCounts(snn: SnnModel, dynamicNodes: readonly Node[], recs: ReadonlyMap<number, RecoveredCount>, ctx: OnnxContext): void {
  if (!recs.size) return;
  const T = ctx.timestepsFloat();
  const need = neededTensors(snn, dynamicNodes, recs);
  const mean = new Map<string, string>();
  const meanOf = (t: string): string => (t && snn.dynamic.has(t) ? mean.get(t)! : t);
  const inits = snn.ann.graph.initializers;
  const copies = new Map<string, string>();
  const n1 = (op: string, ins: string[], base: string, attrs: Node['attrs'] = {}): string => {
    const o = ctx.fresh(base);
    ctx.node('after', op, ins, [o], attrs);
    return o;
  };
  /** θ·count / T of a count tensor with per-channel θ. */
  const meanFromCount = (count: string, th: number | readonly number[], rank: number, base: string): string =>
    n1('Div', [n1('Mul', [count, ctx.konst(`${base}_theta`, channelTheta(th, rank))], `${base}_sum`), T], `${base}_mean`);
  for (const n of dynamicNodes) {
    const L = ctx.layerOf(n.outputs[0]!);
    if (L) {
      const rec = recs.get(L.index);
      if (rec) recoverCount(rec, meanOf(rec.input), T, ctx);
      if (need.has(n.outputs[0]!)) mean.set(n.outputs[0]!, meanFromCount(layerOutputName(L.index), L.layer.threshold, L.layer.dims.length, `mean_${L.index}`));
      continue;
    }
    if (!n.outputs.some((o) => need.has(o))) continue;
    const entry = opFor(n, snn.ann.opset);
    if (entry?.spiking.readsCounts) {
      // Σ_t θ·(M_t − M_{t−1}) = θ·M_T, M_T = MaxPool(count_T)
      const src = ctx.layerOf(n.inputs[0]!)!;
      const inDims = ctx.dims(n.inputs[0]!);
      const attrs =
        n.opType === 'SpikingGlobalMaxPool'
          ? { kernel_shape: A.ints(inDims.slice(1)) }
          : Object.fromEntries(Object.entries(n.attrs).filter(([k]) => k !== 'storage_order'));
      const pooled = n1('MaxPool', [layerOutputName(src.index)], `${n.name}_count_max`, attrs);
      mean.set(n.outputs[0]!, meanFromCount(pooled, src.layer.threshold, inDims.length, `${n.name}_pooled`));
      continue;
    }
    // an affine op: itself, once, on the means; its weights copied so that the body's stay body-local (emit.ts finish)
    const ins = n.inputs.map((i) => {
      if (inits.has(i)) {
        if (!copies.has(i)) copies.set(i, ctx.konst(`${i}_after`, inits.get(i)!));
        return copies.get(i)!;
      }
      return meanOf(i);
    });
    const outs = n.outputs.map((o) => (o ? ctx.fresh(`${o}_mean`) : ''));
    n.outputs.forEach((o, k) => o && mean.set(o, outs[k]!));
    ctx.push('after', { ...n, name: ctx.fresh(`${n.name}_mean`), inputs: ins, outputs: outs });
  }
}

/** n = ⌊(v0 + T·(Ī + c) − v_T) / θ + ½⌋. */
function recoverCount(r: RecoveredCount, meanInput: string, T: string, ctx: OnnxContext): void {
  const li = r.index;
  const d = r.dims;
  const name = (s: string): string => ctx.fresh(`recover_${li}_${s}`);
  const op = (opType: string, ins: string[], s: string): string => {
    const o = name(s);
    ctx.node('after', opType, ins, [o]);
    return o;
  };
  const x = r.extra ? op('Add', [meanInput, ctx.konst(`recover_${li}_extra`, float32(d, r.extra))], 'x') : meanInput;
  const total = op('Add', [op('Mul', [x, T], 'sum'), ctx.konst(`recover_${li}_v0`, float32(d, r.v0))], 'total');
  const q = op('Div', [op('Sub', [total, r.vFinal], 'fired'), ctx.konst(`recover_${li}_theta`, float32(d, r.theta))], 'n');
  ctx.node('after', 'Floor', [op('Add', [q, ctx.konst('f_half', float32([], [0.5]))], 'n_half')], [layerOutputName(li)]);
}
