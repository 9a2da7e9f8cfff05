/**
 * Operation counts of the ANN and of the converted SNN, per weighted layer (Conv, Gemm, MatMul),
 * and an energy estimate.
 *
 * ANN: multiply-accumulates (MACs) per sample, from the op rules' `macs` in converters/.
 *
 * SNN: synaptic operations (synops) per sample = Σ over the events that reach a weighted layer of
 * the number of synapses each event drives (its exact structural fan-out: for a Conv, the output
 * channels of its group times the output positions whose window covers the input position,
 * borders, strides, padding and dilations included; for Gemm/MatMul, the output features). Events
 * are the spikes of the neuron layers (spike counts per neuron from the simulation), carried to the
 * weighted layer through the ops in between, as each op's synops role in converters/ says:
 *   - reshaping/routing ops (Flatten, Reshape, Transpose, Pad, Slice, Concat, …) move them exactly;
 *   - a residual Add/Sub passes the spikes of both branches (each spike is an event);
 *   - a spiking max pool passes, per window, the spikes of the input with the highest count so far:
 *     counted as the largest spike count in the window (exact unless two inputs tie in count and
 *     the earlier one catches up: then it is a lower bound) — marked `approximate`;
 *   - an average pool passes each spike into every window that holds it — marked `approximate`.
 * A weighted layer whose input does not change over time (the first layer under constant-current
 * input coding) runs once, outside the time loop: its ops are MACs, counted once. A weighted layer
 * fed by an analog signal that changes every step (no neuron layer in between) does its MACs every
 * step. Signed spikes (bipolar neurons of linear sites, --neuron signed) are counted by their events
 * of either sign (the emitted file's `events.<i>`; without them, as |net count|, a lower bound marked
 * approximate). Poisson input spikes are counted at their expected number, T·|x|/xmax per pixel.
 *
 * Energy (an estimate, not a measurement): 0.9 pJ per accumulate and 4.6 pJ per multiply-accumulate
 * (32-bit float, 45 nm CMOS; Horowitz, ISSCC 2014), as in most ANN-to-SNN papers. Memory access,
 * neuron updates and the per-step bias additions are not counted.
 */
import { opFor, ruleFor } from '../../converters/registry.js';
import type { ShapedValue } from '../../converters/types.js';
import type { Node } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';
import { ExactSum, type ExactSumJson } from '../util/exact-sum.js';
import { carryEvents, DENSE, type Carried, type Events } from './events.js';
import { opsFromTotals, type OpsKind, type OpsReport } from './ops-report.js';

export { convFanout } from '../../converters/conv.js';

export { ENERGY_PJ, ENERGY_SOURCE, opsFromTotals, opsReport, type EnergyEstimate, type LayerOps, type OpsKind, type OpsReport } from './ops-report.js';

interface WeightedStep {
  readonly node: Node;
  readonly macs: number;
  readonly kind: OpsKind;
  /** Per-sample fan-out of each element of input 0. */
  readonly fanout: Float64Array;
}

export interface OpsPlan {
  readonly snn: SnnModel;
  readonly weighted: WeightedStep[];
  /** Dynamic nodes in order (to carry events). */
  readonly dynamicNodes: Node[];
}

const sizeOf = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** Builds the counting plan for a converted network (structure only; no simulation). */
export function opsPlan(snn: SnnModel): OpsPlan {
  const opset = snn.ann.opset;
  const inits = snn.ann.graph.initializers;
  const shaped = (name: string): ShapedValue | undefined => {
    if (!name) return undefined;
    const t = inits.get(name);
    if (t) return { dtype: t.dtype, dims: t.dims, value: t };
    const d = snn.dims.get(name);
    return d ? { dtype: 'float32', dims: [1, ...d] } : undefined;
  };
  const weighted: WeightedStep[] = [];
  const dynamicNodes: Node[] = [];
  for (const node of snn.nodes) {
    const dyn = node.outputs.some((o) => snn.dynamic.has(o));
    if (dyn) dynamicNodes.push(node);
    const rule = node.domain === '' ? ruleFor(node, opset) : undefined;
    if (!rule?.synops?.weighted) continue;
    const ins = node.inputs.map(shaped);
    const outs = node.outputs.map((o) => ({ dtype: 'float32' as const, dims: [1, ...(snn.dims.get(o) ?? [])] }));
    const macs = rule.macs?.(node, ins, outs, { opset }) ?? 0;
    const inDims = snn.dims.get(node.inputs[0]!) ?? [];
    const inPer = sizeOf(inDims);
    const fanout = rule.synops.fanout
      ? rule.synops.fanout(node, inDims, ins[1]?.dims ?? [], opset)
      : new Float64Array(inPer).fill(inPer > 0 ? macs / inPer : 0); // every input feature drives every output feature
    const kind: OpsKind = !dyn ? 'mac-once' : 'ac';
    weighted.push({ node, macs, kind, fanout });
  }
  return { snn, weighted, dynamicNodes };
}

/**
 * Accumulates synaptic operations batch by batch from the simulation's spike counts. Deterministic
 * and independent of batch boundaries and of a split into shards: each sample's count is summed in
 * float64, the samples' counts exactly (src/util/exact-sum.ts).
 */
