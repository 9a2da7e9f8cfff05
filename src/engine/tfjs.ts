/**
 * The TensorFlow.js engine (`--engine tfjs`): the same converted network, simulated step by step
 * with tfjs ops on the chosen backend (cpu: pure JavaScript; tensorflow: libtensorflow through
 * @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, optional peers; wasm/webgpu: the
 * tfjs backends, optional peers). Standard ops run their op's `tfjs` lowering, the neurons and the
 * spiking max pool their `tfjsStateful` one (state carried between steps, the same float32
 * sequence as the reference simulator), the Poisson encoder the same generator, so spike counts
 * equal onnxruntime's wherever the convolutions and matrix products round alike (they sum in
 * another order; see the tests).
 */
import * as tf from '@tensorflow/tfjs';
import type { TfjsState, TfjsStateful } from '../../converters/backends/types.js';
import { opFor } from '../../converters/registry.js';
import { fitToInput, readSamples } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { argmaxRows } from '../util/metrics.js';
import type { ProgressFn } from '../util/progress.js';
import { topoSort } from '../graph/graph.js';
import type { Node } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';
import { closedFormLayers } from '../snn/closed-form.js';
import { snnContext } from '../snn/context.js';
import { poissonStates, poissonUniforms } from '../snn/poisson.js';
import type { SnnRunResult } from './snn-file.js';
import { evalNode, tfjsReady, type TfjsBackend } from './tfjs-ops.js';

export interface TfjsRunOptions {
  readonly timesteps: readonly number[];
  readonly batchSize?: number;
  readonly backend?: TfjsBackend;
  readonly onProgress?: ProgressFn;
  readonly onCounts?: (start: number, n: number, counts: readonly Float32Array[]) => void | Promise<void>;
}

/** The run's pieces: constants, the stateful ops (neurons, spiking pools) and the split of the nodes. */
interface TfjsRun {
  readonly consts: Map<string, tf.Tensor>;
  readonly stateful: Map<Node, TfjsStateful>;
  /** States after the current step, by output tensor (what the spiking pools read). */
  readonly current: Map<string, TfjsState>;
  readonly staticNodes: readonly Node[];
  readonly dynamicNodes: readonly Node[];
}

function prepare(snn: SnnModel, consts: Map<string, tf.Tensor>): TfjsRun {
  const current = new Map<string, TfjsState>();
  const ctx = { ...snnContext(snn, closedFormLayers(snn)), tf, stateOf: (t: string) => current.get(t) };
  const stateful = new Map<Node, TfjsStateful>();
  const dynamicNodes = snn.nodes.filter((n) => n.outputs.some((t) => snn.dynamic.has(t)));
  for (const node of dynamicNodes) {
    const e = opFor(node, snn.ann.opset);
    if (e?.lower.tfjsStateful) stateful.set(node, e.lower.tfjsStateful(node, e.parseAttributes(node), ctx));
  }
  return { consts, stateful, current, staticNodes: snn.nodes.filter((n) => !dynamicNodes.includes(n)), dynamicNodes };
}

/** The Poisson encoder of a batch: generator states and, per step, the input spikes. */
function poissonInput(snn: SnnModel, x: tf.Tensor, first: number, n: number, per: number): { step: () => tf.Tensor; dispose: () => void } {
  const z = poissonStates(snn.options.seed, first, n, per);
  const u = new Float32Array(n * per);
  const xmax = Math.fround(snn.inputMax);
  const rate = tf.div(tf.abs(x), xmax);
  const amp = tf.mul(tf.sub(tf.cast(tf.less(0, x), 'float32'), tf.cast(tf.less(x, 0), 'float32')), xmax);
  return {
    step() {
      poissonUniforms(z, u);
      return tf.mul(tf.cast(tf.less(tf.tensor(u, [n, ...snn.inputDims]), rate), 'float32'), amp);
    },
    dispose: () => tf.dispose([rate, amp]),
  };
}

/** One time step inside tf.tidy: the dynamic nodes, the new states (in stateful order) and the readout. */
function step(
  snn: SnnModel,
  run: TfjsRun,
  statics: ReadonlyMap<string, tf.Tensor>,
  states: Map<Node, TfjsState>,
  input: (() => tf.Tensor) | undefined,
  readout: tf.Tensor,
  t: number,
): { states: TfjsState[]; readout: tf.Tensor } {
  return tf.tidy(() => {
    const values = new Map(statics);
    if (input) values.set(snn.inputName, input());
    run.current.clear();
    for (const node of run.dynamicNodes) {
      const s = run.stateful.get(node);
      const ins = node.inputs.map((i) => values.get(i));
      if (!s) {
        values.set(node.outputs[0]!, evalNode(node, ins, run.consts, snn, snn.ann.graph.initializers));
        continue;
      }
      const r = s.step(states.get(node)!, ins, t);
      run.current.set(node.outputs[0]!, r.state);
      values.set(node.outputs[0]!, r.output);
    }
    return { states: [...run.stateful.keys()].map((nd) => run.current.get(nd.outputs[0]!)!), readout: tf.add(readout, values.get(snn.readout)!) };
  });
}

