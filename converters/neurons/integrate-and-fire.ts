/**
 * The integrate-and-fire family as ops of the onnx2snn domain, one per neuron kind: each step
 *
 *   input = (I·g) + c            (gain g and constant current c only when present)
 *   v ← update(v, input)         (the kind: IF v + input, LIF β·v + input, poly (v + f(v)) + input)
 *   fire: s = [v ≥ θ];  out = θ·s;  v ← v − θ·s (reset by subtraction) or v·(1 − s) (to zero)
 *         (./fire.ts; a kind may fire otherwise)
 *
 * written once per backend, with the same float32 operations in the same order everywhere, so the
 * reference simulator, the emitted ONNX file and the tfjs engine give the same spikes for the same
 * currents. A constant-current IF layer is solved in closed form instead (./closed-form.ts).
 */
import { float32 } from '../../src/graph/tensor.js';
import type { Node, Tensor } from '../../src/graph/types.js';
import { ErrorCodes, Onnx2SnnError } from '../../src/errors.js';
import { nirTensor } from '../backends/nir.js';
import { layerEventsName, layerOutputName } from '../backends/onnx.js';
import type { LayerRef, NirContext, NirValue, OnnxContext, ReferenceContext, TfjsSnnContext, TfjsState, TfjsStateful, TfTensor } from '../backends/types.js';
import { defineOp, io, noAttrs } from '../define.js';
import { SNN_DOMAIN, type OpEntry } from '../types.js';
import { sameShape } from '../util.js';
import { closedFormConstants, closedFormReference, onnxB, onnxClosedFormSpikes } from './closed-form.js';
import { expandThreshold, extraCurrent, initialPotential } from './dynamics.js';
import { onnxFireUncounted, singleSpike } from './fire.js';
import type { NeuronKind } from './types.js';

const f32 = (dims: readonly number[], data: Float32Array): Tensor => ({ dtype: 'float32', dims: [...dims], data });

function reference(kind: NeuronKind, node: Node, ctx: ReferenceContext): (inputs: readonly (Tensor | undefined)[]) => Tensor[] {
  const L = ctx.layer(node);
  const l = L.layer;
  const o = ctx.options;
  const theta = expandThreshold(l.threshold, l.dims);
  const extra = extraCurrent(kind, theta, l, o);
  const counts = ctx.counts(L.index);
  const per = theta.length;
  const closed = L.closedForm ? closedFormReference(l, o, theta, extra, counts) : undefined;
  const v0 = initialPotential(theta, l.dims, l.v0, o);
  const v = new Float32Array(counts.length);
  for (let b = 0; b < ctx.n; b++) v.set(v0, b * per);
  const update = kind.reference(l, theta, o);
  const input = new Float32Array(counts.length);
  const x = new Float32Array(counts.length);
  const gain = Math.fround(l.gain ?? 1);
  const fire = (kind.fire ?? singleSpike).reference;
  const events = kind.signedSpikes ? ctx.events?.(L.index) : undefined;
  return ([xin]) => {
    const current = xin!.data as Float32Array;
    const out = new Float32Array(current.length);
    if (closed) closed(current, ctx.step(), out);
    else {
      for (let j = 0; j < current.length; j++) {
        const i = gain !== 1 ? Math.fround(current[j]! * gain) : current[j]!;
        input[j] = extra ? Math.fround(i + extra[j % per]!) : i;
      }
      update(v, input, x);
      fire(x, v, counts, theta, out, o, events);
    }
    return [f32(xin!.dims, out)];
  };
}

/** The layer's current plus its constant extra current (if any), added in `where`. */
function withExtra(kind: NeuronKind, ctx: OnnxContext, where: 'outer' | 'body', L: LayerRef, theta: Float32Array, current: string): string {
  const extra = extraCurrent(kind, theta, L.layer, ctx.options);
  if (!extra) return current;
  const sum = ctx.fresh(`i_${L.index}_with_extra`);
  ctx.node(where, 'Add', [current, ctx.konst(`extra_${L.index}`, float32(L.layer.dims, extra))], [sum]);
  return sum;
}

