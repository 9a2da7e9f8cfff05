/** Helpers of the ONNX lowerings (the context type is in ./types.ts; the walker is src/snn/emit.ts). */

/** Name of the output holding the spike counts of neuron layer i. */
export function layerOutputName(i: number): string {
  return `spikes.${i}`;
}

/** The output with the spike events of either sign (n × size) of a layer with signed spikes. */
export function layerEventsName(i: number): string {
  return `events.${i}`;
}

/** The largest float32 below each θ, or undefined if one of them is not a positive normal number. */
export function belowThreshold(theta: Float32Array): Float32Array | undefined {
  const out = new Float32Array(theta.length);
  const bits = new Uint32Array(out.buffer);
  out.set(theta);
  for (let i = 0; i < out.length; i++) {
    if (!(theta[i]! > 0) || !Number.isFinite(theta[i]!)) return undefined;
    bits[i] = bits[i]! - 1;
    if (out[i]! < 2 ** -126) return undefined;
  }
  return out;
}
