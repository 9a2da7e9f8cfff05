/**
 * Relu and Clip (attribute form before opset 11, input form since). Both are neuron sites: a Relu,
 * and a Clip with a constant lower bound of 0 (ReLU6 and other capped ReLUs, as in MobileNets),
 * becomes a spiking neuron layer. A capped ReLU min(max(x, 0), m) is an IF neuron whose threshold
 * is at most m: the neuron's output θ·rate never exceeds θ, so θ = min(λ, m) reproduces the cap.
 */
import { attrFloat } from '../src/graph/attrs.js';
import type { Graph, Node, Tensor } from '../src/graph/types.js';
import { defineOp, io, noAttrs } from './define.js';
import type { OpEntry, ShapedValue } from './types.js';
import { sameShape, shapeError, unaryMap } from './util.js';

const FLT_MAX = 3.4028234663852886e38;

export const relu = defineOp({
  opType: 'Relu',
  schema: io(1, 1),
  attrs: noAttrs,
  shapes: (_n, _a, [x]) => [sameShape(x)],
  run: (_n, _a, [x]) => [unaryMap(x!, (v) => (v > 0 ? v : 0))],
  spiking: { kind: 'site', cap: () => Infinity },
  lower: { tfjs: (_n, _a, [x], { tf }) => tf.relu(x!) },
});

interface Clip6Attrs {
  readonly min?: number;
  readonly max?: number;
}

/** The cap of a capped ReLU: lower bound exactly 0, a positive upper bound (Infinity when absent). */
function capOf(lo: number | undefined, hi: number | undefined): number | undefined {
  return lo !== 0 || hi === undefined || !(hi > 0) ? undefined : hi;
}

function parseClip6(n: Node): Clip6Attrs {
  const min = attrFloat(n, 'min');
  const max = attrFloat(n, 'max');
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

/** Clip-6 .. Clip-10: min/max attributes (defaults ±FLT_MAX). */
export const clip6: OpEntry<Clip6Attrs> = defineOp<Clip6Attrs>({
  opType: 'Clip',
  sinceOpset: 6,
  schema: io(1, 1, { min: { kind: 'float' }, max: { kind: 'float' } }),
  attrs: parseClip6,
  shapes: (_n, _a, [x]) => [sameShape(x)],
  run: (_n, a, [x]) => {
    const lo = a.min ?? -FLT_MAX;
    const hi = a.max ?? FLT_MAX;
    return [unaryMap(x!, (v) => Math.min(Math.max(v, lo), hi))];
  },
  spiking: {
    kind: 'site',
    cap: (n) => {
      const a = parseClip6(n);
      return capOf(a.min, a.max ?? Infinity);
    },
  },
  lower: { tfjs: (_n, a, [x], { tf }) => tf.clipByValue(x!, a.min ?? -Infinity, a.max ?? Infinity) },
});

function bound(t: Tensor | ShapedValue | undefined, dflt: number, n: Node, which: string): number {
  if (!t) return dflt;
  const v = 'data' in t ? t : t.value;
  if (!v) throw shapeError(n, `${which} must be a constant`);
  return v.data[0]!;
}

/** A Clip-11 bound given as a one-element initializer, Infinity when the input is omitted, undefined otherwise. */
function constantBound(n: Node, g: Graph, i: number, omitted: number | undefined): number | undefined {
  if (!n.inputs[i]) return omitted;
  const t = g.initializers.get(n.inputs[i]!);
  return t && t.data.length === 1 ? t.data[0] : undefined;
}

/** Clip-11+: optional min/max scalar inputs. */
export const clip11 = defineOp({
  opType: 'Clip',
  sinceOpset: 11,
  schema: io([1, 3], 1),
  attrs: noAttrs,
  shapes: (n, _a, [x, mn, mx]) => {
    // onnxruntime refuses non-scalar bounds at run time
    for (const [v, which] of [
      [mn, 'min'],
      [mx, 'max'],
    ] as const) {
      if (v && v.dims.reduce((a, b) => a * b, 1) !== 1) throw shapeError(n, `${which} must be a scalar, got dims [${v.dims.join(',')}]`, [], v.dims);
    }
    return [sameShape(x)];
  },
  run: (n, _a, [x, mn, mx]) => {
    const lo = bound(mn, -Infinity, n, 'min');
    const hi = bound(mx, Infinity, n, 'max');
    return [unaryMap(x!, (v) => Math.min(Math.max(v, lo), hi))];
  },
  spiking: { kind: 'site', cap: (n, g) => capOf(constantBound(n, g, 1, undefined), constantBound(n, g, 2, Infinity)) },
  lower: {
    tfjs: (n, _a, [x], ctx) => {
      const b = (i: number, dflt: number): number => {
        const t = n.inputs[i] ? ctx.constant(n.inputs[i]!) : undefined;
        return t ? Number(t.data[0]) : dflt;
      };
      return ctx.tf.clipByValue(x!, b(1, -Infinity), b(2, Infinity));
    },
  },
});

export const ops: readonly OpEntry[] = [relu, clip6, clip11];