/** Closed form: the rate a once before the Loop, θ·(n_t − n_{t−1}) in the body when read, ⌊b + T·a⌋ after it. */
function onnxClosedForm(kind: NeuronKind, node: Node, input: string, L: LayerRef, theta: Float32Array, ctx: OnnxContext): void {
  const { index: li, layer: l } = L;
  const out = node.outputs[0]!;
  const cf = closedFormConstants(l, ctx.options);
  const current = withExtra(kind, ctx, 'outer', L, theta, input);
  const r0 = ctx.fresh(`rate_${li}_raw`),
    r1 = ctx.fresh(`rate_${li}_pos`),
    a = ctx.fresh(`rate_${li}`);
  ctx.node('outer', 'Mul', [current, ctx.konst(`inv_theta_${li}`, float32(l.dims, cf.invTheta))], [r0]);
  ctx.node('outer', 'Max', [r0, ctx.konst('f_zero', float32([], [0]))], [r1]);
  ctx.node('outer', 'Min', [r1, ctx.konst('f_one', float32([], [1]))], [a]);
  const b = onnxB(ctx, `cf_${li}_b`, cf, l.dims.length);
  ctx.facts.set(out, { index: li, threshold: l.threshold, rate: { a, b } });
  if (ctx.stepped(out)) onnxClosedFormSpikes(ctx, `cf_${li}`, a, b, l.dims, ctx.konst(`theta_${li}`, float32(l.dims, theta)), out);
  const ta = ctx.fresh(`rate_${li}_T`),
    xt = ctx.fresh(`rate_${li}_xT`);
  ctx.node('after', 'Mul', [ctx.timestepsFloat(), a], [ta]);
  ctx.node('after', 'Add', [b, ta], [xt]);
  ctx.node('after', 'Floor', [xt], [layerOutputName(li)]);
}

function onnx(kind: NeuronKind, node: Node, [input]: readonly string[], ctx: OnnxContext): void {
  const L = ctx.layer(node);
  const { index: li, layer: l } = L;
  const o = ctx.options;
  const theta = expandThreshold(l.threshold, l.dims);
  if (L.closedForm) return onnxClosedForm(kind, node, input!, L, theta, ctx);
  const out = node.outputs[0]!;
  const thName = ctx.konst(`theta_${li}`, float32(l.dims, theta));
  const v0 = initialPotential(theta, l.dims, l.v0, o);
  const v = ctx.carry(`v_${li}`, ctx.initState(`v_${li}`, float32(l.dims, v0)));
  const gain = Math.fround(l.gain ?? 1);
  // IF (and burst) with reset by subtraction: the count follows from v_T after the Loop (src/snn/emit-recover.ts)
  const uncounted = kind.name === 'if' && !kind.fire ? onnxFireUncounted : kind.fire?.onnxUncounted;
  const recover = uncounted && gain === 1 && o.reset === 'subtract' && ctx.recordRecovery && ctx.recoverCount?.(out);
  if (recover) {
    const v1 = ctx.fresh(`v_${li}_integrated`);
    kind.onnx(
      { index: li, layer: l, theta, options: o, fresh: ctx.fresh, konst: ctx.konst, node: ctx.node },
      v.inName,
      withExtra(kind, ctx, 'body', L, theta, input!),
      v1,
    );
    uncounted(ctx, { index: li, dims: l.dims, v1, theta: thName, thetaData: theta, out, vOut: v.outName });
    ctx.recordRecovery!({ index: li, input: node.inputs[0]!, vFinal: v.finalName, theta, v0, extra: extraCurrent(kind, theta, l, o), dims: l.dims });
    ctx.facts.set(out, { index: li, threshold: l.threshold });
    return;
  }
  const cnt = ctx.carry(`count_${li}`, ctx.initState(`count_${li}`, float32(l.dims, new Float32Array(theta.length))), layerOutputName(li));
  const v1 = ctx.fresh(`v_${li}_integrated`);
  let current = input!;
  if (gain !== 1) {
    const scaled = ctx.fresh(`i_${li}_gain`);
    ctx.node('body', 'Mul', [current, ctx.konst(`gain_${li}`, float32([], [gain]))], [scaled]);
    current = scaled;
  }
  current = withExtra(kind, ctx, 'body', L, theta, current);
  kind.onnx({ index: li, layer: l, theta, options: o, fresh: ctx.fresh, konst: ctx.konst, node: ctx.node }, v.inName, current, v1);
  const events = kind.signedSpikes
    ? ctx.carry(`events_${li}`, ctx.initState(`events_${li}`, float32(l.dims, new Float32Array(theta.length))), layerEventsName(li))
    : undefined;
  (kind.fire ?? singleSpike).onnx(ctx, {
    index: li,
    dims: l.dims,
    v1,
    theta: thName,
    thetaData: theta,
    out,
    vOut: v.outName,
    countIn: cnt.inName,
    countOut: cnt.outName,
    ...(events ? { events } : {}),
  });
  ctx.facts.set(out, { index: li, threshold: l.threshold, count: cnt.outName });
}

