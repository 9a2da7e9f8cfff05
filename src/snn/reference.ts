/**
 * The reference simulator: plain TypeScript, typed arrays, one time step after another. It states
 * the semantics of a converted network; the ONNX file written by emit.ts must reproduce it.
 *
 * Per step t = 1..T:
 *   - under Poisson coding the input is sign(x)·xmax·[u_t < |x|/xmax]; under constant-current coding
 *     the input and everything computed from it alone (the first layer's current) is static and
 *     evaluated once before the loop;
 *   - dynamic nodes run in topological order with the op rules of converters/;
 *   - a neuron layer integrates its current and emits θ·s (src/snn/neuron.ts); one driven by a
 *     constant current (IF, reset by subtraction) has the exact counts n_t = ⌊b + t·a⌋ of
 *     src/snn/closed-form.ts and emits θ·(n_t − n_{t−1});
 *   - a spiking max pool passes, per window, the current input of the position with the highest
 *     spike count (SNN Toolbox's rule, not a max over one step's spikes). When its input is a
 *     neuron layer the key is 2·count − s = 2·(count before this step) + s: the highest count
 *     before this step wins, and among equal counts a neuron spiking now; the pooled output is
 *     then whether the largest key is odd, i.e. whether the largest count in the window grew this
 *     step (how emit.ts computes it: MaxPool of the counts, minus its previous value). On any other
 *     time-varying input it keeps a running sum of the input (this step included) and passes the
 *     input at the position of the largest sum; ties go to the first position in scan order, as
 *     onnxruntime's MaxPool does;
 *   - the readout tensor is summed over steps (membrane of a non-spiking integrator).
 */
import { ruleFor } from '../../converters/registry.js';
import { windowGeometry } from '../../converters/spatial.js';
import { attrInt, attrInts } from '../graph/attrs.js';
import type { Node, Tensor } from '../graph/types.js';
import type { SnnModel } from './build.js';
import { closedFormConstants, closedFormCount, closedFormLayers, closedFormRate, type ClosedFormLayer } from './closed-form.js';
import { expandThreshold, extraCurrent, initialPotential, initialState, neuronStep, type NeuronState, type PolyParams } from './neuron.js';
import { polyCoefficients } from './poly.js';
import { poissonStates, poissonUniforms } from './poisson.js';

export interface SimOptions {
  /** Time steps. */
  readonly timesteps: number;
  /** Steps after which to record the readout (default: only the last). */
  readonly checkpoints?: readonly number[];
  /** Dataset index of the first sample (Poisson seeding). */
  readonly firstSample?: number;
  /**
   * Optional recording of a spike raster: for batch sample `sample`, the neurons of each listed
   * layer (indices into snn.layers; default all) that spike at each step. Does not change the run.
   */
  readonly record?: { readonly sample: number; readonly layers?: readonly number[] };
  /** Called after every time step (progress). */
  readonly onStep?: (t: number, T: number) => void;
}

export interface SimResult {
  /** Readout (sum over steps) at each checkpoint, n × K. */
  readonly readouts: Map<number, Float32Array>;
  /** Spike counts per neuron layer (aligned with snn.layers), n × layer size. */
  readonly counts: Float32Array[];
  /** With `record`: per recorded layer, for each step t = 1..T (index t−1), the neurons that spiked. */
  readonly raster?: { readonly layer: number; readonly steps: Int32Array[] }[];
}

interface PoolPlan {
  /** For each output element of one sample: input element offsets of its window, in scan order. */
  readonly windows: Int32Array[];
  readonly inPer: number;
  readonly outPer: number;
}

function spikingPoolPlan(node: Node, dims: readonly number[], opset: number): PoolPlan {
  const [C, H, W] = [dims[0]!, dims[1] ?? 1, dims[2] ?? 1];
  const global = node.opType === 'SpikingGlobalMaxPool';
  const kernel = global ? [H, W] : [...attrInts(node, 'kernel_shape', [])];
  const geom = global
    ? { kernel, strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], out: [1, 1] }
    : windowGeometry(node, dims.slice(1), kernel, { ceilMode: opset >= 10 && attrInt(node, 'ceil_mode', 0) === 1, allowDilations: opset >= 10, pool: true });
  const [OH, OW] = [geom.out[0]!, geom.out[1] ?? 1];
  const windows: Int32Array[] = [];
  for (let c = 0; c < C; c++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const w: number[] = [];
        for (let kh = 0; kh < geom.kernel[0]!; kh++) {
          const h = oh * geom.strides[0]! - geom.padsBegin[0]! + kh * geom.dilations[0]!;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < (geom.kernel[1] ?? 1); kw++) {
            const x = ow * (geom.strides[1] ?? 1) - (geom.padsBegin[1] ?? 0) + kw * (geom.dilations[1] ?? 1);
            if (x < 0 || x >= W) continue;
            w.push(c * H * W + h * W + x);
          }
        }
        windows.push(Int32Array.from(w));
      }
  return { windows, inPer: C * H * W, outPer: windows.length };
}