export class SynopsCounter {
  private readonly totals: ExactSum[];
  private readonly kinds: OpsKind[];
  private readonly approx: boolean[];
  private samples = 0;

  constructor(
    private readonly plan: OpsPlan,
    private readonly T: number,
  ) {
    this.totals = plan.weighted.map(() => new ExactSum());
    this.kinds = plan.weighted.map((w) => w.kind);
    this.approx = plan.weighted.map(() => false);
  }

  /** Events reaching weighted layer wi: synapses driven per event, or MACs every step for an analog input. */
  private weightedEvents(wi: number, n: number, input0: Carried | undefined, approx: boolean): void {
    const w = this.plan.weighted[wi]!;
    if (input0 === undefined || input0 === DENSE) {
      // analog input that changes every step: MACs every step
      this.kinds[wi] = 'mac-per-step';
      this.totals[wi]!.add(w.macs * this.T * n);
      return;
    }
    const f = w.fanout;
    const per = f.length;
    const d = input0.data;
    // each sample's count in float64, the samples' counts exactly (shard-independent)
    for (let b = 0; b < d.length; b += per) {
      let s = 0;
      for (let k = 0; k < per; k++) s += d[b + k]! * f[k]!;
      this.totals[wi]!.add(s);
    }
    if (approx) this.approx[wi] = true;
  }

  /**
   * One batch: `counts[i]` are the spike counts of neuron layer i (aligned with snn.layers) for n
   * samples; `x` is the batch's input (n × input size), needed under Poisson coding.
   */
  addBatch(n: number, counts: readonly Float32Array[], x?: Float32Array, events?: readonly (Float32Array | undefined)[]): void {
    const { snn } = this.plan;
    const opset = snn.ann.opset;
    const carried = new Map<string, Carried>();
    const approxOf = new Map<string, boolean>();

    snn.layers.forEach((l, i) => {
      const c = counts[i];
      if (!c) return;
      const ev = events?.[i];
      if (ev) carried.set(l.output, { dtype: 'float32', dims: [n, ...l.dims], data: ev });
      else if (l.linear || snn.options.neuron === 'signed') {
        // signed spikes without their event counts (the tfjs engine): |net count| is a lower bound
        // (exact when a neuron's spikes all have one sign); the layers they reach are marked approximate
        carried.set(l.output, { dtype: 'float32', dims: [n, ...l.dims], data: c.map(Math.abs) });
        approxOf.set(l.output, true);
      } else carried.set(l.output, { dtype: 'float32', dims: [n, ...l.dims], data: c });
    });
    if (snn.options.encoding === 'poisson' && x) {
      const ev = new Float32Array(x.length);
      const xmax = snn.inputMax > 0 ? snn.inputMax : 1;
      for (let i = 0; i < x.length; i++) ev[i] = this.T * Math.min(1, Math.abs(x[i]!) / xmax);
      carried.set(snn.inputName, { dtype: 'float32', dims: [n, ...snn.inputDims], data: ev });
    }
    const zeros = (name: string): Events => {
      const d = snn.dims.get(name) ?? [];
      return { dtype: 'float32', dims: [n, ...d], data: new Float32Array(n * sizeOf(d)) };
    };
    const widx = new Map(this.plan.weighted.map((w, i) => [w.node, i]));
    for (const node of this.plan.dynamicNodes) {
      const entry = opFor(node, opset);
      if (entry?.synops?.carry === 'source') continue; // a neuron layer: its events are the spike counts
      const wi = widx.get(node);
      const anyApprox = node.inputs.some((i) => approxOf.get(i));
      if (wi !== undefined) {
        this.weightedEvents(wi, n, carried.get(node.inputs[0]!), anyApprox);
        for (const o of node.outputs) carried.set(o, DENSE);
        continue;
      }
      const dynIns = node.inputs.filter((i) => i && snn.dynamic.has(i));
      const evs = dynIns.map((i) => carried.get(i));
      let out: Carried = DENSE;
      let approx = anyApprox;
      if (entry && evs.every((e) => e !== undefined && e !== DENSE)) {
        try {
          const r = carryEvents(entry, node, evs as Events[], { n, snn, carried, zeros });
          out = r.events;
          approx ||= r.approximate;
        } catch {
          out = DENSE;
        }
      }
      for (const o of node.outputs) if (o) carried.set(o, out);
      if (approx) for (const o of node.outputs) approxOf.set(o, true);
    }
    // static weighted layers: MACs once per sample
    this.plan.weighted.forEach((w, i) => {
      if (w.kind === 'mac-once') this.totals[i]!.add(w.macs * n);
    });
    this.samples += n;
  }

  result(): OpsReport {
    const layers = this.plan.weighted.map((w, i) => ({
      name: w.node.name || w.node.outputs[0]!,
      opType: w.node.opType,
      macs: w.macs,
      kind: this.kinds[i]!,
      approximate: this.approx[i]!,
    }));
    return opsFromTotals(layers, this.totals, this.samples, this.T);
  }

  /** The mergeable state: the sample count and the exact per-layer totals. */
  parts(): { samples: number; totals: ExactSumJson[] } {
    return { samples: this.samples, totals: this.totals.map((t) => t.toJSON()) };
  }
}
