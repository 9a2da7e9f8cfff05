/**
 * The mergeable parts of an ANN-vs-SNN comparison: counts and exact sums from which every figure
 * of the record is computed (accuracies, agreements, spike rates, silent/saturated shares,
 * correlations, the scatter sample, operation counts). One process computes its figures from its
 * parts; a merge of shards adds the parts and computes the figures with the same functions, so the
 * merged record equals the single-process one.
 */
import type { ExactSumJson } from '../util/exact-sum.js';
import type { PearsonJson } from './pearson.js';

export interface LayerParts {
  /** Spikes of the layer over all samples at the largest T. */
  readonly spikes: number;
  /** Neurons × samples that never fire / fire at every step. */
  readonly silent: number;
  readonly saturated: number;
  readonly pearson: PearsonJson;
  /** Keys (src/eval/sample.ts) of the scatter pairs, in the order of the record's scatter arrays. */
  readonly scatterKeys: number[];
}

export interface CompareParts {
  readonly samples: number;
  /** Pairs kept per layer for the scatter (the k of bottom-k). */
  readonly scatterPoints: number;
  readonly ann: { readonly correct: number; readonly top5: number };
  readonly snn: { readonly timesteps: number; readonly correct: number; readonly agree: number }[];
  readonly layers: LayerParts[];
  /** Exact per-weighted-layer operation totals over the samples (SynopsCounter). */
  readonly ops?: { readonly samples: number; readonly totals: ExactSumJson[] };
}

/** correct / count (0 for no samples): the one formula of accuracies, agreements and top-5. */
export function fraction(count: number, total: number): number {
  return total ? count / total : 0;
}

/** Spike rate and silent/saturated shares of a layer of `neurons` per sample over `samples` at T. */
export function layerShares(
  p: Pick<LayerParts, 'spikes' | 'silent' | 'saturated'>,
  neurons: number,
  samples: number,
  T: number,
): { spikeRate: number; silent: number; saturated: number } {
  return {
    spikeRate: p.spikes / (neurons * samples * T),
    silent: p.silent / Math.max(1, neurons * samples),
    saturated: p.saturated / Math.max(1, neurons * samples),
  };
}
