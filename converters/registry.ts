/**
 * The one table of op rules, keyed by op type (and opset where semantics changed). Adding an op is
 * adding a file and a line here.
 */
import type { Node } from '../src/graph/types.js';
import type { OpRule } from './types.js';
import { activationRules } from './activation.js';
import { batchnormRules } from './batchnorm.js';
import { convRules } from './conv.js';
import { elementwiseRules } from './elementwise.js';
import { gemmRules } from './gemm.js';
import { poolRules } from './pool.js';
import { shapeRules } from './shape.js';
import { softmaxRules } from './softmax.js';

const ALL: readonly OpRule[] = [
  ...activationRules,
  ...convRules,
  ...gemmRules,
  ...elementwiseRules,
  ...poolRules,
  ...shapeRules,
  ...softmaxRules,
  ...batchnormRules,
];

const TABLE = new Map<string, OpRule[]>();
for (const r of ALL) {
  const list = TABLE.get(r.opType) ?? [];
  list.push(r);
  list.sort((a, b) => (b.sinceOpset ?? 1) - (a.sinceOpset ?? 1));
  TABLE.set(r.opType, list);
}

/** The rule for an op at an opset, or undefined if unsupported. Only the default ONNX domain is supported. */
export function findRule(opType: string, opset: number, domain = ''): OpRule | undefined {
  if (domain !== '' && domain !== 'ai.onnx') return undefined;
  return TABLE.get(opType)?.find((r) => (r.sinceOpset ?? 1) <= opset);
}

export function ruleFor(node: Node, opset: number): OpRule | undefined {
  return findRule(node.opType, opset, node.domain);
}

export function supportedOps(): string[] {
  return [...TABLE.keys()].sort();
}
