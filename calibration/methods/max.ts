/** `max`: λ = the largest activation seen (Diehl et al. 2015). */
import { guardLayer } from './guard.js';
import type { NormMethod } from './types.js';

export const maxMethod: NormMethod = {
  name: 'max',
  description: 'λ = the largest activation of the layer (Diehl et al. 2015)',
  channelwise: false,
  scale: (stats) => guardLayer(stats.max),
};
