/**
 * Constant-current neuron layers in closed form.
 *
 * Under constant-current coding the first neuron layers see the same current I every step. An IF
 * neuron with reset by subtraction, threshold θ > 0 and initial potential v0 = b·θ, b ∈ [0, 1),
 * then has the exact spike count
 *
 *   n_t = ⌊b + t·a⌋,   a = clamp(I/θ, 0, 1),
 *
 * after t steps. Proof: for 0 ≤ I ≤ θ the potential stays in [0, θ) (at most one crossing per
 * step, and the reset keeps the remainder), and v_t = v0 + t·I − θ·n_t, so n_t is the integer
 * part of (v0 + t·I)/θ; for I < 0 it never fires (v only falls), for I > θ it fires every step
 * (one spike per step at most). The spikes are s_t = n_t − n_{t−1}.
 *
 * Why: the stepped simulation costs about six elementwise passes over the layer every step;
 * the closed form is one multiply-add and a floor, and a spiking max pool over such a layer needs
 * no pass over the layer at all: the pooled count of the key rule (2·count − s, see reference.ts)
 * is the largest count in the window, and since x ↦ ⌊b + t·x⌋ is non-decreasing (in float32
 * too: rounding is monotone), max_i ⌊b + t·a_i⌋ = ⌊b + t·max_i a_i⌋. The pool becomes one
 * MaxPool of the rates, once, and a closed-form unit per window (emit.ts).
 *
 * Float32 semantics, identical in every engine: a = min(max(fl(I′ · fl(1/θ)), 0), 1) with
 * I′ = I (+ the calibrated extra current), x_t = fl(b + fl(t·a)), n_t = ⌊x_t⌋. Multiplying by the
 * reciprocal rather than dividing keeps WebGPU exact (WGSL's division is not correctly rounded;
 * its multiplication and addition are). This is the exact-arithmetic solution evaluated once in
 * float32, not a sum of t rounded increments, so it can differ from `--solve step` in the rare
 * neuron whose accumulated rounding error crosses an integer.
 */
import type { SnnModel } from './build.js';
import { expandThreshold } from './neuron.js';
import type { NeuronLayer, SnnOptions } from './types.js';

/** Per-element constants of a closed-form layer (one sample). */
export interface ClosedFormLayer {
  /** fl(1/θ) per element. */
  readonly invTheta: Float32Array;
  /** Initial potential fraction b = v0/θ per element, in [0, 1). */
  readonly b: Float32Array;
  /** b per channel (or one value): pooling windows lie inside a channel, so b̂ = b there. */
  readonly bChannel: readonly number[];
}

/** Whether this layer's dynamics can be solved in closed form (see the header). */
export function closedFormApplies(snn: SnnModel, l: NeuronLayer): boolean {
  const o = snn.options;
  if ((o.solve ?? 'closed-form') !== 'closed-form') return false;
  if (o.neuron !== 'if' || o.reset !== 'subtract' || o.encoding !== 'current') return false;
  if (l.poly || (l.gain ?? 1) !== 1) return false;
  if (snn.dynamic.has(l.input)) return false;
  const th = typeof l.threshold === 'number' ? [l.threshold] : l.threshold;
  if (!th.every((t) => Number.isFinite(t) && Math.fround(t) > 0)) return false;
  const fr = l.v0 ?? [o.vInit];
  return fr.every((f) => Math.fround(f) >= 0 && Math.fround(f) < 1);
}

/** Indices (into snn.layers) of the closed-form layers. */
export function closedFormLayers(snn: SnnModel): Set<number> {
  const out = new Set<number>();
  snn.layers.forEach((l, i) => {
    if (closedFormApplies(snn, l)) out.add(i);
  });
  return out;
}

export function closedFormConstants(l: NeuronLayer, o: SnnOptions): ClosedFormLayer {
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
