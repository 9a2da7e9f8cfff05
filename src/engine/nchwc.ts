/**
 * The NCHWc lowering of an emitted SNN for onnxruntime's CPU provider (issue 11): the Loop body
 * keeps its activations in onnxruntime's blocked layout end to end. onnxruntime's own
 * NchwcTransformer already runs every Conv in that layout, but wraps each in ReorderInput /
 * ReorderOutput because the layout does not propagate through the neuron's GreaterOrEqual / Where /
 * Sub (11 % of a ResNet-20 step). Here the neuron's elementwise ops run on the blocked tensors
 * directly (they only see flat memory; constants are stored in the same order), the
 * com.microsoft.nchwc Conv reads pre-reordered filters, and tensors change layout only where they
 * enter or leave a blocked region: ReorderInput once before the Loop (initial states, the constant
 * input current), ReorderOutput after it (final states) and before standard-only consumers (the
 * readout's Gemm, count outputs). Same kernels, same float32 operations in the same order: spike
 * counts and readouts are those of the plain file (test/engine/nchwc.test.ts).
 *
 * This is an engine-side, hardware-specific transform (the block size is the machine's): the
 * portable `convert` output stays standard ONNX. Which tensors are blocked: src/engine/nchwc-plan.ts.
 */
import type { Graph, Model, Node, Tensor, ValueInfo } from '../graph/types.js';
import { pruneInitializers } from '../graph/graph.js';
import { blockConstant, type Dims, expandTo, filterBiBo, filterBo } from './nchwc-layout.js';
import { type BodyPlan, nodeDims, planBody, type Scope } from './nchwc-plan.js';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

export interface NchwcLowering {
  readonly model: Model;
  /** Conv nodes in Loop bodies, and those now reading and writing the blocked layout. */
  readonly convs: number;
  readonly blockedConvs: number;
  /** Blocked loop-carried states, over all Loops. */
  readonly blockedStates: number;
}

const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}, domain = NCHWC_DOMAIN): Node => ({
  name: `${outputs[0]}__node`,
  opType,
  domain,
  inputs,
  outputs,
  attrs,
});
const reorderOut = (x: string, out: string, channels: number): Node => node('ReorderOutput', [x], [out], { channels: { kind: 'int', value: channels } });
const reorderIn = (x: string, out: string): Node => node('ReorderInput', [x], [out]);

/** Rewrites one Loop body by its plan. */
function rewriteBody(body: Graph, plan: BodyPlan, scope: Scope): { body: Graph; convs: number } {
  const inits = new Map(body.initializers);
  const out: Node[] = [];
  const std = new Map<string, string>(); // blocked tensor → its standard copy
  const needStd = new Set<string>();
  for (const p of plan.nodes) if (p.kind === 'plain') for (const x of p.node.inputs) if (plan.blocked.has(x)) needStd.add(x);
  // body outputs: blocked states stay blocked; every other output is read in the standard layout
  const stdOutput = body.outputs.map((o, i) => plan.blocked.has(o.name) && !(i >= 1 && i <= body.inputs.length - 2 && plan.states.has(i - 1)));
  body.outputs.forEach((o, i) => stdOutput[i] && needStd.add(o.name));
  const emitStd = (x: string): void => {
    if (!needStd.has(x) || std.has(x)) return;
    std.set(x, `${x}__nchw`);
    out.push(reorderOut(x, `${x}__nchw`, plan.dims.get(x)![1]!));
  };
  for (const v of body.inputs) if (plan.blocked.has(v.name)) emitStd(v.name);
  const constIn = (x: string, kind: 'scalar-const' | 'blocked-const', out: Dims): string => {
    const chw = out.slice(1);
    const name = `${x}__${kind === 'scalar-const' ? 'scalar' : `nchwc${scope.block}_${chw.join('x')}`}`;
    if (!inits.has(name)) {
      const c = scope.constOf(x)!;
      inits.set(name, kind === 'scalar-const' ? { dtype: c.dtype, dims: [], data: c.data.slice(0, 1) } : blockConstant(expandTo(c, chw), scope.block));
    }
    return name;
  };
  let convs = 0;
  const reordered = new Set<string>();
  for (const p of plan.nodes) {
    const n = p.node;
    if (p.kind === 'plain') out.push({ ...n, inputs: n.inputs.map((x) => std.get(x) ?? x) });
    else if (p.kind === 'elementwise') {
      const inputs = n.inputs.map((x, i) => {
        const u = p.uses[i]!;
        if (u === 'scalar-const' || u === 'blocked-const') return constIn(x, u, plan.dims.get(n.outputs[0]!)!);
        return u === 'outer' ? `${x}__nchwc` : x;
      });
      out.push({ ...n, inputs });
    } else {
      convs++;
      out.push(...lowerConv(n, p.uses[0]!, scope, inits, std, reordered));
    }
    emitStd(n.outputs[0]!);
  }
  const outputs: ValueInfo[] = body.outputs.map((o, i) => (stdOutput[i] ? { name: std.get(o.name)!, dtype: o.dtype } : o));
  return { body: pruneInitializers({ ...body, nodes: out, outputs, initializers: inits }), convs };
}

