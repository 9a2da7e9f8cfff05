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
 * runs once before a Loop; the Loop body runs the dynamic nodes, each lowered by its op's `onnx`
 * lowering in converters/ (the neurons and the spiking max pool; standard ops run as themselves),
 * with membrane potentials, spike counts and pooling state as loop-carried values. Only ops present
 * since opset 8 are added, so the file keeps the source model's opset.
 */
import { opFor } from '../../converters/registry.js';
import type { OnnxContext, Where } from '../../converters/backends/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { A } from '../graph/attrs.js';
import { freshNamer } from '../graph/graph.js';
import { float32, int64 } from '../graph/tensor.js';
import type { Graph, Model, Node, Tensor, ValueInfo } from '../graph/types.js';
import type { SnnModel } from './build.js';
import type { NeuronLayer } from './types.js';
import { closedFormLayers } from './closed-form.js';
import { emitPoisson } from './emit-poisson.js';
import { snnContext } from './context.js';
import { unrolledLoops } from './emit-unroll.js';
import { type Arrangement, type StepOrder, stepsPerIteration } from './arrangement.js';
import { layerMajorBody } from './emit-layer-major.js';
import { type CountMode, emitRecoveredCounts, recoverableOutputs } from './emit-recover.js';
import type { RecoveredCount } from '../../converters/backends/types.js';

export { layerEventsName, layerOutputName } from '../../converters/backends/onnx.js';
import { layerEventsName, layerOutputName } from '../../converters/backends/onnx.js';
import { layerKind } from '../../converters/neurons/index.js';

/** Whether a layer has signed spikes, and so an `events.<i>` output (converters/neurons/types.ts signedSpikes). */
export function hasEvents(snn: SnnModel, l: NeuronLayer): boolean {
  return Boolean(layerKind(snn.options.neuron, l).signedSpikes);
}

export const SNN_FORMAT = 'onnx2snn-snn';
export const SNN_FORMAT_VERSION = 1;

export interface EmitMeta {
  /** Extra metadata_props entries (calibration method, source file ...). */
  readonly extra?: Record<string, string>;
  /**
   * 'recovered' (default): an IF layer's spike count is recovered once after the Loop where it can
   * be (src/snn/emit-recover.ts), four passes per step instead of six; 'stepped': counted every step.
   */
  readonly counts?: CountMode;
  /** Time steps per Loop iteration (src/snn/emit-unroll.ts); 'auto' (default): src/snn/arrangement.ts. */
  readonly stepsPerIteration?: number | 'auto';
  /**
   * Order of the k steps of one iteration: 'step' (default: every op k times on [N, …]) or
   * 'layer' (stateless ops once on the k steps stacked, src/snn/emit-layer-major.ts).
   */
  readonly order?: StepOrder;
}

/** The file under construction: node lists, constants, loop-carried values. */
interface Emitter {
  readonly ctx: OnnxContext;
  readonly outer: Node[];
  readonly body: Node[];
  readonly after: Node[];
  readonly inits: Map<string, Tensor>;
  readonly bodyIn: ValueInfo[];
  readonly bodyOut: ValueInfo[];
  readonly loopInits: string[];
  /** Public output name of each carried value's final state. */
  readonly finalNames: string[];
  /** The input as the body reads it (Poisson coding: the step's spikes). */
  readonly xIn: string;
  /** The input's shape (a tensor computed before the Loop). */
  readonly shapeX: string;
  carry(base: string, init: string, publicName?: string, dtype?: 'float32' | 'float64'): { inName: string; outName: string; finalName: string };
  /** Layers whose counts are recovered after the Loop, by index. */
  readonly recovered: Map<number, RecoveredCount>;
}

