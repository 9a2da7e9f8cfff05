/**
 * The reference simulator: plain TypeScript, typed arrays, one time step after another. It states
 * the semantics of a converted network; the ONNX file written by emit.ts must reproduce it.
 *
 * Per step t = 1..T:
 *   - under Poisson coding the input is sign(x)·xmax·[u_t < |x|/xmax]; under constant-current coding
 *     the input and everything computed from it alone (the first layer's current) is static and
 *     evaluated once before the loop;
 *   - dynamic nodes run in topological order: standard ops by their `evaluate` in converters/, the
 *     project's own ops (neurons: converters/neurons/integrate-and-fire.ts, with the closed form
 *     of converters/neurons/closed-form.ts; the spiking max pool: converters/spiking-pool.ts) by
 *     their `reference` lowering, made once per run and called every step;
 *   - the readout tensor is summed over steps (membrane of a non-spiking integrator).
 */
import { opFor } from '../../converters/registry.js';
import type { ReferenceContext } from '../../converters/backends/types.js';
import type { Node, Tensor } from '../graph/types.js';
import type { SnnModel } from './build.js';
import { closedFormLayers } from './closed-form.js';
import { hasEvents } from './emit.js';
import { snnContext } from './context.js';
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
  /** Spike counts per neuron layer (aligned with snn.layers), n × layer size; net counts for signed spikes. */
  readonly counts: Float32Array[];
  /** Events of either sign per layer with signed spikes (undefined for the others), n × layer size. */
  readonly events: (Float32Array | undefined)[];
  /** With `record`: per recorded layer, for each step t = 1..T (index t−1), the neurons that spiked. */
  readonly raster?: { readonly layer: number; readonly steps: Int32Array[] }[];
}

const f32 = (dims: readonly number[], data: Float32Array): Tensor => ({ dtype: 'float32', dims: [...dims], data });

export type Encoder = ((values: Map<string, Tensor>) => void) | undefined;

/** Poisson coding: each step's input sign(x)·xmax·[u < |x|/xmax]; constant current: the input once. */
export function encoder(snn: SnnModel, x: Float32Array, n: number, firstSample: number, values: Map<string, Tensor>): Encoder {
  const inDims = [n, ...snn.inputDims];
  if (snn.options.encoding !== 'poisson') {
    values.set(snn.inputName, f32(inDims, x));
    return undefined;
  }
  const rate = new Float32Array(x.length);
  const amp = new Float32Array(x.length);
  const xmax = Math.fround(snn.inputMax);
  for (let i = 0; i < x.length; i++) {
    rate[i] = Math.fround(Math.abs(x[i]!) / xmax);
    amp[i] = Math.fround(Math.sign(x[i]!) * xmax);
  }
  const z = poissonStates(snn.options.seed, firstSample, n, x.length / Math.max(n, 1));
  const u = new Float32Array(x.length);
  return (vals) => {
    poissonUniforms(z, u);
    const xt = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) xt[i] = u[i]! < rate[i]! ? amp[i]! : 0;
    vals.set(snn.inputName, f32(inDims, xt));
  };
}

/** The neurons that spiked in the recorded sample at this step, per recorded layer. */
function recordStep(snn: SnnModel, raster: { layer: number; steps: Int32Array[] }[], sample: number, values: Map<string, Tensor>): void {
  for (const r of raster) {
    const l = snn.layers[r.layer]!;
    const per = l.dims.reduce((a, b) => a * b, 1);
    const d = values.get(l.output)!.data;
    const fired: number[] = [];
    for (let j = 0, off = sample * per; j < per; j++) if (d[off + j] !== 0) fired.push(j);
    r.steps.push(Int32Array.from(fired));
  }
}

/**
 * Evaluates one node into `values`: its reference lowering where the op has one (neurons, spiking
 * pools: stateful, built once per node with `ctx`), else its stateless evaluation. The reference
 * simulator and the events engine (src/engine/events/batch.ts) step the graph with it.
 */
export function nodeEvaluator(opset: SnnModel['ann']['opset'], values: Map<string, Tensor>, ctx: ReferenceContext): (node: Node) => void {
  const stateful = new Map<Node, (inputs: readonly (Tensor | undefined)[]) => Tensor[]>();
  return (node) => {
    const entry = opFor(node, opset)!;
    const ins = node.inputs.map((i) => (i ? values.get(i) : undefined));
    let run = stateful.get(node);
    if (!run && entry.lower.reference) stateful.set(node, (run = entry.lower.reference(node, entry.parseAttributes(node), ctx)));
    const outs = run ? run(ins) : entry.evaluate(node, ins, { opset });
    node.outputs.forEach((name, i) => {
      if (name && outs[i]) values.set(name, outs[i]!);
    });
  };
}

/** Simulates n samples (x: n × input size, float32) for T steps. */
export function simulateReference(snn: SnnModel, x: Float32Array, n: number, opts: SimOptions): SimResult {
  const T = opts.timesteps;
  const checkpoints = new Set(opts.checkpoints ?? [T]);
  const opset = snn.ann.opset;
  const values = new Map<string, Tensor>(snn.ann.graph.initializers);
  const encode = encoder(snn, x, n, opts.firstSample ?? 0, values);
  const counts = snn.layers.map((l) => new Float32Array(n * l.dims.reduce((a, b) => a * b, 1)));
  const events = snn.layers.map((l, i) => (hasEvents(snn, l) ? new Float32Array(counts[i]!.length) : undefined));
  let step = 0;
  const ctx: ReferenceContext = { ...snnContext(snn, closedFormLayers(snn)), n, step: () => step, counts: (i) => counts[i]!, events: (i) => events[i] };
  const evalNode = nodeEvaluator(opset, values, ctx);
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
    encode?.(values);
    for (const node of dynamicNodes) evalNode(node);
    if (raster) recordStep(snn, raster, opts.record!.sample, values);
    opts.onStep?.(t, T);
    const y = values.get(snn.readout)!.data;
    for (let i = 0; i < readout.length; i++) readout[i] = Math.fround(readout[i]! + y[i]!);
    if (checkpoints.has(t)) readouts.set(t, readout.slice());
  }
  return { readouts, counts, events, ...(raster ? { raster } : {}) };
}
