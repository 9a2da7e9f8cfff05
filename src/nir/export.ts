/**
 * NIR export: our SNN description (src/snn/build.ts) → a NIR graph (src/nir/types.ts) → an HDF5
 * file in the layout written by `nir.write` (src/nir/hdf5.ts).
 *
 * Conventions (NIR is declarative; these say how our discrete-time network maps onto its
 * continuous-time primitives — the NIR spec and reference implementation are
 * github.com/neuromorphs/NIR: docs/source/primitives.md, nir/ir/neuron.py, nir/ir/conv.py,
 * nir/ir/linear.py, nir/ir/pooling.py, nir/ir/flatten.py, nir/serialization.py):
 *
 * - Time: one NIR time unit = one simulation step (dt = 1). Import with dt = 1 (τ is in steps).
 *   Each step the graph is evaluated once in topological order; an edge has no delay, and a
 *   node with several incoming edges receives their sum (this is how a residual `Add` of two
 *   time-varying tensors is expressed: both sources get an edge into the same node).
 * - Input: the `Input` node receives, every step, what drives the first layer: the analog sample
 *   (constant-current coding, our default). The part of our network that is computed once outside
 *   the time loop is an ordinary part of the NIR graph, evaluated every step with the same result.
 *   Under `--encoding poisson` the caller feeds the encoded spike trains sign(x)·xmax·s (xmax in
 *   the metadata, `input_max`).
 * - Conv → `Conv2d` (weight [Cout, Cin/g, kh, kw], stride, dilation, groups; padding from the
 *   ONNX pads/auto_pad as resolved by windowGeometry; NIR/PyTorch padding is symmetric, so pads
 *   that differ at the two ends of an axis are refused). No bias → a zero bias.
 * - Gemm / MatMul with a constant weight → `Affine` (with bias) or `Linear`; NIR's weight is
 *   [out, in]: Gemm's B when transB = 1, its transpose otherwise, times alpha; bias = beta·C.
 * - A constant added to (subtracted from) the output of a Conv/Gemm/MatMul that feeds only that
 *   Add/Sub is folded into the bias; Mul/Div by a constant and Neg become `Scale`.
 * - Flatten / Reshape to one axis → `Flatten` with start_dim 0, end_dim −1 and input_type the
 *   per-sample shape (NIR counts axes without the batch, as its calc_flatten_output does);
 *   reshapes that keep the shape, Identity and Dropout disappear.
 * - AveragePool → `AvgPool2d` (PyTorch semantics: floor mode, padding counted in the divisor, so
 *   ONNX pads with count_include_pad = 0 are refused), GlobalAveragePool → `AvgPool2d` with the
 *   whole plane as kernel and stride.
 * - Neuron layer (a former ReLU, threshold θ = λ, one value or one per channel):
 *   IF → `IF` with r = 1, v_threshold = θ and v_reset = 0, each an array shaped like the layer.
 *   LIF (ours: v ← β·v + I + (1−β)·θ/2) → `LIF` with the forward-Euler reading of
 *   τ·dv/dt = (v_leak − v) + R·I at dt = 1, i.e. v ← (1 − 1/τ)·v + v_leak/τ + (R/τ)·I:
 *   τ = 1/(1 − β), R = τ, v_leak = θ/2 — our leak-compensation current is exactly a leak towards
 *   the resting potential θ/2. (With the exact exponential solution instead, β = exp(−1/τ),
 *   τ = −1/ln β, R = 1/(1 − β), v_leak = θ/2. snnTorch and Norse integrate NIR's LIF with
 *   forward Euler, sinabs with the exponential; `lif_discretisation` in the metadata says which.)
 * - Calibrated bias currents (layer-wise calibration: a constant current per channel added every
 *   step) go into the bias of the Conv2d/Affine that feeds the layer and nothing else (for a
 *   residual sum, the first such term); with LIF neurons they can instead join the leak:
 *   v_leak = θ/2 + τ·b. Polynomial (LNM/QIF) neurons have no NIR primitive, except p ≡ 0, which
 *   is IF with the fitted input gain as R.
 * - Output scale: our layer emits θ·s (tensors stay in the ANN's units); NIR's IF emits s. A
 *   `Scale` node with scale θ (shaped like the layer) follows every neuron node; with
 *   foldScales (default) it is folded into the weights of the layers it feeds — columns of an
 *   Affine/Linear, input channels of a Conv2d, through Flatten and pooling — which is the
 *   weight-normalised network of Rueckauer et al. (2017) with W ← W·θ_prev. A Scale stays where a
 *   spike train reaches a node without weights (a residual shortcut into a neuron, the output).
 * - Readout: `--readout membrane` (default) → an `I` node (integrator, r = 1) named `readout`
 *   before `Output`: its value after T steps is our readout (the sum of the logits over the
 *   steps). `--readout spikes` → the output neurons are an IF layer like the others (+ Scale).
 * - What NIR's primitives do not state, and is therefore in the graph metadata:
 *   reset (NIR resets to v_reset; our default `--reset subtract` subtracts θ, as sinabs' IAF does;
 *   `--reset zero` is NIR's rule with v_reset = 0), the initial potential v₀ = v_init·θ (NIR has
 *   no initial state; frameworks start at 0, which is `--v-init 0`; after potential calibration
 *   the per-channel fractions are in `v_init_layers`), the firing rule (ours
 *   v ≥ θ, NIR's v > θ: they differ only when v lands exactly on θ). Also there: dt, neuron,
 *   beta, readout, encoding, input_max, output_scale (folded | scale-nodes), and `onnx2snn.nodes`
 *   ({NIR node: ONNX node}).
 * - Each op's translation is its `nir` lowering in converters/ (the neurons: converters/neurons/);
 *   this file walks the graph, keeps the bookkeeping (which NIR nodes sum to a tensor, which
 *   weight layers a constant bias may join) and folds the scales.
 * - Checked (test/nir): src/nir/interpret.ts runs the exported graph with these conventions and
 *   gives the reference simulator's spike counts exactly (mnistfc, resnet_2b); with
 *   `--reset zero --v-init 0`, also under NIR's own rules (v > θ, v ← v_reset, v₀ = 0).
 * - Not expressible, all reported in one E_CONVERT error naming each node: the spiking max pool
 *   (NIR has no max pooling, let alone our accumulated-spike-count rule), Concat, Pad, Transpose,
 *   Slice, Gather, reshapes other than flattening, polynomial neurons, non-foldable affine maps
 *   (BatchNormalization, a constant added after anything but a Conv/Gemm/MatMul), 1-D and 3-D
 *   convolutions, asymmetric padding, and any other op.
 */
