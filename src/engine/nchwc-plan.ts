/**
 * Which tensors of a Loop body can live in the blocked layout (src/engine/nchwc-layout.ts): the
 * analysis half of the NCHWc lowering (src/engine/nchwc.ts). A tensor is blocked when its channel
 * count is a multiple of the block (no padded channels anywhere, so nothing needs a "never
 * spikes" padding value) and it is
 *  - the output of a Conv with constant weights, group 1 (onnxruntime's nchwc Conv), or
 *  - the output of an elementwise op with at least one blocked (or outer-scope, reorderable) input
 *    whose other inputs are scalars or constants of the same [C, H, W] (stored in blocked order),
 *  - a loop-carried state whose next value is blocked (a fixed point from "all candidates").
 * Everything else keeps the standard layout and reads a blocked input through one ReorderOutput.
 */
import { attrInt, attrInts, attrString } from '../graph/attrs.js';
import type { Graph, Node, Tensor } from '../graph/types.js';
import { broadcastDims, convDims, type Dims, uniform } from './nchwc-layout.js';

const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'GreaterOrEqual', 'Greater', 'Less', 'LessOrEqual', 'Equal', 'Where', 'And', 'Or']);
const UNARY = new Set(['Floor', 'Ceil', 'Relu', 'Neg', 'Abs', 'Identity', 'Cast', 'Not', 'Round', 'Sign']);

/** How a blocked node reads each input. */
export type InputUse = 'blocked' | 'scalar' | 'scalar-const' | 'blocked-const' | 'outer' | 'plain' | 'reorder';

export interface NodePlan {
  readonly node: Node;
  /** 'conv': becomes an nchwc Conv; 'elementwise': runs on blocked inputs; 'plain': unchanged. */
  readonly kind: 'conv' | 'elementwise' | 'plain';
  readonly uses: readonly InputUse[];
}

export interface BodyPlan {
  readonly nodes: readonly NodePlan[];
  readonly blocked: ReadonlySet<string>;
  readonly dims: ReadonlyMap<string, Dims>;
  /** Indices (among the loop-carried states) of the blocked states. */
  readonly states: ReadonlySet<number>;
  /** Outer-scope tensors a blocked node reads blocked (ReorderInput before the Loop). */
  readonly outer: ReadonlySet<string>;
}

export interface Scope {
  readonly block: number;
  /** Constant values visible in the body (its initializers and the outer graph's). */
  readonly constOf: (name: string) => Tensor | undefined;
  /** Dims of outer-scope (non-constant) tensors. */
  readonly outerDims: ReadonlyMap<string, Dims>;
}

/** Whether dims are those of a blockable activation: [N, C, H, W] with C a multiple of the block. */
export function blockable(d: Dims | undefined, block: number): boolean {
  return !!d && d.length === 4 && d[0] === -1 && d[1]! % block === 0;
}

/** Dims of a node's first output from its inputs' dims (the ops the SNN files use), or undefined. */
export function nodeDims(n: Node, dimsOf: (x: string) => Dims | undefined): Dims | undefined {
  const ins = n.inputs.map((x) => (x ? dimsOf(x) : undefined));
  if (BINARY.has(n.opType)) {
    let d: Dims | undefined = [];
    for (const x of ins) d = d && x ? broadcastDims(d, x) : undefined;
    return d;
  }
  if (UNARY.has(n.opType)) return ins[0];
  if (n.opType === 'Conv' && ins[0] && ins[1]) {
    const pad = attrString(n, 'auto_pad') ?? 'NOTSET';
    const strides = attrInts(n, 'strides');
    // SAME_*: ⌈H / stride⌉ (ONNX Conv)
    if (pad.startsWith('SAME')) return [ins[0][0]!, ins[1][0]!, ...[0, 1].map((i) => Math.ceil(ins[0]![2 + i]! / (strides?.[i] ?? 1)))];
    return convDims(ins[0], ins[1], { pads: pad === 'VALID' ? [] : attrInts(n, 'pads'), strides, dilations: attrInts(n, 'dilations') });
  }
  if (
    (n.opType === 'MaxPool' || n.opType === 'AveragePool') &&
    ins[0]?.length === 4 &&
    (attrString(n, 'auto_pad') ?? 'NOTSET') === 'NOTSET' &&
    !attrInt(n, 'ceil_mode', 0)
  ) {
    const k = attrInts(n, 'kernel_shape') ?? [1, 1];
    return convDims(ins[0], [ins[0][1]!, ins[0][1]!, k[0]!, k[1]!], {
      pads: attrInts(n, 'pads'),
      strides: attrInts(n, 'strides'),
      dilations: attrInts(n, 'dilations'),
    });
  }
  // the emitted file's batch Tile ([1, …] repeated by [N, 1, …]; src/snn/emit.ts)
  if (n.opType === 'Tile' && ins[0] && ins[0][0] === 1) return [-1, ...ins[0].slice(1)];
  return undefined;
}

