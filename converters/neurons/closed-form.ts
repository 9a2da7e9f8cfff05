/**
 * Constant-current neuron layers in closed form (which layers: src/snn/closed-form.ts).
 *
 * Under constant-current coding the first neuron layers see the same current I every step. An IF
 * neuron with reset by subtraction, threshold θ > 0 and initial potential v0 = b·θ, b ∈ [0, 1),
 * then has the exact spike count n_t = ⌊b + t·a⌋, a = clamp(I/θ, 0, 1), after t steps (the
 * potential stays in [0, θ), and v_t = v0 + t·I − θ·n_t); the spikes are s_t = n_t − n_{t−1}.
 * A spiking max pool over such a layer pools the rates once: x ↦ ⌊b + t·x⌋ is non-decreasing (in
 * float32 too: rounding is monotone), so max_i ⌊b + t·a_i⌋ = ⌊b + t·max_i a_i⌋.
 *
 * Float32 semantics, identical in every engine: a = min(max(fl(I′ · fl(1/θ)), 0), 1) with
 * I′ = I (+ the calibrated extra current), x_t = fl(b + fl(t·a)), n_t = ⌊x_t⌋. Multiplying by the
 * reciprocal rather than dividing keeps WebGPU exact (WGSL's division is not correctly rounded;
 * its multiplication and addition are). This is the exact-arithmetic solution evaluated once in
 * float32, not a sum of t rounded increments, so it can differ from `--solve step` in the rare
 * neuron whose accumulated rounding error crosses an integer.
 */
import { float32 } from '../../src/graph/tensor.js';
import type { OnnxContext } from '../backends/types.js';
import { expandThreshold } from './dynamics.js';
import type { NeuronLayerInfo, NeuronOptions } from './types.js';

/** Per-element constants of a closed-form layer (one sample). */
export interface ClosedFormLayer {
  /** fl(1/θ) per element. */
  readonly invTheta: Float32Array;
  /** Initial potential fraction b = v0/θ per element, in [0, 1). */
  readonly b: Float32Array;
  /** b per channel (or one value): pooling windows lie inside a channel, so b̂ = b there. */
  readonly bChannel: readonly number[];
}

export function closedFormConstants(l: NeuronLayerInfo, o: Pick<NeuronOptions, 'vInit'>): ClosedFormLayer {
  const th = expandThreshold(l.threshold, l.dims);
  const invTheta = new Float32Array(th.length);
  for (let i = 0; i < th.length; i++) invTheta[i] = Math.fround(1 / th[i]!);
  const bChannel = (l.v0 ?? [o.vInit]).map((f) => Math.fround(f));
  const b = l.v0 ? expandThreshold(bChannel, l.dims) : new Float32Array(th.length).fill(bChannel[0]!);
  return { invTheta, b, bChannel };
}

/** Normalised rate a = min(max(fl(I·fl(1/θ)), 0), 1) of one batch (per = elements per sample). */
export function closedFormRate(current: Float32Array, extra: Float32Array | undefined, c: ClosedFormLayer): Float32Array {
  const per = c.invTheta.length;
  const a = new Float32Array(current.length);
  for (let j = 0; j < a.length; j++) {
    const i = j % per;
    const x = extra ? Math.fround(current[j]! + extra[i]!) : current[j]!;
    const r = Math.fround(x * c.invTheta[i]!);
    a[j] = r > 0 ? (r < 1 ? r : 1) : 0;
  }
  return a;
}

/** n_t = ⌊fl(b + fl(t·a))⌋. */
export function closedFormCount(a: number, b: number, t: number): number {
  return Math.floor(Math.fround(b + Math.fround(t * a)));
}

/** Reference step: θ·(n_t − n_{t−1}) into `out`, the counts updated; the rates are computed at the first step. */
export function closedFormReference(
  l: NeuronLayerInfo,
  o: NeuronOptions,
  theta: Float32Array,
  extra: Float32Array | undefined,
  counts: Float32Array,
): (current: Float32Array, t: number, out: Float32Array) => void {
  const cf = closedFormConstants(l, o);
  const per = theta.length;
  let a: Float32Array | undefined;
  return (current, t, out) => {
    a ??= closedFormRate(current, extra, cf); // the current is static
    for (let j = 0; j < a.length; j++) {
      const nt = closedFormCount(a[j]!, cf.b[j % per]!, t);
      // s_t = n_t − n_{t−1} (0 or 1: a ≤ 1), emitted as s·θ like the ONNX Sub and Mul
      out[j] = Math.fround((nt - counts[j]!) * theta[j % per]!);
      counts[j] = nt;
    }
  };
}

/** b per channel ([C, 1, …]) or one value: it broadcasts over the layer and over its pooled windows alike. */
export function onnxB(ctx: OnnxContext, base: string, cf: ClosedFormLayer, rank: number): string {
  return ctx.konst(
    base,
    cf.bChannel.length === 1 ? float32([], [cf.bChannel[0]!]) : float32([cf.bChannel.length, ...new Array<number>(rank - 1).fill(1)], cf.bChannel),
  );
}

/** Per step θ·(⌊b + t·a⌋ − ⌊b + (t−1)·a⌋) of rates `a` (per-sample dims `d`), written to `out`. */
export function onnxClosedFormSpikes(ctx: OnnxContext, base: string, a: string, b: string, d: readonly number[], theta: string, out: string): void {
  const prev = ctx.carry(`${base}_n`, ctx.initState(`${base}_n`, float32(d, new Float32Array(d.reduce((x, y) => x * y, 1)))));
  const ta = ctx.fresh(`${base}_ta`),
    x1 = ctx.fresh(`${base}_x`),
    ds = ctx.fresh(`${base}_s`);
  ctx.node('body', 'Mul', [ctx.stepTime(), a], [ta]);
  ctx.node('body', 'Add', [b, ta], [x1]);
  ctx.node('body', 'Floor', [x1], [prev.outName]);
  ctx.node('body', 'Sub', [prev.outName, prev.inName], [ds]);
  ctx.node('body', 'Mul', [ds, theta], [out]);
}
