/**
 * Seeded Poisson (Bernoulli-per-step) input encoding that onnxruntime reproduces bit for bit:
 * a Park–Miller generator z ← 48271·z mod (2³¹−1) per input element, computed in float64 where
 * every intermediate is an exact integer (48271·z < 2⁴⁷), so the ONNX lowering (Mul, Div, Floor,
 * Sub on doubles) and this code agree exactly. The start state of element e of dataset sample i
 * is a hash of (seed, i, e): results do not depend on the batch size or on batch boundaries.
 * A step emits sign(x)·xmax with probability |x|/xmax, so its expectation is x.
 */
export const PM_A = 48271;
export const PM_M = 2147483647;

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Start states for samples [first, first+n) with `per` elements each. */
export function poissonStates(seed: number, first: number, n: number, per: number): Float64Array {
  const z = new Float64Array(n * per);
  for (let b = 0; b < n; b++) {
    const hs = mix32(mix32(seed | 0) ^ mix32((first + b) * 0x9e3779b1));
    for (let e = 0; e < per; e++) z[b * per + e] = 1 + (mix32(hs ^ mix32(e + 0x632be5ab)) % (PM_M - 1));
  }
  return z;
}

/** Advances the generator in place and returns the uniforms (as float32, as the ONNX Cast does). */
export function poissonUniforms(z: Float64Array, out: Float32Array): void {
  for (let i = 0; i < z.length; i++) {
    const p = PM_A * z[i]!;
    const q = Math.floor(p / PM_M);
    const zn = p - q * PM_M;
    z[i] = zn;
    out[i] = Math.fround(zn / PM_M);
  }
}
