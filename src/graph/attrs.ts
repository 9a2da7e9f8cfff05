/**
 * Attribute access by ONNX name with the spec's defaults. Throws E_ATTRIBUTE naming the node when an
 * attribute has the wrong kind.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Attr, Graph, Node, Tensor } from './types.js';

function wrongKind(node: Node, name: string, want: string, got: Attr): never {
  throw new Onnx2SnnError(ErrorCodes.ATTRIBUTE, `node "${node.name}" (${node.opType}): attribute ${name} should be ${want}, got ${got.kind}`, {
    node: node.name,
    attribute: name,
    expected: want,
    actual: got.kind,
  });
}

export function hasAttr(node: Node, name: string): boolean {
  return node.attrs[name] !== undefined;
}

export function attrInt(node: Node, name: string, dflt: number): number;
export function attrInt(node: Node, name: string, dflt?: number): number | undefined;
export function attrInt(node: Node, name: string, dflt?: number): number | undefined {
  const a = node.attrs[name];
  if (a === undefined) return dflt;
  if (a.kind !== 'int') wrongKind(node, name, 'int', a);
  return a.value;
}

export function attrFloat(node: Node, name: string, dflt: number): number;
export function attrFloat(node: Node, name: string, dflt?: number): number | undefined;
export function attrFloat(node: Node, name: string, dflt?: number): number | undefined {
  const a = node.attrs[name];
  if (a === undefined) return dflt;
  if (a.kind === 'int') return a.value; // some exporters write integral floats as ints
  if (a.kind !== 'float') wrongKind(node, name, 'float', a);
  return a.value;
}

export function attrString(node: Node, name: string, dflt: string): string;
export function attrString(node: Node, name: string, dflt?: string): string | undefined;
export function attrString(node: Node, name: string, dflt?: string): string | undefined {
  const a = node.attrs[name];
  if (a === undefined) return dflt;
  if (a.kind !== 'string') wrongKind(node, name, 'string', a);
  return a.value;
}

export function attrInts(node: Node, name: string, dflt: readonly number[]): readonly number[];
export function attrInts(node: Node, name: string, dflt?: readonly number[]): readonly number[] | undefined;
export function attrInts(node: Node, name: string, dflt?: readonly number[]): readonly number[] | undefined {
  const a = node.attrs[name];
  if (a === undefined) return dflt;
  if (a.kind !== 'ints') wrongKind(node, name, 'ints', a);
  return a.value;
}

export function attrTensor(node: Node, name: string): Tensor | undefined {
  const a = node.attrs[name];
  if (a === undefined) return undefined;
  if (a.kind !== 'tensor') wrongKind(node, name, 'tensor', a);
  return a.value;
}

/** Attribute constructors, for passes that build nodes. */
export const A = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value: [...value] }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value: [...value] }),
  tensor: (value: Tensor): Attr => ({ kind: 'tensor', value }),
  graph: (value: Graph): Attr => ({ kind: 'graph', value }),
};
