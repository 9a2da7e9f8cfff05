/** `channel-max`: one λ per channel (axis 1) = the channel's largest activation; channels that never fire get the layer max. */
import { guardChannels, guardLayer } from './guard.js';
import type { NormMethod } from './types.js';

export const channelMaxMethod: NormMethod = {
  name: 'channel-max',
  description: 'one λ per channel = the largest activation of the channel; channels that never fire get the layer max',
  channelwise: true,
  scale: (stats) => guardChannels(stats.channelMax(), guardLayer(stats.max)),
};
