/**
 * Which nodes of a converted network run in the event-driven kernels, with their buffers laid out
 * in the kernels' memory. Per step, in the reference simulator's node order:
 *   - Conv (2-D, group 1, constant weights) and Gemm / MatMul (2-D input, constant weights, bias
 *     broadcast over rows): event-driven, one event per non-zero input
 *     (a spike of any producer: neuron, spiking max pool, residual sum, Poisson input);
 *   - IF neuron layers stepped in float32 (not closed-form, gain 1, one spike per step): the fused
 *     step (integrate, fire, reset, count) in one pass;
 *   - spiking max pools over a kernel-run neuron layer: the key 2·count − s per window in one pass;
 *   - everything else runs as in the reference simulator (converters/ `evaluate`, dense).
 * A kernel reads its input where the previous kernel wrote it (no copy); an input from a dense node
 * is copied in. Exactness of each kernel against the reference: assembly/events.ts.
 */
import { opFor } from '../../../converters/registry.js';
import { windowGeometry, type WindowAttrs } from '../../../converters/spatial.js';
import { closedFormConstants, closedFormRate } from '../../../converters/neurons/closed-form.js';
import { expandThreshold, extraCurrent, initialPotential } from '../../../converters/neurons/dynamics.js';
import { ifNeuron } from '../../../converters/neurons/if.js';
import { poolPlan, type SpikingPoolAttrs } from '../../../converters/spiking-pool.js';
import { SNN_DOMAIN } from '../../../converters/types.js';
import type { Node, Tensor } from '../../graph/types.js';
import type { SnnModel } from '../../snn/build.js';
import type { Kernels } from './kernels.js';

/** A node run by a kernel: `run` reads its inputs from `values` (or its aliased buffer) and sets its output there. */
export interface KernelStep {
  readonly node: Node;
  readonly kind: 'conv' | 'gemm' | 'if' | 'pool';
  /** Events (non-zero inputs) per sample and step for conv/gemm, spikes for if; summed over the run. */
  events: number;
  /** Inputs per sample (conv/gemm) or neurons per sample (if). */
  readonly perSample: number;
  run(values: Map<string, Tensor>): void;
}

export interface KernelPlan {
  readonly steps: Map<Node, KernelStep>;
  /** Spike counts of kernel-run neuron layers (views into kernel memory), by layer index. */
  readonly counts: Map<number, Float32Array>;
}

interface Buf {
  readonly ptr: number;
  readonly len: number;
}

const prod = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

/** An input buffer: the producer kernel's output (aliased) or a buffer the dense value is copied into. */
class Layout {
  readonly outputs = new Map<string, Buf>();
  /** Spike counts of kernel-run neuron layers, by layer index. */
  readonly countBufs = new Map<number, Buf>();
  readonly inits: (() => void)[] = [];
  constructor(
    readonly k: Kernels,
    readonly snn: SnnModel,
    readonly n: number,
  ) {}
  input(name: string): { buf: Buf; copy: boolean } {
    const own = this.outputs.get(name);
    if (own) return { buf: own, copy: false };
    const len = this.n * prod(this.snn.dims.get(name) ?? []);
    return { buf: { ptr: this.k.alloc(len * 4), len }, copy: true };
  }
  output(name: string): Buf {
    const len = this.n * prod(this.snn.dims.get(name) ?? []);
    const b = { ptr: this.k.alloc(len * 4), len };
    this.outputs.set(name, b);
    return b;
  }
  f32(data: ArrayLike<number>): Buf {
    const b = { ptr: this.k.alloc(data.length * 4), len: data.length };
    this.inits.push(() => this.k.f32(b.ptr, b.len).set(data));
    return b;
  }
  f64(data: ArrayLike<number>): Buf {
    const b = { ptr: this.k.alloc(data.length * 8), len: data.length };
    this.inits.push(() => this.k.f64(b.ptr, b.len).set(data));
    return b;
  }
  /** Copies a dense input in when it is not the kernel's own buffer; sets the output tensor. */
  feed(values: Map<string, Tensor>, name: string, inp: { buf: Buf; copy: boolean }): void {
    if (inp.copy) this.k.f32(inp.buf.ptr, inp.buf.len).set(values.get(name)!.data as Float32Array);
  }
  private readonly tensors = new Map<string, Tensor>();
  /** Sets the output tensor, a view of the kernel's buffer (made once: the memory never grows after seal). */
  emit(values: Map<string, Tensor>, name: string, b: Buf): void {
    let t = this.tensors.get(name);
    if (!t) this.tensors.set(name, (t = { dtype: 'float32', dims: [this.n, ...(this.snn.dims.get(name) ?? [])], data: this.k.f32(b.ptr, b.len) }));
    values.set(name, t);
  }
}

const constant = (snn: SnnModel, name: string | undefined): Tensor | undefined =>
  name && !snn.dynamic.has(name) ? snn.ann.graph.initializers.get(name) : undefined;

