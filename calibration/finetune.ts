/**
 * Fine-tuning of polynomial neurons after conversion (the seed paper's learnable neuron models,
 * arXiv 2510.07341, applied post-conversion): the per-layer polynomial coefficients p and a
 * per-layer threshold factor exp(ρ) are trained on calibration data with backpropagation through
 * time and a surrogate gradient for the spike, using TensorFlow.js autodiff (@tensorflow/tfjs on
 * its CPU backend, pure JavaScript: it installs offline). Weights stay frozen; only the neuron dynamics change.
 *
 * The differentiable simulator below runs the same network as src/snn/reference.ts in the
 * normalised potential u = v/θ:
 *     u ← u + p(u) + (g·I + c)/θ,   s = H(u − 1),   u ← u − s (or u·(1 − s)),   out = θ·s
 * with ∂H/∂u ≈ α·σ'(α(u − 1)) (sigmoid surrogate, Zenke & Vogels 2021). The loss distils the
 * ANN: the mean squared difference between the SNN's time-averaged readout and the ANN's logits
 * on the same samples, divided by the logits' variance (labels are not needed, and the target is
 * what conversion aims for; cross-entropy would instead push the logit scale of models whose
 * logits are small). Results are seeded (batch order) and written back
 * into the thresholds file (`poly`, `gain`, scaled `scale` per layer), so the exact ONNX
 * simulation and the reference simulator use them; accuracy before/after is measured there.
 * Supported layers: Conv (group 1), Gemm, MatMul, Add/Sub/Mul/Div, Flatten/Reshape/Squeeze/
 * Unsqueeze, Transpose, Concat, AveragePool (no padding), GlobalAveragePool; a spiking max pool
 * is not differentiable here and is refused.
 */
import * as tf from '@tensorflow/tfjs';
import { inMemory } from '../src/data/batches.js';
import type { Dataset, InMemoryDataset } from '../src/data/types.js';
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import type { ProgressFn } from '../src/util/progress.js';
import { OrtSession } from '../src/engine/ort.js';
import { inputSpec } from '../src/engine/input.js';
import type { Model, Node } from '../src/graph/types.js';
import { evalNode, tfjsReady, unsupportedInTfjs } from '../src/engine/tfjs-ops.js';
import { buildSnn, type SnnModel } from '../src/snn/build.js';
import { SNN_DOMAIN } from '../src/snn/types.js';
import { expandThreshold, extraCurrent } from '../converters/neurons/dynamics.js';
import { neuronKind } from '../converters/neurons/index.js';
import { polyTrainStep, type PolyTrainLayer } from '../converters/neurons/poly.js';
import { opFor } from '../converters/registry.js';
import type { SnnOptions } from '../src/snn/types.js';
import type { ThresholdsFile } from './thresholds.js';
import { mulberry32 } from '../src/util/random.js';

export interface FinetuneOptions {
  /** Steps simulated during training (the low T to improve). */
  readonly timesteps: number;
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Seed of the batch order. */
  readonly seed?: number;
  /** Surrogate slope α. */
  readonly slope?: number;
  readonly onProgress?: ProgressFn;
}

export interface FinetuneResult {
  /** The thresholds with the learned neurons of the best epoch (lowest training loss, possibly the start). */
  readonly thresholds: ThresholdsFile;
  /** Mean training loss per epoch, the first entry before any update. */
  readonly loss: number[];
  /** The loss of the returned parameters. */
  readonly bestLoss: number;
}

