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
 * runs once before a Loop; the Loop body runs the dynamic nodes with membrane potentials, spike
 * counts and max-pool running sums as loop-carried state. The float32 operations of neuron.ts
 * are emitted in the same order, so spikes equal the reference simulator's for equal currents.
 * Only ops present since opset 8 are added, so the file keeps the source model's opset.
 */
import { A } from '../graph/attrs.js';
import { freshNamer } from '../graph/graph.js';
import { float32, int64, tensor } from '../graph/tensor.js';
import type { Graph, Model, Node, Tensor, ValueInfo } from '../graph/types.js';
import type { SnnModel } from './build.js';
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

  // dynamic nodes, with neurons and spiking pools lowered
  const layerIndex = new Map(snn.layers.map((l, i) => [l.name, i]));
  /** Neuron layer outputs → their spike-count state and 0/1 spikes inside the body. */
  const neuronTensors = new Map<string, { count: string; spike: string; layer: (typeof snn.layers)[number] }>();
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
      const thName = konst(`theta_${li}`, float32(l.dims, th));
      const v0 = initialPotential(th, l.dims, l.v0, o);
      const v = carry(`v_${li}`, initState(`v_${li}`, float32(l.dims, v0)));
      const cnt = carry(`count_${li}`, initState(`count_${li}`, float32(l.dims, new Float32Array(th.length))), layerOutputName(li));
      const v1 = fresh(`v_${li}_integrated`);
      const extra = extraCurrent(th, l.dims, l.bias, o);
      let current = ins[0]!;
      const gain = Math.fround(l.gain ?? 1);
      if (gain !== 1) {
        const scaled = fresh(`i_${li}_gain`);
        node(body, 'Mul', [current, konst(`gain_${li}`, float32([], [gain]))], [scaled]);
        current = scaled;
      }
      if (extra) {
        const withExtra = fresh(`i_${li}_with_extra`);
        node(body, 'Add', [current, konst(`extra_${li}`, float32(l.dims, extra))], [withExtra]);
        current = withExtra;
      }
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
        // GreaterOrEqual exists from opset 12; before, v ≥ θ ⇔ not(v < θ) (no NaN here)
        const below = fresh(`below_${li}`);
        node(body, 'Less', [v1, thName], [below]);
        node(body, 'Not', [below], [s]);
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
      neuronTensors.set(n.outputs[0]!, { count: cnt.outName, spike: sf, layer: l });
      continue;
    }
    // SpikingMaxPool / SpikingGlobalMaxPool
    const inDims = snn.dims.get(n.inputs[0]!)!;
    const poolAttrs =
      n.opType === 'SpikingGlobalMaxPool'
        ? { kernel_shape: A.ints(inDims.slice(1)) }
        : Object.fromEntries(Object.entries(n.attrs).filter(([key]) => key !== 'storage_order'));
    const src = neuronTensors.get(n.inputs[0]!);
    if (src) {
      // over a neuron layer: max of key = 2·count − s, output θ·(key is odd): a plain MaxPool, no Gather
      const twice = fresh(`${n.name}_2count`), key = fresh(`${n.name}_key`), kmax = fresh(`${n.name}_kmax`);
      const half = fresh(`${n.name}_half`), fl = fresh(`${n.name}_floor`), even = fresh(`${n.name}_even`), odd = fresh(`${n.name}_odd`);
      node(body, 'Mul', [src.count, konst('f_two', float32([], [2]))], [twice]);
      node(body, 'Sub', [twice, src.spike], [key]);
      body.push({ name: fresh(`${n.name}_pool`), opType: 'MaxPool', domain: '', inputs: [key], outputs: [kmax], attrs: poolAttrs });
      node(body, 'Mul', [kmax, konst('f_half', float32([], [0.5]))], [half]);
      node(body, 'Floor', [half], [fl]);
      node(body, 'Mul', [fl, konst('f_two', float32([], [2]))], [even]);
      node(body, 'Sub', [kmax, even], [odd]);
      const th = src.layer.threshold;
      const thPool = typeof th === 'number' ? float32([], [th]) : float32([th.length, ...new Array<number>(inDims.length - 1).fill(1)], th);
      node(body, 'Mul', [odd, konst(`${n.name}_theta`, thPool)], [n.outputs[0]!]);
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

  const bodyGraph: Graph = { name: 'snn_step', nodes: body, inputs: bodyIn, outputs: bodyOut, initializers: new Map(), valueInfo: new Map() };
  const loopOutputs = finalNames;
  const T = 'timesteps';
  outer.push({ name: fresh('snn_time_loop'), opType: 'Loop', domain: '', inputs: [T, '', ...loopInits], outputs: [...loopOutputs, 'readout_steps'], attrs: { body: A.graph(bodyGraph) } });

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
      snn.layers.map((l, i) => ({ output: layerOutputName(i), name: l.name, site: l.output, dims: l.dims, threshold: l.threshold, ...(l.bias ? { bias: l.bias } : {}), ...(l.v0 ? { v0: l.v0 } : {}), ...(l.poly ? { poly: l.poly, gain: l.gain } : {}) })),
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