/** A Conv as an nchwc Conv: filters reordered, the input reordered here unless blocked or plain NCHW with < block channels. */
function lowerConv(n: Node, use: string, scope: Scope, inits: Map<string, Tensor>, std: ReadonlyMap<string, string>, reordered: Set<string>): Node[] {
  const w = scope.constOf(n.inputs[1]!)!;
  const plainInput = use === 'plain';
  const wName = `${n.inputs[1]}__${plainInput ? 'Bo' : 'BiBo'}${scope.block}`;
  if (!inits.has(wName)) inits.set(wName, plainInput ? filterBo(w, scope.block) : filterBiBo(w, scope.block));
  const nodes: Node[] = [];
  let x = n.inputs[0]!;
  if (use === 'plain') x = std.get(x) ?? x;
  if (use === 'reorder') {
    const r = `${x}__nchwc_in`;
    if (!reordered.has(r)) nodes.push(reorderIn(std.get(x) ?? x, r));
    reordered.add(r);
    x = r;
  }
  nodes.push({ ...n, domain: NCHWC_DOMAIN, inputs: [x, wName, ...n.inputs.slice(2)] });
  return nodes;
}

/** Dims of the outer graph's tensors (rule by rule, batch = -1). */
function outerDims(g: Graph): Map<string, Dims> {
  const dims = new Map<string, Dims>();
  for (const i of g.inputs)
    if (i.shape)
      dims.set(
        i.name,
        i.shape.map((d, k) => (typeof d === 'number' ? d : k === 0 ? -1 : Number.NaN)),
      );
  const dimsOf = (x: string): Dims | undefined => dims.get(x) ?? g.initializers.get(x)?.dims;
  for (const n of g.nodes) {
    const d = nodeDims(n, dimsOf);
    if (d) dims.set(n.outputs[0]!, d);
  }
  return dims;
}

/** The lowering for a block size (8 or 16; src/engine/nchwc-probe.ts finds the machine's). */
export function lowerNchwc(model: Model, block: number): NchwcLowering {
  const g = model.graph;
  const dims = outerDims(g);
  const blockedOuter = new Map<string, string>(); // outer tensor → its blocked copy
  const nodes: Node[] = [];
  let convs = 0;
  let blockedConvs = 0;
  let blockedStates = 0;
  const toBlocked = (x: string): string => {
    if (!blockedOuter.has(x)) {
      blockedOuter.set(x, `${x}__nchwc`);
      nodes.push(reorderIn(x, `${x}__nchwc`));
    }
    return blockedOuter.get(x)!;
  };
  for (const n of g.nodes) {
    const a = n.attrs['body'];
    if (n.opType !== 'Loop' || a?.kind !== 'graph') {
      nodes.push(n);
      continue;
    }
    const body = a.value;
    const scope: Scope = { block, constOf: (x) => body.initializers.get(x) ?? g.initializers.get(x), outerDims: dims };
    const stateDims = n.inputs.slice(2).map((x) => dims.get(x) ?? g.initializers.get(x)?.dims);
    // a loop-carried state keeps its shape (the emitted file's states are fixed-size)
    stateDims.forEach((d, j) => d && dims.set(n.outputs[j]!, d));
    const plan = planBody(body, scope, stateDims);
    const lowered = rewriteBody(body, plan, scope);
    convs += body.nodes.filter((x) => x.opType === 'Conv').length;
    blockedConvs += lowered.convs;
    blockedStates += plan.states.size;
    for (const x of plan.outer) toBlocked(x);
    const inputs = n.inputs.map((x, i) => (i >= 2 && plan.states.has(i - 2) ? toBlocked(x) : x));
    const outputs = n.outputs.map((o, j) => (plan.states.has(j) ? `${o}__nchwc` : o));
    nodes.push({ ...n, inputs, outputs, attrs: { ...n.attrs, body: { kind: 'graph', value: lowered.body } } });
    for (const j of plan.states) {
      const o = n.outputs[j]!;
      blockedOuter.set(o, `${o}__nchwc`);
      nodes.push(reorderOut(`${o}__nchwc`, o, stateDims[j]![1]!));
    }
  }
  const otherOpsets = { ...model.otherOpsets, [NCHWC_DOMAIN]: 1 };
  return { model: { ...model, otherOpsets, graph: { ...g, nodes } }, convs, blockedConvs, blockedStates };
}
