/**
 * Polynomial integrate-and-fire neurons (learnable neuron models, LNM, arXiv 2510.07341):
 * u ← u + p(u) + x in units of the threshold, spike at u ≥ 1; the discrete QIF neuron
 * (arXiv 2510.05168) is p(u) = a(u − u1)(u − u2). In the network the layer works in the ANN's
 * units (v = θ·u, emits θ·s), so the coefficients become c_k = p_k·θ^(1−k) per element, evaluated
 * with Horner's rule: v ← (v + f(v)) + g·I, and p ≡ 0 is exactly IF (with input gain g; the gain
 * is fitted at conversion, src/snn/poly.ts). NIR has no polynomial neuron: only p ≡ 0 exports, as
 * `IF` with R = g.
 */
import { float32 } from '../../src/graph/tensor.js';
import { filled, nirTensor } from '../backends/nir.js';
import type { Tf, TfTensor } from '../backends/types.js';
import type { NeuronKind } from './types.js';

export function isZeroPolynomial(p: readonly number[] | undefined): boolean {
  return !p || p.every((c) => c === 0);
}

/** Per-element coefficient arrays c_k = p_k·θ^(1−k) for Horner evaluation in ANN units. */
export function polyCoefficients(p: readonly number[], theta: Float32Array): Float32Array[] {
  let degree = p.length - 1;
  while (degree >= 0 && p[degree] === 0) degree--;
  const out: Float32Array[] = [];
  for (let k = 0; k <= degree; k++) {
    const c = new Float32Array(theta.length);
    for (let i = 0; i < c.length; i++) c[i] = Math.fround(p[k]! * theta[i]! ** (1 - k));
    out.push(c);
  }
  return out;
}

export const polyNeuron: NeuronKind<'poly'> = {
  name: 'poly',
  opType: 'PolyIF',
  reference: (l, theta) => {
    const coef = l.poly ? polyCoefficients(l.poly, theta) : [];
    const per = theta.length;
    return (v, input, x) => {
      for (let j = 0; j < x.length; j++) {
        const u = v[j]!;
        if (!coef.length) {
          x[j] = Math.fround(u + input[j]!);
          continue;
        }
        const i = j % per;
        let f = coef[coef.length - 1]![i]!;
        for (let k = coef.length - 2; k >= 0; k--) f = Math.fround(Math.fround(f * u) + coef[k]![i]!);
        x[j] = Math.fround(Math.fround(u + f) + input[j]!);
      }
    };
  },
  onnx: (ctx, v, input, out) => {
    const { index: li, layer: l } = ctx;
    const coef = l.poly ? polyCoefficients(l.poly, ctx.theta) : [];
    if (!coef.length) return ctx.node('body', 'Add', [v, input], [out]);
    // Horner: f = c_d; f = f·v + c_k for k = d−1 … 0; then (v + f) + input
    let f = ctx.konst(`poly_${li}_c${coef.length - 1}`, float32(l.dims, coef[coef.length - 1]!));
    for (let kk = coef.length - 2; kk >= 0; kk--) {
      const fm = ctx.fresh(`poly_${li}_m${kk}`),
        fa = ctx.fresh(`poly_${li}_a${kk}`);
      ctx.node('body', 'Mul', [f, v], [fm]);
      ctx.node('body', 'Add', [fm, ctx.konst(`poly_${li}_c${kk}`, float32(l.dims, coef[kk]!))], [fa]);
      f = fa;
    }
    const vf = ctx.fresh(`v_${li}_plus_f`);
    ctx.node('body', 'Add', [v, f], [vf]);
    ctx.node('body', 'Add', [vf, input], [out]);
  },
  tfjs: (tf, l, theta) => {
    const coef = (l.poly ? polyCoefficients(l.poly, theta) : []).map((c) => tf.tensor(c, [1, ...l.dims]));
    const update = (v: TfTensor, input: TfTensor): TfTensor => {
      if (!coef.length) return tf.add(v, input);
      let f = coef[coef.length - 1]!;
      for (let k = coef.length - 2; k >= 0; k--) f = tf.add(tf.mul(f, v), coef[k]!);
      return tf.add(tf.add(v, f), input);
    };
    return { update, dispose: () => tf.dispose(coef) };
  },
  nir: {
    refuse: (l) => (isZeroPolynomial(l.poly) ? undefined : 'polynomial (LNM/QIF) neurons with p ≠ 0 have no NIR primitive (NIR has IF, LIF, CubaLIF)'),
    // p ≡ 0 is an IF neuron with input gain g: NIR's IF with R = g
    node: (l, theta) => ({ type: 'IF', r: filled(l.dims, l.gain ?? 1), v_threshold: nirTensor(l.dims, theta.slice()), v_reset: filled(l.dims, 0) }),
  },
};

/** A layer's trainable state in fine-tuning (calibration/finetune.ts), potential u = v/θ normalised. */
export interface PolyTrainLayer {
  u: TfTensor;
  readonly theta: TfTensor;
  readonly extra: TfTensor | undefined;
  readonly gain: number;
}

/**
 * The differentiable step of fine-tuning: u ← u + p(u) + (g·I + c)/θ, s = H(u − 1) through the
 * surrogate `spike`, u ← u − s (or u·(1 − s)); returns θ·s. p holds the trainable coefficients.
 */
export function polyTrainStep(
  tf: Tf,
  L: PolyTrainLayer,
  p: TfTensor,
  current: TfTensor,
  spike: (x: TfTensor) => TfTensor,
  reset: 'subtract' | 'zero',
): TfTensor {
  let input = tf.mul(current, L.gain);
  if (L.extra) input = tf.add(input, L.extra);
  // Horner on the normalised potential
  const d = p.shape[0]! - 1;
  let f: TfTensor = tf.zerosLike(L.u);
  for (let k = d; k >= 0; k--) f = tf.add(tf.mul(f, L.u), tf.slice(p, [k], [1]));
  const u1 = tf.add(tf.add(L.u, f), tf.div(input, L.theta));
  const s = spike(tf.sub(u1, 1));
  L.u = reset === 'subtract' ? tf.sub(u1, s) : tf.mul(u1, tf.sub(1, s));
  return tf.mul(s, L.theta);
}