function planConv(L: Layout, node: Node): KernelStep | undefined {
  const { snn, k, n } = L;
  const w = constant(snn, node.inputs[1]);
  const b = node.inputs[2] ? constant(snn, node.inputs[2]) : undefined;
  const inDims = snn.dims.get(node.inputs[0]!);
  if (w?.dtype !== 'float32' || w.dims.length !== 4 || (node.inputs[2] && !b) || inDims?.length !== 3) return undefined;
  const a = opFor(node, snn.ann.opset)!.parseAttributes(node) as WindowAttrs & { group: number };
  if (a.group !== 1) return undefined;
  const [M, C, KH, KW] = w.dims as [number, number, number, number];
  const [, H, W] = inDims as [number, number, number];
  const g = windowGeometry(node, [H, W], [KH, KW], a, false);
  const [OH, OW] = g.out as [number, number];
  const wt = new Float64Array(w.data.length); // [M][C][KH][KW] → [C][KH][KW][M]
  for (let m = 0; m < M; m++) for (let r = 0; r < C * KH * KW; r++) wt[r * M + m] = w.data[m * C * KH * KW + r]!;
  const geomData = [n, C, H, W, M, KH, KW, OH, OW, g.strides[0]!, g.strides[1]!, g.padsBegin[0]!, g.padsBegin[1]!, g.dilations[0]!, g.dilations[1]!];
  const geom = { ptr: k.alloc(geomData.length * 4), len: geomData.length };
  L.inits.push(() => k.i32(geom.ptr, geom.len).set(geomData));
  const wb = L.f64(wt);
  const bb = b ? L.f32(b.data as Float32Array) : undefined;
  const acc = k.alloc(OH * OW * M * 8);
  return fedStep(L, node, 'conv', C * H * W, (inPtr, outPtr) => k.k.convEvents(inPtr, wb.ptr, bb ? bb.ptr : 0, acc, outPtr, geom.ptr));
}

/**
 * A step that copies the node's input into kernel memory, runs `call` on it (returning the events
 * it saw) and hands the output back; the input and output buffers are laid out here.
 */
function fedStep(L: Layout, node: Node, kind: KernelStep['kind'], perSample: number, call: (inPtr: number, outPtr: number) => number): KernelStep {
  const inp = L.input(node.inputs[0]!);
  const out = L.output(node.outputs[0]!);
  const step: KernelStep = {
    node,
    kind,
    events: 0,
    perSample,
    run(values) {
      L.feed(values, node.inputs[0]!, inp);
      step.events += call(inp.buf.ptr, out.ptr);
      L.emit(values, node.outputs[0]!, out);
    },
  };
  return step;
}

/** Gemm (transA 0) or MatMul of a [n, K] input with a constant [K, J] / [J, K] weight; C broadcast over rows. */
function planGemm(L: Layout, node: Node): KernelStep | undefined {
  const { snn, k, n } = L;
  const gemm = node.opType === 'Gemm';
  const a = gemm ? (opFor(node, snn.ann.opset)!.parseAttributes(node) as { alpha: number; beta: number; transA: boolean; transB: boolean }) : undefined;
  const w = constant(snn, node.inputs[1]);
  const inDims = snn.dims.get(node.inputs[0]!);
  if (w?.dtype !== 'float32' || w.dims.length !== 2 || inDims?.length !== 1 || a?.transA) return undefined;
  const transB = a?.transB ?? false;
  const [K, J] = (transB ? [w.dims[1]!, w.dims[0]!] : w.dims) as [number, number];
  if (K !== inDims[0]) return undefined;
  const c = gemm && node.inputs[2] ? constant(snn, node.inputs[2]) : undefined;
  if (gemm && node.inputs[2] && (c?.dtype !== 'float32' || !(c.data.length === J || c.data.length === 1) || (c.dims.length === 2 && c.dims[0] !== 1)))
    return undefined;
  const bt = new Float64Array(K * J);
  for (let kk = 0; kk < K; kk++) for (let j = 0; j < J; j++) bt[kk * J + j] = w.data[transB ? j * K + kk : kk * J + j]!;
  const bb = L.f64(bt);
  const cb = c ? L.f32(c.data.length === J ? (c.data as Float32Array) : new Float32Array(J).fill(c.data[0]!)) : undefined;
  const acc = k.alloc(J * 8);
  return fedStep(L, node, 'gemm', K, (inPtr, outPtr) => k.k.gemmEvents(inPtr, bb.ptr, cb ? cb.ptr : 0, acc, outPtr, n, K, J, a?.alpha ?? 1, a?.beta ?? 1));
}

