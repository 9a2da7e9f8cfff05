/**
 * Checks a node against its op's declarative schema (converters/types.ts OpSchema): input and
 * output arity (optional ones omitted by '' or by a shorter list), attribute names and kinds, the
 * required attributes. For import validation: every problem is named, none is thrown.
 */
import type { Node } from '../src/graph/types.js';
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
  for (const [name, spec] of Object.entries(s.attributes)) if (spec.required && node.attrs[name] === undefined) out.push(`required attribute ${name} is missing`);
  return out.map((p) => `node "${node.name}" (${node.opType}): ${p}`);
}
