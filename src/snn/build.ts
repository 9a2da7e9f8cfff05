/**
 * ANN (canonical, prepared) + scales → SNN description: each neuron site (Relu, capped ReLU)
 * becomes a neuron layer of the chosen kind (an op of the onnx2snn domain, converters/neurons/)
 * with threshold λ, each op whose spiking role says so (MaxPool) its spiking version, a final
 * Softmax/LogSoftmax is dropped (argmax is unchanged), and the nodes are split into the static
 * part (depends only on constants and, under constant-current coding, the input: computed once)
 * and the dynamic part (run every time step).
 */
import { LINEAR_SITE_KIND, layerLevels, neuronKind } from '../../converters/neurons/index.js';
import { ruleFor } from '../../converters/registry.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { topoSort } from '../graph/graph.js';
import { inferShapes } from '../graph/infer.js';
import type { Model, Node } from '../graph/types.js';
import { readoutTensor } from './prepare.js';
import { fitInputGain } from './poly.js';
import { linearSites, neuronCap } from './sites.js';
import { DEFAULT_SNN_OPTIONS, type NeuronLayer, SNN_DOMAIN, type SnnOptions } from './types.js';

export type Scale = number | readonly number[];

export interface SnnModel {
  /** The prepared ANN it comes from. */
  readonly ann: Model;
  readonly options: SnnOptions;
  readonly inputName: string;
  /** Per-sample input dims. */
  readonly inputDims: readonly number[];
  /** Largest |x| on calibration data (Poisson rate scale). */
  readonly inputMax: number;
  /** All nodes, topologically ordered, with IF / SpikingMaxPool nodes in the SNN domain. */
  readonly nodes: readonly Node[];
  /** Tensors that change from step to step. */
  readonly dynamic: ReadonlySet<string>;
  readonly layers: readonly NeuronLayer[];
  /** Tensor whose per-step value is integrated into the readout. */
  readonly readout: string;
  /** Per-sample dims of the readout (e.g. [10]). */
  readonly readoutDims: readonly number[];
  /** Per-sample dims of every tensor (batch removed). */
  readonly dims: ReadonlyMap<string, readonly number[]>;
}

/**
 * Why `n`, with these time-varying inputs, cannot run on spikes (undefined: it can), from its op's
 * spiking role: linear ops keep the ANN's value as a time average, but only where their role lets
 * an input vary in time (a product of two spike trains is not a rate).
 */
function dynamicProblem(n: Node, dynIns: readonly boolean[], opset: number): string | undefined {
  const role = ruleFor(n, opset)?.spiking;
  if (!role || role.kind !== 'linear') return `${n.opType} "${n.name}": ${role?.why ?? 'not linear in a time-varying input'}`;
  const nDyn = dynIns.filter(Boolean).length;
  const allowed = role.dynamicInputs;
  if ((allowed && dynIns.some((d, i) => d && !allowed.includes(i))) || (role.maxDynamic !== undefined && nDyn > role.maxDynamic)) {
    return `${n.opType} "${n.name}": multiplies two time-varying tensors (${n.inputs.filter((_, i) => dynIns[i]).join(', ')}), which rate coding cannot express`;
  }
  return undefined;
}

type BuildOptions = Partial<SnnOptions> & {
  inputMax?: number;
  biases?: ReadonlyMap<string, readonly number[]>;
  v0s?: ReadonlyMap<string, readonly number[]>;
  polys?: ReadonlyMap<string, { poly: readonly number[]; gain: number }>;
};

/** The neuron layer of a site (threshold min(λ, cap), calibrated corrections, the polynomial); problems are collected. */
function siteLayer(
  n: Node,
  cap: number,
  scales: ReadonlyMap<string, Scale>,
  dims: ReadonlyMap<string, readonly number[]>,
  opts: BuildOptions,
  options: SnnOptions,
  problems: string[],
): NeuronLayer | undefined {
  const site = n.outputs[0]!;
  const s = scales.get(site);
  if (s === undefined) {
    problems.push(`${n.opType} "${n.name}" (${site}) has no calibrated scale`);
    return undefined;
  }
  // a capped ReLU (Clip(0, m)) saturates at m: the threshold is at most m; a kind with several
  // spike sizes per step (burst, signed bursts) splits that range into `levels` spikes of θ = λ/levels
  const lv = layerLevels(options, {});
  const th = typeof s === 'number' ? Math.min(s, cap) / lv : s.map((v) => Math.min(v, cap) / lv);
  const d = dims.get(site) ?? [];
  if (typeof th !== 'number' && th.length !== (d[0] ?? 1)) problems.push(`Relu "${n.name}": ${th.length} channel thresholds for ${d[0]} channels`);
  const bias = opts.biases?.get(site);
  if (bias && bias.length !== (d.length >= 1 ? d[0]! : 1)) problems.push(`Relu "${n.name}": ${bias.length} bias corrections for ${d[0]} channels`);
  const learned = opts.polys?.get(site);
  const poly =
    options.neuron === 'poly' ? (learned ? { poly: [...learned.poly], gain: learned.gain } : { poly: [...(options.poly ?? [])], gain: gainFor(options) }) : {};
  const v0 = opts.v0s?.get(site);
  if (v0 && v0.length !== (d.length >= 1 ? d[0]! : 1)) problems.push(`Relu "${n.name}": ${v0.length} initial potentials for ${d[0]} channels`);
  return {
    name: n.name,
    input: n.inputs[0]!,
    output: site,
    dims: d,
    threshold: th,
    ...(bias ? { bias: [...bias] } : {}),
    ...(v0 ? { v0: [...v0] } : {}),
    ...poly,
  };
}

