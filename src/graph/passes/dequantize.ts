/**
 * Import of quantized models (both formats of onnxruntime's quantizer) into the float graph:
 *   - QOperator: QLinearConv, QLinearMatMul, QGemm, QLinearAdd, QLinearMul, QLinearConcat,
 *     QLinearGlobalAveragePool, QLinearAveragePool, QLinearSoftmax (com.microsoft or ONNX domain)
 *     become Conv, MatMul, Gemm, Add, Mul, Concat, GlobalAveragePool, AveragePool, Softmax;
 *   - QDQ: float ops between DequantizeLinear / QuantizeLinear pairs; DequantizeLinear of a
 *     constant folds into a float constant, of an activation it is an Identity.
 * Weights and biases are dequantized exactly (src/graph/quant.ts). Every tensor keeps its name
 * and now carries its real (dequantized) value, so the consumers need no rewiring.
 *
 * Activation rounding is dropped (that is the whole difference to int8 execution), but the
 * clipping is kept where it matters: a quantized activation whose range starts at 0 (uint8 with
 * zero point 0) cannot be negative, so it is a ReLU capped at the top of its range, 255·scale
 * (ReLU6 when that is 6); it becomes Clip(0, 255·scale), a neuron site of the SNN. Its range is
 * recorded in the model metadata `onnx2snn.quantization` ({ format, ranges: { tensor: [lo, hi] } },
 * with the graph input's and output's ranges too), from which calibration takes the threshold
 * θ = hi without activation statistics (calibration/quantization.ts). Other activations are
 * linear signals and get no clip. A Relu or Clip(0, m) already before such a quantization merges
 * with it into one Clip(0, min(m, hi)).
 */
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { A, attrInt } from '../attrs.js';
import { consumers, freshNamer, producers, pruneInitializers } from '../graph.js';
import { inferShapes } from '../infer.js';
import { dequantize, qparams, quantize, representable, reluCap, type QParams } from '../quant.js';
import type { Graph, Model, Node, Tensor } from '../types.js';
import { QLINEAR_OPS } from './dequantize-ops.js';
import { EXACT_OPS, fakeQuantize } from './fake-quant.js';

export const QUANT_METADATA = 'onnx2snn.quantization';

/** What the float graph does with the rounding of quantized activations (see fake-quant.ts). */
export type ActivationQuant = 'keep' | 'drop';
export const ACTIVATION_QUANT_MODES: readonly ActivationQuant[] = ['drop', 'keep'];

export interface DequantizeOptions {
  /** 'drop' (default): real-valued graph without activation rounding; 'keep': int8 emulation. */
  readonly activationQuant?: ActivationQuant;
}

export interface QuantizationInfo {
  readonly format: 'QOperator' | 'QDQ';
  readonly activationQuant?: ActivationQuant;
  /** 'keep': per QLinearConv/QLinearMatMul, the largest |partial sum| its integers can reach (exact below 2^24). */
  readonly accumulatorBounds?: Readonly<Record<string, number>>;
  /** Real ranges of quantized activations: ReLU sites (Clip outputs), the graph input and output. */
  readonly ranges: Readonly<Record<string, readonly [number, number]>>;
}

/** Mutable state of one pass run, shared with the op handlers (dequantize-ops.ts). */
export interface DequantContext {
  readonly model: Model;
  readonly nodes: Node[];
  readonly inits: Map<string, Tensor>;
  readonly ranges: Record<string, readonly [number, number]>;
  /** Quantization parameters of the quantized tensors seen so far. */
  readonly qOf: Map<string, QParams>;
  /** Clip nodes this pass made (candidates for merging with a preceding ReLU). */
  readonly clips: Set<Node>;
  readonly fresh: (base: string) => string;
  /** 'keep': activation rounding is emulated (fake-quant.ts). */
  readonly keep: boolean;
  /** 'keep': integer tensors k = round(x / s) already made, by tensor. */
  readonly intOf: Map<string, string>;
  /** 'keep': accumulator bounds by node (QuantizationInfo.accumulatorBounds). */
  readonly accBounds: Record<string, number>;
  /** Dims (batch 1) of a tensor of the float graph built so far, or undefined. */
  dimsOf(name: string): readonly number[] | undefined;
  /** A constant input (initializer or Constant node), or undefined. */
  constant(name: string | undefined): Tensor | undefined;
  /** Adds a float constant under a fresh name derived from `base`; returns the name. */
  addConst(base: string, t: Tensor): string;
  /** The float op computing `y` from `inputs`, then the activation rule for y's quantization. */
  emit(from: Node, op: string, inputs: readonly string[], y: string, p: QParams | undefined, attrs?: Node['attrs']): void;
  /** `name` as a float input: constants are dequantized with `p` (per `axis`), tensors pass as they are. */
  floatInput(from: Node, name: string, p: QParams, axis?: number): string;
}

