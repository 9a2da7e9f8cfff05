/**
 * One batch through the event-driven engine: the reference simulator's loop (src/snn/reference.ts:
 * static part once, dynamic nodes in order every step, the readout summed over steps in float32)
 * with the nodes of ./plan.ts run by the WebAssembly kernels. Same semantics, same float32 results:
 * spike counts and readouts equal the reference simulator's (test/engine/events.test.ts).
 */
import type { ReferenceContext } from '../../../converters/backends/types.js';
import type { Node, Tensor } from '../../graph/types.js';
import type { SnnModel } from '../../snn/build.js';
import { closedFormLayers } from '../../snn/closed-form.js';
import { snnContext } from '../../snn/context.js';
import { hasEvents } from '../../snn/emit.js';
import { encoder, nodeEvaluator } from '../../snn/reference.js';
import { Kernels } from './kernels.js';
import { planKernels } from './plan.js';

export interface EventsBatchOptions {
  readonly timesteps: number;
  /** Steps after which to record the readout (default: only the last). */
  readonly checkpoints?: readonly number[];
  /** Dataset index of the first sample (Poisson seeding). */
  readonly firstSample?: number;
}

/** Per kernel-run node: what it is, its events (inputs ≠ 0; spikes for neurons) and its inputs per sample, summed over the batch and steps. */
export interface KernelNodeStats {
  readonly node: string;
  readonly kind: 'conv' | 'gemm' | 'if' | 'pool';
  readonly events: number;
  readonly perSample: number;
}

export interface EventsBatchResult {
  readonly readouts: Map<number, Float32Array>;
  /** Spike counts per neuron layer (aligned with snn.layers), n × layer size. */
  readonly counts: Float32Array[];
  readonly events: (Float32Array | undefined)[];
  /** Synaptic operations done by the event-driven Conv/Gemm kernels (counted, not estimated). */
  readonly synops: number;
  readonly nodes: KernelNodeStats[];
}

const size = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

export function simulateEventsBatch(snn: SnnModel, x: Float32Array, n: number, opts: EventsBatchOptions): EventsBatchResult {
  const T = opts.timesteps;
  const checkpoints = new Set(opts.checkpoints ?? [T]);
  const opset = snn.ann.opset;
  const values = new Map<string, Tensor>(snn.ann.graph.initializers);
  const encode = encoder(snn, x, n, opts.firstSample ?? 0, values);
  const closed = closedFormLayers(snn);
  const dynamicNodes = snn.nodes.filter((node) => node.outputs.some((t) => snn.dynamic.has(t)));
  const kernels = new Kernels();
  const plan = planKernels(kernels, snn, snn.nodes, n, closed);
  const counts = snn.layers.map((l, i) => plan.counts.get(i) ?? new Float32Array(n * size(l.dims)));
  const events = snn.layers.map((l, i) => (hasEvents(snn, l) ? new Float32Array(counts[i]!.length) : undefined));
  let step = 0;
  const ctx: ReferenceContext = { ...snnContext(snn, closed), n, step: () => step, counts: (i) => counts[i]!, events: (i) => events[i] };
  const reference = nodeEvaluator(opset, values, ctx);
  // the nodes the plan runs in kernels, the rest as the reference simulator does
  const evalNode = (node: Node): void => {
    const k = plan.steps.get(node);
    if (k) k.run(values);
    else reference(node);
  };
  for (const node of snn.nodes) if (!dynamicNodes.includes(node)) evalNode(node);
  const readout = new Float32Array(n * size(snn.readoutDims));
  const readouts = new Map<number, Float32Array>();
  kernels.k.resetSynops();
  for (let t = 1; t <= T; t++) {
    step = t;
    encode?.(values);
    for (const node of dynamicNodes) evalNode(node);
    const y = values.get(snn.readout)!.data;
    for (let i = 0; i < readout.length; i++) readout[i] = Math.fround(readout[i]! + y[i]!);
    if (checkpoints.has(t)) readouts.set(t, readout.slice());
  }
  // the static part ran once: its kernels are not per-step event work
  const nodes = [...plan.steps.values()]
    .filter((s) => dynamicNodes.includes(s.node))
    .map((s) => ({ node: s.node.name, kind: s.kind, events: s.events, perSample: s.perSample }));
  // counts live in kernel memory, dropped with the instance: copy them out
  return { readouts, counts: counts.map((c) => c.slice()), events, synops: kernels.k.synopsDone(), nodes };
}
