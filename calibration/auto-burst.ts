/**
 * Burst candidates of `--calibration auto` (calibration/auto.ts): burst neurons (Li & Zeng 2022,
 * converters/neurons/burst.ts) may emit up to Γ spikes per step with θ = λ/Γ, so a layer has Γ·T
 * levels in T steps instead of T — the quantisation error of a T-step IF network at the cost of
 * about Γ times its spikes (and synaptic operations: every spike of a burst is counted).
 *
 * Candidates, for each Γ of AUTO_BURST: the best normalisation method of stage 1 with burst
 * neurons, then potential and bias calibration fitted with them (calibration/layerwise.ts). They
 * go through the same margin and guard rules as every other candidate. Only where the caller named
 * no neuron: on a network whose default neuron is IF they are IF burst neurons, on one whose default
 * is signed (linear sites) signed and bipolar bursts (converters/neurons/signed.ts); the file
 * records Γ alone, and converts back to the same neurons (src/pipeline.ts convert, resolveSnnOptions).
 */
import type { Dataset } from '../src/data/types.js';
import type { Model } from '../src/graph/types.js';
import { resolveSnnOptions } from '../src/snn/build.js';
import type { SnnOptions } from '../src/snn/types.js';
import { calibrateLayerwise, type LayerwiseOptions } from './layerwise.js';
import type { ThresholdsFile } from './thresholds.js';

/** The largest bursts auto tries (measured: README "How the default is chosen"). */
export const AUTO_BURST: readonly number[] = [2];

/** Whether auto may try bursts: the caller named no neuron and the network's default is IF or signed. */
export function burstEligible(model: Model, snn: Partial<SnnOptions> | undefined): boolean {
  const neuron = resolveSnnOptions(model, {}).neuron;
  return snn?.neuron === undefined && snn?.burst === undefined && (neuron === 'if' || neuron === 'signed');
}

/** The thresholds file of a burst candidate: named `burst<Γ>:<method>`, converted with burst neurons. */
function asBurst(t: ThresholdsFile, gamma: number): ThresholdsFile {
  return { ...t, method: `burst${gamma}:${t.method.replace(/^burst\d+:/, '')}`, burst: gamma };
}

/**
 * Scores the burst candidates built on `base` (stage 1's best method) with `score`; `lw` are the
 * layer-wise options auto uses for its IF candidates; `layerwise` false: the burst thresholds alone
 * (the layer-wise fits over auto's budget, calibration/auto-budget.ts).
 */
export async function scoreBurstCandidates(
  model: Model,
  base: ThresholdsFile,
  fit: Dataset,
  lw: LayerwiseOptions,
  score: (make: () => Promise<ThresholdsFile> | ThresholdsFile) => Promise<unknown>,
  layerwise = true,
): Promise<void> {
  for (const gamma of AUTO_BURST) {
    const plain = asBurst(base, gamma);
    await score(() => plain);
    // over auto's layer-wise budget (calibration/auto-budget.ts): burst thresholds alone
    if (!layerwise) continue;
    // no neuron: Γ alone gives the default neuron's bursts (src/snn/build.ts resolveSnnOptions)
    const opts = { ...lw, snnOptions: { ...lw.snnOptions, burst: gamma } };
    await score(async () => asBurst(await calibrateLayerwise(model, plain, fit, { ...opts, mode: 'potential' }), gamma));
    await score(async () => asBurst(await calibrateLayerwise(model, plain, fit, { ...opts, mode: 'bias' }), gamma));
  }
}
