/**
 * What the layer-wise candidates of `--calibration auto` (calibration/auto.ts, stage 2) would cost,
 * so that auto skips them where one fit would take far longer than the search's other candidates.
 *
 * A sequential layer-wise fit (calibration/layerwise.ts) simulates the fit samples for T steps once
 * per neuron layer, each time through (at most) the whole network, so its work is bounded by
 *
 *     fit samples × T × neuron layers × MACs per sample      (MAC·steps)
 *
 * (an upper bound: the fit cuts the network after the layer it corrects where it can). The count
 * is deterministic (no clock), so auto's choice never depends on the machine or its load.
 */
import { ruleFor } from '../converters/registry.js';
import { inferShapes } from '../src/graph/infer.js';
import type { Model } from '../src/graph/types.js';
import { linearSites } from '../src/snn/sites.js';
import { reluSites } from './sites.js';

/**
 * The most MAC·steps one layer-wise fit may cost for auto to try it: 1e13, about 20 minutes of a
 * quiet 2-core machine at the ≈ 7·10⁹ MAC·steps per second measured on the int8 MobileNetV2
 * (README "Demonstration: int8 MobileNetV2"). Every bundled model but that one stays far below at
 * the T its tables use (own ResNet-20 at T = 64: 2.4e12); the int8 MobileNetV2 exceeds it from T = 32
 * (38 fit images: 2.0e13), where two fits would add hours.
 */
export const AUTO_LAYERWISE_BUDGET = 1e13;

/** MACs of one sample through the Conv/Gemm/MatMul (and other counted) ops of a canonical model. */
export function macsPerSample(model: Model): number {
  const { values, order } = inferShapes(model, { batch: 1 });
  let macs = 0;
  for (const n of order) {
    const rule = ruleFor(n, model.opset);
    const ins = n.inputs.map((x) => (x ? values.get(x) : undefined));
    const outs = n.outputs.map((o) => values.get(o)!).filter(Boolean);
    macs += rule?.macs?.(n, ins, outs, { opset: model.opset }) ?? 0;
  }
  return macs;
}

/** The upper bound above on the MAC·steps of one sequential layer-wise fit of `model`. */
export function layerwiseCost(model: Model, fitSamples: number, T: number, bipolar: boolean): number {
  const layers = reluSites(model).length + (bipolar ? linearSites(model.graph, model.opset).length : 0);
  return fitSamples * T * layers * macsPerSample(model);
}
