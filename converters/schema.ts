/**
 * Checks a node against its op's declarative schema (converters/types.ts OpSchema): input and
 * output arity (optional ones omitted by '' or by a shorter list), attribute names and kinds, the
 * required attributes. For import validation: every problem is named, none is thrown.
 */
import type { DType, Node } from '../src/graph/types.js';
import type { OpEntry } from './types.js';

/** Count of the inputs/outputs given: up to the last non-empty name. */
function given(names: readonly string[]): number {
  let n = names.length;
  while (n > 0 && names[n - 1] === '') n--;
  return n;
}

function arity(what: string, names: readonly string[], [min, max]: readonly [number, number]): string[] {
  const n = given(names);
  const range = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
  const out: string[] = [];
  if (n < min || n > max) out.push(`${n} ${what}s, expected ${range}`);
  // onnxruntime counts trailing empty names too (Gemm with inputs [a, b, c, ''] has 4)
  else if (names.length > max) out.push(`${names.length} ${what}s (the last ${names.length - n} empty), expected ${range}`);
  for (let i = 0; i < Math.min(min, names.length); i++) if (names[i] === '') out.push(`${what} ${i} is required`);
  return out;
}

/** Everything wrong with `node` for `entry`'s schema ([] when it conforms). */
export function schemaProblems(node: Node, entry: OpEntry): string[] {
  const s = entry.schema;
  const out = [...arity('input', node.inputs, s.inputs), ...arity('output', node.outputs, s.outputs)];
  for (const [name, a] of Object.entries(node.attrs)) {
    const spec = s.attributes[name];
    if (!spec) out.push(`unknown attribute ${name}`);
    // integral floats written as ints are read as floats (src/graph/attrs.ts)
    else if (a.kind !== spec.kind && !(spec.kind === 'float' && a.kind === 'int')) out.push(`attribute ${name} is ${a.kind}, expected ${spec.kind}`);
  }
  for (const [name, spec] of Object.entries(s.attributes))
    if (spec.required && node.attrs[name] === undefined) out.push(`required attribute ${name} is missing`);
  return out.map((p) => `node "${node.name}" (${node.opType}): ${p}`);
}

/**
 * Inputs that ONNX's type constraints tie to one type variable T (all of them, or the positions
 * listed), and ops whose T is a floating type: what onnxruntime's type check would refuse, found
 * during shape inference so the error names the node.
 */
const SAME_TYPE: Readonly<Record<string, readonly number[] | 'all'>> = {
  Conv: [0, 1, 2],
  ConvTranspose: [0, 1, 2],
  Gemm: [0, 1, 2],
  MatMul: [0, 1],
  PRelu: [0, 1],
  Clip: [0, 1, 2],
  Add: 'all',
  Sub: 'all',
  Mul: 'all',
  Div: 'all',
  Sum: 'all',
  Max: 'all',
  Min: 'all',
  Mean: 'all',
  Concat: 'all',
};
const FLOAT_ONLY = new Set(['Conv', 'ConvTranspose', 'Gemm', 'AveragePool', 'GlobalAveragePool', 'Softmax', 'LogSoftmax', 'BatchNormalization']);
const FLOATS: readonly DType[] = ['float32', 'float64'];

/** Type problems of a node of the default domain given its input types (undefined: omitted or unknown). */
export function typeProblems(node: Node, types: readonly (DType | undefined)[]): string[] {
  if (node.domain !== '') return [];
  const out: string[] = [];
  const t0 = types[0];
  const tied = SAME_TYPE[node.opType];
  if (t0 && tied) {
    const at = tied === 'all' ? types.map((_, i) => i) : tied;
    for (const i of at)
      if (i > 0 && types[i] && types[i] !== t0) out.push(`input ${i} ("${node.inputs[i]}") is ${types[i]} but input 0 is ${t0}; ${node.opType} needs one type`);
  }
  if (t0 && FLOAT_ONLY.has(node.opType) && !FLOATS.includes(t0)) out.push(`input 0 is ${t0}; ${node.opType} needs a floating-point tensor`);
  return out.map((p) => `node "${node.name}" (${node.opType}): ${p}`);
}