function spikeFn(slope: number): (x: tf.Tensor) => tf.Tensor {
  const f = (x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.cast(tf.greaterEqual(x, 0), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const sg = tf.sigmoid(tf.mul(saved[0]!, slope));
        return tf.mul(dy, tf.mul(slope, tf.mul(sg, tf.sub(1, sg))));
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}

interface Trainable {
  readonly p: tf.Variable[];
  readonly rho: tf.Variable[];
}

/** Differentiable simulation of one batch; returns the time-averaged readout [n, K]. */
function forward(snn: SnnModel, xb: tf.Tensor, T: number, vars: Trainable, consts: Map<string, tf.Tensor>, spike: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  const o = snn.options;
  const raw = snn.ann.graph.initializers;
  const values = new Map<string, tf.Tensor>();
  values.set(snn.inputName, xb);
  const layerIdx = new Map(snn.layers.map((l, i) => [l.name, i]));
  const n = xb.shape[0]!;
  const kind = neuronKind(o.neuron);
  const perLayer: PolyTrainLayer[] = snn.layers.map((l, i) => {
    const th0 = expandThreshold(l.threshold, l.dims);
    const theta = tf.mul(tf.tensor(th0, [1, ...l.dims]), tf.exp(vars.rho[i]!));
    const extra = extraCurrent(kind, th0, l, o);
    return { theta, extra: extra ? tf.tensor(extra, [1, ...l.dims]) : undefined, gain: l.gain ?? 1, u: tf.fill([n, ...l.dims], o.vInit) as tf.Tensor };
  });
  // a node of the ANN's ops, evaluated into `values`
  const evalInto = (node: Node): void => {
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
  };
  const dynamicNodes: Node[] = [];
  for (const node of snn.nodes) {
    if (node.outputs.some((t) => snn.dynamic.has(t))) dynamicNodes.push(node);
    else evalInto(node);
  }
  let readout: tf.Tensor = tf.zeros([n, ...snn.readoutDims]);
  for (let t = 0; t < T; t++) {
    for (const node of dynamicNodes) {
      const role = opFor(node, snn.ann.opset)?.spiking.kind;
      if (node.domain !== SNN_DOMAIN) evalInto(node);
      else if (role !== 'neuron') throw unsupportedInTfjs(node, 'is a spiking max pool, which fine-tuning cannot differentiate');
      else {
        const li = layerIdx.get(node.name)!;
        values.set(node.outputs[0]!, polyTrainStep(tf, perLayer[li]!, vars.p[li]!, values.get(node.inputs[0]!)!, spike, o.reset));
      }
    }
    readout = tf.add(readout, values.get(snn.readout)!);
  }
  return tf.div(readout, T);
}

export async function finetuneNeurons(
  model: Model,
  thresholds: ThresholdsFile,
  data: Dataset,
  snnOptions: Partial<SnnOptions>,
  opts: FinetuneOptions,
): Promise<FinetuneResult> {
  const calib = await inMemory(data); // fine-tuning revisits samples in random order
  await tfjsReady('cpu');
  if (snnOptions.neuron !== 'poly')
    throw new Onnx2SnnError(ErrorCodes.OPTION, '--finetune applies to polynomial neurons (--neuron poly or qif)', { option: 'finetune' });
  const scales = new Map<string, number | readonly number[]>(thresholds.layers.map((l) => [l.site, l.scale]));
  const biases = new Map<string, readonly number[]>();
  for (const l of thresholds.layers) if (l.bias) biases.set(l.site, l.bias);
  const snn = buildSnn(model, scales, { ...snnOptions, inputMax: thresholds.input.max, biases });
  if (snn.layers.some((l) => l.linear))
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      'fine-tuning trains polynomial neurons only; this network has bipolar neurons at its linear sites: add --linear analog',
      { option: 'linear' },
    );
  if (snn.options.encoding !== 'current')
    throw new Onnx2SnnError(ErrorCodes.OPTION, 'fine-tuning supports constant-current input only', { option: 'encoding' });
  const T = opts.timesteps;
  const slope = opts.slope ?? 5;
  const spike = spikeFn(slope);
  const consts = new Map<string, tf.Tensor>();
  for (const [k, t] of snn.ann.graph.initializers) if (t.dtype === 'float32') consts.set(k, tf.tensor(t.data as Float32Array, [...t.dims]));
  const deg = Math.max(1, ...snn.layers.map((l) => (l.poly ?? []).length));
  const vars: Trainable = {
    p: snn.layers.map((l) => tf.variable(tf.tensor([...(l.poly ?? []), ...new Array<number>(deg - (l.poly ?? []).length).fill(0)]))),
    rho: snn.layers.map(() => tf.variable(tf.scalar(0))),
  };
  const optimizer = tf.train.adam(opts.learningRate ?? 0.01);
  const bs = opts.batchSize ?? 32;
  const per = calib.x.length / calib.count;
  const epochs = opts.epochs ?? 2;
  const rnd = mulberry32(opts.seed ?? 0);
  const order = [...Array(calib.count).keys()];
  const K = snn.readoutDims.reduce((a, b) => a * b, 1);
  const { target, variance } = await distillationTargets(model, calib, snn.readout);
  const batchTensors = (idx: number[]) => {
    const xs = new Float32Array(idx.length * per);
    const ys = new Float32Array(idx.length * K);
    idx.forEach((j, b) => {
      xs.set(calib.x.subarray(j * per, (j + 1) * per), b * per);
      ys.set(target.subarray(j * K, (j + 1) * K), b * K);
    });
    return { x: tf.tensor(xs, [idx.length, ...snn.inputDims]), y: tf.tensor(ys, [idx.length, K]) };
  };
  const lossOf = (x: tf.Tensor, y: tf.Tensor) =>
    tf.div(tf.mean(tf.square(tf.sub(tf.reshape(forward(snn, x, T, vars, consts, spike), [x.shape[0]!, K]), y))), variance || 1) as tf.Scalar;
  const meanLoss = (): number => {
    let sum = 0;
    for (let s = 0; s < calib.count; s += bs) {
      const idx = order.slice(s, s + bs).sort((a, b) => a - b);
      sum += tf.tidy(() => {
        const { x, y } = batchTensors(idx);
        return lossOf(x, y).dataSync()[0]! * idx.length;
      });
    }
    return sum / calib.count;
  };
  const loss = [meanLoss()];
  // keep the parameters of the epoch with the lowest loss (the surrogate-gradient steps are noisy)
  const snapshot = () => ({ p: vars.p.map((v) => Array.from(v.dataSync())), rho: vars.rho.map((v) => v.dataSync()[0]!) });
  let best = { loss: loss[0]!, ...snapshot() };
  const steps = epochs * Math.ceil(calib.count / bs);
  let done = 0;
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s < calib.count; s += bs) {
      const idx = order.slice(s, s + bs);
      tf.tidy(() => {
        const { x, y } = batchTensors(idx);
        optimizer.minimize(() => lossOf(x, y));
      });
      opts.onProgress?.({ phase: 'fine-tune', done: ++done, total: steps, detail: `T=${T}` });
    }
    loss.push(meanLoss());
    if (loss[loss.length - 1]! < best.loss) best = { loss: loss[loss.length - 1]!, ...snapshot() };
  }
  const learnedP = best.p;
  const learnedRho = best.rho;
  vars.p.forEach((v) => v.dispose());
  vars.rho.forEach((v) => v.dispose());
  consts.forEach((t) => t.dispose());
  optimizer.dispose();
  return { loss, bestLoss: best.loss, thresholds: learnedThresholds(thresholds, snn, learnedP, learnedRho, T) };
}

