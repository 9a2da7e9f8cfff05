/** `channel-percentile:P`: one λ per channel (axis 1) = the P-th percentile of the channel's positive activations; channels that never fire get the layer-wise percentile. */
import { guardChannels, guardLayer } from './guard.js';
import { PERCENTILE_PARAM, type NormMethod } from './types.js';

export const channelPercentileMethod: NormMethod = {
  name: 'channel-percentile',
  param: { ...PERCENTILE_PARAM, default: 99.9 },
  description:
    'one λ per channel = the P-th percentile of the positive activations of the channel; channels that never fire get the layer percentile; P defaults to 99.9',
  channelwise: true,
  scale: (stats, p) => guardChannels(stats.channelPercentile(p ?? 99.9), guardLayer(stats.percentile(p ?? 99.9))),
};