function planIf(L: Layout, node: Node, closed: ReadonlySet<number>, counts: Map<number, Float32Array>): KernelStep | undefined {
  const { snn, k, n } = L;
  if (node.domain !== SNN_DOMAIN || node.opType !== ifNeuron.opType) return undefined;
  const index = snn.layers.findIndex((l) => l.name === node.name);
  const l = snn.layers[index];
  if (!l || (l.gain ?? 1) !== 1) return undefined;
  if (closed.has(index)) return planClosedForm(L, node, index, counts);
  const o = snn.options;
  const theta = expandThreshold(l.threshold, l.dims);
  const per = theta.length;
  const extra = extraCurrent(ifNeuron, theta, l, o);
  const v0 = initialPotential(theta, l.dims, l.v0, o);
  const v = { ptr: k.alloc(n * per * 4), len: n * per };
  L.inits.push(() => {
    const view = k.f32(v.ptr, v.len);
    for (let s = 0; s < n; s++) view.set(v0, s * per);
  });
  const th = L.f32(theta);
  const ex = extra ? L.f32(extra) : undefined;
  const cnt = { ptr: k.alloc(n * per * 4), len: n * per };
  L.countBufs.set(index, cnt);
  L.inits.push(() => counts.set(index, k.f32(cnt.ptr, cnt.len)));
  const sub = o.reset === 'subtract' ? 1 : 0;
  return fedStep(L, node, 'if', per, (inPtr, outPtr) => k.k.ifStep(v.ptr, inPtr, th.ptr, ex ? ex.ptr : 0, outPtr, cnt.ptr, n * per, per, sub));
}

/** A closed-form IF layer (constant current): the rates once, at the first step as the reference does, then n_t per step. */
function planClosedForm(L: Layout, node: Node, index: number, counts: Map<number, Float32Array>): KernelStep {
  const { snn, k, n } = L;
  const l = snn.layers[index]!;
  const theta = expandThreshold(l.threshold, l.dims);
  const per = theta.length;
  const cf = closedFormConstants(l, snn.options);
  const extra = extraCurrent(ifNeuron, theta, l, snn.options);
  const th = L.f32(theta);
  const b = L.f32(cf.b);
  const a = { ptr: k.alloc(n * per * 4), len: n * per };
  const cnt = { ptr: k.alloc(n * per * 4), len: n * per };
  L.countBufs.set(index, cnt);
  L.inits.push(() => counts.set(index, k.f32(cnt.ptr, cnt.len)));
  const out = L.output(node.outputs[0]!);
  let t = 0;
  const step: KernelStep = {
    node,
    kind: 'if',
    events: 0,
    perSample: per,
    run(values) {
      if (t++ === 0) k.f32(a.ptr, a.len).set(closedFormRate(values.get(node.inputs[0]!)!.data as Float32Array, extra, cf));
      step.events += k.k.closedFormStep(a.ptr, b.ptr, th.ptr, out.ptr, cnt.ptr, n * per, per, t);
      L.emit(values, node.outputs[0]!, out);
    },
  };
  return step;
}

/** A spiking max pool over a kernel-run neuron layer: its counts are in kernel memory. */
function planPool(L: Layout, node: Node): KernelStep | undefined {
  const { snn, k, n } = L;
  const index = snn.layers.findIndex((l) => l.output === node.inputs[0]);
  const cnt = L.countBufs.get(index);
  if (!cnt) return undefined;
  const plan = poolPlan(node, opFor(node, snn.ann.opset)!.parseAttributes(node) as SpikingPoolAttrs, snn.dims.get(node.inputs[0]!) ?? []);
  const starts = new Int32Array(plan.outPer + 1);
  plan.windows.forEach((w, o) => (starts[o + 1] = starts[o]! + w.length));
  const offs = new Int32Array(starts[plan.outPer]!);
  plan.windows.forEach((w, o) => offs.set(w, starts[o]!));
  const sb = { ptr: k.alloc(starts.length * 4), len: starts.length };
  const ob = { ptr: k.alloc(offs.length * 4), len: offs.length };
  L.inits.push(() => {
    k.i32(sb.ptr, sb.len).set(starts);
    k.i32(ob.ptr, ob.len).set(offs);
  });
  const inp = L.input(node.inputs[0]!);
  const out = L.output(node.outputs[0]!);
  return {
    node,
    kind: 'pool',
    events: 0,
    perSample: plan.inPer,
    run(values) {
      L.feed(values, node.inputs[0]!, inp);
      k.k.spikingPool(inp.buf.ptr, cnt.ptr, sb.ptr, ob.ptr, out.ptr, n, plan.inPer, plan.outPer);
      L.emit(values, node.outputs[0]!, out);
    },
  };
}

/**
 * Lays out the kernel-run nodes among `nodes` for a batch of n, seals the memory and fills the
 * constants. Conv/Gemm of the static part (computed once) run in the kernels too: exact as well,
 * and far faster than the reference's JavaScript loops.
 */
export function planKernels(k: Kernels, snn: SnnModel, nodes: readonly Node[], n: number, closed: ReadonlySet<number>): KernelPlan {
  const L = new Layout(k, snn, n);
  const steps = new Map<Node, KernelStep>();
  const counts = new Map<number, Float32Array>();
  for (const node of nodes) {
    let s: KernelStep | undefined;
    if (node.domain === '' && node.opType === 'Conv') s = planConv(L, node);
    else if (node.domain === '' && (node.opType === 'Gemm' || node.opType === 'MatMul')) s = planGemm(L, node);
    else if (node.domain === SNN_DOMAIN && (node.opType === 'SpikingMaxPool' || node.opType === 'SpikingGlobalMaxPool')) s = planPool(L, node);
    else s = planIf(L, node, closed, counts);
    if (s) steps.set(node, s);
  }
  k.seal();
  for (const init of L.inits) init();
  return { steps, counts };
}
