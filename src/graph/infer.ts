/**
 * Shape inference over the whole graph with the op rules, batch substituted by a concrete number.
 * Also the constant values that flow from initializers (for shape-carrying inputs).
 */
import { ruleFor } from '../../converters/registry.js';
import { typeProblems } from '../../converters/schema.js';
import type { ShapedValue } from '../../converters/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { topoSort } from './graph.js';
import type { Model, Node, Tensor } from './types.js';

export interface InferResult {
  /** Known values by tensor name (initializers included). */
  readonly values: Map<string, ShapedValue>;
  /** Nodes with no rule, in topological order. */
  readonly unsupported: Node[];
  /** Topological order used. */
  readonly order: Node[];
}

/** The declared input dims with symbolic/unknown dims replaced: dim 0 by `batch`, others by an error. */
export function concreteInputDims(m: Model, name: string, batch: number): number[] {
  const vi = m.graph.inputs.find((i) => i.name === name);
  if (!vi || !vi.shape) {
    throw new Onnx2SnnError(ErrorCodes.SHAPE, `${m.source ?? 'model'}: input "${name}" has no declared shape`, { input: name });
  }
  return vi.shape.map((d, i) => {
    if (i === 0) return batch;
    if (typeof d === 'number') return d;
    throw new Onnx2SnnError(
      ErrorCodes.SHAPE,
      `${m.source ?? 'model'}: input "${name}" has an unknown dimension ${i} (${d}); only the batch dimension may be symbolic`,
      {
        input: name,
        dim: i,
      },
    );
  });
}

/**
 * Infers dims of every tensor. With `strict`, an op without a rule throws E_UNSUPPORTED_OP listing
 * every such node; otherwise they are returned and tensors behind them stay unknown.
 */
export function inferShapes(m: Model, opts: { batch?: number; strict?: boolean } = {}): InferResult {
  const batch = opts.batch ?? 1;
  const g = m.graph;
  const values = new Map<string, ShapedValue>();
  for (const [k, t] of g.initializers) values.set(k, { dtype: t.dtype, dims: t.dims, value: t });
  for (const i of g.inputs) values.set(i.name, { dtype: i.dtype, dims: concreteInputDims(m, i.name, batch) });
  const order = topoSort(g);
  const unsupported: Node[] = [];
  for (const n of order) {
    const rule = ruleFor(n, m.opset);
    const ins = n.inputs.map((x) => (x ? values.get(x) : undefined));
    if (!rule) {
      unsupported.push(n);
      continue;
    }
    if (n.inputs.some((x, i) => x && !ins[i])) continue; // behind an unsupported op
    const typeErrors = typeProblems(
      n,
      ins.map((v) => v?.dtype),
    );
    if (typeErrors.length)
      throw new Onnx2SnnError(ErrorCodes.SHAPE, `${m.source ?? 'model'}: ${typeErrors.join('; ')}`, { file: m.source, node: n.name, problems: typeErrors });
    const ctx = { opset: m.opset };
    // constants flow: shape-carrying inputs (Reshape's shape after Shape→Gather→Concat) need values
    if (n.opType === 'Shape' || n.inputs.every((x, i) => !x || ins[i]!.value)) {
      const args = n.opType === 'Shape' ? [shapeStandIn(ins[0]!)] : ins.map((v) => v?.value);
      const outs = rule.evaluate(n, args, ctx);
      n.outputs.forEach((o, i) => {
        const t = outs[i];
        if (o && t) values.set(o, { dtype: t.dtype, dims: t.dims, value: t });
      });
      continue;
    }
    const outs = rule.inferShapes(n, ins, ctx);
    n.outputs.forEach((o, i) => {
      const s = outs[i];
      if (o && s) values.set(o, { dtype: s.dtype, dims: s.dims });
    });
  }
  if (opts.strict && unsupported.length) throw unsupportedError(m, unsupported);
  for (const o of g.outputs) {
    const v = values.get(o.name);
    if (v && v.dtype !== o.dtype) {
      throw new Onnx2SnnError(ErrorCodes.SHAPE, `${m.source ?? 'model'}: graph output "${o.name}" is declared ${o.dtype} but its node computes ${v.dtype}`, {
        file: m.source,
        output: o.name,
        expected: o.dtype,
        actual: v.dtype,
      });
    }
  }
  return { values, unsupported, order };
}

/** Shape reads only dims: a zero-filled stand-in of the right size (cheap for activations of one sample). */
function shapeStandIn(v: ShapedValue): Tensor {
  const n = v.dims.reduce((a, b) => a * b, 1);
  return { dtype: v.dtype, dims: v.dims, data: v.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n) };
}

export function unsupportedError(m: Model, nodes: readonly Node[]): Onnx2SnnError {
  const list = nodes.map((n) => `${n.opType}${n.domain ? ` (domain ${n.domain})` : ''} at node "${n.name}"`);
  return new Onnx2SnnError(
    ErrorCodes.UNSUPPORTED_OP,
    `${m.source ?? 'model'}: ${nodes.length} unsupported op${nodes.length > 1 ? 's' : ''} (opset ${m.opset}): ${list.join('; ')}`,
    {
      file: m.source,
      nodes: nodes.map((n) => ({ name: n.name, opType: n.opType, domain: n.domain })),
    },
  );
}