import type { NirContext, NirValue } from '../../converters/backends/types.js';
import { broadcastConst, filled, nirTensor, text } from '../../converters/backends/nir.js';
import { neuronKind } from '../../converters/neurons/index.js';
import { opFor, ruleFor } from '../../converters/registry.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Node, Tensor } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';
import { closedFormLayers } from '../snn/closed-form.js';
import { snnContext } from '../snn/context.js';
import { foldScales, perChannel } from './fold.js';
import { writeNirGraph } from './hdf5.js';
import { NIR_NODE_ORIGIN_KEY, NIR_VERSION, type NirGraph, type NirNode } from './types.js';

export interface NirExportOptions {
  /** Fold each neuron layer's output scale θ into the weights it feeds (default true). */
  readonly foldScales?: boolean;
  /** Put an integrator (`I`, r = 1) before the output under the membrane readout (default true). */
  readonly readoutIntegrator?: boolean;
}

/** Stands for the unknown producer of a tensor downstream of an untranslatable node. */
const POISON = '\u0000poisoned';

function sanitize(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return s === '' ? 'node' : s;
}

/** The graph under construction and the context the lowerings see. */
interface Builder {
  readonly ctx: NirContext;
  readonly nodes: Map<string, NirNode>;
  readonly edges: [string, string][];
  readonly origin: Record<string, string>;
  readonly problems: string[];
  readonly consts: Map<string, Tensor>;
}

