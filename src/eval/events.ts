/**
 * How spike events (per-element counts) cross the ops between neuron layers and weighted layers,
 * for the synaptic-operation counts of src/eval/ops.ts: each op's synops role in converters/ says
 * which rule applies (moved exactly, passed, summed, spread over windows, max over windows).
 */
import type { OpEntry } from '../../converters/types.js';
import { ruleFor } from '../../converters/registry.js';
import type { Node, Tensor } from '../graph/types.js';
import type { SnnModel } from '../snn/build.js';

/** Per-element event counts of one tensor for a batch: [n, ...per-sample dims]. */
export type Events = Tensor;

/** A tensor whose events cannot be followed (an analog signal): counted as dense MACs downstream. */
export const DENSE = Symbol('dense');
export type Carried = Events | typeof DENSE;

const sizeOf = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

export interface CarryContext {
  readonly n: number;
  readonly snn: SnnModel;
  readonly carried: ReadonlyMap<string, Carried>;
  readonly zeros: (name: string) => Events;
}

/** Events out of a routing/pooling/arithmetic op, from its synops role (converters/). */
export function carryEvents(entry: OpEntry, node: Node, ev: readonly Events[], c: CarryContext): { events: Carried; approximate: boolean } {
  const opset = c.snn.ann.opset;
  const outDims = [c.n, ...(c.snn.dims.get(node.outputs[0]!) ?? [])];
  const role = entry.synops;
  switch (role?.carry) {
    case 'window-max': {
      // the largest count in the window (exact unless two inputs tie and the earlier one catches up)
      const plain: Node = { ...node, opType: role.plainOp!, domain: '', outputs: [node.outputs[0]!] };
      return { events: ruleFor(plain, opset)!.evaluate(plain, [ev[0]!], { opset })[0]!, approximate: true };
    }
    case 'window-sum': {
      // each spike reaches every window that holds it: the average times the window size
      const plain: Node = { ...node, outputs: [node.outputs[0]!] };
      const avg = entry.evaluate(plain, [ev[0]!], { opset })[0]!;
      const k = role.window!(node, ev[0]!.dims);
      return { events: { ...avg, data: avg.data.map((v) => v * k) as Float32Array }, approximate: true };
    }
    case 'sum': {
      const [a, b] = [ev[0]!, ev[1]];
      if (b && sizeOf(a.dims) === sizeOf(b.dims) && sizeOf(a.dims) === sizeOf(outDims)) {
        const data = new Float32Array(a.data.length);
        for (let j = 0; j < data.length; j++) data[j] = a.data[j]! + b.data[j]!;
        return { events: { dtype: 'float32', dims: outDims, data }, approximate: false };
      }
      return { events: !b && sizeOf(a.dims) === sizeOf(outDims) ? { ...a, dims: outDims } : DENSE, approximate: false };
    }
    case 'pass':
      return { events: sizeOf(ev[0]!.dims) === sizeOf(outDims) ? { ...ev[0]!, dims: outDims } : DENSE, approximate: false };
    case 'route': {
      // constants stay; a static input that may carry events carries none
      const inits = c.snn.ann.graph.initializers;
      const mayVary = (pos: number): boolean => !entry.spiking.dynamicInputs || entry.spiking.dynamicInputs.includes(pos);
      const ins = node.inputs.map((i, pos): Tensor | undefined => {
        if (!i) return undefined;
        const e = c.carried.get(i);
        if (e && e !== DENSE) return e;
        return inits.get(i) ?? (mayVary(pos) ? c.zeros(i) : undefined);
      });
      return { events: entry.evaluate(node, ins, { opset })[0]!, approximate: false };
    }
    default:
      return { events: DENSE, approximate: false };
  }
}
