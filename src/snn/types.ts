/**
 * Conversion settings and the SNN description.
 *
 * Units: every tensor of the SNN is kept in the ANN's units. A neuron layer that replaces a ReLU
 * with scale λ has threshold θ = λ and emits θ·s (s ∈ {0,1}); its firing rate r ∈ [0,1] then
 * gives r·θ ≈ ReLU(I) clipped at λ. This is the same network as the weight-normalised one of
 * Rueckauer et al. 2017 (W ← W·λ_prev/λ, b ← b/λ, θ = 1): the factor λ_prev/λ is applied to the
 * spikes instead of the weights. Residual Add, Concat and pooling therefore see both branches in
 * the same units without any rescaling rewrite.
 */
import type { NeuronKindName } from '../../converters/neurons/index.js';

/** The neuron kinds of converters/neurons/ ('if' | 'lif' | 'poly'). */
export type NeuronKind = NeuronKindName;
export type ResetMode = 'subtract' | 'zero';
export type Readout = 'membrane' | 'spikes';
export type Encoding = 'current' | 'poisson';
/** How layers driven by a constant current are simulated (src/snn/closed-form.ts). */
export type Solve = 'closed-form' | 'step';

export interface SnnOptions {
  /** 'if' (integrate-and-fire, default), 'lif' (leaky; v ← β·v + I) or 'poly' (v ← v + f(v) + g·I, src/snn/poly.ts). */
  readonly neuron: NeuronKind;
  /** Normalised polynomial p of 'poly' neurons, lowest degree first (QIF: a·u1·u2, −a(u1+u2), a). */
  readonly poly?: readonly number[];
  /** Leak factor β of LIF neurons (ignored for IF). */
  readonly beta: number;
  /** Reset by subtraction keeps the residual charge (rate tracks ReLU); reset to zero loses it. */
  readonly reset: ResetMode;
  /** Initial membrane potential as a fraction of the threshold (0.5 removes the rounding bias of rate coding). */
  readonly vInit: number;
  /** 'membrane': the output layer integrates without spiking, its potential is the readout. 'spikes': output neurons spike and are counted. */
  readonly readout: Readout;
  /** 'current': the analog input drives the first layer every step. 'poisson': Bernoulli spike trains with rate |x|/xmax. */
  readonly encoding: Encoding;
  /** Seed of the Poisson encoder. */
  readonly seed: number;
  /**
   * 'closed-form' (default): an IF layer with a constant input current (reset by subtraction) gets
   * its exact spike counts n_t = ⌊v0/θ + t·clamp(I/θ, 0, 1)⌋ instead of being stepped. 'step':
   * every layer is stepped in float32. Absent = 'closed-form'.
   */
  readonly solve?: Solve;
  /**
   * Linear sites (src/snn/sites.ts linearSites: projections without activation, residual sums
   * without ReLU that feed a weighted layer): 'bipolar' puts bipolar neurons there (spikes of
   * either sign, θ from the statistics of |a|, converters/neurons/signed.ts), 'analog' passes the
   * real-valued signal (the next layer does MACs every step). Absent = DEFAULT_LINEAR.
   */
  readonly linear?: LinearMode;
  /**
   * The largest burst Γ (spikes one neuron may emit in one step, Li & Zeng 2022); θ = λ/Γ. 'burst'
   * neurons (converters/neurons/burst.ts): absent = 2; 'signed' neurons and the bipolar neurons of
   * linear sites beside them (converters/neurons/signed.ts): absent = 1. Given without a neuron, the
   * network's default neuron gets the bursts (build.ts resolveSnnOptions); others refuse it.
   */
  readonly burst?: number;
}

export type LinearMode = 'analog' | 'bipolar';
/** Chosen by measurement (README "Linear bottlenecks"). */
export const DEFAULT_LINEAR: LinearMode = 'bipolar';

export const DEFAULT_SNN_OPTIONS: SnnOptions = {
  neuron: 'if',
  beta: 0.99,
  reset: 'subtract',
  vInit: 0.5,
  readout: 'membrane',
  encoding: 'current',
  seed: 0,
  solve: 'closed-form',
  linear: DEFAULT_LINEAR,
};

/** Custom op domain used inside our SNN graph (lowered to standard ONNX by emit.ts). */
export { SNN_DOMAIN } from '../../converters/types.js';

/** One spiking neuron layer of the SNN (a former ReLU site). */
export type { NeuronLayerInfo as NeuronLayer } from '../../converters/neurons/types.js';
