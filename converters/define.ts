/**
 * `defineOp`: an op entry from its parts, with the attributes parsed once per node (memoised on
 * the node object: nodes are immutable, passes make new ones) and handed, typed, to shape
 * inference, evaluation and every lowering.
 */
import type { Node, Tensor } from '../src/graph/types.js';
import type { Lowerings } from './backends/types.js';
import type { OpContext, OpEntry, OpSchema, OutputShape, ShapedValue, SpikingRole, SynopsRole } from './types.js';

export interface OpSpec<A> {
  readonly opType: string;
  readonly domain?: string;
  readonly sinceOpset?: number;
  readonly schema: OpSchema;
  /** Reads the attributes with the spec's defaults (E_ATTRIBUTE naming the node when malformed). */
  readonly attrs: (node: Node) => A;
  readonly shapes: (node: Node, a: A, inputs: readonly (ShapedValue | undefined)[], ctx: OpContext) => OutputShape[];
  readonly run: (node: Node, a: A, inputs: readonly (Tensor | undefined)[], ctx: OpContext) => Tensor[];
  readonly macs?: (node: Node, a: A, inputs: readonly (ShapedValue | undefined)[], outputs: readonly OutputShape[], ctx: OpContext) => number;
  /** Default: cannot take a time-varying input. */
  readonly spiking?: SpikingRole;
  readonly synops?: SynopsRole;
  readonly lower?: Lowerings<A>;
}

export function defineOp<A>(spec: OpSpec<A>): OpEntry<A> {
  const cache = new WeakMap<Node, A>();
  const parse = (node: Node): A => {
    if (cache.has(node)) return cache.get(node) as A;
    const a = spec.attrs(node);
    cache.set(node, a);
    return a;
  };
  return {
    opType: spec.opType,
    domain: spec.domain ?? '',
    ...(spec.sinceOpset !== undefined ? { sinceOpset: spec.sinceOpset } : {}),
    schema: spec.schema,
    parseAttributes: parse,
    inferShapes: (node, inputs, ctx) => spec.shapes(node, parse(node), inputs, ctx),
    evaluate: (node, inputs, ctx) => spec.run(node, parse(node), inputs, ctx),
    ...(spec.macs ? { macs: (node, inputs, outputs, ctx) => spec.macs!(node, parse(node), inputs, outputs, ctx) } : {}),
    spiking: spec.spiking ?? { kind: 'nonlinear' },
    ...(spec.synops ? { synops: spec.synops } : {}),
    lower: spec.lower ?? {},
  };
}

/** Schema shorthand: `io(1, 1)` one input and one output, `io([2, 3], 1)` two or three inputs. */
export function io(inputs: number | readonly [number, number], outputs: number | readonly [number, number], attributes: OpSchema['attributes'] = {}): OpSchema {
  const range = (r: number | readonly [number, number]): [number, number] => (typeof r === 'number' ? [r, r] : [r[0], r[1]]);
  return { inputs: range(inputs), outputs: range(outputs), attributes };
}

/** Attributes that take no parsing. */
export const noAttrs = (): Record<string, never> => ({});

/** The roles of a routing op (reshape, transpose, pad …): linear, moves events exactly; only `dynamicInputs` may vary in time. */
export function routing(dynamicInputs?: readonly number[]): { spiking: SpikingRole; synops: SynopsRole } {
  return { spiking: { kind: 'linear', ...(dynamicInputs ? { dynamicInputs } : {}) }, synops: { carry: 'route' } };
}
