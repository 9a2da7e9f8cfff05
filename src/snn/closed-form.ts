/**
 * Which neuron layers are solved in closed form (the maths and its lowerings:
 * converters/neurons/closed-form.ts): constant-current coding, a kind that allows it (IF),
 * reset by subtraction, no polynomial or gain, a static input current, θ > 0 and an initial
 * potential fraction b ∈ [0, 1) — then n_t = ⌊b + t·clamp(I/θ, 0, 1)⌋ exactly.
 *
 * Why: the stepped simulation costs about six elementwise passes over the layer every step; the
 * closed form is one multiply-add and a floor, and a spiking max pool over such a layer needs no
 * pass over the layer at all.
 */
import { neuronKind } from '../../converters/neurons/index.js';
import type { SnnModel } from './build.js';
import type { NeuronLayer } from './types.js';

/** Whether this layer's dynamics can be solved in closed form (see the header). */
export function closedFormApplies(snn: SnnModel, l: NeuronLayer): boolean {
  const o = snn.options;
  if ((o.solve ?? 'closed-form') !== 'closed-form') return false;
  if (!neuronKind(o.neuron).closedForm || o.reset !== 'subtract' || o.encoding !== 'current') return false;
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
