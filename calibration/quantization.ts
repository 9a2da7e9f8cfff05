/**
 * Thresholds from the quantization ranges of an imported int8 model (src/graph/passes/dequantize.ts):
 * a ReLU site that was a uint8 activation with zero point 0 represents [0, 255·scale], the range
 * the quantizer chose for it from its own calibration, and the int8 network clips there. That top
 * is the neuron's threshold θ directly: no activation statistics are needed for it.
 *
 * Precedence (pipeline.calibrate): a thresholds file (--thresholds) > an explicit --method
 * (statistics for every site, ranges ignored) > the quantization range (sites that have one) >
 * the default method's statistics (the other sites).
 */
import { quantizationInfo } from '../src/graph/passes/dequantize.js';
import type { Model } from '../src/graph/types.js';
import type { ThresholdsFile } from './thresholds.js';

/** The method name recorded for sites whose scale is the top of their quantization range. */
export const QUANTIZATION_METHOD = 'quantization-range';

/** `file` with λ = top of the quantization range for every site that has one (unchanged when none has). */
export function applyQuantizationRanges(model: Model, file: ThresholdsFile): ThresholdsFile {
  const ranges = quantizationInfo(model)?.ranges;
  if (!ranges) return file;
  let used = 0;
  const layers = file.layers.map((l) => {
    const r = ranges[l.site];
    if (!r || !(r[1] > 0)) return l;
    used++;
    return { ...l, scale: r[1], range: [r[0], r[1]] as [number, number] };
  });
  if (!used) return file;
  return { ...file, method: used === layers.length ? QUANTIZATION_METHOD : `${QUANTIZATION_METHOD}+${file.method}`, layers };
}
