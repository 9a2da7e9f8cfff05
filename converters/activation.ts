/** Relu, Clip (attribute form before opset 11, input form since), Identity-like elementwise activations. */
import { attrFloat } from '../src/graph/attrs.js';
import type { Node, Tensor } from '../src/graph/types.js';
import type { OpRule, ShapedValue } from './types.js';
import { unaryMap, sameShape } from './util.js';

export const relu: OpRule = {
  opType: 'Relu',
  inferShapes: (_n, [x]) => [sameShape(x)],
  evaluate: (_n, [x]) => [unaryMap(x!, (v) => (v > 0 ? v : 0))],
};

/** Clip-6 .. Clip-10: min/max attributes (defaults ±FLT_MAX). */
export const clip6: OpRule = {
  opType: 'Clip',
  sinceOpset: 6,
  inferShapes: (_n, [x]) => [sameShape(x)],
  evaluate: (n, [x]) => {
    const lo = attrFloat(n, 'min', -3.4028234663852886e38);
    const hi = attrFloat(n, 'max', 3.4028234663852886e38);
    return [unaryMap(x!, (v) => Math.min(Math.max(v, lo), hi))];
  },
};

function bound(t: Tensor | ShapedValue | undefined, dflt: number, n: Node, which: string): number {
  if (!t) return dflt;
  const v = 'data' in t ? t : t.value;
  if (!v) throw new Error(`node ${n.name}: Clip ${which} must be a constant`);
  return v.data[0]!;
}

/** Clip-11+: optional min/max scalar inputs. */
export const clip11: OpRule = {
  opType: 'Clip',
  sinceOpset: 11,
  inferShapes: (_n, [x]) => [sameShape(x)],
  evaluate: (n, [x, mn, mx]) => {
    const lo = bound(mn, -Infinity, n, 'min');
    const hi = bound(mx, Infinity, n, 'max');
    return [unaryMap(x!, (v) => Math.min(Math.max(v, lo), hi))];
  },
};

export const activationRules: readonly OpRule[] = [relu, clip6, clip11];
