/**
 * Diagnostics of a conversion: the first neuron layer (in network order) whose correlation between
 * ANN activations and SNN rates·θ at the largest T falls below a threshold, the likely cause, and
 * what to try, as plain sentences. Errors propagate forward, so the first bad layer is where to look.
 *
 * The cause is inferred from what the comparison measured about that layer:
 *   - threshold far above the activations seen in calibration, most neurons silent → θ too high;
 *   - many neurons firing at every step, or θ below the 99th percentile → θ too low (clipping);
 *   - few spikes per neuron at this T → too few time steps (rate coding quantises in steps of θ/T);
 *   - it feeds a spiking max pool → the winner is chosen by spike counts, noisy at low T;
 *   - its input is a residual sum → both branches' errors add up (residual scale);
 *   - Poisson input → sampling noise;
 *   - otherwise → error accumulated over depth.
 */

/** Default correlation below which a layer is named. */
export const DEFAULT_MIN_CORRELATION = 0.95;

export interface DiagnoseLayer {
  readonly name: string;
  readonly correlation: number;
  /** Spikes per neuron per step at the largest T. */
  readonly spikeRate: number;
  /** Share of neurons that never fire. */
  readonly silent?: number;
  /** Share of neurons that fire at every step. */
  readonly saturated?: number;
  /** θ: one value, or one per channel. */
  readonly threshold: number | readonly number[];
  /** Calibration statistics of the layer's ANN activations (from the thresholds file). */
  readonly stats?: { readonly max: number; readonly p99: number; readonly p99_9: number; readonly p99_99: number };
  /** Op type that produces the layer's input current (e.g. 'Conv', 'Add'). */
  readonly from?: string;
  /** True when the input is a residual sum of two time-varying branches. */
  readonly residual?: boolean;
  /** Op types that consume the layer's spikes (e.g. ['MaxPool']). */
  readonly feeds?: readonly string[];
}

export interface DiagnoseInput {
  readonly layers: readonly DiagnoseLayer[];
  readonly timesteps: number;
  readonly annAccuracy?: number;
  readonly snnAccuracy?: number;
  readonly method?: string;
  readonly encoding?: string;
  readonly minCorrelation?: number;
}

export type Cause = 'threshold-too-high' | 'threshold-too-low' | 'too-few-steps' | 'max-pool' | 'residual' | 'poisson-noise' | 'depth';

export interface Diagnosis {
  /** The correlation threshold used. */
  readonly minCorrelation: number;
  readonly timesteps: number;
  /** True when every layer reaches the threshold. */
  readonly ok: boolean;
  /** The first layer below the threshold. */
  readonly layer?: { readonly index: number; readonly name: string; readonly correlation: number };
  readonly cause?: Cause;
  /** One or two sentences: what is wrong, with the numbers. */
  readonly summary: string;
  /** Why, as a sentence. */
  readonly explanation?: string;
  /** What to try, one sentence each, most promising first. */
  readonly advice: string[];
}

