/**
 * A normalisation method maps the activation statistics of one site (a ReLU output) to its scale
 * λ: the activation that will correspond to the maximum firing rate (threshold 1 after weight
 * normalisation). A number for the whole layer, or one λ per channel (axis 1).
 *
 * Adding a method = one file in calibration/methods/ exporting a NormMethod, and one line in
 * calibration/registry.ts.
 */
import type { SiteStats } from '../stats.js';

export interface MethodParam {
  /** Shown in the syntax, e.g. 'P' in 'percentile:P'. */
  readonly name: string;
  /** What values are allowed, for error messages, e.g. '0 < P ≤ 100'. */
  readonly range: string;
  /** Value used when the spec has no ':param'; undefined makes the parameter required. */
  readonly default?: number;
  /** True when the value is allowed. */
  valid(v: number): boolean;
}

export interface NormMethod {
  /** The name in --method, e.g. 'percentile'. */
  readonly name: string;
  /** Its ':param', when it takes one. */
  readonly param?: MethodParam;
  /** One line for --help and error messages. */
  readonly description: string;
  /** Needs per-channel statistics (collectStatistics(..., { channelwise: true })) and returns one λ per channel. */
  readonly channelwise: boolean;
  /** λ > 0 (finite when the activations are). `param` is the parsed parameter (or its default). */
  scale(stats: SiteStats, param: number | undefined): number | Float64Array;
}

/** The percentile parameter shared by the percentile methods. */
export const PERCENTILE_PARAM: MethodParam = {
  name: 'P',
  range: '0 < P ≤ 100',
  valid: (v) => Number.isFinite(v) && v > 0 && v <= 100,
};

/** The time-steps parameter of the calibration-error methods: the T the rate code is fitted for (required). */
export const TIMESTEPS_PARAM: MethodParam = {
  name: 'T',
  range: 'integer 1 ≤ T ≤ 65536',
  valid: (v) => Number.isInteger(v) && v >= 1 && v <= 65536,
};
