/**
 * The TensorFlow.js engine (`--engine tfjs`): the same converted network, simulated step by step
 * with tfjs ops on the chosen backend (cpu: pure JavaScript; tensorflow: libtensorflow through
 * @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, optional peers; wasm/webgpu: the
 * tfjs backends, optional peers). The neuron update is the float32 sequence of src/snn/neuron.ts
 * (or the closed form of src/snn/closed-form.ts for constant-current layers),
 * the spiking max pool over a neuron layer the 2·count − s key of the emitted file, the Poisson
 * encoder the same generator, so spike counts equal onnxruntime's wherever the convolutions and
 * matrix products round alike (they sum in another order; see the tests).
 */
import * as tf from '@tensorflow/tfjs';
import { windowGeometry } from '../../converters/spatial.js';
import { fitToInput, readSamples } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { argmaxRows } from '../eval/metrics.js';
import type { ProgressFn } from '../eval/progress.js';
import { attrInt, attrInts } from '../graph/attrs.js';
import { topoSort } from '../graph/graph.js';
import type { Node } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';
import { closedFormConstants, closedFormLayers } from '../snn/closed-form.js';
import { expandThreshold, extraCurrent, initialPotential } from '../snn/neuron.js';
import { poissonStates, poissonUniforms } from '../snn/poisson.js';
import { polyCoefficients } from '../snn/poly.js';
import type { SnnRunResult } from '../snn/simulate.js';
import { evalNode, tfjsReady, unsupportedInTfjs, type TfjsBackend } from './tfjs-ops.js';

export interface TfjsRunOptions {
  readonly timesteps: readonly number[];
  readonly batchSize?: number;
  readonly backend?: TfjsBackend;
  readonly onProgress?: ProgressFn;
  readonly onCounts?: (start: number, n: number, counts: readonly Float32Array[]) => void | Promise<void>;
}

/** Spiking max pool over a neuron layer: max of 2·count − s per window, output θ·(max is odd). */
function spikingPool(n: Node, count: tf.Tensor, s: tf.Tensor, theta: number | readonly number[], opset: number): tf.Tensor {
  const key = tf.sub(tf.mul(count, 2), s);
  const dims = key.shape.slice(2);
  const global = n.opType === 'SpikingGlobalMaxPool';
  const k = global ? dims : [...attrInts(n, 'kernel_shape', [])];
  const g = global
    ? { strides: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], dilations: [1, 1] }
    : windowGeometry(n, dims, k, { ceilMode: opset >= 10 && attrInt(n, 'ceil_mode', 0) === 1, allowDilations: opset >= 10, pool: true });
  if (g.dilations.some((d) => d !== 1)) throw unsupportedInTfjs(n, 'has dilations');
  // pad with −1 (below every key) so padding never wins, then a VALID max pool in NHWC
  const nhwc = tf.pad(tf.transpose(key, [0, 2, 3, 1]), [[0, 0], [g.padsBegin[0]!, g.padsEnd[0]!], [g.padsBegin[1]!, g.padsEnd[1]!], [0, 0]], -1);
  const kmax = tf.transpose(tf.maxPool(nhwc as tf.Tensor4D, [k[0]!, k[1]!], [g.strides[0]!, g.strides[1]!], 'valid'), [0, 3, 1, 2]);
  const odd = tf.sub(kmax, tf.mul(tf.floor(tf.mul(kmax, 0.5)), 2));
  const th = typeof theta === 'number' ? tf.scalar(theta) : tf.tensor(theta as number[], [1, theta.length, 1, 1]);
  return tf.mul(odd, th);
}

