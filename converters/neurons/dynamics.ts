/**
 * Per-element constants of a neuron layer, in float32: thresholds, initial potentials, the
 * constant extra current. Shared by every backend's lowering, so that all of them start from the
 * same numbers.
 */
import type { NeuronKind, NeuronLayerInfo, NeuronOptions } from './types.js';

/** Per-element threshold for one sample (channel c = index / (size / channels)). */
export function expandThreshold(threshold: number | readonly number[], dims: readonly number[]): Float32Array {
  const per = dims.reduce((a, b) => a * b, 1);
  const out = new Float32Array(per);
  if (typeof threshold === 'number') return out.fill(threshold);
  const inner = per / threshold.length;
  for (let i = 0; i < per; i++) out[i] = threshold[Math.floor(i / inner)]!;
  return out;
}

/**
 * Initial membrane potential per element of one sample: vInit·θ, or, after potential calibration,
 * a per-channel fraction v0_c·θ (the learned generalisation of the θ/2 shift).
 */
export function initialPotential(
  theta: Float32Array,
  dims: readonly number[],
  v0: readonly number[] | undefined,
  opts: Pick<NeuronOptions, 'vInit'>,
): Float32Array {
  const frac = v0 ? expandThreshold(v0, dims) : undefined;
  const out = new Float32Array(theta.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.fround((frac ? frac[i]! : opts.vInit) * theta[i]!);
  return out;
}

/**
 * The constant extra current per element, or undefined when there is none: the kind's own
 * constant current (LIF: the leak compensation (1−β)·θ/2) plus the layer's calibrated bias.
 */
export function extraCurrent(
  kind: Pick<NeuronKind, 'constantCurrent'>,
  theta: Float32Array,
  layer: Pick<NeuronLayerInfo, 'dims' | 'bias'>,
  o: NeuronOptions,
): Float32Array | undefined {
  const own = kind.constantCurrent;
  if (!own && !layer.bias) return undefined;
  const b = layer.bias ? expandThreshold(layer.bias, layer.dims) : undefined;
  const c = new Float32Array(theta.length);
  for (let i = 0; i < c.length; i++) c[i] = Math.fround((own ? own(theta[i]!, o) : 0) + (b ? b[i]! : 0));
  return c;
}