/** Pool over a neuron layer's output: key = 2·count − s (count after this step), output θ·s of the largest key. */
function spikingPoolOverNeurons(plan: PoolPlan, x: Float32Array, count: Float32Array, n: number, out: Float32Array): void {
  for (let b = 0; b < n; b++) {
    const ib = b * plan.inPer;
    const ob = b * plan.outPer;
    for (let o = 0; o < plan.outPer; o++) {
      const w = plan.windows[o]!;
      let best = w[0]!;
      let bk = 2 * count[ib + best]! - (x[ib + best]! > 0 ? 1 : 0);
      for (let k = 1; k < w.length; k++) {
        const key = 2 * count[ib + w[k]!]! - (x[ib + w[k]!]! > 0 ? 1 : 0);
        if (key > bk) {
          bk = key;
          best = w[k]!;
        }
      }
      out[ob + o] = x[ib + best]!;
    }
  }
}

function spikingPoolStep(plan: PoolPlan, x: Float32Array, acc: Float32Array, n: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) acc[i] = Math.fround(acc[i]! + x[i]!);
  for (let b = 0; b < n; b++) {
    const ib = b * plan.inPer;
    const ob = b * plan.outPer;
    for (let o = 0; o < plan.outPer; o++) {
      const w = plan.windows[o]!;
      let best = w[0]!;
      let bv = acc[ib + best]!;
      for (let k = 1; k < w.length; k++) {
        const v = acc[ib + w[k]!]!;
        if (v > bv) {
          bv = v;
          best = w[k]!;
        }
      }
      out[ob + o] = x[ib + best]!;
    }
  }
}

const f32 = (dims: readonly number[], data: Float32Array): Tensor => ({ dtype: 'float32', dims: [...dims], data });

