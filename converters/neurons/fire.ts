/**
 * Firing and reset of the integrate-and-fire family, once per backend: s = [v ≥ θ], out = θ·s,
 * v ← v − θ·s (reset by subtraction: keeps the residual charge, so the rate converges to
 * clamp(I/θ, 0, 1) with error ≤ 1/T) or v·(1 − s) (to zero), count += s. A kind that fires
 * otherwise (signed spikes, bursts of up to k spikes per step) gives its own `fire`.
 */
import { A } from '../../src/graph/attrs.js';
import { float32 } from '../../src/graph/tensor.js';
import { belowThreshold } from '../backends/onnx.js';
import type { OnnxContext } from '../backends/types.js';
import type { Fire, OnnxFireNames } from './types.js';

/** s = [v ≥ θ]: GreaterOrEqual from opset 12; before, v > θ⁻ (the next float32 below θ) or not(v < θ). */
export function onnxAtThreshold(ctx: OnnxContext, li: number, v1: string, thName: string, theta: Float32Array, dims: readonly number[], s: string): void {
  if (ctx.opset >= 12) return ctx.node('body', 'GreaterOrEqual', [v1, thName], [s]);
  // no float32 lies between θ⁻ and θ, so v ≥ θ ⇔ v > θ⁻, one op; or not(v < θ) where θ⁻ would be
  // subnormal (a CPU that flushes subnormals to zero would compare against 0)
  const below = belowThreshold(theta);
  if (below) return ctx.node('body', 'Greater', [v1, ctx.konst(`theta_below_${li}`, float32(dims, below))], [s]);
  const lt = ctx.fresh(`below_${li}`);
  ctx.node('body', 'Less', [v1, thName], [lt]);
  ctx.node('body', 'Not', [lt], [s]);
}

/** One spike per step at most. */
export const singleSpike: Fire = {
  reference(x, v, counts, theta, out, o) {
    const per = theta.length;
    const sub = o.reset === 'subtract';
    for (let j = 0; j < x.length; j++) {
      const th = theta[j % per]!;
      if (x[j]! >= th) {
        v[j] = sub ? Math.fround(x[j]! - th) : 0;
        out[j] = th;
        counts[j] = counts[j]! + 1;
      } else {
        v[j] = x[j]!;
        out[j] = 0;
      }
    }
  },
  onnx(ctx, f) {
    const li = f.index;
    const s = ctx.fresh(`s_${li}`),
      sf = ctx.fresh(`sf_${li}`);
    onnxAtThreshold(ctx, li, f.v1, f.theta, f.thetaData, f.dims, s);
    ctx.node('body', 'Cast', [s], [sf], { to: A.int(1) });
    ctx.node('body', 'Mul', [sf, f.theta], [f.out]);
    if (ctx.options.reset === 'subtract') ctx.node('body', 'Sub', [f.v1, f.out], [f.vOut]);
    else {
      const keep = ctx.fresh(`keep_${li}`);
      ctx.node('body', 'Sub', [ctx.konst('f_one', float32([], [1])), sf], [keep]);
      ctx.node('body', 'Mul', [f.v1, keep], [f.vOut]);
    }
    ctx.node('body', 'Add', [f.countIn, sf], [f.countOut]);
  },
  tfjs(tf, v1, theta, count, o) {
    const spikes = tf.cast(tf.greaterEqual(v1, theta), 'float32');
    const output = tf.mul(spikes, theta);
    const v = o.reset === 'subtract' ? tf.sub(v1, output) : tf.mul(v1, tf.sub(1, spikes));
    return { output, v, count: tf.add(count, spikes), spikes };
  },
};

/**
 * One spike per step, reset by subtraction, without a count (recovered after the Loop by the
 * emitter): s = [v ≥ θ], out = Where(s, θ, 0), v ← v − out. Three passes instead of five (no Cast,
 * no count Add; Where gives θ·s exactly, as the Mul does).
 */
export function onnxFireUncounted(ctx: OnnxContext, f: Pick<OnnxFireNames, 'index' | 'dims' | 'v1' | 'theta' | 'thetaData' | 'out' | 'vOut'>): void {
  const s = ctx.fresh(`s_${f.index}`);
  onnxAtThreshold(ctx, f.index, f.v1, f.theta, f.thetaData, f.dims, s);
  ctx.node('body', 'Where', [s, f.theta, ctx.konst('f_zero', float32([], [0]))], [f.out]);
  ctx.node('body', 'Sub', [f.v1, f.out], [f.vOut]);
}
