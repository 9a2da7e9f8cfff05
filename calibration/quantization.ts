/**
 * Thresholds from the quantization ranges of an imported int8 model (src/graph/passes/dequantize.ts):
 * a ReLU site that was a uint8 activation with zero point 0 represents [0, 255·scale], the range
 * the quantizer chose for it from its own calibration, and the int8 network clips there. With
 * `--method quantization-range` that top is the neuron's threshold θ directly, no statistics
 * needed; sites without a range get the default method.
 *
 * It is not the default: the quantizer's ranges are the maxima of its calibration activations
 * (the `max` normalisation), and on the int8 MobileNetV2 they give thresholds 2–3× the 99.9th
 * percentile and an SNN that does not converge by T = 256 (README, "Quantized (int8) models").
 * By default every site gets the default method's statistics, and the range still caps it: the
 * site is a Clip(0, top), whose neuron has θ = min(λ, top).
 */
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import { quantizationInfo } from '../src/graph/passes/dequantize.js';
import type { Model } from '../src/graph/types.js';
import type { ThresholdsFile } from './thresholds.js';

/** The method name recorded for sites whose scale is the top of their quantization range. */
export const QUANTIZATION_METHOD = 'quantization-range';

/** `file` with λ = top of the quantization range for every site that has one (unchanged when none has). */
export function applyQuantizationRanges(model: Model, file: ThresholdsFile): ThresholdsFile {
  const ranges = quantizationInfo(model)?.ranges;
  if (!ranges) {
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `--method ${QUANTIZATION_METHOD}: ${model.source ?? 'the model'} is not a quantized model (no QuantizeLinear / QLinear ops), so it has no quantization ranges`,
      {
        option: 'method',
        file: model.source,
      },
    );
  }
  let used = 0;
  const layers = file.layers.map((l) => {
    const r = ranges[l.site];
    if (!r || !(r[1] > 0)) return l;
    used++;
    // a linear site's bipolar neurons cover [−θ, θ]: θ = the larger end of its range
    return { ...l, scale: l.linear ? Math.max(r[1], -r[0]) : r[1], range: [r[0], r[1]] as [number, number] };
  });
  if (!used) {
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `--method ${QUANTIZATION_METHOD}: none of the ReLU sites of ${model.source ?? 'the model'} has a quantization range that starts at 0`,
      { option: 'method', file: model.source },
    );
  }
  return { ...file, method: used === layers.length ? QUANTIZATION_METHOD : `${QUANTIZATION_METHOD}+${file.method}`, layers };
}
