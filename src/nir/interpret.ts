/**
 * A small NIR interpreter in plain TypeScript: runs a NIR graph (src/nir/types.ts) step by step
 * with dt = 1, to check an export against our reference simulator (src/snn/reference.ts).
 *
 * Each step every node is evaluated once, in a topological order of the edges; a node's input is
 * the sum of its sources' outputs at the same step (no delay on edges). Continuous-time neurons
 * are integrated with forward Euler at dt = 1:
 *   IF:  v ← v + R·I;                       LIF: v ← v + (v_leak − v + R·I)/τ;   I: v ← v + R·I
 *   spike when v > v_threshold (NIR) or v ≥ v_threshold (onnx2snn), then v ← v_reset (NIR) or
 *   v ← v − v_threshold (reset by subtraction); IF/LIF output the spike (0/1), I outputs v.
 * The parts NIR leaves open (firing rule, reset, initial potential) are chosen by `NirSemantics`.
 * Arithmetic mirrors the reference simulator: float32 values, float64 accumulation in the same
 * order for Affine/Linear/Conv2d, so an export with Scale nodes gives identical spikes.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { checkNirTypes, sourcesOf, topoOrder } from './shapes.js';
import type { NirGraph, NirNode } from './types.js';

export interface NirSemantics {
  /** 'gt': spike when v > v_threshold (NIR's primitives); 'ge': when v ≥ v_threshold (onnx2snn). */
  readonly fire: 'gt' | 'ge';
  /** 'reset': v ← v_reset (NIR's primitives); 'subtract': v ← v − v_threshold. */
  readonly reset: 'reset' | 'subtract';
  /** Initial membrane potential as a fraction of v_threshold (NIR has no initial state: 0). */
  readonly vInit: number;
}

/** The neuron model as NIR's primitives state it. */
export const NIR_SEMANTICS: NirSemantics = { fire: 'gt', reset: 'reset', vInit: 0 };

/** The semantics of the onnx2snn network the graph was exported from (read from its metadata). */
export function onnx2snnSemantics(g: NirGraph): NirSemantics {
  return { fire: 'ge', reset: g.metadata.reset === 'zero' ? 'reset' : 'subtract', vInit: Number(g.metadata.v_init ?? 0) };
}

export interface NirSimOptions {
  readonly timesteps: number;
  /** Default: onnx2snnSemantics(graph). */
  readonly semantics?: NirSemantics;
}

export interface NirSimResult {
  /** The Output node's value after the last step, n × output size. */
  readonly output: Float32Array;
  /** The Output node's value summed over the steps, n × output size. */
  readonly outputSum: Float32Array;
  /** Spike counts per neuron node (IF/LIF), n × layer size. */
  readonly spikes: Map<string, Float32Array>;
}

const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

interface NeuronState {
  readonly v: Float32Array;
  readonly count: Float32Array;
}

/** Simulates n samples (x: n × input size, float32, fed to the Input node every step) for T steps. */
export function simulateNir(g: NirGraph, x: Float32Array, n: number, opts: NirSimOptions): NirSimResult {
  const sem = opts.semantics ?? onnx2snnSemantics(g);
  const types = checkNirTypes(g);
  const order = topoOrder(g);
  const srcs = sourcesOf(g);
  const inputs = order.filter((k) => g.nodes.get(k)!.type === 'Input');
  const outputs = order.filter((k) => g.nodes.get(k)!.type === 'Output');
  if (inputs.length !== 1 || outputs.length !== 1)
    throw new Onnx2SnnError(ErrorCodes.GRAPH, `NIR interpreter: needs one Input and one Output node, got ${inputs.length} and ${outputs.length}`);
  const inSize = prod(types.get(inputs[0]!)!.output);
  if (x.length !== n * inSize) throw new Onnx2SnnError(ErrorCodes.DATA_SHAPE, `NIR interpreter: ${x.length} input values for ${n} samples of ${inSize}`);

  const state = new Map<string, NeuronState>();
  for (const [name, node] of g.nodes) {
    if (node.type === 'IF' || node.type === 'LIF') {
      const th = node.v_threshold.data;
      const v = new Float32Array(n * th.length);
      for (let i = 0; i < v.length; i++) v[i] = sem.vInit * th[i % th.length]!;
      state.set(name, { v, count: new Float32Array(v.length) });
    } else if (node.type === 'I') state.set(name, { v: new Float32Array(n * node.r.data.length), count: new Float32Array(0) });
  }
  const outName = outputs[0]!;
  const outSize = prod(types.get(outName)!.output);
  const outputSum = new Float32Array(n * outSize);
  let last: Float32Array = new Float32Array(n * outSize);

  for (let t = 0; t < opts.timesteps; t++) {
    const values = new Map<string, Float32Array>();
    for (const name of order) {
      const node = g.nodes.get(name)!;
      let inp: Float32Array;
      if (node.type === 'Input') inp = x;
      else {
        const from = srcs.get(name)!;
        inp = values.get(from[0]!)!;
        if (from.length > 1) {
          inp = inp.slice();
          for (const s of from.slice(1)) {
            const o = values.get(s)!;
            for (let i = 0; i < inp.length; i++) inp[i] = inp[i]! + o[i]!;
          }
        }
      }
      values.set(name, evalNode(node, inp, n, types.get(name)!.input, state.get(name), sem));
    }
    last = values.get(outName)!;
    for (let i = 0; i < outputSum.length; i++) outputSum[i] = outputSum[i]! + last[i]!;
  }
  const spikes = new Map<string, Float32Array>();
  for (const [name, node] of g.nodes) if (node.type === 'IF' || node.type === 'LIF') spikes.set(name, state.get(name)!.count);
  return { output: last.slice(), outputSum, spikes };
}

