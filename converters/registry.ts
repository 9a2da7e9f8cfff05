/**
 * The one op table: every family file's `ops`, keyed by domain and op type, newest opset first.
 * An op added to a family file needs no line here; a new family file is one import and one entry
 * of FAMILIES.
 */
import type { Node } from '../src/graph/types.js';
import { ops as activation } from './activation.js';
import { ops as batchnorm } from './batchnorm.js';
import { ops as constant } from './constant.js';
import { ops as conv } from './conv.js';
import { ops as elementwise } from './elementwise.js';
import { ops as gemm } from './gemm.js';
import { ops as globalPool } from './global-pool.js';
import { ops as layout } from './layout.js';
import { ops as neurons } from './neurons/index.js';
import { ops as pad } from './pad.js';
import { ops as pool } from './pool.js';
import { ops as reshape } from './reshape.js';
import { ops as round } from './round.js';
import { ops as select } from './select.js';
import { ops as softmax } from './softmax.js';
import { ops as spikingPool } from './spiking-pool.js';
import type { OpEntry } from './types.js';

const FAMILIES: readonly (readonly OpEntry[])[] = [
  activation,
  conv,
  gemm,
  elementwise,
  pool,
  globalPool,
  reshape,
  layout,
  select,
  pad,
  constant,
  softmax,
  batchnorm,
  neurons,
  spikingPool,
  round,
];

const key = (domain: string, opType: string): string => `${domain === 'ai.onnx' ? '' : domain}\u0000${opType}`;

const TABLE = new Map<string, OpEntry[]>();
for (const e of FAMILIES.flat()) {
  const list = TABLE.get(key(e.domain, e.opType)) ?? [];
  list.push(e);
  list.sort((a, b) => (b.sinceOpset ?? 1) - (a.sinceOpset ?? 1));
  TABLE.set(key(e.domain, e.opType), list);
}

/** The entry for an op at an opset (of the default domain), or undefined if unsupported. */
export function findRule(opType: string, opset: number, domain = ''): OpEntry | undefined {
  return TABLE.get(key(domain, opType))?.find((r) => (r.sinceOpset ?? 1) <= opset);
}

/** The entry of a node of an imported (ANN) graph: the default ONNX domain only. */
export function ruleFor(node: Node, opset: number): OpEntry | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  return findRule(node.opType, opset);
}

/** The entry of a node of an SNN graph: the default domain and the project's own (onnx2snn). */
export function opFor(node: Node, opset: number): OpEntry | undefined {
  return findRule(node.opType, opset, node.domain);
}

/** Op types of the default domain with an entry. */
export function supportedOps(): string[] {
  return [
    ...new Set(
      FAMILIES.flat()
        .filter((e) => e.domain === '')
        .map((e) => e.opType),
    ),
  ].sort();
}

/** Every entry (all domains, all versions), for schema checks. */
export function allOps(): readonly OpEntry[] {
  return FAMILIES.flat();
}