function emitter(snn: SnnModel, opset: number, dynamicNodes: readonly Node[], counts: CountMode): Emitter {
  const fresh = freshNamer(snn.ann.graph);
  const x = snn.inputName;
  const xIn = snn.options.encoding === 'poisson' ? fresh(`${x}__t`) : x;
  const inits = new Map<string, Tensor>(snn.ann.graph.initializers);
  const lists: Record<Where, Node[]> = { outer: [], body: [], after: [] };
  let k = 0;
  const konst = (base: string, t: Tensor): string => {
    const name = fresh(base);
    inits.set(name, t);
    return name;
  };
  const node = (where: Where, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): void => {
    lists[where].push({ name: fresh(`snn_${opType}_${k++}`), opType, domain: '', inputs, outputs, attrs });
  };
  // static nodes, once
  const dyn = new Set(dynamicNodes);
  lists.outer.push(...snn.nodes.filter((n) => !dyn.has(n)));
  // batch size → Tile repeats for the initial states
  const shapeX = fresh('x_shape');
  const batch = fresh('batch');
  node('outer', 'Shape', [x], [shapeX]);
  node('outer', 'Gather', [shapeX, konst('zero_idx', int64([1], [0]))], [batch], { axis: A.int(0) });
  const repeatsFor = new Map<number, string>();
  const repeats = (rank: number): string => {
    let r = repeatsFor.get(rank);
    if (!r) {
      r = fresh(`repeats_${rank}`);
      node('outer', 'Concat', [batch, konst(`ones_${rank}`, int64([rank], new Array<number>(rank).fill(1)))], [r], { axis: A.int(0) });
      repeatsFor.set(rank, r);
    }
    return r;
  };
  const initState = (base: string, perSample: Tensor): string => {
    const name = fresh(`${base}_init`);
    node('outer', 'Tile', [konst(`${base}_init_value`, { ...perSample, dims: [1, ...perSample.dims] }), repeats(perSample.dims.length)], [name]);
    return name;
  };
  const e: Omit<Emitter, 'ctx'> = {
    outer: lists.outer,
    body: lists.body,
    after: lists.after,
    inits,
    bodyIn: [
      { name: fresh('iter'), dtype: 'int64', shape: [] },
      { name: fresh('cond_in'), dtype: 'bool', shape: [] },
    ],
    bodyOut: [],
    loopInits: [],
    finalNames: [],
    xIn,
    shapeX,
    carry(base, init, publicName = '', dtype = 'float32') {
      const inName = fresh(`${base}_in`);
      const outName = fresh(`${base}_out`);
      e.bodyIn.push({ name: inName, dtype });
      e.bodyOut.push({ name: outName, dtype });
      e.loopInits.push(init);
      const finalName = publicName || fresh(`${base}_final`);
      e.finalNames.push(finalName);
      return { inName, outName, finalName };
    },
    recovered: new Map(),
  };
  const condOut = fresh('cond_out');
  node('body', 'Identity', [e.bodyIn[1]!.name], [condOut]);
  e.bodyOut.push({ name: condOut, dtype: 'bool', shape: [] });
  const ctx = onnxContext(snn, opset, dynamicNodes, { fresh, konst, node, initState, carry: e.carry, lists });
  if (counts === 'recovered') {
    const ok = recoverableOutputs(snn, dynamicNodes, opset);
    ctx.recoverCount = (t) => ok.has(t);
    ctx.recordRecovery = (r) => void e.recovered.set(r.index, r);
  }
  return { ...e, ctx };
}

interface EmitPrimitives {
  readonly fresh: (base: string) => string;
  readonly konst: (base: string, t: Tensor) => string;
  readonly node: OnnxContext['node'];
  readonly initState: (base: string, perSample: Tensor) => string;
  readonly carry: Emitter['carry'];
  readonly lists: Record<Where, Node[]>;
}