const meanOf = (t: number | readonly number[]): number => (typeof t === 'number' ? t : t.reduce((a, b) => a + b, 0) / Math.max(1, t.length));
const fmt = (x: number, d = 3): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(d)).toString());
const pctOf = (x: number): string => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)} %`;

export function diagnose(input: DiagnoseInput): Diagnosis {
  const min = input.minCorrelation ?? DEFAULT_MIN_CORRELATION;
  const T = input.timesteps;
  const idx = input.layers.findIndex((l) => !(l.correlation >= min));
  const acc =
    input.annAccuracy !== undefined && input.snnAccuracy !== undefined
      ? ` SNN accuracy at T = ${T} is ${(100 * input.snnAccuracy).toFixed(2)} % against ${(100 * input.annAccuracy).toFixed(2)} % for the ANN.`
      : '';
  if (idx < 0) {
    const worst = input.layers.reduce((a, l) => Math.min(a, l.correlation), 1);
    return {
      minCorrelation: min,
      timesteps: T,
      ok: true,
      summary: `Every layer follows the ANN: all ${input.layers.length} correlations are at least ${min} at T = ${T} (lowest ${fmt(worst, 4)}).${acc}`,
      advice: [],
    };
  }
  const l = input.layers[idx]!;
  const theta = meanOf(l.threshold);
  const silent = l.silent ?? 0;
  const saturated = l.saturated ?? 0;
  const spikesPerNeuron = l.spikeRate * T;
  const activeShare = 1 - silent;
  const spikesPerActive = activeShare > 0 ? spikesPerNeuron / activeShare : 0;
  const pool = (l.feeds ?? []).some((f) => f === 'MaxPool' || f === 'GlobalMaxPool' || f === 'SpikingMaxPool' || f === 'SpikingGlobalMaxPool');
  const residual = Boolean(l.residual);
  const head = `Layer "${l.name}" (layer ${idx + 1} of ${input.layers.length}) is the first whose SNN rates stop following the ANN: correlation ${l.correlation.toFixed(4)} at T = ${T}, below ${min}.${acc}`;
  const { cause, explanation, advice } = causeOf(l, input, { theta, silent, saturated, spikesPerNeuron, spikesPerActive, pool, residual });
  if (pool && cause !== 'max-pool')
    advice.push('It feeds a spiking max pool, whose choice of winner is noisy at low T: an AveragePool in the source network avoids that.');
  if (residual && cause !== 'residual')
    advice.push('Its input is a residual sum: a larger scale for this layer (residual scale) keeps the sum of both branches below θ.');
  if (input.encoding === 'poisson' && cause !== 'poisson-noise')
    advice.push('Poisson input adds sampling noise; constant-current input (--encoding current) has none.');
  return {
    minCorrelation: min,
    timesteps: T,
    ok: false,
    layer: { index: idx, name: l.name, correlation: l.correlation },
    cause,
    summary: head,
    explanation,
    advice,
  };
}

/** What was measured about the first bad layer, derived once in `diagnose`. */
interface LayerFacts {
  readonly theta: number;
  readonly silent: number;
  readonly saturated: number;
  readonly spikesPerNeuron: number;
  readonly spikesPerActive: number;
  readonly pool: boolean;
  readonly residual: boolean;
}

/** The most likely cause (checked in the order of the list in the header) and what to try, most promising first. */
function causeOf(l: DiagnoseLayer, input: DiagnoseInput, f: LayerFacts): { cause: Cause; explanation: string; advice: string[] } {
  const T = input.timesteps;
  const { theta, silent, saturated, spikesPerNeuron, spikesPerActive, pool, residual } = f;
  const advice: string[] = [];
  let cause: Cause;
  let explanation: string;
  const moreSteps = `Run more time steps (e.g. --timesteps ${[T * 2, T * 4].join(',')}): the rate of a neuron approaches its ANN activation with an error of about θ/T.`;
  if (l.stats && l.stats.max > 0 && theta > 1.5 * l.stats.max) {
    cause = 'threshold-too-high';
    explanation = `Its threshold θ = ${fmt(theta)} is ${fmt(theta / l.stats.max, 2)} times the largest activation seen in calibration (${fmt(l.stats.max)}), so most inputs never charge a neuron up to θ: ${pctOf(silent)} of its neurons stay silent and the others fire ${spikesPerActive.toFixed(1)} times on average in ${T} steps.`;
    advice.push(
      `Recalibrate this layer: θ should be close to the 99.9th percentile of its activations (${fmt(l.stats.p99_9)}); rerun calibration (--method percentile:99.9) or fix the thresholds file.`,
    );
    advice.push(moreSteps);
  } else if (!l.stats && silent > 0.97 && spikesPerNeuron < 0.05) {
    cause = 'threshold-too-high';
    explanation = `Almost no neuron reaches its threshold θ = ${fmt(theta)}: ${pctOf(silent)} of them stay silent for all ${T} steps, so the layer passes almost nothing on.`;
    advice.push('Recalibrate with a lower percentile (e.g. --method percentile:99.9) or check the thresholds file for this layer.');
    advice.push(moreSteps);
  } else if (saturated > 0.02 || (l.stats && theta < l.stats.p99)) {
    cause = 'threshold-too-low';
    explanation = `Its threshold θ = ${fmt(theta)} is low for its activations${l.stats ? ` (99.99th percentile ${fmt(l.stats.p99_99)}, max ${fmt(l.stats.max)})` : ''}: ${pctOf(saturated)} of its neurons fire at every step, which clips the ANN activation at θ.`;
    advice.push(
      `Use a higher percentile so that fewer activations are clipped: --method percentile:99.99 or --method max${input.method ? ` (this run used ${input.method})` : ''}.`,
    );
    advice.push('Channel-wise scales (--method channel-percentile:99.99) give each channel its own θ when a few channels have much larger activations.');
  } else if (spikesPerActive < 4) {
    cause = 'too-few-steps';
    explanation = `Its neurons fire rarely: an active neuron spikes ${spikesPerActive.toFixed(1)} times in ${T} steps on average, so rate coding can only express a few levels (steps of θ/T = ${fmt(theta / T)}).`;
    advice.push(moreSteps);
    advice.push(
      `A lower percentile (e.g. --method percentile:99 instead of ${input.method ?? 'percentile:99.9'}) raises θ-normalised rates, at the price of clipping the largest activations.`,
    );
  } else if (pool) {
    cause = 'max-pool';
    explanation =
      'It feeds a spiking max pool, which passes the input with the highest spike count so far; while the counts are small the winner is often the wrong one.';
    advice.push(moreSteps);
    advice.push('Replace the MaxPool by an AveragePool in the source network and retrain or fine-tune: average pooling is exact in rate coding.');
  } else if (residual) {
    cause = 'residual';
    explanation = 'Its input is a residual sum: the errors of both branches add up, and the sum can exceed the range the threshold was calibrated for.';
    advice.push(
      'Give this layer a larger scale (residual scale): a higher percentile such as --method percentile:99.99 or max, or channel-wise scales (--method channel-percentile:99.99).',
    );
    advice.push(moreSteps);
  } else if (input.encoding === 'poisson') {
    cause = 'poisson-noise';
    explanation = `Poisson input coding adds sampling noise of order 1/√T (${fmt(1 / Math.sqrt(T), 2)} at T = ${T}) that propagates through the network.`;
    advice.push('Use constant-current input (--encoding current), which has no sampling noise.');
    advice.push(moreSteps);
  } else {
    cause = 'depth';
    explanation = `The quantisation error of the layers before it (about θ/T per layer) has accumulated by this depth.`;
    advice.push(moreSteps);
    advice.push('Try another normalisation: --method percentile:99.99 or channel-percentile:99.99 (see the README, "Choosing the method").');
  }
  return { cause, explanation, advice };
}

/** The diagnosis as plain text lines (for the terminal and the report). */
export function diagnosisText(d: Diagnosis): string[] {
  return d.ok ? [d.summary] : [d.summary, ...(d.explanation ? [d.explanation] : []), ...d.advice.map((a) => `Try: ${a}`)];
}
