/**
 * Guards that keep every λ positive.
 *
 * - A layer that never fired on the calibration data (max = 0) gets λ = 1: its activations are
 *   all zero, so any positive scale reproduces them, and 1 leaves the weights as they are.
 * - A channel that never fired (per-channel methods) gets the layer-wise value of the same method
 *   (the layer's max, or the layer's percentile), itself guarded as above. Its activations were
 *   all zero, so any positive λ reproduces them; the layer-wise value keeps the downstream weights
 *   in the range of the channel's neighbours instead of blowing them up or zeroing them.
 */

/** λ for a layer: `v` when positive, or 1 for a layer that never fired. Infinity is kept (it is reported when the thresholds are built). */
export function guardLayer(v: number): number {
  return v > 0 ? v : 1;
}

/** Per-channel λ: channels whose value is not positive get `layer` (already guarded). */
export function guardChannels(perChannel: Float64Array, layer: number): Float64Array {
  const out = Float64Array.from(perChannel);
  for (let c = 0; c < out.length; c++) if (!(out[c]! > 0)) out[c] = layer;
  return out;
}