function onnxContext(snn: SnnModel, opset: number, dynamicNodes: readonly Node[], p: EmitPrimitives): OnnxContext {
  let tFloat = '';
  let tCast = false;
  /** Tensors read every step by something other than a spiking pool (a pooled-only closed-form layer needs no steps). */
  const stepped = new Set<string>([snn.readout]);
  for (const n of dynamicNodes) if (!opFor(n, snn.ann.opset)?.spiking.readsCounts) for (const i of n.inputs) stepped.add(i);
  const timestepsFloat = p.fresh('timesteps_f');
  return {
    ...snnContext(snn, closedFormLayers(snn), opset),
    fresh: p.fresh,
    konst: p.konst,
    node: p.node,
    push: (where, n) => void p.lists[where].push(n),
    carry: (base, init, publicName) => p.carry(base, init, publicName),
    initState: p.initState,
    stepTime() {
      if (!tFloat) {
        // t = 1, 2, … carried as float32 (exact up to 2^24 steps)
        const t = p.carry('t', p.konst('t_zero', float32([], [0])));
        p.node('body', 'Add', [t.inName, p.konst('t_one', float32([], [1]))], [t.outName]);
        tFloat = t.outName;
      }
      return tFloat;
    },
    timestepsFloat() {
      if (!tCast) p.node('after', 'Cast', ['timesteps'], [timestepsFloat], { to: A.int(1) });
      tCast = true;
      return timestepsFloat;
    },
    stepped: (t) => stepped.has(t),
    facts: new Map(),
  };
}

export function emitOnnx(snn: SnnModel, meta: EmitMeta = {}): Model {
  const ann = snn.ann;
  const opset = Math.max(ann.opset, 8);
  const x = snn.inputName;
  const poisson = snn.options.encoding === 'poisson';
  const dynamicNodes = snn.nodes.filter((n) => n.outputs.some((t) => snn.dynamic.has(t)));
  const k = meta.stepsPerIteration ?? 'auto';
  if (k !== 'auto' && (!Number.isInteger(k) || k < 1))
    throw new Onnx2SnnError(ErrorCodes.OPTION, `stepsPerIteration must be a whole number ≥ 1, not ${k}`, {
      option: 'stepsPerIteration',
      expected: 'integer ≥ 1',
      actual: k,
    });
  const e = emitter(snn, opset, dynamicNodes, meta.counts ?? 'recovered');
  if (poisson) emitPoisson(e.ctx, e.carry, snn, e.xIn, e.shapeX);
  for (const n of dynamicNodes) {
    const ins = n.inputs.map((i) => (poisson && i === x ? e.xIn : i));
    const entry = opFor(n, ann.opset);
    if (entry?.lower.onnx) entry.lower.onnx(n, entry.parseAttributes(n), ins, e.ctx);
    else e.body.push({ ...n, inputs: ins });
  }
  emitRecoveredCounts(snn, dynamicNodes, e.recovered, e.ctx);
  // readout integrator and its per-step record
  const K = snn.readoutDims;
  const r = e.carry('readout', e.ctx.initState('readout', float32(K, new Float32Array(K.reduce((a, b) => a * b, 1)))), 'readout');
  e.ctx.node('body', 'Add', [r.inName, snn.readout], [r.outName]);
  const step = e.ctx.fresh('readout_step');
  e.ctx.node('body', 'Identity', [r.outName], [step]);
  e.bodyOut.push({ name: step, dtype: 'float32' });
  return finish(snn, e, opset, meta);
}