/** The ANN's logits of the readout tensor on the calibration data, and their variance (the loss scale). */
async function distillationTargets(model: Model, calib: InMemoryDataset, readout: string): Promise<{ target: Float32Array | Float64Array; variance: number }> {
  const { name, sampleDims } = inputSpec(model, calib);
  const ann = await OrtSession.create(model, { extraOutputs: [readout] });
  const target = (await ann.run({ [name]: { data: calib.x, dims: [calib.count, ...sampleDims] } }, [readout]))[readout]!.data;
  await ann.release();
  let mean = 0;
  for (const v of target) mean += v / target.length;
  let variance = 0;
  for (const v of target) variance += (v - mean) ** 2 / target.length;
  return { target: target as Float32Array, variance };
}

/** The thresholds file with the learned polynomials and threshold factors exp(ρ). */
function learnedThresholds(thresholds: ThresholdsFile, snn: SnnModel, learnedP: number[][], learnedRho: number[], T: number): ThresholdsFile {
  const bySite = new Map(snn.layers.map((l, i) => [l.output, i]));
  return {
    ...thresholds,
    method: `${thresholds.method}+finetune@${T}`,
    layers: thresholds.layers.map((l) => {
      const i = bySite.get(l.site);
      if (i === undefined) return l;
      const f = Math.exp(learnedRho[i]!);
      return {
        ...l,
        scale: typeof l.scale === 'number' ? l.scale * f : l.scale.map((v) => v * f),
        poly: learnedP[i]!,
        gain: snn.layers[i]!.gain ?? 1,
      };
    }),
  };
}
