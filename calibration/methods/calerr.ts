/** `calerr:T`: λ = the threshold that minimises the layer's rate-coding error at T steps (v0 = θ/2; calibration/quant-error.ts). */
import { errorOptimalThreshold } from '../quant-error.js';
import { guardLayer } from './guard.js';
import { TIMESTEPS_PARAM, type NormMethod } from './types.js';

export const calerrMethod: NormMethod = {
  name: 'calerr',
  param: TIMESTEPS_PARAM,
  description: 'λ = the threshold that minimises Σ(a − q(a))² of the layer, q the T-step rate code with v0 = θ/2 (Li et al. 2021, Bu et al. 2022); T required',
  channelwise: false,
  scale: (stats, T) => guardLayer(errorOptimalThreshold(stats.channelHistogram(), T!)),
};
