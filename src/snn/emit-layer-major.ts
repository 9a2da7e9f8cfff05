/**
 * Layer-major order of a k-step Loop body (issue 11, lever 2, "scheduling for the cache"): the
 * stateless ops whose inputs are the step's own values (a Conv on spikes, a residual Add, a pool,
 * a Gemm) run once on the k steps stacked along the batch axis ([k·N, …]), and only the stateful
 * ones (neurons, spiking pools, the readout integrator: whatever reads a carried state) run step
 * by step, on a Split of their stacked input, their k outputs concatenated for the next stacked
 * op (every node between a carried state's reader and its writer runs step by step). The chained body (src/snn/emit-unroll.ts) runs every op k times on [N, …].
 *
 * The values are the same to the last bit: a stacked op computes each sample as the per-step op
 * does (convolutions, pools and matrix products do not mix samples; checked by
 * test/snn/emit-layer-major.test.ts), and the stateful ops run unchanged in step order. A body
 * with nothing to stack gives undefined (the chained body is used).
 */
import { A, attrInt } from '../graph/attrs.js';
import type { Graph, Node } from '../graph/types.js';

interface Parts {
  readonly fresh: (base: string) => string;
}

/** Ops that compute each sample of the batch independently, given constant weights. */
const STACKABLE = new Set([
  'Conv',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'Relu',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Gemm',
  'MatMul',
  'BatchNormalization',
  'Identity',
]);

function stackable(n: Node, produced: ReadonlySet<string>, consts: ReadonlySet<string>): boolean {
  if (!STACKABLE.has(n.opType) || n.domain !== '') return false;
  // Gemm/MatMul: only the first operand may carry the batch; weights and pools' inputs are constants or values of this step
  if ((n.opType === 'Gemm' || n.opType === 'MatMul') && n.inputs.slice(1).some((i) => i && !consts.has(i))) return false;
  // transA puts the batch on the other axis of A
  if (n.opType === 'Gemm' && attrInt(n, 'transA', 0) !== 0) return false;
  return n.inputs.every((i) => !i || produced.has(i) || consts.has(i)) && n.inputs.some((i) => produced.has(i));
}

/** Maximal runs of consecutive nodes of one kind: stacked (true) or stepped (false). */
function runsOf(nodes: readonly Node[], isStacked: (n: Node) => boolean): { stacked: boolean; nodes: Node[] }[] {
  const runs: { stacked: boolean; nodes: Node[] }[] = [];
  for (const n of nodes) {
    const s = isStacked(n);
    const last = runs[runs.length - 1];
    if (last && last.stacked === s) last.nodes.push(n);
    else runs.push({ stacked: s, nodes: [n] });
  }
  return runs;
}

/**
 * Positions of the nodes that must run step by step because of a carried state: everything from
 * its first reader to its writer (or from the writer to the last reader, where the new value is
 * written before the old one is read), so that step j + 1 reads what step j wrote within one run.
 */
function stateSpans(nodes: readonly Node[], carriedIn: readonly string[], carriedOut: readonly string[]): Set<number> {
  const forced = new Set<number>();
  carriedIn.forEach((inName, c) => {
    const out = carriedOut[c]!;
    if (out === inName) return;
    const at = nodes.flatMap((n, i) => (n.inputs.includes(inName) || n.outputs.includes(out) ? [i] : []));
    if (!at.length) return;
    for (let i = Math.min(...at); i <= Math.max(...at); i++) forced.add(i);
  });
  return forced;
}

/** The k-step body in layer-major order (same inputs and outputs as the chained body), or undefined where it cannot be. */
export function layerMajorBody(body: Graph, k: number, p: Parts): Graph | undefined {
  const nCarried = body.inputs.length - 2;
  const carriedIn = body.inputs.slice(2).map((v) => v.name);
  const outs = body.outputs.map((v) => v.name);
  const carriedOut = outs.slice(1, 1 + nCarried);
  const produced = new Set(body.nodes.flatMap((n) => n.outputs).filter(Boolean));
  const consts = new Set(body.initializers.keys());
  const forced = stateSpans(body.nodes, carriedIn, carriedOut);
  const index = new Map(body.nodes.map((n, i) => [n, i]));
  const runs = runsOf(body.nodes, (n) => !forced.has(index.get(n)!) && stackable(n, produced, consts));
  if (!runs.some((r) => r.stacked)) return undefined;
  const nodes: Node[] = [];
  const stacked = new Map<string, string>();
  const perStep = new Map<string, string[]>();
  const node = (opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): void =>
    void nodes.push({ name: p.fresh(`lm_${opType}`), opType, domain: '', inputs, outputs, attrs });
  const asStacked = (t: string): string => {
    if (!produced.has(t)) return t;
    let s = stacked.get(t);
    if (!s) {
      s = p.fresh(`${t}_stacked`);
      node('Concat', perStep.get(t)!, [s], { axis: A.int(0) });
      stacked.set(t, s);
    }
    return s;
  };
  const asSteps = (t: string): string[] => {
    let xs = perStep.get(t);
    if (!xs) {
      xs = Array.from({ length: k }, (_, j) => p.fresh(`${t}_s${j}`));
      node('Split', [stacked.get(t)!], xs, { axis: A.int(0) });
      perStep.set(t, xs);
    }
    return xs;
  };
  // carried states as step j reads them: the body input at j = 0, then the previous step's output
  const carriedAt = (name: string, j: number): string | undefined => {
    const c = carriedIn.indexOf(name);
    if (c < 0) return undefined;
    if (carriedOut[c] === name) return name;
    return j === 0 ? name : asSteps(carriedOut[c]!)[j - 1]!;
  };
  for (const run of runs) {
    if (run.stacked) {
      for (const n of run.nodes) {
        const o = n.outputs.map((x) => (x ? p.fresh(`${x}_stacked`) : x));
        nodes.push({ ...n, name: p.fresh(`${n.name}_lm`), inputs: n.inputs.map(asStacked), outputs: o });
        n.outputs.forEach((x, i) => x && stacked.set(x, o[i]!));
      }
      continue;
    }
    // fresh names of every value of this run at every step, so that a carried state written late in the run is known at the next step
    for (const n of run.nodes)
      for (const x of n.outputs)
        if (x)
          perStep.set(
            x,
            Array.from({ length: k }, (_, j) => p.fresh(`${x}_s${j}`)),
          );
    for (let j = 0; j < k; j++)
      for (const n of run.nodes)
        nodes.push({
          ...n,
          name: p.fresh(`${n.name}_s${j}`),
          inputs: n.inputs.map((i) => (i ? (carriedAt(i, j) ?? (produced.has(i) ? asSteps(i)[j]! : i)) : i)),
          outputs: n.outputs.map((x) => (x ? perStep.get(x)![j]! : x)),
        });
  }
  const last = (t: string): string => (produced.has(t) ? asSteps(t)[k - 1]! : t);
  const first = (t: string): string => (produced.has(t) ? asSteps(t)[0]! : t);
  const scan = asStacked(outs[1 + nCarried]!);
  const outputs = [
    { ...body.outputs[0]!, name: first(outs[0]!) },
    ...body.outputs.slice(1, 1 + nCarried).map((v) => ({ ...v, name: last(v.name) })),
    { ...body.outputs[1 + nCarried]!, name: scan },
  ];
  return { ...body, name: `${body.name}_lm${k}`, nodes, outputs };
}