function tfjs(kind: NeuronKind, node: Node, ctx: TfjsSnnContext): TfjsStateful {
  const { tf, options: o } = ctx;
  const L = ctx.layer(node);
  const l = L.layer;
  const shape = [1, ...l.dims];
  const th = expandThreshold(l.threshold, l.dims);
  const extraData = extraCurrent(kind, th, l, o);
  const cf = L.closedForm ? closedFormConstants(l, o) : undefined;
  const theta = tf.tensor(th, shape);
  const extra = extraData ? tf.tensor(extraData, shape) : undefined;
  const v0 = tf.tensor(initialPotential(th, l.dims, l.v0, o), shape);
  const closed = cf ? { invTheta: tf.tensor(cf.invTheta, shape), b: tf.tensor(cf.b, shape) } : undefined;
  const gain = Math.fround(l.gain ?? 1);
  const k = kind.tfjs(tf, l, th, o);
  return {
    start(n, statics): TfjsState {
      const count = tf.zeros([n, ...l.dims]);
      if (!closed) return { v: tf.tile(v0, [n, ...l.dims.map(() => 1)]), count };
      // the current is static: the rates a = clamp(I′·(1/θ), 0, 1) once per batch
      const current = statics.get(l.input)!;
      return { count, rate: tf.tidy(() => tf.clipByValue(tf.mul(extra ? tf.add(current, extra) : current, closed.invTheta), 0, 1)) };
    },
    step(state, [x], t): { output: TfTensor; state: TfjsState } {
      if (closed) {
        // n_t = ⌊b + t·a⌋
        const count = tf.floor(tf.add(closed.b, tf.mul(state['rate']!, tf.scalar(t))));
        const spikes = tf.sub(count, state['count']!);
        return { output: tf.mul(spikes, theta), state: { count, spikes, rate: state['rate']! } };
      }
      let input = x!;
      if (gain !== 1) input = tf.mul(input, gain);
      if (extra) input = tf.add(input, extra);
      const f = (kind.fire ?? singleSpike).tfjs(tf, k.update(state['v']!, input), theta, state['count']!, o);
      return { output: f.output, state: { v: f.v, count: f.count, spikes: f.spikes } };
    },
    dispose: () => {
      tf.dispose([theta, v0, ...(extra ? [extra] : []), ...(closed ? [closed.invTheta, closed.b] : [])]);
      k.dispose();
    },
  };
}

function nir(kind: NeuronKind, node: Node, x: NirValue | undefined, ctx: NirContext): NirValue | undefined {
  if (!x) return ctx.problem(`IF "${node.name}": its input does not vary in time`);
  const layer = ctx.layer(node).layer;
  const refused = kind.nir.refuse?.(layer);
  if (refused) return ctx.problem(`IF "${node.name}": ${refused}`);
  const theta = expandThreshold(layer.threshold, layer.dims);
  const d = layer.dims;
  // calibrated bias current (per channel): into the bias of the layer feeding this one, or the leak
  let leakBias: Float32Array | undefined;
  if (layer.bias && layer.bias.some((b) => b !== 0)) {
    const b = expandThreshold(layer.bias, d);
    const why = ctx.addBias(ctx.ownedBy(x, layer.input), b);
    if (why !== undefined) {
      if (!kind.nir.leakBias)
        return ctx.problem(`IF "${node.name}": its calibrated bias current cannot be placed (NIR's IF has no bias and its input has ${why})`);
      leakBias = b;
    }
  }
  const nn = ctx.add(ctx.name(node), kind.nir.node(layer, theta, ctx.options, leakBias), x.terms, node.name);
  const sc = ctx.add(ctx.fresh(`${node.name}_scale`), { type: 'Scale', scale: nirTensor(d, theta.slice()) }, [nn], node.name);
  return { terms: [sc], dims: d, owned: [] };
}

/** The op entry of a neuron kind. */
export function neuronOp(kind: NeuronKind): OpEntry {
  return defineOp({
    opType: kind.opType,
    domain: SNN_DOMAIN,
    schema: io(1, 1),
    attrs: noAttrs,
    shapes: (_n, _a, [x]) => [sameShape(x)],
    run: (n) => {
      throw new Onnx2SnnError(
        ErrorCodes.GRAPH,
        `${n.opType} "${n.name}" is a spiking neuron layer: it has state and runs in a simulator (a backend lowering), not by evaluation`,
        { node: n.name },
      );
    },
    spiking: { kind: 'neuron' },
    synops: { carry: 'source' },
    lower: {
      reference: (n, _a, ctx) => reference(kind, n, ctx),
      onnx: (n, _a, inputs, ctx) => onnx(kind, n, inputs, ctx),
      tfjsStateful: (n, _a, ctx) => tfjs(kind, n, ctx),
      nir: (n, _a, [x], ctx) => nir(kind, n, x, ctx),
    },
  });
}
