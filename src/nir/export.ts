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
 * - Checked (test/nir): src/nir/interpret.ts runs the exported graph with these conventions and
 *   gives the reference simulator's spike counts exactly (mnistfc, resnet_2b); with
 *   `--reset zero --v-init 0`, also under NIR's own rules (v > θ, v ← v_reset, v₀ = 0).
 * - Not expressible, all reported in one E_CONVERT error naming each node: the spiking max pool
 *   (NIR has no max pooling, let alone our accumulated-spike-count rule), Concat, Pad, Transpose,
 *   Slice, Gather, reshapes other than flattening, polynomial neurons, non-foldable affine maps
 *   (BatchNormalization, a constant added after anything but a Conv/Gemm/MatMul), 1-D and 3-D
 *   convolutions, asymmetric padding, and any other op.
 */
import { ruleFor } from '../../converters/registry.js';
import { windowGeometry } from '../../converters/spatial.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { attrFloat, attrInt, attrInts } from '../graph/attrs.js';
import type { Node, Tensor } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';
import { expandThreshold } from '../snn/neuron.js';
import { isZeroPolynomial } from '../snn/poly.js';
import { SNN_DOMAIN } from '../snn/types.js';
import { foldScales, perChannel } from './fold.js';
import { writeNirGraph } from './hdf5.js';
import { NIR_NODE_ORIGIN_KEY, NIR_VERSION, type NirGraph, type NirNode, type NirTensor } from './types.js';

export interface NirExportOptions {
  /** Fold each neuron layer's output scale θ into the weights it feeds (default true). */
  readonly foldScales?: boolean;
  /** Put an integrator (`I`, r = 1) before the output under the membrane readout (default true). */
  readonly readoutIntegrator?: boolean;
}

const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);
const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const text = (d: readonly number[]): string => `[${d.join(', ')}]`;
const tensor = (dims: readonly number[], data: Float32Array): NirTensor => ({ dims: [...dims], data });
const filled = (dims: readonly number[], v: number): NirTensor => tensor(dims, new Float32Array(prod(dims)).fill(v));

/** Stands for the unknown producer of a tensor downstream of an untranslatable node. */
const POISON = '\u0000poisoned';

/** A time-varying tensor of our graph: the NIR nodes whose outputs sum to it. */
interface Value {
  readonly terms: readonly string[];
  readonly dims: readonly number[];
  /**
   * Conv2d/Affine/Linear terms whose output reaches nothing but this tensor: a constant current
   * added to the tensor can go into their bias.
   */
  readonly owned: readonly string[];
  /** Produced by a node that could not be translated (its error is already recorded). */
  readonly poisoned?: boolean;
}

/** Broadcasts a constant against a per-sample shape (ONNX rules, with the batch axis first); undefined if it does not fit. */
function broadcastConst(t: Tensor, dims: readonly number[]): Float32Array | undefined {
  const full = [1, ...dims];
  const td = t.dims;
  if (td.length > full.length) return undefined;
  const off = full.length - td.length;
  for (let i = 0; i < td.length; i++) if (td[i] !== 1 && td[i] !== full[off + i]) return undefined;
  const n = prod(dims);
  const out = new Float32Array(n);
  // strides of t in the full index space
  const strides = new Array<number>(full.length).fill(0);
  let s = 1;
  for (let i = td.length - 1; i >= 0; i--) {
    strides[off + i] = td[i] === 1 ? 0 : s;
    s *= td[i]!;
  }
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let a = 0; a < dims.length; a++) src += idx[a]! * strides[a + 1]!;
    out[k] = t.data[src]!;
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a]! < dims[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}

function sanitize(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return s === '' ? 'node' : s;
}