const isQDomain = (d: string): boolean => d === '' || d === 'ai.onnx' || d === 'com.microsoft';

/** True when the graph holds any op this pass rewrites. */
export function isQuantized(m: Model): boolean {
  return m.graph.nodes.some((n) => isQDomain(n.domain) && (n.opType in QLINEAR_OPS || n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear'));
}

/** The quantization metadata of a dequantized model, or undefined. */
export function quantizationInfo(m: Model): QuantizationInfo | undefined {
  const s = m.metadata[QUANT_METADATA];
  return s ? (JSON.parse(s) as QuantizationInfo) : undefined;
}

function constants(g: Graph): Map<string, Tensor> {
  const c = new Map(g.initializers);
  for (const n of g.nodes) {
    const v = n.opType === 'Constant' && n.attrs['value'];
    if (v && v.kind === 'tensor' && n.outputs[0]) c.set(n.outputs[0], v.value);
  }
  return c;
}

function makeContext(m: Model, keep: boolean): DequantContext {
  const consts = constants(m.graph);
  const ctx: DequantContext = {
    keep,
    intOf: new Map(),
    accBounds: {},
    dimsOf(name) {
      try {
        const g = { ...m.graph, nodes: ctx.nodes, initializers: ctx.inits, outputs: [] };
        return inferShapes({ ...m, graph: g }, { batch: 1 }).values.get(name)?.dims;
      } catch {
        return undefined;
      }
    },
    model: m,
    nodes: [],
    inits: new Map(m.graph.initializers),
    ranges: {},
    qOf: new Map(),
    clips: new Set(),
    fresh: freshNamer(m.graph),
    constant: (name) => (name ? (ctx.inits.get(name) ?? consts.get(name)) : undefined),
    addConst(base, t) {
      const name = ctx.fresh(`${base}_dequantized`);
      ctx.inits.set(name, t);
      return name;
    },
    emit(from, op, inputs, y, p, attrs = {}) {
      const cap = p ? reluCap(p) : undefined;
      const pre = cap === undefined && !(keep && p) ? y : ctx.fresh(`${y}_float`);
      ctx.nodes.push({ name: from.name, opType: op, domain: '', inputs, outputs: [pre], attrs });
      if (p) ctx.qOf.set(y, p);
      if (keep && p) {
        fakeQuantize(ctx, from, pre, y, p);
        if (cap !== undefined) ctx.ranges[y] = [0, cap];
      } else if (cap !== undefined) addClip(ctx, from, pre, y, cap);
    },
    floatInput(from, name, p, axis) {
      const c = ctx.constant(name);
      if (!c || c.dtype === 'float32') return name;
      return ctx.addConst(name, dequantize(from, c, p, axis));
    },
  };
  return ctx;
}

/** Clip(x, 0, cap) → y in the model's opset (bounds as inputs from opset 11, attributes before). */
export function addClip(ctx: DequantContext, from: Node, x: string, y: string, cap: number): void {
  const name = `${from.name}_relu`;
  const node: Node =
    ctx.model.opset >= 11
      ? {
          name,
          opType: 'Clip',
          domain: '',
          inputs: [x, ctx.addConst(`${y}_min`, scalarF32(0)), ctx.addConst(`${y}_max`, scalarF32(cap))],
          outputs: [y],
          attrs: {},
        }
      : { name, opType: 'Clip', domain: '', inputs: [x], outputs: [y], attrs: { min: A.float(0), max: A.float(cap) } };
  ctx.nodes.push(node);
  ctx.clips.add(node);
  ctx.ranges[y] = [0, cap];
}

const scalarF32 = (v: number): Tensor => ({ dtype: 'float32', dims: [], data: Float32Array.of(v) });

/** QuantizeLinear → Clip (ReLU range) or Identity; of a constant: the constant rounded to the grid. */
function quantizeLinear(ctx: DequantContext, n: Node): void {
  const [x, s, zp] = n.inputs;
  const y = n.outputs[0]!;
  const p = qparams(n, ctx.constant(s), ctx.constant(zp), 'output');
  const axis = attrInt(n, 'axis', 1);
  const c = ctx.constant(x);
  if (c) {
    ctx.inits.set(y, quantize(n, c, p, axis)); // integers: a DequantizeLinear or QLinear op reading it dequantizes them
    return;
  }
  if (ctx.model.graph.inputs.some((i) => i.name === x)) {
    const r = representable(p);
    if (r) ctx.ranges[x!] = r;
  }
  ctx.qOf.set(y, p);
  const cap = reluCap(p);
  if (ctx.keep) {
    fakeQuantize(ctx, n, x!, y, p);
    if (cap !== undefined) ctx.ranges[y] = [0, cap];
  } else if (cap !== undefined) addClip(ctx, n, x!, y, cap);
  else ctx.nodes.push({ name: n.name, opType: 'Identity', domain: '', inputs: [x!], outputs: [y], attrs: {} });
}

/** DequantizeLinear → a float constant, or an Identity of the (already real-valued) tensor. */
function dequantizeLinear(ctx: DequantContext, n: Node): void {
  const [x, s, zp] = n.inputs;
  const y = n.outputs[0]!;
  const p = qparams(n, ctx.constant(s), ctx.constant(zp), 'input');
  const c = ctx.constant(x);
  if (c) {
    ctx.inits.set(y, dequantize(n, c, p, attrInt(n, 'axis', 1)));
    return;
  }
  if (ctx.model.graph.outputs.some((o) => o.name === y)) {
    const r = representable(p);
    if (r) ctx.ranges[y] = r;
  }
  ctx.nodes.push({ name: n.name, opType: 'Identity', domain: '', inputs: [x!], outputs: [y], attrs: {} });
}

/** Ops that compute directly on quantized values (Reshape, MaxPool, ...): the output keeps the input's parameters. */
function passThrough(ctx: DequantContext, n: Node): void {
  const p = n.inputs[0] ? ctx.qOf.get(n.inputs[0]) : undefined;
  let node = n;
  if (p && n.opType === 'Pad' && n.inputs[2]) {
    // Pad's constant value is a quantized number (the zero point, i.e. 0.0) when the data is quantized
    const v = ctx.constant(n.inputs[2]);
    if (v && v.dtype !== 'float32') node = { ...n, inputs: [n.inputs[0]!, n.inputs[1]!, ctx.addConst(n.inputs[2], dequantize(n, v, p)), ...n.inputs.slice(3)] };
  }
  if (p) for (const o of n.outputs) if (o) ctx.qOf.set(o, p);
  ctx.nodes.push(node);
}

/**
 * A Relu or Clip(0, m) feeding one of our clips, with no other reader: the two merge into
 * Clip(0, min(m, cap)) (one neuron site, as in the float model before quantization).
 */
function mergeClips(ctx: DequantContext, nodes: readonly Node[], outputs: ReadonlySet<string>): Node[] {
  const g = { ...ctx.model.graph, nodes, initializers: ctx.inits };
  const prod = producers(g);
  const cons = consumers(g);
  const drop = new Set<Node>();
  const replace = new Map<Node, Node>();
  for (const clip of ctx.clips) {
    const inner = prod.get(clip.inputs[0]!);
    if (!inner || (cons.get(clip.inputs[0]!) ?? []).length !== 1 || outputs.has(clip.inputs[0]!)) continue;
    const innerCap = inner.opType === 'Relu' ? Infinity : inner.opType === 'Clip' ? clipCap(ctx, inner) : undefined;
    if (innerCap === undefined) continue;
    const y = clip.outputs[0]!;
    const cap = Math.min(innerCap, ctx.ranges[y]![1]);
    ctx.ranges[y] = [0, cap];
    drop.add(inner);
    const merged: Node = { ...clip, inputs: [inner.inputs[0]!, ...clip.inputs.slice(1)] };
    replace.set(
      clip,
      ctx.model.opset >= 11
        ? { ...merged, inputs: [merged.inputs[0]!, merged.inputs[1]!, ctx.addConst(`${y}_max`, scalarF32(cap))] }
        : { ...merged, attrs: { min: A.float(0), max: A.float(cap) } },
    );
  }
  return nodes.filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n);
}

/** The cap of a Clip whose lower bound is 0 (undefined otherwise). */
function clipCap(ctx: DequantContext, n: Node): number | undefined {
  if (ctx.model.opset < 11) {
    const lo = n.attrs['min'];
    const hi = n.attrs['max'];
    return lo && lo.kind === 'float' && lo.value === 0 ? (hi && hi.kind === 'float' ? hi.value : Infinity) : undefined;
  }
  const lo = ctx.constant(n.inputs[1]);
  const hi = n.inputs[2] ? ctx.constant(n.inputs[2]) : undefined;
  if (!lo || lo.data[0] !== 0 || (n.inputs[2] && !hi)) return undefined;
  return hi ? hi.data[0]! : Infinity;
}

/** The float model of a quantized one (unchanged when it has no quantization ops). */
export function dequantizeModel(m: Model, opts: DequantizeOptions = {}): Model {
  const mode = opts.activationQuant ?? 'drop';
  if (!ACTIVATION_QUANT_MODES.includes(mode)) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `activationQuant must be one of ${ACTIVATION_QUANT_MODES.join(', ')}, not "${String(mode)}"`, {
      option: 'activationQuant',
      expected: ACTIVATION_QUANT_MODES,
      actual: mode,
    });
  }
  if (!isQuantized(m)) return m;
  const ctx = makeContext(m, mode === 'keep');
  let qoperator = false;
  for (const n of m.graph.nodes) {
    const handler = isQDomain(n.domain) ? ((ctx.keep ? EXACT_OPS[n.opType] : undefined) ?? QLINEAR_OPS[n.opType]) : undefined;
    if (n.opType === 'QuantizeLinear' && isQDomain(n.domain)) quantizeLinear(ctx, n);
    else if (n.opType === 'DequantizeLinear' && isQDomain(n.domain)) dequantizeLinear(ctx, n);
    else if (handler) {
      qoperator = true;
      handler(ctx, n);
    } else passThrough(ctx, n);
  }
  const outputs = new Set(m.graph.outputs.map((o) => o.name));
  const nodes = mergeClips(ctx, ctx.nodes, outputs);
  const changed = new Set([...ctx.qOf.keys(), ...m.graph.nodes.filter((n) => n.opType === 'DequantizeLinear').flatMap((n) => n.outputs)]);
  const valueInfo = new Map([...m.graph.valueInfo].filter(([k]) => !changed.has(k)));
  const graph = pruneInitializers({
    ...m.graph,
    nodes,
    initializers: ctx.inits,
    valueInfo,
    outputs: m.graph.outputs.map((o) => (changed.has(o.name) ? { ...o, dtype: 'float32' as const } : o)),
  });
  const info: QuantizationInfo = {
    format: qoperator ? 'QOperator' : 'QDQ',
    activationQuant: mode,
    ...(ctx.keep ? { accumulatorBounds: ctx.accBounds } : {}),
    ranges: ctx.ranges,
  };
  return { ...m, graph, metadata: { ...m.metadata, [QUANT_METADATA]: JSON.stringify(info) } };
}
