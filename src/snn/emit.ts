/**
 * Lowers an SnnModel to a standard ONNX model that any onnxruntime runs without our code:
 *
 *   inputs:  <input> [N, ...]   the analog samples
 *            timesteps  int64 scalar T
 *            rng_state  float64 [N, input size]   (Poisson coding only: start states, see poisson.ts)
 *   outputs: readout        [N, K]      sum over T steps of the output layer's input current
 *            readout_steps  [T, N, K]   the running sum after every step (accuracy vs T in one run)
 *            spikes.<i>     [N, ...]    spike counts of neuron layer i (names in metadata)
 *
 * The static part (the input and everything computed from it alone under constant-current coding)
 * runs once before a Loop, including the rates a of closed-form layers (src/snn/closed-form.ts),
 * whose spikes are ⌊b + t·a⌋ − ⌊b + (t−1)·a⌋ in the body and whose counts ⌊b + T·a⌋ come after
 * it; a spiking max pool over such a layer max-pools a once and needs no pass over the layer.
 * The Loop body runs the dynamic nodes with membrane potentials, spike counts, the largest count
 * per pooling window and max-pool running sums as loop-carried state. The float32 operations of
 * neuron.ts are emitted in the same order, so spikes equal the reference simulator's for equal
 * currents; the pools compute the reference's key rule in an equivalent cheaper form.
 * Only ops present since opset 8 are added, so the file keeps the source model's opset.
 */
import { A } from '../graph/attrs.js';
import { freshNamer } from '../graph/graph.js';
import { float32, int64, tensor } from '../graph/tensor.js';
import type { Graph, Model, Node, Tensor, ValueInfo } from '../graph/types.js';
import type { SnnModel } from './build.js';
import { closedFormConstants, closedFormLayers, type ClosedFormLayer } from './closed-form.js';
import { expandThreshold, extraCurrent, initialPotential } from './neuron.js';
import { polyCoefficients } from './poly.js';
import { PM_A, PM_M } from './poisson.js';

export const SNN_FORMAT = 'onnx2snn-snn';
export const SNN_FORMAT_VERSION = 1;

export interface EmitMeta {
  /** Extra metadata_props entries (calibration method, source file ...). */
  readonly extra?: Record<string, string>;
}

export function layerOutputName(i: number): string {
  return `spikes.${i}`;
}