export async function simulateTfjs(snn: SnnModel, ds: Dataset, opts: TfjsRunOptions): Promise<SnnRunResult> {
  await tfjsReady(opts.backend ?? 'cpu');
  const o = snn.options;
  const ts = [...new Set(opts.timesteps)].sort((a, b) => a - b);
  const T = ts[ts.length - 1]!;
  const sampleDims = fitToInput(ds, [1, ...snn.inputDims]);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const K = snn.readoutDims.reduce((a, b) => a * b, 1);
  const bs = opts.batchSize ?? 64;
  const consts = new Map<string, tf.Tensor>();
  for (const [k, t] of snn.ann.graph.initializers) if (t.dtype === 'float32') consts.set(k, tf.tensor(t.data as Float32Array, [...t.dims]));
  const layerIdx = new Map(snn.layers.map((l, i) => [l.name, i]));
  const byOutput = new Map(snn.layers.map((l, i) => [l.output, i]));
  const closed = closedFormLayers(snn);
  const params = snn.layers.map((l, i) => {
    const th = expandThreshold(l.threshold, l.dims);
    const extra = extraCurrent(th, l.dims, l.bias, o);
    const cf = closed.has(i) ? closedFormConstants(l, o) : undefined;
    return {
      closed: cf ? { invTheta: tf.tensor(cf.invTheta, [1, ...l.dims]), b: tf.tensor(cf.b, [1, ...l.dims]) } : undefined,
      theta: tf.tensor(th, [1, ...l.dims]),
      extra: extra ? tf.tensor(extra, [1, ...l.dims]) : undefined,
      v0: tf.tensor(initialPotential(th, l.dims, l.v0, o), [1, ...l.dims]),
      coef: (l.poly ? polyCoefficients(l.poly, th) : []).map((c) => tf.tensor(c, [1, ...l.dims])),
      gain: Math.fround(l.gain ?? 1),
    };
  });
  const predictions = new Map(ts.map((t) => [t, new Int32Array(ds.count)]));
  const layerNeurons = snn.layers.map((l) => l.dims.reduce((a, b) => a * b, 1));
  const layerSpikes = snn.layers.map(() => 0);
  const raw = snn.ann.graph.initializers;
  const dynamicNodes = snn.nodes.filter((n) => n.outputs.some((t) => snn.dynamic.has(t)));
  const staticNodes = snn.nodes.filter((n) => !n.outputs.some((t) => snn.dynamic.has(t)));
  try {
    for (let s0 = 0; s0 < ds.count; s0 += bs) {
      const n = Math.min(ds.count, s0 + bs) - s0;
      const xs = await readSamples(ds, s0, s0 + n);
      const statics = new Map(
        Object.entries(
          tf.tidy(() => {
            const values = new Map<string, tf.Tensor>([[snn.inputName, tf.tensor(xs, [n, ...snn.inputDims])]]);
            for (const node of staticNodes) values.set(node.outputs[0]!, evalNode(node, node.inputs.map((i) => values.get(i)), consts, snn, raw));
            return Object.fromEntries(values);
          }) as Record<string, tf.Tensor>,
        ),
      );
      // closed-form layers: their current is static, so their rates a = clamp(I′·(1/θ), 0, 1) once per batch
      const rates = params.map((p, li) => {
        const c = p.closed;
        if (!c) return undefined;
        const input = statics.get(snn.layers[li]!.input)!;
        return tf.tidy(() => tf.clipByValue(tf.mul(p.extra ? tf.add(input, p.extra) : input, c.invTheta), 0, 1));
      });
      let v = params.map((p) => tf.tile(p.v0, [n, ...p.v0.shape.slice(1).map(() => 1)]));
      let count = snn.layers.map((l) => tf.zeros([n, ...l.dims]));
      let readout: tf.Tensor = tf.zeros([n, ...snn.readoutDims]);
      let z: Float64Array | undefined, u: Float32Array | undefined, rate: tf.Tensor | undefined, amp: tf.Tensor | undefined;
      if (o.encoding === 'poisson') {
        z = poissonStates(o.seed, (ds.offset ?? 0) + s0, n, per);
        u = new Float32Array(n * per);
        const x = statics.get(snn.inputName)!;
        const xmax = Math.fround(snn.inputMax);
        rate = tf.div(tf.abs(x), xmax);
        amp = tf.mul(tf.sub(tf.cast(tf.less(0, x), 'float32'), tf.cast(tf.less(x, 0), 'float32')), xmax);
      }
      for (let t = 1; t <= T; t++) {
        if (u) poissonUniforms(z!, u);
        const next = tf.tidy(() => {
          const values = new Map(statics);
          if (u) values.set(snn.inputName, tf.mul(tf.cast(tf.less(tf.tensor(u, [n, ...snn.inputDims]), rate!), 'float32'), amp!));
          const nv = [...v];
          const nc = [...count];
          const spikes = new Map<number, tf.Tensor>();
          for (const node of dynamicNodes) {
            if (node.domain !== 'onnx2snn') {
              values.set(node.outputs[0]!, evalNode(node, node.inputs.map((i) => values.get(i)), consts, snn, raw));
              continue;
            }
            if (node.opType !== 'IF') {
              const src = byOutput.get(node.inputs[0]!);
              if (src === undefined) throw unsupportedInTfjs(node, 'pools a signal that is not a neuron layer');
              values.set(node.outputs[0]!, spikingPool(node, nc[src]!, spikes.get(src)!, snn.layers[src]!.threshold, snn.ann.opset));
              continue;
            }
            const li = layerIdx.get(node.name)!;
            const p = params[li]!;
            const a = rates[li];
            if (p.closed && a) {
              // closed form (src/snn/closed-form.ts): n_t = ⌊b + t·a⌋
              nc[li] = tf.floor(tf.add(p.closed.b, tf.mul(a, tf.scalar(t))));
              const sf = tf.sub(nc[li]!, count[li]!);
              spikes.set(li, sf);
              values.set(node.outputs[0]!, tf.mul(sf, p.theta));
              continue;
            }
            let input = values.get(node.inputs[0]!)!;
            if (p.gain !== 1) input = tf.mul(input, p.gain);
            if (p.extra) input = tf.add(input, p.extra);
            let v1: tf.Tensor;
            if (o.neuron === 'lif') v1 = tf.add(tf.mul(v[li]!, Math.fround(o.beta)), input);
            else if (p.coef.length) {
              let f = p.coef[p.coef.length - 1]!;
              for (let k = p.coef.length - 2; k >= 0; k--) f = tf.add(tf.mul(f, v[li]!), p.coef[k]!);
              v1 = tf.add(tf.add(v[li]!, f), input);
            } else v1 = tf.add(v[li]!, input);
            const sf = tf.cast(tf.greaterEqual(v1, p.theta), 'float32');
            const out = tf.mul(sf, p.theta);
            nv[li] = o.reset === 'subtract' ? tf.sub(v1, out) : tf.mul(v1, tf.sub(1, sf));
            nc[li] = tf.add(count[li]!, sf);
            spikes.set(li, sf);
            values.set(node.outputs[0]!, out);
          }
          return { v: nv, count: nc, readout: tf.add(readout, values.get(snn.readout)!) };
        }) as { v: tf.Tensor[]; count: tf.Tensor[]; readout: tf.Tensor };
        tf.dispose([...v, ...count, readout]);
        ({ v, count, readout } = next);
        const pr = predictions.get(t);
        if (pr) pr.set(argmaxRows(readout.dataSync(), n, K), s0);
      }
      const counts = count.map((c) => c.dataSync() as Float32Array);
      counts.forEach((c, i) => (layerSpikes[i]! += c.reduce((a, b) => a + b, 0)));
      await opts.onCounts?.(s0, n, counts);
      tf.dispose([...v, ...count, readout, ...statics.values(), ...rates.filter((r) => r !== undefined), ...(rate ? [rate, amp!] : [])]);
      opts.onProgress?.({ phase: 'simulate', done: s0 + n, total: ds.count, detail: `T=${T} tfjs` });
    }
  } finally {
    tf.dispose([...consts.values(), ...params.flatMap((p) => [p.theta, p.v0, ...p.coef, ...(p.extra ? [p.extra] : []), ...(p.closed ? [p.closed.invTheta, p.closed.b] : [])])]);
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
        for (const node of order) values.set(node.outputs[0]!, evalNode(node, node.inputs.map((i) => values.get(i)), consts, snn, raw));
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