/** Simulates n samples (x: n × input size, float32) for T steps. */
export function simulateReference(snn: SnnModel, x: Float32Array, n: number, opts: SimOptions): SimResult {
  const T = opts.timesteps;
  const checkpoints = new Set(opts.checkpoints ?? [T]);
  const opset = snn.ann.opset;
  const o = snn.options;
  const values = new Map<string, Tensor>();
  for (const [k, t] of snn.ann.graph.initializers) values.set(k, t);
  const inDims = [n, ...snn.inputDims];
  const inPer = x.length / Math.max(n, 1);
  // Poisson encoder constants (static)
  let rate: Float32Array | undefined, amp: Float32Array | undefined, z: Float64Array | undefined, u: Float32Array | undefined;
  if (o.encoding === 'poisson') {
    rate = new Float32Array(x.length);
    amp = new Float32Array(x.length);
    const xmax = Math.fround(snn.inputMax);
    for (let i = 0; i < x.length; i++) {
      rate[i] = Math.fround(Math.abs(x[i]!) / xmax);
      amp[i] = Math.fround(Math.sign(x[i]!) * xmax);
    }
    z = poissonStates(o.seed, opts.firstSample ?? 0, n, inPer);
    u = new Float32Array(x.length);
  } else values.set(snn.inputName, f32(inDims, x));

  const layerOf = new Map(snn.layers.map((l, i) => [l.name, i]));
  const layerOfOutput = new Map(snn.layers.map((l, i) => [l.output, i]));
  const thetas = snn.layers.map((l) => expandThreshold(l.threshold, l.dims));
  const extras = snn.layers.map((l, i) => extraCurrent(thetas[i]!, l.dims, l.bias, o));
  const polys: (PolyParams | undefined)[] = snn.layers.map((l, i) => (l.poly ? { coef: polyCoefficients(l.poly, thetas[i]!), gain: l.gain ?? 1 } : undefined));
  const states: NeuronState[] = snn.layers.map((l, i) => initialState(n, initialPotential(thetas[i]!, l.dims, l.v0, o)));
  const pools = new Map<Node, { plan: PoolPlan; acc: Float32Array }>();
  const ctx = { opset };
  const closed = closedFormLayers(snn);
  const closedConsts = new Map<number, ClosedFormLayer>([...closed].map((i) => [i, closedFormConstants(snn.layers[i]!, o)]));
  /** Rates a of the closed-form layers (their current is static: computed at the first step). */
  const rates = new Map<number, Float32Array>();
  let step = 0;

  const evalNode = (node: Node): void => {
    if (node.domain === 'onnx2snn') {
      const xin = values.get(node.inputs[0]!)!;
      if (node.opType === 'IF') {
        const li = layerOf.get(node.name)!;
        const out = new Float32Array(xin.data.length);
        const cf = closedConsts.get(li);
        if (cf) {
          let a = rates.get(li);
          if (!a) rates.set(li, (a = closedFormRate(xin.data as Float32Array, extras[li], cf)));
          const cnt = states[li]!.count;
          const th = thetas[li]!;
          const per = th.length;
          for (let j = 0; j < a.length; j++) {
            const nt = closedFormCount(a[j]!, cf.b[j % per]!, step);
            // s_t = n_t − n_{t−1} (0 or 1: a ≤ 1), emitted as s·θ like the ONNX Sub and Mul
            out[j] = Math.fround((nt - cnt[j]!) * th[j % per]!);
            cnt[j] = nt;
          }
        } else neuronStep(xin.data as Float32Array, states[li]!, thetas[li]!, extras[li], o, out, polys[li]);
        values.set(node.outputs[0]!, f32(xin.dims, out));
      } else {
        let p = pools.get(node);
        if (!p) {
          const plan = spikingPoolPlan(node, xin.dims.slice(1), opset);
          p = { plan, acc: new Float32Array(n * plan.inPer) };
          pools.set(node, p);
        }
        const out = new Float32Array(n * p.plan.outPer);
        const src = layerOfOutput.get(node.inputs[0]!);
        if (src !== undefined) spikingPoolOverNeurons(p.plan, xin.data as Float32Array, states[src]!.count, n, out);
        else spikingPoolStep(p.plan, xin.data as Float32Array, p.acc, n, out);
        const od = snn.dims.get(node.outputs[0]!)!;
        values.set(node.outputs[0]!, f32([n, ...od], out));
      }
      return;
    }
    const rule = ruleFor(node, opset)!;
    const outs = rule.evaluate(node, node.inputs.map((i) => (i ? values.get(i) : undefined)), ctx);
    node.outputs.forEach((name, i) => {
      if (name && outs[i]) values.set(name, outs[i]!);
    });
  };

  // static part, once
  const dynamicNodes: Node[] = [];
  for (const node of snn.nodes) {
    if (node.outputs.some((t) => snn.dynamic.has(t))) dynamicNodes.push(node);
    else evalNode(node);
  }
  const K = snn.readoutDims.reduce((a, b) => a * b, 1);
  const readout = new Float32Array(n * K);
  const readouts = new Map<number, Float32Array>();
  const raster = opts.record ? (opts.record.layers ?? snn.layers.map((_, i) => i)).map((layer) => ({ layer, steps: [] as Int32Array[] })) : undefined;
  for (let t = 1; t <= T; t++) {
    step = t;
    if (o.encoding === 'poisson') {
      poissonUniforms(z!, u!);
      const xt = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) xt[i] = u![i]! < rate![i]! ? amp![i]! : 0;
      values.set(snn.inputName, f32(inDims, xt));
    }
    for (const node of dynamicNodes) evalNode(node);
    if (raster) {
      for (const r of raster) {
        const l = snn.layers[r.layer]!;
        const per = l.dims.reduce((a, b) => a * b, 1);
        const d = values.get(l.output)!.data;
        const fired: number[] = [];
        for (let j = 0, off = opts.record!.sample * per; j < per; j++) if (d[off + j] !== 0) fired.push(j);
        r.steps.push(Int32Array.from(fired));
      }
    }
    opts.onStep?.(t, T);
    const y = values.get(snn.readout)!.data;
    for (let i = 0; i < readout.length; i++) readout[i] = Math.fround(readout[i]! + y[i]!);
    if (checkpoints.has(t)) readouts.set(t, readout.slice());
  }
  return { readouts, counts: states.map((s) => s.count), ...(raster ? { raster } : {}) };
}