/** Translates a converted SNN into a NIR graph. Throws one E_CONVERT naming every layer NIR cannot express. */
export function toNir(snn: SnnModel, opts: NirExportOptions = {}): NirGraph {
  const o = snn.options;
  const g = snn.ann.graph;
  const opset = snn.ann.opset;
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const origin: Record<string, string> = {};
  const problems: string[] = [];
  const used = new Set<string>(['input', 'output', 'readout']);
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

  if (o.neuron === 'lif' && !(o.beta > 0 && o.beta < 1)) {
    throw new Onnx2SnnError(ErrorCodes.CONVERT, `NIR export: LIF leak beta must lie in (0, 1), got ${o.beta}`, { option: 'beta', actual: o.beta });
  }

  // consumers of each tensor (an Add's constant is folded into a bias only if nothing else reads the tensor)
  const uses = new Map<string, number>();
  for (const n of snn.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  uses.set(snn.readout, (uses.get(snn.readout) ?? 0) + 1);

  const consts = new Map<string, Tensor>(g.initializers);
  const values = new Map<string, Value>();
  add('input', { type: 'Input', shape: [...snn.inputDims] }, []);
  values.set(snn.inputName, { terms: ['input'], dims: [...snn.inputDims], owned: [] });
  const layers = new Map(snn.layers.map((l) => [l.name, l]));

  const dimsOf = (t: string): readonly number[] => snn.dims.get(t) ?? [];
  /** `v` as seen by a consumer of tensor `t`: its weight terms stay modifiable only if nothing else reads `t`. */
  const ownedBy = (v: Value, t: string): Value => (!v.poisoned && (uses.get(t) ?? 0) > 1 && v.owned.length ? { ...v, owned: [] } : v);
  const weightOf = (n: Node, i: number, what: string): Tensor | undefined => {
    const t = n.inputs[i] ? consts.get(n.inputs[i]!) : undefined;
    if (!t) problems.push(`${n.opType} "${n.name}": the ${what} must be a constant`);
    return t;
  };
  const f32 = (t: Tensor): Float32Array => Float32Array.from(t.data);

  /** Adds a constant current (broadcast like `c`) to the bias of a Conv2d/Affine/Linear that only feeds `v`. */
  const addBias = (v: Value, c: Float32Array): string | undefined => {
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
    nodes.set(name!, target.type === 'Linear' ? { type: 'Affine', weight: target.weight, bias: tensor([size], bias) } : { ...target, bias: tensor([size], bias) });
    return undefined;
  };

  /** Add/Sub of a constant: folded into the bias of the Conv/Gemm/MatMul that alone produces `v`. */
  const foldBias = (n: Node, v: Value, c: Tensor, sign: 1 | -1): Value | undefined => {
    const full = broadcastConst(c, v.dims);
    const why = full ? addBias(v, sign < 0 ? full.map((q) => -q) : full) : `${text(c.dims)} does not broadcast to ${text(v.dims)}`;
    if (why === undefined) return v;
    problems.push(`${n.opType} "${n.name}": adds a constant, which NIR can only express as the bias of a Conv/Gemm/MatMul producing that tensor alone (${why})`);
    return undefined;
  };

  const scaleNode = (n: Node, v: Value, scale: Float32Array, suffix: string): Value => {
    const name = add(fresh(`${n.name || n.opType}${suffix}`), { type: 'Scale', scale: tensor(v.dims, scale) }, v.terms, n.name);
    return { terms: [name], dims: v.dims, owned: [] };
  };

  const translate = (n: Node, ins: (Value | undefined)[]): Value | undefined => {
    const x = ins[0];
    const outDims = dimsOf(n.outputs[0]!);
    const name = (): string => fresh(n.name || `${n.opType}_${n.outputs[0]}`);
    if (n.domain === SNN_DOMAIN) {
      if (n.opType === 'IF') {
        if (!x) {
          problems.push(`IF "${n.name}": its input does not vary in time`);
          return undefined;
        }
        const layer = layers.get(n.name)!;
        // a polynomial neuron with p ≡ 0 is an IF neuron with input gain g: NIR's IF with R = g
        const polyIf = o.neuron === 'poly' && isZeroPolynomial(layer.poly);
        if (o.neuron !== 'if' && o.neuron !== 'lif' && !polyIf) {
          problems.push(`IF "${n.name}": ${o.neuron === 'poly' ? 'polynomial (LNM/QIF) neurons with p ≠ 0' : `${o.neuron} neurons`} have no NIR primitive (NIR has IF, LIF, CubaLIF)`);
          return undefined;
        }
        const theta = expandThreshold(layer.threshold, layer.dims);
        const d = layer.dims;
        // calibrated bias current (per channel): into the bias of the layer feeding this one, or the LIF leak
        let leakBias: Float32Array | undefined;
        if (layer.bias && layer.bias.some((b) => b !== 0)) {
          const b = expandThreshold(layer.bias, d);
          const why = addBias(ownedBy(x, layer.input), b);
          if (why !== undefined) {
            if (o.neuron === 'lif') leakBias = b;
            else {
              problems.push(`IF "${n.name}": its calibrated bias current cannot be placed (NIR's IF has no bias and its input has ${why})`);
              return undefined;
            }
          }
        }
        let neuron: NirNode;
        if (o.neuron === 'lif') {
          const tau = Math.fround(1 / (1 - o.beta));
          // forward Euler at dt = 1: the constant current c = (1−β)·θ/2 + b is v_leak/τ
          const leak = theta.map((t, i) => t / 2 + (leakBias ? tau * leakBias[i]! : 0));
          neuron = { type: 'LIF', tau: filled(d, tau), r: filled(d, tau), v_leak: tensor(d, leak), v_threshold: tensor(d, theta.slice()), v_reset: filled(d, 0) };
        } else {
          neuron = { type: 'IF', r: filled(d, polyIf ? (layer.gain ?? 1) : 1), v_threshold: tensor(d, theta.slice()), v_reset: filled(d, 0) };
        }
        const nn = add(name(), neuron, x.terms, n.name);
        const sc = add(fresh(`${n.name}_scale`), { type: 'Scale', scale: tensor(d, theta.slice()) }, [nn], n.name);
        return { terms: [sc], dims: d, owned: [] };
      }
      const what = n.opType === 'SpikingMaxPool' ? 'MaxPool' : 'GlobalMaxPool';
      problems.push(`${what} "${n.name}": the spiking max pool (each window passes the input with the largest spike count so far) has no NIR primitive`);
      return undefined;
    }
    switch (n.opType) {
      case 'Identity':
      case 'Dropout':
        return ownedBy(x!, n.inputs[0]!);
      case 'Conv': {
        if (ins[1] || ins[2]) {
          problems.push(`Conv "${n.name}": time-varying weights or bias`);
          return undefined;
        }
        const w = weightOf(n, 1, 'weight W');
        if (!w) return undefined;
        if (x!.dims.length !== 3 || w.dims.length !== 4) {
          problems.push(`Conv "${n.name}": only 2-D convolutions map to NIR Conv2d (input ${text(x!.dims)})`);
          return undefined;
        }
        const b = n.inputs[2] ? weightOf(n, 2, 'bias B') : undefined;
        const geom = windowGeometry(n, x!.dims.slice(1), w.dims.slice(2), { ceilMode: false, allowDilations: true, pool: false });
        if (!same(geom.padsBegin, geom.padsEnd)) {
          problems.push(`Conv "${n.name}": asymmetric padding (begin ${text(geom.padsBegin)}, end ${text(geom.padsEnd)}); NIR Conv2d pads both sides equally`);
          return undefined;
        }
        const m = w.dims[0]!;
        const node: NirNode = {
          type: 'Conv2d',
          input_shape: [x!.dims[1]!, x!.dims[2]!],
          weight: tensor(w.dims, f32(w)),
          stride: [geom.strides[0]!, geom.strides[1]!],
          padding: [geom.padsBegin[0]!, geom.padsBegin[1]!],
          dilation: [geom.dilations[0]!, geom.dilations[1]!],
          groups: attrInt(n, 'group', 1),
          bias: b ? tensor([m], f32(b)) : filled([m], 0),
        };
        const nm = add(name(), node, x!.terms, n.name);
        return { terms: [nm], dims: outDims, owned: [nm] };
      }
      case 'Gemm':
      case 'MatMul': {
        if (ins[1] || ins[2]) {
          problems.push(`${n.opType} "${n.name}": the weight (B) or bias (C) varies in time`);
          return undefined;
        }
        if (!x || x.dims.length !== 1) {
          problems.push(`${n.opType} "${n.name}": NIR Affine/Linear needs a vector per sample, got ${text(x?.dims ?? [])}`);
          return undefined;
        }
        const gemm = n.opType === 'Gemm';
        if (gemm && attrInt(n, 'transA', 0) !== 0) {
          problems.push(`Gemm "${n.name}": transA = 1 transposes the batch axis`);
          return undefined;
        }
        const b = weightOf(n, 1, 'weight B');
        if (!b) return undefined;
        if (b.dims.length !== 2) {
          problems.push(`${n.opType} "${n.name}": weight ${text(b.dims)} is not a matrix`);
          return undefined;
        }
        const transB = gemm && attrInt(n, 'transB', 0) !== 0;
        const alpha = gemm ? attrFloat(n, 'alpha', 1) : 1;
        const [rows, cols] = b.dims as [number, number];
        const out = transB ? rows : cols;
        const k = transB ? cols : rows;
        const wt = new Float32Array(out * k);
        for (let i = 0; i < out; i++) for (let j = 0; j < k; j++) wt[i * k + j] = alpha * b.data[transB ? i * k + j : j * out + i]!;
        const weight = tensor([out, k], wt);
        let node: NirNode = { type: 'Linear', weight };
        if (gemm && n.inputs[2]) {
          const c = weightOf(n, 2, 'bias C');
          if (!c) return undefined;
          const beta = attrFloat(n, 'beta', 1);
          const bc = broadcastConst(c, [out]);
          if (!bc) {
            problems.push(`Gemm "${n.name}": bias C ${text(c.dims)} is not one value per output`);
            return undefined;
          }
          node = { type: 'Affine', weight, bias: tensor([out], bc.map((v) => beta * v)) };
        }
        const nm = add(name(), node, x.terms, n.name);
        return { terms: [nm], dims: [out], owned: [nm] };
      }
      case 'Add':
      case 'Sub': {
        const [a, b] = ins;
        if (a && b) {
          if (!same(a.dims, b.dims)) {
            problems.push(`${n.opType} "${n.name}": broadcasts ${text(a.dims)} against ${text(b.dims)}; NIR sums equal shapes only`);
            return undefined;
          }
          const oa = ownedBy(a, n.inputs[0]!).owned;
          if (n.opType === 'Add') return { terms: [...a.terms, ...b.terms], dims: a.dims, owned: [...oa, ...ownedBy(b, n.inputs[1]!).owned] };
          const neg = scaleNode(n, b, new Float32Array(prod(b.dims)).fill(-1), '_neg');
          return { terms: [...a.terms, ...neg.terms], dims: a.dims, owned: oa };
        }
        if (a) return foldBias(n, ownedBy(a, n.inputs[0]!), consts.get(n.inputs[1]!)!, n.opType === 'Add' ? 1 : -1);
        if (n.opType === 'Add') return foldBias(n, ownedBy(b!, n.inputs[1]!), consts.get(n.inputs[0]!)!, 1);
        problems.push(`Sub "${n.name}": a constant minus a time-varying tensor has no NIR form (negation and bias on one node)`);
        return undefined;
      }
      case 'Mul':
      case 'Div': {
        const vi = ins[0] ? 0 : 1;
        if (n.opType === 'Div' && vi !== 0) {
          problems.push(`Div "${n.name}": divides by a time-varying tensor`);
          return undefined;
        }
        const v = ins[vi]!;
        const c = consts.get(n.inputs[1 - vi]!);
        const full = c && broadcastConst(c, v.dims);
        if (!full) {
          problems.push(`${n.opType} "${n.name}": the factor ${c ? text(c.dims) : ''} does not broadcast to ${text(v.dims)} per sample`);
          return undefined;
        }
        return scaleNode(n, v, n.opType === 'Div' ? full.map((q) => 1 / q) : full, '');
      }
      case 'Neg':
        return scaleNode(n, x!, new Float32Array(prod(x!.dims)).fill(-1), '');
      case 'Flatten':
      case 'Reshape':
      case 'Squeeze':
      case 'Unsqueeze': {
        if (n.opType === 'Flatten' && attrInt(n, 'axis', 1) !== 1) {
          problems.push(`Flatten "${n.name}": axis ${attrInt(n, 'axis', 1)} (only axis 1 keeps the batch axis apart)`);
          return undefined;
        }
        if (same(outDims, x!.dims)) return ownedBy(x!, n.inputs[0]!);
        if (outDims.length === 1 && outDims[0] === prod(x!.dims)) {
          const nm = add(name(), { type: 'Flatten', input_type: [...x!.dims], start_dim: 0, end_dim: -1 }, x!.terms, n.name);
          return { terms: [nm], dims: outDims, owned: [] };
        }
        problems.push(`${n.opType} "${n.name}": reshapes ${text(x!.dims)} to ${text(outDims)}; NIR has Flatten only`);
        return undefined;
      }
      case 'AveragePool':
      case 'GlobalAveragePool': {
        if (x!.dims.length !== 3) {
          problems.push(`${n.opType} "${n.name}": only 2-D pooling maps to NIR AvgPool2d (input ${text(x!.dims)})`);
          return undefined;
        }
        const [, h, w] = x!.dims as [number, number, number];
        let kernel: [number, number] = [h, w];
        let stride: [number, number] = [h, w];
        let padding: [number, number] = [0, 0];
        if (n.opType === 'AveragePool') {
          const ks = attrInts(n, 'kernel_shape', []);
          const geom = windowGeometry(n, [h, w], ks, { ceilMode: opset >= 10 && attrInt(n, 'ceil_mode', 0) === 1, allowDilations: opset >= 19, pool: true });
          const why: string[] = [];
          if (!same(geom.padsBegin, geom.padsEnd)) why.push(`asymmetric padding (begin ${text(geom.padsBegin)}, end ${text(geom.padsEnd)})`);
          if (geom.padsBegin.some((p) => p > 0) && attrInt(n, 'count_include_pad', 0) === 0) why.push('padding excluded from the average (count_include_pad = 0; NIR/PyTorch AvgPool2d counts it)');
          if (geom.dilations.some((d) => d !== 1)) why.push(`dilations ${text(geom.dilations)}`);
          kernel = [ks[0]!, ks[1]!];
          stride = [geom.strides[0]!, geom.strides[1]!];
          padding = [geom.padsBegin[0]!, geom.padsBegin[1]!];
          const floorOut = [0, 1].map((i) => Math.floor(([h, w][i]! + 2 * padding[i]! - kernel[i]!) / stride[i]!) + 1);
          if (!same(floorOut, geom.out)) why.push('ceil_mode changes the output size');
          if (why.length) {
            problems.push(`AveragePool "${n.name}": ${why.join(', ')}`);
            return undefined;
          }
        }
        const nm = add(name(), { type: 'AvgPool2d', kernel_size: kernel, stride, padding }, x!.terms, n.name);
        return { terms: [nm], dims: outDims, owned: [] };
      }
      case 'BatchNormalization':
        problems.push(`BatchNormalization "${n.name}": a per-channel affine map that could not be folded into a Conv/Gemm has no NIR primitive`);
        return undefined;
      default:
        problems.push(`${n.opType} "${n.name}": no NIR primitive`);
        return undefined;
    }
  };

  for (const n of snn.nodes) {
    const ins = n.inputs.map((i) => (i ? values.get(i) : undefined));
    if (!ins.some(Boolean)) {
      // constant (depends on neither the input nor a neuron): evaluate it once
      const inputs = n.inputs.map((i) => (i ? consts.get(i) : undefined));
      const rule = n.domain === '' ? ruleFor(n, opset) : undefined;
      if (rule && n.inputs.every((i, k) => !i || inputs[k])) {
        const outs = rule.evaluate(n, inputs, { opset });
        n.outputs.forEach((t, k) => {
          if (t && outs[k]) consts.set(t, outs[k]!);
        });
      } else problems.push(`${n.opType} "${n.name}": constant that cannot be evaluated`);
      continue;
    }
    // after an untranslatable node, keep checking its consumers (every problem is reported) without cascading
    const poisoned = ins.some((v) => v?.poisoned);
    const before = problems.length;
    let v: Value | undefined;
    try {
      v = translate(n, ins);
    } catch (e) {
      // attribute/shape errors from windowGeometry: report them with the rest
      problems.push(`${n.opType} "${n.name}": ${(e as Error).message}`);
    }
    if (v && problems.length === before && !poisoned) values.set(n.outputs[0]!, v);
    else for (const t of n.outputs) if (t) values.set(t, { terms: [], dims: dimsOf(t), owned: [POISON], poisoned: true });
  }

  const ro = values.get(snn.readout);
  if (!ro) problems.push(`readout "${snn.readout}" does not depend on the input`);
  if (problems.length) {
    throw new Onnx2SnnError(ErrorCodes.CONVERT, `${snn.ann.source ?? 'model'}: ${problems.length} layer(s) cannot be expressed in NIR: ${problems.join('; ')}`, {
      file: snn.ann.source,
      layers: problems,
    });
  }
  const rd = [...snn.readoutDims];
  let last = ro!.terms;
  if (o.readout === 'membrane' && opts.readoutIntegrator !== false) last = [add('readout', { type: 'I', r: filled(rd, 1) }, last, '(readout)')];
  add('output', { type: 'Output', shape: rd }, last);

  const graph: NirGraph = {
    version: NIR_VERSION,
    nodes,
    edges,
    metadata: {
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
    },
  };
  return opts.foldScales === false ? graph : foldScales(graph);
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