/** Affine / Linear: y = W·x (+ b) per sample. */
function linear(node: Extract<NirNode, { type: 'Affine' | 'Linear' }>, x: Float32Array, n: number): Float32Array {
  const [m, k] = node.weight.dims as [number, number];
  const w = node.weight.data;
  const b = node.type === 'Affine' ? node.bias.data : undefined;
  const out = new Float32Array(n * m);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < m; o++) {
      let acc = 0;
      for (let j = 0; j < k; j++) acc += w[o * k + j]! * x[s * k + j]!;
      out[s * m + o] = b ? acc + b[o]! : acc;
    }
  }
  return out;
}

/** Conv2d, NCHW, with stride, padding, dilation and groups. */
function conv2d(node: Extract<NirNode, { type: 'Conv2d' }>, x: Float32Array, n: number, inDims: readonly number[]): Float32Array {
  const [cout, cg, kh, kw] = node.weight.dims as [number, number, number, number];
  const [c, h, wd] = inDims as [number, number, number];
  const [sh, sw] = node.stride;
  const [ph, pw] = node.padding;
  const [dh, dw] = node.dilation;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const perGroup = cout / node.groups;
  const w = node.weight.data;
  const b = node.bias.data;
  const out = new Float32Array(n * cout * oh * ow);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < cout; o++) {
      const g0 = Math.floor(o / perGroup) * cg;
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++) {
          let acc = b[o]!;
          for (let ci = 0; ci < cg; ci++) {
            const xBase = (s * c + g0 + ci) * h * wd;
            const wBase = (o * cg + ci) * kh * kw;
            for (let ky = 0; ky < kh; ky++) {
              const iy = y * sh - ph + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xo * sw - pw + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                acc += w[wBase + ky * kw + kx]! * x[xBase + iy * wd + ix]!;
              }
            }
          }
          out[((s * cout + o) * oh + y) * ow + xo] = acc;
        }
      }
    }
  }
  return out;
}

/** AvgPool2d (window mean) / SumPool2d (window sum), zero padding. */
function pool2d(node: Extract<NirNode, { type: 'AvgPool2d' | 'SumPool2d' }>, x: Float32Array, n: number, inDims: readonly number[]): Float32Array {
  const [c, h, wd] = inDims as [number, number, number];
  const [kh, kw] = node.kernel_size;
  const [sh, sw] = node.stride;
  const [ph, pw] = node.padding;
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((wd + 2 * pw - kw) / sw) + 1;
  const div = node.type === 'AvgPool2d' ? kh * kw : 1;
  const out = new Float32Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        let acc = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * sh - ph + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = xo * sw - pw + kx;
            if (ix >= 0 && ix < wd) acc += x[p * h * wd + iy * wd + ix]!;
          }
        }
        out[(p * oh + y) * ow + xo] = acc / div;
      }
    }
  }
  return out;
}

function evalNode(node: NirNode, x: Float32Array, n: number, inDims: readonly number[], st: NeuronState | undefined, sem: NirSemantics): Float32Array {
  switch (node.type) {
    case 'Input':
    case 'Output':
    case 'Flatten':
      return x;
    case 'Scale': {
      const s = node.scale.data;
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = x[i]! * s[i % s.length]!;
      return out;
    }
    case 'Affine':
    case 'Linear':
      return linear(node, x, n);
    case 'Conv2d':
      return conv2d(node, x, n, inDims);
    case 'AvgPool2d':
    case 'SumPool2d':
      return pool2d(node, x, n, inDims);
    case 'I': {
      const r = node.r.data;
      const v = st!.v;
      for (let i = 0; i < v.length; i++) v[i] = v[i]! + Math.fround(r[i % r.length]! * x[i]!);
      return v.slice();
    }
    case 'IF':
    case 'LIF': {
      const r = node.r.data;
      const th = node.v_threshold.data;
      const vr = node.v_reset.data;
      const per = th.length;
      const { v, count } = st!;
      const out = new Float32Array(v.length);
      const sub = sem.reset === 'subtract';
      const ge = sem.fire === 'ge';
      for (let j = 0; j < v.length; j++) {
        const i = j % per;
        const ri = Math.fround(r[i]! * x[j]!);
        const u = node.type === 'IF' ? Math.fround(v[j]! + ri) : Math.fround(v[j]! + (node.v_leak.data[i]! - v[j]! + ri) / node.tau.data[i]!);
        const t = th[i]!;
        if (ge ? u >= t : u > t) {
          v[j] = sub ? Math.fround(u - t) : vr[i]!;
          out[j] = 1;
          count[j] = count[j]! + 1;
        } else v[j] = u;
      }
      return out;
    }
  }
}
