/**
 * Several time steps per Loop iteration (issue 11, lever 1): the step body chained k times in one
 * body, so that onnxruntime's per-iteration cost (running a subgraph: feeds, fetches, the scan
 * output copy) is paid once per k steps. T need not be a multiple of k: a first Loop runs ⌊(T−1)/k⌋
 * iterations of the k-step body, a second one the 1 … k remaining steps with the one-step body,
 * from the first one's final states. The per-step readouts of the first Loop come out as
 * [⌊T/k⌋, k·N, K] (the k steps concatenated along the batch axis) and are reshaped to [·, N, K]
 * before the two are concatenated, so `readout_steps` is the same [T, N, K] as with one step per
 * iteration. Every step runs the same nodes on the same values in the same order: the results are
 * identical to the last bit.
 */
import { A } from '../graph/attrs.js';
import { int64 } from '../graph/tensor.js';
import type { Graph, Node, Tensor } from '../graph/types.js';

interface Parts {
  readonly fresh: (base: string) => string;
  readonly konst: (base: string, t: Tensor) => string;
}

/** The one-step body chained k times: inputs iter, cond, the carried states; outputs cond, the carried states, the k step readouts concatenated. */
function chainedBody(body: Graph, k: number, p: Parts): Graph {
  const nCarried = body.inputs.length - 2;
  const carriedIn = body.inputs.slice(2).map((v) => v.name);
  const outs = body.outputs.map((v) => v.name);
  const produced = new Set(body.nodes.flatMap((n) => n.outputs).filter(Boolean));
  const nodes: Node[] = [];
  let carried = carriedIn;
  let cond = '';
  const steps: string[] = [];
  for (let j = 0; j < k; j++) {
    const ren = new Map<string, string>();
    carriedIn.forEach((name, i) => ren.set(name, carried[i]!));
    for (const t of produced) ren.set(t, p.fresh(`${t}_u${j}`));
    const r = (t: string): string => ren.get(t) ?? t;
    for (const n of body.nodes) nodes.push({ ...n, name: p.fresh(`${n.name}_u${j}`), inputs: n.inputs.map(r), outputs: n.outputs.map((o) => (o ? r(o) : o)) });
    if (j === 0) cond = r(outs[0]!);
    carried = outs.slice(1, 1 + nCarried).map(r);
    steps.push(r(outs[1 + nCarried]!));
  }
  const scan = p.fresh('readout_steps_k');
  nodes.push({ name: p.fresh('readout_steps_concat'), opType: 'Concat', domain: '', inputs: steps, outputs: [scan], attrs: { axis: A.int(0) } });
  const outputs = [
    { ...body.outputs[0]!, name: cond },
    ...body.outputs.slice(1, 1 + nCarried).map((v, i) => ({ ...v, name: carried[i]! })),
    { ...body.outputs[1 + nCarried]!, name: scan },
  ];
  return { ...body, name: `${body.name}_x${k}`, nodes, outputs };
}

/** The remainder body: the one-step body with its own initializer names (sibling subgraphs do not share them). */
function renamedInitializers(body: Graph, p: Parts): Graph {
  const ren = new Map([...body.initializers.keys()].map((k) => [k, p.fresh(`${k}_r`)]));
  return {
    ...body,
    name: `${body.name}_rest`,
    nodes: body.nodes.map((n) => ({ ...n, inputs: n.inputs.map((i) => ren.get(i) ?? i) })),
    initializers: new Map([...body.initializers].map(([k, v]) => [ren.get(k)!, v])),
  };
}

/**
 * The nodes that replace `Loop(T, '', inits) → (finals, readout_steps)` by ⌊(T−1)/k⌋ iterations of
 * k steps (`kBody`, default the chained body; src/snn/emit-layer-major.ts gives another order) and the rest (1 … k) of one. `readoutFinal` is the carried readout's final name (its shape [N, K]
 * gives the reshape), the body's only scan output is the step readout.
 */
export function unrolledLoops(
  body: Graph,
  k: number,
  T: string,
  inits: readonly string[],
  finals: readonly string[],
  readoutFinal: string,
  p: Parts,
  kBody?: Graph,
): Node[] {
  const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({
    name: p.fresh(`snn_${opType}`),
    opType,
    domain: '',
    inputs,
    outputs,
    attrs,
  });
  const kConst = p.konst(`steps_per_iteration`, int64([], [k]));
  const tMinus1 = p.fresh('timesteps_minus_one');
  const trips = p.fresh('trips_k'),
    done = p.fresh('steps_done'),
    rest = p.fresh('trips_rest');
  const mid = finals.map((f) => p.fresh(`${f}_mid`));
  const scanK = p.fresh('readout_steps_k'),
    scanRest = p.fresh('readout_steps_rest');
  const shape = p.fresh('readout_shape'),
    steps = p.fresh('readout_steps_k_flat'),
    target = p.fresh('readout_steps_shape');
  const midReadout = mid[finals.indexOf(readoutFinal)]!;
  return [
    // ⌊(T − 1)/k⌋ iterations of k steps, then 1 … k single steps: the second Loop never runs zero
    // iterations (onnxruntime then gives its scan output rank 1 and warns); the first does when T ≤ k
    node('Sub', [T, p.konst('i64_one', int64([], [1]))], [tMinus1]),
    node('Div', [tMinus1, kConst], [trips]),
    node('Mul', [trips, kConst], [done]),
    node('Sub', [T, done], [rest]),
    node('Loop', [trips, '', ...inits], [...mid, scanK], { body: A.graph(kBody ?? chainedBody(body, k, p)) }),
    node('Loop', [rest, '', ...mid], [...finals, scanRest], { body: A.graph(renamedInitializers(body, p)) }),
    node('Shape', [midReadout], [shape]),
    node('Concat', [p.konst('minus_one', int64([1], [-1])), shape], [target], { axis: A.int(0) }),
    node('Reshape', [scanK, target], [steps]),
    node('Concat', [steps, scanRest], ['readout_steps'], { axis: A.int(0) }),
  ];
}