/**
 * A linear site's bipolar layer (`--linear bipolar`): the producer writes `<t>__analog`, the
 * neurons read it and write t, so every consumer of t now reads spikes of either sign. θ is the
 * site's scale, from the statistics of |a|; no cap.
 */
function linearLayer(
  n: Node,
  scales: ReadonlyMap<string, Scale>,
  dims: Map<string, readonly number[]>,
  opts: BuildOptions & { readonly levels: number },
  problems: string[],
): { layer: NeuronLayer; producer: Node } | undefined {
  const site = n.outputs[0]!;
  // signed bursts: Γ spikes of |a|/Γ on either side, as at the ReLU sites
  const s0 = scales.get(site);
  const lv = opts.levels;
  const s = s0 === undefined || lv === 1 ? s0 : typeof s0 === 'number' ? s0 / lv : s0.map((v) => v / lv);
  if (s === undefined) {
    problems.push(`${n.opType} "${n.name}" (${site}) is a linear site without a calibrated scale (--linear bipolar; calibrate again, or --linear analog)`);
    return undefined;
  }
  const d = dims.get(site) ?? [];
  const analog = `${site}__analog`;
  dims.set(analog, d);
  const bias = opts.biases?.get(site);
  const v0 = opts.v0s?.get(site);
  const layer: NeuronLayer = {
    name: `${n.name || site}__bipolar`,
    input: analog,
    output: site,
    dims: d,
    threshold: typeof s === 'number' ? s : [...s],
    linear: true,
    ...(bias ? { bias: [...bias] } : {}),
    ...(v0 ? { v0: [...v0] } : {}),
  };
  return { layer, producer: { ...n, outputs: [analog, ...n.outputs.slice(1)] } };
}

/** Appends a linear site's producer (writing `<t>__analog`) and its bipolar neurons (writing t). */
function addLinearLayer(ll: ReturnType<typeof linearLayer>, layers: NeuronLayer[], nodes: Node[], dynamic: Set<string>): void {
  if (!ll) return;
  layers.push(ll.layer);
  nodes.push(ll.producer, {
    name: ll.layer.name,
    opType: LINEAR_SITE_KIND.opType,
    domain: SNN_DOMAIN,
    inputs: [ll.layer.input],
    outputs: [ll.layer.output],
    attrs: {},
  });
  dynamic.add(ll.layer.input);
}

/** `--readout spikes`: neurons on the readout tensor, with its calibrated scale. */
function readoutLayer(readout: string, scales: ReadonlyMap<string, Scale>, dims: ReadonlyMap<string, readonly number[]>, levels: number): NeuronLayer {
  const s0 = scales.get(readout);
  // burst neurons: Γ spikes of λ/Γ, as at the ReLU sites
  const s = s0 === undefined || levels === 1 ? s0 : typeof s0 === 'number' ? s0 / levels : s0.map((v) => v / levels);
  if (s === undefined)
    throw new Onnx2SnnError(ErrorCodes.CONVERT, `--readout spikes needs a calibrated scale for the output "${readout}"`, { output: readout });
  return {
    name: `${readout}__neurons`,
    input: readout,
    output: `${readout}__spikes`,
    dims: dims.get(readout) ?? [],
    threshold: typeof s === 'number' ? s : [...s],
  };
}

/**
 * The default settings for this network, decided from its structure: a network with linear sites
 * (MobileNetV2-style linear bottlenecks) gets signed neurons (Wang et al. 2022), which measured
 * far better there (README "Linear bottlenecks": own-mnist-mobilenetv2 at T = 8 94.2 % vs 8.9 %
 * with IF); every other network keeps IF neurons.
 */
export function snnDefaults(ann: Model): SnnOptions {
  return linearSites(ann.graph, ann.opset).length ? { ...DEFAULT_SNN_OPTIONS, neuron: 'signed' } : DEFAULT_SNN_OPTIONS;
}

/**
 * `options` over the network's defaults (snnDefaults); an option set to undefined keeps its default.
 * `burst` without a neuron gives bursts to the default neuron: IF → burst neurons (Li & Zeng 2022),
 * signed → signed bursts (converters/neurons/signed.ts); with a neuron that has none, E_OPTION.
 */