export function emitOnnx(snn: SnnModel, meta: EmitMeta = {}): Model {
  const ann = snn.ann;
  const opset = Math.max(ann.opset, 8);
  const fresh = freshNamer(ann.graph);
  const o = snn.options;
  const inits = new Map<string, Tensor>(ann.graph.initializers);
  const konst = (base: string, t: Tensor): string => {
    const name = fresh(base);
    inits.set(name, t);
    return name;
  };
  const outer: Node[] = [];
  const body: Node[] = [];
  let k = 0;
  const node = (list: Node[], opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): void => {
    list.push({ name: fresh(`snn_${opType}_${k++}`), opType, domain: '', inputs, outputs, attrs });
  };
  const x = snn.inputName;
  const T = 'timesteps';
  const poisson = o.encoding === 'poisson';
  const xIn = poisson ? fresh(`${x}__t`) : x; // the per-step input inside the body

  // static nodes, once
  const dynamicNodes: Node[] = [];
  for (const n of snn.nodes) {
    if (n.outputs.some((t) => snn.dynamic.has(t))) dynamicNodes.push(n);
    else outer.push(n);
  }

  // batch size → Tile repeats for the initial states
  const shapeX = fresh('x_shape');
  const batch = fresh('batch');
  node(outer, 'Shape', [x], [shapeX]);
  node(outer, 'Gather', [shapeX, konst('zero_idx', int64([1], [0]))], [batch], { axis: A.int(0) });
  const repeatsFor = new Map<number, string>();
  const repeats = (rank: number): string => {
    let r = repeatsFor.get(rank);
    if (!r) {
      r = fresh(`repeats_${rank}`);
      node(outer, 'Concat', [batch, konst(`ones_${rank}`, int64([rank], new Array<number>(rank).fill(1)))], [r], { axis: A.int(0) });
      repeatsFor.set(rank, r);
    }
    return r;
  };
  const initState = (base: string, perSample: Tensor): string => {
    const name = fresh(`${base}_init`);
    node(outer, 'Tile', [konst(`${base}_init_value`, { ...perSample, dims: [1, ...perSample.dims] }), repeats(perSample.dims.length)], [name]);
    return name;
  };

  const loopInits: string[] = [];
  /** Public output name of each carried value's final state ('' = internal). */
  const finalNames: string[] = [];
  const bodyIn: ValueInfo[] = [
    { name: fresh('iter'), dtype: 'int64', shape: [] },
    { name: fresh('cond_in'), dtype: 'bool', shape: [] },
  ];
  const bodyOut: ValueInfo[] = [];
  const condOut = fresh('cond_out');
  node(body, 'Identity', [bodyIn[1]!.name], [condOut]);
  bodyOut.push({ name: condOut, dtype: 'bool', shape: [] });
  const carry = (base: string, init: string, publicName = '', dtype: 'float32' | 'float64' = 'float32'): { inName: string; outName: string } => {
    const inName = fresh(`${base}_in`);
    const outName = fresh(`${base}_out`);
    bodyIn.push({ name: inName, dtype });
    bodyOut.push({ name: outName, dtype });
    loopInits.push(init);
    finalNames.push(publicName || fresh(`${base}_final`));
    return { inName, outName };
  };

  // Poisson encoder: generator state carried, spikes built per step
  if (poisson) {
    const rng = fresh('rng_state');
    const c = carry('rng', rng, '', 'float64');
    const xmax = Math.fround(snn.inputMax);
    const absx = fresh('x_abs'), rate = fresh('x_rate'), pos = fresh('x_pos'), neg = fresh('x_neg'), sign = fresh('x_sign'), amp = fresh('x_amp');
    const zero = konst('f_zero', float32([], [0]));
    node(outer, 'Abs', [x], [absx]);
    node(outer, 'Div', [absx, konst('xmax', float32([], [xmax]))], [rate]);
    const lt0 = fresh('x_gt0'), gt0 = fresh('x_lt0');
    node(outer, 'Less', [zero, x], [lt0]);
    node(outer, 'Less', [x, zero], [gt0]);
    node(outer, 'Cast', [lt0], [pos], { to: A.int(1) });
    node(outer, 'Cast', [gt0], [neg], { to: A.int(1) });
    node(outer, 'Sub', [pos, neg], [sign]);
    node(outer, 'Mul', [sign, konst('xmax_amp', float32([], [xmax]))], [amp]);
    const p = fresh('pm_p'), q0 = fresh('pm_q0'), q = fresh('pm_q'), qm = fresh('pm_qm'), uD = fresh('pm_u64'), u = fresh('pm_u'), ur = fresh('pm_u_shaped'), s = fresh('x_spike'), sf = fresh('x_spike_f');
    const mConst = konst('pm_m', tensor('float64', [], [PM_M]));
    node(body, 'Mul', [c.inName, konst('pm_a', tensor('float64', [], [PM_A]))], [p]);
    node(body, 'Div', [p, mConst], [q0]);
    node(body, 'Floor', [q0], [q]);
    node(body, 'Mul', [q, mConst], [qm]);
    node(body, 'Sub', [p, qm], [c.outName]);
    node(body, 'Div', [c.outName, mConst], [uD]);
    node(body, 'Cast', [uD], [u], { to: A.int(1) });
    node(body, 'Reshape', [u, shapeX], [ur]);
    node(body, 'Less', [ur, rate], [s]);
    node(body, 'Cast', [s], [sf], { to: A.int(1) });
    node(body, 'Mul', [sf, amp], [xIn]);
  }

  // closed-form layers: the rate a once, per step ⌊b + t·a⌋ with t = iteration + 1
  const closed = closedFormLayers(snn);
  /** Closed-form layer outputs → the names of their rates a and their b = v0/θ. */
  const closedRate = new Map<string, { li: number; a: string; b: string }>();
  let tFloat = '';
  const stepTime = (): string => {
    if (!tFloat) {
      // t = 1, 2, … carried as float32 (exact up to 2^24 steps)
      const t = carry('t', konst('t_zero', float32([], [0])));
      node(body, 'Add', [t.inName, konst('t_one', float32([], [1]))], [t.outName]);
      tFloat = t.outName;
    }
    return tFloat;
  };
  /** b per channel ([C, 1, …]) or one value: it broadcasts over the layer and over its pooled windows alike. */
  const bConst = (base: string, cf: ClosedFormLayer, rank: number): string =>
    konst(base, cf.bChannel.length === 1 ? float32([], [cf.bChannel[0]!]) : float32([cf.bChannel.length, ...new Array<number>(rank - 1).fill(1)], cf.bChannel));
  /** Per step θ·(⌊b + t·a⌋ − ⌊b + (t−1)·a⌋) of rates `a` (per-sample dims `d`), written to `out`. */
  const closedFormSpikes = (base: string, a: string, b: string, d: readonly number[], theta: string, out: string): void => {
    const prev = carry(`${base}_n`, initState(`${base}_n`, float32(d, new Float32Array(d.reduce((x, y) => x * y, 1)))));
    const ta = fresh(`${base}_ta`), x1 = fresh(`${base}_x`), ds = fresh(`${base}_s`);
    node(body, 'Mul', [stepTime(), a], [ta]);
    node(body, 'Add', [b, ta], [x1]);
    node(body, 'Floor', [x1], [prev.outName]);
    node(body, 'Sub', [prev.outName, prev.inName], [ds]);
    node(body, 'Mul', [ds, theta], [out]);
  };
  /** Tensors read every step by something other than a spiking pool (a pooled-only closed-form layer needs no steps). */
  const stepped = new Set<string>([snn.readout]);
  for (const n of dynamicNodes) if (n.domain !== 'onnx2snn' || n.opType === 'IF') for (const i of n.inputs) stepped.add(i);
  /** Nodes after the loop: the closed-form layers' counts ⌊b + T·a⌋. */
  const countNodes: Node[] = [];
  const timestepsFloat = fresh('timesteps_f');
  /** The layer's current plus its constant extra current (if any), added in `list`. */
  const withExtra = (list: Node[], li: number, l: (typeof snn.layers)[number], th: Float32Array, current: string): string => {
    const extra = extraCurrent(th, l.dims, l.bias, o);
    if (!extra) return current;
    const sum = fresh(`i_${li}_with_extra`);
    node(list, 'Add', [current, konst(`extra_${li}`, float32(l.dims, extra))], [sum]);
    return sum;
  };

  // dynamic nodes, with neurons and spiking pools lowered
  const layerIndex = new Map(snn.layers.map((l, i) => [l.name, i]));
  /** Neuron layer outputs → their spike-count state and 0/1 spikes inside the body. */
  const neuronTensors = new Map<string, { count: string; layer: (typeof snn.layers)[number] }>();
  for (const n of dynamicNodes) {
    const ins = n.inputs.map((i) => (poisson && i === x ? xIn : i));
    if (n.domain !== 'onnx2snn') {
      body.push({ ...n, inputs: ins });
      continue;
    }
    if (n.opType === 'IF') {
      const li = layerIndex.get(n.name)!;
      const l = snn.layers[li]!;
      const th = expandThreshold(l.threshold, l.dims);
      if (closed.has(li)) {
        const cf = closedFormConstants(l, o);
        const current = withExtra(outer, li, l, th, ins[0]!);
        const r0 = fresh(`rate_${li}_raw`), r1 = fresh(`rate_${li}_pos`), a = fresh(`rate_${li}`);
        node(outer, 'Mul', [current, konst(`inv_theta_${li}`, float32(l.dims, cf.invTheta))], [r0]);
        node(outer, 'Max', [r0, konst('f_zero', float32([], [0]))], [r1]);
        node(outer, 'Min', [r1, konst('f_one', float32([], [1]))], [a]);
        const b = bConst(`cf_${li}_b`, cf, l.dims.length);
        closedRate.set(n.outputs[0]!, { li, a, b });
        if (stepped.has(n.outputs[0]!)) closedFormSpikes(`cf_${li}`, a, b, l.dims, konst(`theta_${li}`, float32(l.dims, th)), n.outputs[0]!);
        // the count after T steps, outside the loop: ⌊b + T·a⌋
        const ta = fresh(`rate_${li}_T`), xt = fresh(`rate_${li}_xT`);
        if (!countNodes.length) node(countNodes, 'Cast', [T], [timestepsFloat], { to: A.int(1) });
        node(countNodes, 'Mul', [timestepsFloat, a], [ta]);
        node(countNodes, 'Add', [b, ta], [xt]);
        node(countNodes, 'Floor', [xt], [layerOutputName(li)]);
        continue;
      }
      const thName = konst(`theta_${li}`, float32(l.dims, th));
      const v0 = initialPotential(th, l.dims, l.v0, o);
      const v = carry(`v_${li}`, initState(`v_${li}`, float32(l.dims, v0)));
      const cnt = carry(`count_${li}`, initState(`count_${li}`, float32(l.dims, new Float32Array(th.length))), layerOutputName(li));
      const v1 = fresh(`v_${li}_integrated`);
      let current = ins[0]!;
      const gain = Math.fround(l.gain ?? 1);
      if (gain !== 1) {
        const scaled = fresh(`i_${li}_gain`);
        node(body, 'Mul', [current, konst(`gain_${li}`, float32([], [gain]))], [scaled]);
        current = scaled;
      }
      current = withExtra(body, li, l, th, current);
      const coef = l.poly ? polyCoefficients(l.poly, th) : [];
      if (o.neuron === 'lif') {
        const leaky = fresh(`v_${li}_leaky`);
        node(body, 'Mul', [v.inName, konst(`beta_${li}`, float32([], [o.beta]))], [leaky]);
        node(body, 'Add', [leaky, current], [v1]);
      } else if (coef.length) {
        // Horner: f = c_d; f = f·v + c_k for k = d−1 … 0; then (v + f) + input
        let f = konst(`poly_${li}_c${coef.length - 1}`, float32(l.dims, coef[coef.length - 1]!));
        for (let kk = coef.length - 2; kk >= 0; kk--) {
          const fm = fresh(`poly_${li}_m${kk}`), fa = fresh(`poly_${li}_a${kk}`);
          node(body, 'Mul', [f, v.inName], [fm]);
          node(body, 'Add', [fm, konst(`poly_${li}_c${kk}`, float32(l.dims, coef[kk]!))], [fa]);
          f = fa;
        }
        const vf = fresh(`v_${li}_plus_f`);
        node(body, 'Add', [v.inName, f], [vf]);
        node(body, 'Add', [vf, current], [v1]);
      } else node(body, 'Add', [v.inName, current], [v1]);
      const s = fresh(`s_${li}`), sf = fresh(`sf_${li}`);
      if (opset >= 12) node(body, 'GreaterOrEqual', [v1, thName], [s]);
      else {
        // GreaterOrEqual exists from opset 12. Before: v ≥ θ ⇔ v > θ⁻, θ⁻ the next float32 below θ
        // (no float32 lies between them), one op; or not(v < θ) where θ⁻ would be subnormal
        // (a CPU that flushes subnormals to zero would compare against 0)
        const below = belowThreshold(th);
        if (below) node(body, 'Greater', [v1, konst(`theta_below_${li}`, float32(l.dims, below))], [s]);
        else {
          const lt = fresh(`below_${li}`);
          node(body, 'Less', [v1, thName], [lt]);
          node(body, 'Not', [lt], [s]);
        }
      }
      node(body, 'Cast', [s], [sf], { to: A.int(1) });
      node(body, 'Mul', [sf, thName], [n.outputs[0]!]);
      if (o.reset === 'subtract') node(body, 'Sub', [v1, n.outputs[0]!], [v.outName]);
      else {
        const keep = fresh(`keep_${li}`);
        node(body, 'Sub', [konst('f_one', float32([], [1])), sf], [keep]);
        node(body, 'Mul', [v1, keep], [v.outName]);
      }
      node(body, 'Add', [cnt.inName, sf], [cnt.outName]);
      neuronTensors.set(n.outputs[0]!, { count: cnt.outName, layer: l });
      continue;
    }
    // SpikingMaxPool / SpikingGlobalMaxPool
    const inDims = snn.dims.get(n.inputs[0]!)!;
    const poolAttrs =
      n.opType === 'SpikingGlobalMaxPool'
        ? { kernel_shape: A.ints(inDims.slice(1)) }
        : Object.fromEntries(Object.entries(n.attrs).filter(([key]) => key !== 'storage_order'));
    const poolTheta = (th: number | readonly number[]): Tensor =>
      typeof th === 'number' ? float32([], [th]) : float32([th.length, ...new Array<number>(inDims.length - 1).fill(1)], th);
    const cfSrc = closedRate.get(n.inputs[0]!);
    if (cfSrc) {
      // over a closed-form layer: max_i ⌊b + t·a_i⌋ = ⌊b + t·max_i a_i⌋ (closed-form.ts), so pool a once
      const aPool = fresh(`${n.name}_rate`);
      outer.push({ name: fresh(`${n.name}_rate_pool`), opType: 'MaxPool', domain: '', inputs: [cfSrc.a], outputs: [aPool], attrs: poolAttrs });
      const th = snn.layers[cfSrc.li]!.threshold;
      closedFormSpikes(`cf_${cfSrc.li}_${n.name}`, aPool, cfSrc.b, snn.dims.get(n.outputs[0]!)!, konst(`${n.name}_theta`, poolTheta(th)), n.outputs[0]!);
      continue;
    }
    const src = neuronTensors.get(n.inputs[0]!);
    if (src) {
      // over a neuron layer: the key rule (2·count − s, reference.ts) passes a spike exactly when
      // the largest count in the window grows (a unit reaching a new maximum must have spiked, and
      // a unit already at the maximum that did not spike outranks every spiking one), so the
      // pooled spikes are M_t − M_{t−1} with M_t = MaxPool(count_t): one MaxPool of the counts
      const outDims = snn.dims.get(n.outputs[0]!)!;
      const m = carry(`${n.name}_max_count`, initState(`${n.name}_max_count`, float32(outDims, new Float32Array(outDims.reduce((a, b) => a * b, 1)))));
      const grew = fresh(`${n.name}_grew`);
      body.push({ name: fresh(`${n.name}_pool`), opType: 'MaxPool', domain: '', inputs: [src.count], outputs: [m.outName], attrs: poolAttrs });
      node(body, 'Sub', [m.outName, m.inName], [grew]);
      node(body, 'Mul', [grew, konst(`${n.name}_theta`, poolTheta(src.layer.threshold))], [n.outputs[0]!]);
      continue;
    }
    const acc = carry(`pool_${n.name}`, initState(`pool_${n.name}`, float32(inDims, new Float32Array(inDims.reduce((a, b) => a * b, 1)))));
    node(body, 'Add', [acc.inName, ins[0]!], [acc.outName]);
    const idx = fresh(`${n.name}_argmax`), flat = fresh(`${n.name}_flat`), ignored = fresh(`${n.name}_max`);
    body.push({ name: fresh(`${n.name}_pool`), opType: 'MaxPool', domain: '', inputs: [acc.outName], outputs: [ignored, idx], attrs: poolAttrs });
    node(body, 'Reshape', [ins[0]!, konst('flat_shape', int64([1], [-1]))], [flat]);
    node(body, 'Gather', [flat, idx], [n.outputs[0]!], { axis: A.int(0) });
  }

  // readout integrator and its per-step record
  const K = snn.readoutDims;
  const r = carry('readout', initState('readout', float32(K, new Float32Array(K.reduce((a, b) => a * b, 1)))), 'readout');
  node(body, 'Add', [r.inName, snn.readout], [r.outName]);
  const step = fresh('readout_step');
  node(body, 'Identity', [r.outName], [step]);
  bodyOut.push({ name: step, dtype: 'float32' });

  // Constants read only inside the body are the body's initializers: onnxruntime's layout
  // optimiser then sees constant weights there and runs the body's convolutions in its blocked
  // NCHWc format with prepacked weights (2.6× faster per Conv, measured on resnet_2b), which it
  // does not do for weights captured from the outer scope.
  const outerUse = new Set([...outer, ...countNodes].flatMap((nd) => nd.inputs));
  const bodyInits = new Map<string, Tensor>();
  for (const nd of body) for (const i of nd.inputs) if (inits.has(i) && !outerUse.has(i)) bodyInits.set(i, inits.get(i)!);
  for (const key of bodyInits.keys()) inits.delete(key);
  const bodyGraph: Graph = { name: 'snn_step', nodes: body, inputs: bodyIn, outputs: bodyOut, initializers: bodyInits, valueInfo: new Map() };
  const loopOutputs = finalNames;
  outer.push({ name: fresh('snn_time_loop'), opType: 'Loop', domain: '', inputs: [T, '', ...loopInits], outputs: [...loopOutputs, 'readout_steps'], attrs: { body: A.graph(bodyGraph) } });
  outer.push(...countNodes);
  // an initializer no node reads (a Clip's min/max once the Clip became a neuron) makes
  // onnxruntime print a warning for each one on every load
  const read = new Set([...outer, ...body].flatMap((nd) => nd.inputs));
  for (const key of [...inits.keys()]) if (!read.has(key)) inits.delete(key);

  const inputs: ValueInfo[] = [{ ...ann.graph.inputs[0]! }, { name: T, dtype: 'int64', shape: [] }];
  if (poisson) inputs.push({ name: loopInits[0]!, dtype: 'float64', shape: ['N', snn.inputDims.reduce((a, b) => a * b, 1)] });
  const outputs: ValueInfo[] = [
    { name: 'readout', dtype: 'float32', shape: ['N', ...K] },
    { name: 'readout_steps', dtype: 'float32', shape: ['T', 'N', ...K] },
    ...snn.layers.map((l, i) => ({ name: layerOutputName(i), dtype: 'float32' as const, shape: ['N', ...l.dims] })),
  ];
  const metadata: Record<string, string> = {
    'onnx2snn.format': SNN_FORMAT,
    'onnx2snn.version': String(SNN_FORMAT_VERSION),
    'onnx2snn.options': JSON.stringify(o),
    'onnx2snn.input': JSON.stringify({ name: x, dims: snn.inputDims, max: snn.inputMax }),
    'onnx2snn.readout': JSON.stringify({ tensor: snn.readout, dims: K }),
    'onnx2snn.layers': JSON.stringify(
      snn.layers.map((l, i) => ({ output: layerOutputName(i), name: l.name, site: l.output, dims: l.dims, threshold: l.threshold, ...(l.bias ? { bias: l.bias } : {}), ...(l.v0 ? { v0: l.v0 } : {}), ...(l.poly ? { poly: l.poly, gain: l.gain } : {}), ...(closed.has(i) ? { solve: 'closed-form' } : {}) })),
    ),
    ...(meta.extra ?? {}),
  };
  return {
    ...ann,
    opset,
    graph: { name: `${ann.graph.name}_snn`, nodes: outer, inputs, outputs, initializers: inits, valueInfo: new Map() },
    metadata: { ...ann.metadata, ...metadata },
  };
}

/** The largest float32 below each θ, or undefined if one of them is not a positive normal number. */
function belowThreshold(theta: Float32Array): Float32Array | undefined {
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