function builder(snn: SnnModel): Builder {
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const origin: Record<string, string> = {};
  const problems: string[] = [];
  const used = new Set<string>(['input', 'output', 'readout']);
  const consts = new Map<string, Tensor>(snn.ann.graph.initializers);
  // consumers of each tensor (an Add's constant is folded into a bias only if nothing else reads the tensor)
  const uses = new Map<string, number>();
  for (const n of snn.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  uses.set(snn.readout, (uses.get(snn.readout) ?? 0) + 1);
  const fresh = (base: string): string => {
    let n = sanitize(base);
    for (let i = 1; used.has(n); i++) n = `${sanitize(base)}_${i}`;
    used.add(n);
    return n;
  };
  const add = (name: string, node: NirNode, from: readonly string[], onnx?: string): string => {
    nodes.set(name, node);
    for (const f of from) edges.push([f, name]);
    if (onnx !== undefined) origin[name] = onnx;
    return name;
  };
  const problem = (message: string): undefined => void problems.push(message);
  const ctx: NirContext = {
    ...snnContext(snn, closedFormLayers(snn)),
    problem,
    add,
    fresh,
    name: (n: Node) => fresh(n.name || `${n.opType}_${n.outputs[0]}`),
    ownedBy: (v, t) => (!v.poisoned && (uses.get(t) ?? 0) > 1 && v.owned.length ? { ...v, owned: [] } : v),
    weight(n, i, what) {
      const t = n.inputs[i] ? consts.get(n.inputs[i]!) : undefined;
      if (!t) problem(`${n.opType} "${n.name}": the ${what} must be a constant`);
      return t;
    },
    constant: (name) => consts.get(name),
    addBias: (v, c) => addBias(nodes, v, c),
    foldBias(n, v, c, sign) {
      const full = broadcastConst(c, v.dims);
      const why = full ? addBias(nodes, v, sign < 0 ? full.map((q) => -q) : full) : `${text(c.dims)} does not broadcast to ${text(v.dims)}`;
      if (why === undefined) return v;
      return problem(
        `${n.opType} "${n.name}": adds a constant, which NIR can only express as the bias of a Conv/Gemm/MatMul producing that tensor alone (${why})`,
      );
    },
    scale(n, v, scale, suffix) {
      const name = add(fresh(`${n.name || n.opType}${suffix}`), { type: 'Scale', scale: nirTensor(v.dims, scale) }, v.terms, n.name);
      return { terms: [name], dims: v.dims, owned: [] };
    },
  };
  return { ctx, nodes, edges, origin, problems, consts };
}

/** Adds a constant current (broadcast like `c`) to the bias of a Conv2d/Affine/Linear that only feeds `v`; the reason when it cannot. */
function addBias(nodes: Map<string, NirNode>, v: NirValue, c: Float32Array): string | undefined {
  const name = v.owned[0];
  if (name === POISON) return undefined; // downstream of an error: nothing to fold into, already reported
  const target = name !== undefined ? nodes.get(name) : undefined;
  if (!target || (target.type !== 'Conv2d' && target.type !== 'Affine' && target.type !== 'Linear')) return 'no Conv/Gemm/MatMul of its own';
  const size = target.weight.dims[0]!;
  const per = target.type === 'Conv2d' ? perChannel(c, size) : c.length === size ? c : undefined;
  if (!per) return `it is not one value per output channel of ${text(v.dims)}`;
  const old = target.type === 'Linear' ? new Float32Array(size) : target.bias.data;
  const bias = new Float32Array(size);
  for (let i = 0; i < size; i++) bias[i] = old[i]! + per[i]!;
  nodes.set(
    name!,
    target.type === 'Linear' ? { type: 'Affine', weight: target.weight, bias: nirTensor([size], bias) } : { ...target, bias: nirTensor([size], bias) },
  );
  return undefined;
}

/** One node: a constant is evaluated once; a time-varying one is its op's NIR lowering (every problem reported, none cascading). */
function translateNode(snn: SnnModel, b: Builder, values: Map<string, NirValue>, n: Node): void {
  const opset = snn.ann.opset;
  const ins = n.inputs.map((i) => (i ? values.get(i) : undefined));
  if (!ins.some(Boolean)) {
    // constant (depends on neither the input nor a neuron): evaluate it once
    const inputs = n.inputs.map((i) => (i ? b.consts.get(i) : undefined));
    const rule = n.domain === '' ? ruleFor(n, opset) : undefined;
    if (rule && n.inputs.every((i, k) => !i || inputs[k])) {
      const outs = rule.evaluate(n, inputs, { opset });
      n.outputs.forEach((t, k) => {
        if (t && outs[k]) b.consts.set(t, outs[k]!);
      });
    } else b.problems.push(`${n.opType} "${n.name}": constant that cannot be evaluated`);
    return;
  }
  const poisoned = ins.some((v) => v?.poisoned);
  const before = b.problems.length;
  let v: NirValue | undefined;
  try {
    const entry = opFor(n, opset);
    if (entry?.lower.nir) v = entry.lower.nir(n, entry.parseAttributes(n), ins, b.ctx);
    else b.problems.push(`${n.opType} "${n.name}": no NIR primitive`);
  } catch (e) {
    // attribute/shape errors from windowGeometry: report them with the rest
    b.problems.push(`${n.opType} "${n.name}": ${(e as Error).message}`);
  }
  if (v && b.problems.length === before && !poisoned) values.set(n.outputs[0]!, v);
  else for (const t of n.outputs) if (t) values.set(t, { terms: [], dims: b.ctx.dims(t), owned: [POISON], poisoned: true });
}

/** Translates a converted SNN into a NIR graph. Throws one E_CONVERT naming every layer NIR cannot express. */
export function toNir(snn: SnnModel, opts: NirExportOptions = {}): NirGraph {
  const o = snn.options;
  neuronKind(o.neuron).nir.checkOptions?.(o);
  const b = builder(snn);
  const values = new Map<string, NirValue>();
  b.ctx.add('input', { type: 'Input', shape: [...snn.inputDims] }, []);
  values.set(snn.inputName, { terms: ['input'], dims: [...snn.inputDims], owned: [] });
  for (const n of snn.nodes) translateNode(snn, b, values, n);
  const ro = values.get(snn.readout);
  if (!ro) b.problems.push(`readout "${snn.readout}" does not depend on the input`);
  if (b.problems.length) {
    throw new Onnx2SnnError(
      ErrorCodes.CONVERT,
      `${snn.ann.source ?? 'model'}: ${b.problems.length} layer(s) cannot be expressed in NIR: ${b.problems.join('; ')}`,
      {
        file: snn.ann.source,
        layers: b.problems,
      },
    );
  }
  const rd = [...snn.readoutDims];
  let last = ro!.terms;
  if (o.readout === 'membrane' && opts.readoutIntegrator !== false) last = [b.ctx.add('readout', { type: 'I', r: filled(rd, 1) }, last, '(readout)')];
  b.ctx.add('output', { type: 'Output', shape: rd }, last);
  const graph: NirGraph = { version: NIR_VERSION, nodes: b.nodes, edges: b.edges, metadata: metadataOf(snn, b.origin, opts) };
  return opts.foldScales === false ? graph : foldScales(graph);
}

function metadataOf(snn: SnnModel, origin: Record<string, string>, opts: NirExportOptions): NirGraph['metadata'] {
  const o = snn.options;
  return {
    producer: 'onnx2snn',
    source: snn.ann.source ?? '',
    dt: 1,
    neuron: o.neuron,
    beta: o.neuron === 'lif' ? o.beta : 1,
    lif_discretisation: 'forward-euler',
    reset: o.reset,
    v_init: o.vInit,
    // potential calibration: per-channel initial potentials (fractions of θ) of these layers
    ...(snn.layers.some((l) => l.v0) ? { v_init_layers: JSON.stringify(Object.fromEntries(snn.layers.filter((l) => l.v0).map((l) => [l.name, l.v0]))) } : {}),
    firing_rule: 'v >= v_threshold',
    readout: o.readout,
    encoding: o.encoding,
    input_max: snn.inputMax,
    output_scale: opts.foldScales === false ? 'scale-nodes' : 'folded',
    [NIR_NODE_ORIGIN_KEY]: JSON.stringify(origin),
  };
}

/**
 * Converts our SNN to NIR and writes it as an HDF5 file (the layout of `nir.write`), atomically:
 * through a temporary file and a rename. Returns the graph written.
 */
export async function writeNir(snn: SnnModel, path: string, opts: NirExportOptions = {}): Promise<NirGraph> {
  const graph = toNir(snn, opts);
  await writeNirGraph(graph, path);
  return graph;
}
