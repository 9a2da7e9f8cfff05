/** `channel-calerr:T`: one λ per channel (axis 1) minimising that channel's rate-coding error at T steps; channels that never fire get the layer's `calerr:T`. */
import { errorOptimalThreshold } from '../quant-error.js';
import { guardChannels, guardLayer } from './guard.js';
import { TIMESTEPS_PARAM, type NormMethod } from './types.js';

export const channelCalerrMethod: NormMethod = {
  name: 'channel-calerr',
  param: TIMESTEPS_PARAM,
  description:
    "one λ per channel = the threshold that minimises the channel's Σ(a − q(a))², q the T-step rate code with v0 = θ/2; channels that never fire get the layer value; T required",
  channelwise: true,
  scale: (stats, T) => {
    const per = Float64Array.from({ length: stats.channels }, (_, c) => errorOptimalThreshold(stats.channelHistogram(c), T!));
    return guardChannels(per, guardLayer(errorOptimalThreshold(stats.channelHistogram(), T!)));
  },
};