/** Simulates one batch of n samples for T steps; returns the per-layer spike counts. */
async function simulateBatch(
  snn: SnnModel,
  run: TfjsRun,
  xs: Float32Array,
  first: number,
  n: number,
  T: number,
  onStep: (t: number, readout: tf.Tensor) => void,
): Promise<Float32Array[]> {
  const raw = snn.ann.graph.initializers;
  const statics = new Map(
    Object.entries(
      tf.tidy(() => {
        const values = new Map<string, tf.Tensor>([[snn.inputName, tf.tensor(xs, [n, ...snn.inputDims])]]);
        for (const node of run.staticNodes)
          values.set(
            node.outputs[0]!,
            evalNode(
              node,
              node.inputs.map((i) => values.get(i)),
              run.consts,
              snn,
              raw,
            ),
          );
        return Object.fromEntries(values);
      }) as Record<string, tf.Tensor>,
    ),
  );
  let states = new Map([...run.stateful].map(([node, s]) => [node, s.start(n, statics)]));
  let readout: tf.Tensor = tf.zeros([n, ...snn.readoutDims]);
  const poisson = snn.options.encoding === 'poisson' ? poissonInput(snn, statics.get(snn.inputName)!, first, n, xs.length / n) : undefined;
  for (let t = 1; t <= T; t++) {
    const next = step(snn, run, statics, states, poisson?.step, readout, t);
    const kept = new Set(next.states.flatMap((s) => Object.values(s)));
    tf.dispose([...[...states.values()].flatMap((s) => Object.values(s)).filter((x) => !kept.has(x)), readout]);
    states = new Map([...run.stateful.keys()].map((nd, i) => [nd, next.states[i]!]));
    readout = next.readout;
    onStep(t, readout);
  }
  const byName = new Map([...states].map(([nd, s]) => [nd.name, s]));
  const counts = snn.layers.map((l) => byName.get(l.name)!['count']!.dataSync() as Float32Array);
  tf.dispose([...[...states.values()].flatMap((s) => Object.values(s)), readout, ...statics.values()]);
  poisson?.dispose();
  return counts;
}

export async function simulateTfjs(snn: SnnModel, ds: Dataset, opts: TfjsRunOptions): Promise<SnnRunResult> {
  await tfjsReady(opts.backend ?? 'cpu');
  const ts = [...new Set(opts.timesteps)].sort((a, b) => a - b);
  const T = ts[ts.length - 1]!;
  const per = fitToInput(ds, [1, ...snn.inputDims]).reduce((a, b) => a * b, 1);
  const K = snn.readoutDims.reduce((a, b) => a * b, 1);
  const bs = opts.batchSize ?? 64;
  const consts = new Map<string, tf.Tensor>();
  for (const [k, t] of snn.ann.graph.initializers) if (t.dtype === 'float32') consts.set(k, tf.tensor(t.data as Float32Array, [...t.dims]));
  const predictions = new Map(ts.map((t) => [t, new Int32Array(ds.count)]));
  const layerNeurons = snn.layers.map((l) => l.dims.reduce((a, b) => a * b, 1));
  const layerSpikes = snn.layers.map(() => 0);
  let run: TfjsRun | undefined;
  try {
    run = prepare(snn, consts);
    for (let s0 = 0; s0 < ds.count; s0 += bs) {
      const n = Math.min(ds.count, s0 + bs) - s0;
      const onStep = (t: number, readout: tf.Tensor): void => {
        const pr = predictions.get(t);
        if (pr) pr.set(argmaxRows(readout.dataSync(), n, K), s0);
      };
      const counts = await simulateBatch(snn, run, await readSamples(ds, s0, s0 + n), (ds.offset ?? 0) + s0, n, T, onStep);
      counts.forEach((c, i) => (layerSpikes[i]! += c.reduce((a, b) => a + b, 0)));
      await opts.onCounts?.(s0, n, counts);
      opts.onProgress?.({ phase: 'simulate', done: s0 + n, total: ds.count, detail: `T=${T} tfjs` });
    }
  } finally {
    tf.dispose([...consts.values()]);
    for (const s of run?.stateful.values() ?? []) s.dispose();
  }
  return { predictions, layerSpikes, layerNeurons, timesteps: T };
}

/**
 * The ANN forward on TensorFlow.js: the converted network's prepared ANN, node by node with the
 * same ops (the bench's same-engine baseline for `--engine tfjs`). Weights are uploaded once.
 */
export async function tfjsAnn(snn: SnnModel, backend: TfjsBackend = 'cpu'): Promise<{ run(x: Float32Array, n: number): Float32Array; dispose(): void }> {
  await tfjsReady(backend);
  const raw = snn.ann.graph.initializers;
  const consts = new Map<string, tf.Tensor>();
  for (const [k, t] of raw) if (t.dtype === 'float32') consts.set(k, tf.tensor(t.data as Float32Array, [...t.dims]));
  const order = topoSort(snn.ann.graph);
  const output = snn.ann.graph.outputs[0]!.name;
  return {
    run(x: Float32Array, n: number): Float32Array {
      const y = tf.tidy(() => {
        const values = new Map<string, tf.Tensor>([[snn.inputName, tf.tensor(x, [n, ...snn.inputDims])]]);
        for (const node of order)
          values.set(
            node.outputs[0]!,
            evalNode(
              node,
              node.inputs.map((i) => values.get(i)),
              consts,
              snn,
              raw,
            ),
          );
        return values.get(output)!;
      });
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    },
    dispose(): void {
      tf.dispose([...consts.values()]);
    },
  };
}