/** Constants read only inside the body become its initializers; the Loop; inputs, outputs, metadata. */
function finish(snn: SnnModel, e: Emitter, opset: number, meta: EmitMeta): Model {
  const ann = snn.ann;
  // Constants read only inside the body are the body's initializers: onnxruntime's layout
  // optimiser then sees constant weights there and runs the body's convolutions in its blocked
  // NCHWc format with prepacked weights (2.6× faster per Conv, measured on resnet_2b), which it
  // does not do for weights captured from the outer scope.
  const outerUse = new Set([...e.outer, ...e.after].flatMap((nd) => nd.inputs));
  const bodyInits = new Map<string, Tensor>();
  for (const nd of e.body) for (const i of nd.inputs) if (e.inits.has(i) && !outerUse.has(i)) bodyInits.set(i, e.inits.get(i)!);
  for (const key of bodyInits.keys()) e.inits.delete(key);
  const bodyGraph: Graph = { name: 'snn_step', nodes: e.body, inputs: e.bodyIn, outputs: e.bodyOut, initializers: bodyInits, valueInfo: new Map() };
  const T = 'timesteps';
  const { k, chosen } = stepsPerIteration(meta.stepsPerIteration, bodyInits);
  const lm = k > 1 && meta.order === 'layer' ? layerMajorBody(bodyGraph, k, e.ctx) : undefined;
  if (k > 1) e.outer.push(...unrolledLoops(bodyGraph, k, T, e.loopInits, e.finalNames, 'readout', e.ctx, lm));
  else
    e.outer.push({
      name: e.ctx.fresh('snn_time_loop'),
      opType: 'Loop',
      domain: '',
      inputs: [T, '', ...e.loopInits],
      outputs: [...e.finalNames, 'readout_steps'],
      attrs: { body: A.graph(bodyGraph) },
    });
  e.outer.push(...e.after);
  // an initializer no node reads (a Clip's min/max once the Clip became a neuron) makes
  // onnxruntime print a warning for each one on every load
  const read = new Set([...e.outer, ...e.body].flatMap((nd) => nd.inputs));
  for (const key of [...e.inits.keys()]) if (!read.has(key)) e.inits.delete(key);
  const K = snn.readoutDims;
  const inputs: ValueInfo[] = [{ ...ann.graph.inputs[0]! }, { name: T, dtype: 'int64', shape: [] }];
  if (snn.options.encoding === 'poisson') inputs.push({ name: e.loopInits[0]!, dtype: 'float64', shape: ['N', snn.inputDims.reduce((a, b) => a * b, 1)] });
  const outputs: ValueInfo[] = [
    { name: 'readout', dtype: 'float32', shape: ['N', ...K] },
    { name: 'readout_steps', dtype: 'float32', shape: ['T', 'N', ...K] },
    ...snn.layers.map((l, i) => ({ name: layerOutputName(i), dtype: 'float32' as const, shape: ['N', ...l.dims] })),
    ...snn.layers.flatMap((l, i) => (hasEvents(snn, l) ? [{ name: layerEventsName(i), dtype: 'float32' as const, shape: ['N', ...l.dims] }] : [])),
  ];
  return {
    ...ann,
    opset,
    graph: { name: `${ann.graph.name}_snn`, nodes: e.outer, inputs, outputs, initializers: e.inits, valueInfo: new Map() },
    metadata: {
      ...ann.metadata,
      ...metadataOf(snn, meta),
      'onnx2snn.arrangement': JSON.stringify(arrangementOf(snn, e, meta, k, chosen, lm ? 'layer' : 'step')),
    },
  };
}

function arrangementOf(snn: SnnModel, e: Emitter, meta: EmitMeta, k: number, chosen: Arrangement['chosen'], order: StepOrder): Arrangement {
  const closed = closedFormLayers(snn);
  const layerCounts: Arrangement['layerCounts'] = snn.layers.map((_, i) => (closed.has(i) ? 'closed-form' : e.recovered.has(i) ? 'recovered' : 'stepped'));
  return { counts: meta.counts ?? 'recovered', layerCounts, stepsPerIteration: k, chosen, ...(order === 'layer' ? { order } : {}) };
}

function metadataOf(snn: SnnModel, meta: EmitMeta): Record<string, string> {
  const closed = closedFormLayers(snn);
  const o = snn.options;
  return {
    'onnx2snn.format': SNN_FORMAT,
    'onnx2snn.version': String(SNN_FORMAT_VERSION),
    'onnx2snn.options': JSON.stringify(o),
    'onnx2snn.input': JSON.stringify({ name: snn.inputName, dims: snn.inputDims, max: snn.inputMax }),
    'onnx2snn.readout': JSON.stringify({ tensor: snn.readout, dims: snn.readoutDims }),
    'onnx2snn.layers': JSON.stringify(
      snn.layers.map((l, i) => ({
        output: layerOutputName(i),
        name: l.name,
        site: l.output,
        dims: l.dims,
        threshold: l.threshold,
        ...(l.bias ? { bias: l.bias } : {}),
        ...(l.v0 ? { v0: l.v0 } : {}),
        ...(l.poly ? { poly: l.poly, gain: l.gain } : {}),
        ...(l.linear ? { linear: true } : {}),
        ...(hasEvents(snn, l) ? { events: layerEventsName(i) } : {}),
        ...(closed.has(i) ? { solve: 'closed-form' } : {}),
      })),
    ),
    ...(meta.extra ?? {}),
  };
}
