/** `percentile:P`: λ = the P-th percentile of the positive activations (Rueckauer et al. 2017; SNN Toolbox default 99.9). */
import { guardLayer } from './guard.js';
import { PERCENTILE_PARAM, type NormMethod } from './types.js';

export const percentileMethod: NormMethod = {
  name: 'percentile',
  param: { ...PERCENTILE_PARAM, default: 99.9 },
  description: 'λ = the P-th percentile of the positive activations of the layer (Rueckauer et al. 2017); P defaults to 99.9',
  channelwise: false,
  scale: (stats, p) => guardLayer(stats.percentile(p ?? 99.9)),
};
