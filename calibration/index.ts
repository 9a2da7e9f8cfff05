/** Calibration: activation statistics, normalisation methods and the thresholds file. */
export { BINS_PER_DECADE, HISTOGRAM_BINS, MAX_RELATIVE_ERROR, SiteStats, binEdges, binIndex, percentileKey, type SiteStatsOptions, type SiteStatsSummary } from './stats.js';
export { collectStatistics, type CollectOptions } from './collect.js';
export { reluSites, type SiteInfo } from './sites.js';
export { computeScale, listMethods, methodSyntax, parseMethod, type MethodParam, type NormMethod, type ParsedMethod } from './registry.js';
export {
  THRESHOLDS_FORMAT,
  THRESHOLDS_VERSION,
  buildThresholds,
  checkThresholds,
  formatThresholds,
  modelHash,
  readThresholds,
  scalesBySite,
  validateThresholds,
  writeThresholds,
  type LayerStatsJson,
  type ReadOptions,
  type ThresholdsFile,
  type ThresholdsInput,
  type ThresholdsLayer,
  type ThresholdsMeta,
  type ValidateOptions,
} from './thresholds.js';