function convUse(n: Node, scope: Scope, blocked: ReadonlySet<string>): InputUse | undefined {
  const w = scope.constOf(n.inputs[1] ?? '');
  const b = n.inputs[2] ? scope.constOf(n.inputs[2]) : undefined;
  if (w?.dtype !== 'float32' || w.dims.length !== 4 || (n.inputs[2] && !b) || n.inputs.length > 3) return undefined;
  if (attrInt(n, 'group', 1) !== 1) return undefined;
  const [O, I] = w.dims as [number, number];
  if (O % scope.block !== 0) return undefined;
  if (blocked.has(n.inputs[0]!)) return 'blocked';
  if (I < scope.block) return 'plain';
  return I % 4 === 0 ? 'reorder' : undefined;
}

/** Whether constant dims broadcast to one sample's [C, H, W] of `out` without spanning the batch. */
function broadcastsTo(d: Dims, out: Dims): boolean {
  const chw = [1, 1, 1, ...d].slice(-3);
  return d.length <= 4 && d.slice(0, -3).every((v) => v === 1) && chw.every((v, i) => v === 1 || v === out[i + 1]);
}

function elementwiseUses(
  n: Node,
  out: Dims | undefined,
  scope: Scope,
  blocked: ReadonlySet<string>,
  dimsOf: (x: string) => Dims | undefined,
): InputUse[] | undefined {
  if (!(BINARY.has(n.opType) || UNARY.has(n.opType)) || !blockable(out, scope.block)) return undefined;
  const same = (d: Dims | undefined): boolean => !!d && d.length === 4 && d.every((x, i) => x === out![i]);
  const uses: InputUse[] = [];
  for (const x of n.inputs) {
    const c = scope.constOf(x);
    const d = dimsOf(x);
    if (blocked.has(x)) uses.push('blocked');
    else if (c) {
      if (uniform(c)) uses.push('scalar-const');
      else if (c.dtype === 'float32' && broadcastsTo(c.dims, out!)) uses.push('blocked-const');
      else return undefined;
    } else if (d?.every((v) => v === 1)) uses.push('scalar');
    else if (scope.outerDims.has(x) && same(d)) uses.push('outer');
    else return undefined;
  }
  return uses.some((u) => u === 'blocked' || u === 'outer') ? uses : undefined;
}

function analyse(body: Graph, scope: Scope, states: ReadonlySet<number>, stateDims: readonly (Dims | undefined)[]): BodyPlan {
  const dims = new Map<string, Dims>();
  const blocked = new Set<string>();
  const outer = new Set<string>();
  body.inputs.slice(2).forEach((v, j) => {
    if (stateDims[j]) dims.set(v.name, stateDims[j]!);
    if (states.has(j)) blocked.add(v.name);
  });
  const dimsOf = (x: string): Dims | undefined => dims.get(x) ?? scope.constOf(x)?.dims ?? scope.outerDims.get(x);
  const nodes: NodePlan[] = [];
  for (const n of body.nodes) {
    const cu = n.opType === 'Conv' ? convUse(n, scope, blocked) : undefined;
    // a blocked Conv's channel count is known even where its spatial dims are not
    const d = nodeDims(n, dimsOf) ?? (cu ? [-1, scope.constOf(n.inputs[1]!)!.dims[0]!, Number.NaN, Number.NaN] : undefined);
    if (d) dims.set(n.outputs[0]!, d);
    const eu = cu ? undefined : elementwiseUses(n, d, scope, blocked, dimsOf);
    if (cu) nodes.push({ node: n, kind: 'conv', uses: [cu] });
    else if (eu) {
      nodes.push({ node: n, kind: 'elementwise', uses: eu });
      n.inputs.forEach((x, i) => eu[i] === 'outer' && outer.add(x));
    } else nodes.push({ node: n, kind: 'plain', uses: [] });
    if (cu || eu) blocked.add(n.outputs[0]!);
  }
  return { nodes, blocked, dims, states, outer };
}

/** The plan of a Loop body: blocked states from the fixed point of "state in blocked ⇔ state out blocked". */
export function planBody(body: Graph, scope: Scope, stateDims: readonly (Dims | undefined)[]): BodyPlan {
  let states = new Set(stateDims.flatMap((d, j) => (blockable(d, scope.block) ? [j] : [])));
  for (;;) {
    const plan = analyse(body, scope, states, stateDims);
    const next = new Set([...states].filter((j) => plan.blocked.has(body.outputs[1 + j]!.name)));
    if (next.size === states.size) return plan;
    states = next;
  }
}