export function resolveSnnOptions(ann: Model, options: Partial<SnnOptions>): SnnOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<SnnOptions>;
  const base = snnDefaults(ann);
  const out = { ...base, ...given };
  if (given.burst === undefined) return out;
  if (given.neuron === undefined && base.neuron === 'if') return { ...out, neuron: 'burst' };
  if (out.neuron !== 'burst' && out.neuron !== 'signed')
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--burst is the largest burst of burst or signed neurons; --neuron ${out.neuron} has none`, {
      option: 'burst',
      actual: out.neuron,
    });
  return out;
}

export function buildSnn(ann: Model, scales: ReadonlyMap<string, Scale>, opts: BuildOptions = {}): SnnModel {
  const { inputMax: _im, biases: _b, v0s: _v, polys: _p, ...rest } = opts;
  const options = resolveSnnOptions(ann, rest);
  const input = ann.graph.inputs[0]!;
  const dims = new Map<string, readonly number[]>([...inferShapes(ann, { batch: 1 }).values].map(([k, v]) => [k, v.dims.slice(1)]));
  const order = topoSort(ann.graph);
  // readout: the first graph output, minus a final (Log)Softmax
  const ro = readoutTensor(ann);
  let readout = ro.tensor;
  const dropped = new Set<Node>(ro.dropped ? [ro.dropped] : []);
  const dynamic = new Set<string>();
  if (options.encoding === 'poisson') dynamic.add(input.name);
  const problems: string[] = [];
  const layers: NeuronLayer[] = [];
  const nodes: Node[] = [];
  const neuronOp = neuronKind(options.neuron).opType;
  const linear = new Set(options.linear === 'bipolar' ? linearSites(ann.graph, ann.opset) : []);
  const linearLv = layerLevels(options, { linear: true });
  for (const n of order) {
    if (dropped.has(n)) continue;
    const dynIns = n.inputs.map((x) => Boolean(x) && dynamic.has(x));
    const anyDyn = dynIns.some(Boolean);
    const cap = neuronCap(n, ann.graph, ann.opset);
    if (cap !== undefined) {
      const layer = siteLayer(n, cap, scales, dims, opts, options, problems);
      if (!layer) continue;
      layers.push(layer);
      nodes.push({ name: n.name, opType: neuronOp, domain: SNN_DOMAIN, inputs: [n.inputs[0]!], outputs: [layer.output], attrs: {} });
      dynamic.add(layer.output);
      continue;
    }
    if (!anyDyn) {
      nodes.push(n);
      continue;
    }
    for (const o of n.outputs) if (o) dynamic.add(o);
    const spikingOp = ruleFor(n, ann.opset)?.spiking.spikingOp;
    if (spikingOp) {
      // a max pool on spikes: the spiking max pool of the onnx2snn domain (converters/spiking-pool.ts)
      if (n.outputs.length > 1 && n.outputs[1]) problems.push(`${n.opType} "${n.name}": the Indices output cannot be converted`);
      nodes.push({ ...n, opType: spikingOp, domain: SNN_DOMAIN });
      continue;
    }
    const why = dynamicProblem(n, dynIns, ann.opset);
    if (why) problems.push(why);
    else if (linear.has(n.outputs[0]!)) addLinearLayer(linearLayer(n, scales, dims, { ...opts, levels: linearLv }, problems), layers, nodes, dynamic);
    else nodes.push(n);
  }
  if (!dynamic.has(readout)) problems.push(`output "${readout}" does not depend on any spiking layer`);
  if (problems.length) {
    throw new Onnx2SnnError(ErrorCodes.CONVERT, `${ann.source ?? 'model'}: ${problems.length} layer(s) cannot be converted: ${problems.join('; ')}`, {
      file: ann.source,
      layers: problems,
    });
  }
  if (options.readout === 'spikes') {
    // the output layer spikes too: one more neuron layer, counted
    const layer = readoutLayer(readout, scales, dims, neuronKind(options.neuron).levels?.(options) ?? 1);
    layers.push(layer);
    nodes.push({ name: layer.name, opType: neuronOp, domain: SNN_DOMAIN, inputs: [readout], outputs: [layer.output], attrs: {} });
    dynamic.add(layer.output);
    dims.set(layer.output, layer.dims);
    readout = layer.output;
  }
  return {
    ann,
    options,
    inputName: input.name,
    inputDims: dims.get(input.name) ?? [],
    inputMax: opts.inputMax ?? 1,
    nodes,
    dynamic,
    layers,
    readout,
    readoutDims: dims.get(readout) ?? [],
    dims,
  };
}

const gains = new Map<string, number>();
/** The fitted input gain of a polynomial neuron (memoised: the fit simulates the transfer curve). */
function gainFor(o: SnnOptions): number {
  const key = JSON.stringify([o.poly, o.vInit, o.reset]);
  let g = gains.get(key);
  if (g === undefined) {
    g = fitInputGain(o.poly ?? [], o);
    gains.set(key, g);
  }
  return g;
}
