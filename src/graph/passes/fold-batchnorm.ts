/**
 * BatchNormalization (inference): y = s·(x − mean) + β with s = γ / sqrt(var + ε), per channel
 * (axis 1). When x comes from a Conv, Gemm or MatMul read by nothing else, and the weights are
 * constant, the BN is folded into that layer (W ← s·W per output channel, b ← s·(b − mean) + β),
 * as SNN Toolbox and SpikingJelly do. A BN with no such predecessor stays as a per-channel affine
 * Mul + Add, which the SNN converter treats as part of the following synapses.
 */
import { attrFloat, attrInt } from '../attrs.js';
import { consumers, freshNamer, producers } from '../graph.js';
import { inferShapes } from '../infer.js';
import { float32 } from '../tensor.js';
import type { Model, Node, Tensor } from '../types.js';

interface Affine {
  scale: Float64Array;
  shift: Float64Array;
}

function bnAffine(m: Model, bn: Node): Affine | undefined {
  const [, gName, bName, meanName, varName] = bn.inputs;
  const get = (x: string | undefined) => (x ? m.graph.initializers.get(x) : undefined);
  const gamma = get(gName),
    beta = get(bName),
    mean = get(meanName),
    variance = get(varName);
  if (!gamma || !beta || !mean || !variance) return undefined;
  const eps = attrFloat(bn, 'epsilon', 1e-5);
  const c = gamma.data.length;
  const scale = new Float64Array(c),
    shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    // float32 as onnxruntime computes it
    const s = Math.fround(gamma.data[i]! / Math.fround(Math.sqrt(Math.fround(variance.data[i]! + eps))));
    scale[i] = s;
    shift[i] = beta.data[i]! - s * mean.data[i]!;
  }
  return { scale, shift };
}

function foldIntoConv(w: Tensor, b: Tensor | undefined, a: Affine): [Tensor, Tensor] {
  const cout = w.dims[0]!;
  const per = w.data.length / cout;
  const nw = new Float32Array(w.data.length);
  const nb = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    for (let k = 0; k < per; k++) nw[o * per + k] = w.data[o * per + k]! * a.scale[o]!;
    nb[o] = (b ? b.data[o]! : 0) * a.scale[o]! + a.shift[o]!;
  }
  return [float32(w.dims, nw), float32([cout], nb)];
}

/** Scales the output columns of a [K,N] (or rows of [N,K] when transposed) weight matrix. */
function scaleColumns(w: Tensor, a: Affine, transposed: boolean): Tensor {
  const nw = new Float32Array(w.data.length);
  const [r, c] = [w.dims[0]!, w.dims[1]!];
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) nw[i * c + j] = w.data[i * c + j]! * a.scale[transposed ? i : j]!;
  return float32(w.dims, nw);
}

export function foldBatchNorm(m: Model): Model {
  const shapes = inferShapes(m).values;
  const prod = producers(m.graph);
  const cons = consumers(m.graph);
  const fresh = freshNamer(m.graph);
  const inits = new Map(m.graph.initializers);
  const replaced = new Map<Node, Node[]>();
  for (const bn of m.graph.nodes) {
    if (bn.opType !== 'BatchNormalization') continue;
    if (bn.outputs.slice(1).some((o) => o)) continue; // training outputs requested: leave alone
    const a = bnAffine(m, bn);
    if (!a) continue;
    const x = bn.inputs[0]!;
    const p = prod.get(x);
    const single = (cons.get(x) ?? []).length === 1 && !m.graph.outputs.some((o) => o.name === x);
    const w = p ? inits.get(p.inputs[1] ?? '') : undefined;
    const y = bn.outputs[0]!;
    if (p && single && w && !replaced.has(p)) {
      if (p.opType === 'Conv' && w.dims[0] === a.scale.length) {
        const b = p.inputs[2] ? inits.get(p.inputs[2]) : undefined;
        if (!p.inputs[2] || b) {
          const [nw, nb] = foldIntoConv(w, b, a);
          const wn = fresh(`${p.name}_W_bn`),
            bname = fresh(`${p.name}_B_bn`);
          inits.set(wn, nw);
          inits.set(bname, nb);
          replaced.set(p, [{ ...p, inputs: [p.inputs[0]!, wn, bname], outputs: [y] }]);
          replaced.set(bn, []);
          continue;
        }
      }
      if (p.opType === 'Gemm' && w.dims.length === 2 && attrInt(p, 'transA', 0) === 0) {
        const transB = attrInt(p, 'transB', 0) === 1;
        const n = transB ? w.dims[0]! : w.dims[1]!;
        const alpha = attrFloat(p, 'alpha', 1),
          beta = attrFloat(p, 'beta', 1);
        const c = p.inputs[2] ? inits.get(p.inputs[2]) : undefined;
        const cOk = !p.inputs[2] || (c && (c.data.length === 1 || (c.data.length === n && c.dims[c.dims.length - 1] === n)));
        if (n === a.scale.length && cOk) {
          const nw = scaleColumns(w, a, transB);
          const nb = new Float32Array(n);
          for (let j = 0; j < n; j++) {
            const cj = c ? (c.data.length === 1 ? c.data[0]! : c.data[j]!) : 0;
            // y = s·(α·xW + β·c) + shift  → α·x(sW) + β·(s·c + shift/β)
            nb[j] = (a.scale[j]! * beta * cj + a.shift[j]!) / (beta === 0 ? 1 : beta);
          }
          const wn = fresh(`${p.name}_W_bn`),
            cn = fresh(`${p.name}_C_bn`);
          inits.set(wn, nw);
          inits.set(cn, float32([n], nb));
          const attrs = beta === 0 ? { ...p.attrs, beta: { kind: 'float' as const, value: 1 } } : p.attrs;
          replaced.set(p, [{ ...p, attrs, inputs: [p.inputs[0]!, wn, cn], outputs: [y] }]);
          replaced.set(bn, []);
          continue;
        }
      }
      if (p.opType === 'MatMul' && w.dims.length === 2 && w.dims[1] === a.scale.length && shapes.get(x)?.dims.length === 2) {
        const nw = scaleColumns(w, a, false);
        const wn = fresh(`${p.name}_W_bn`),
          bname = fresh(`${p.name}_B_bn`),
          mid = fresh(`${p.name}_out`);
        inits.set(wn, nw);
        inits.set(bname, float32([a.shift.length], a.shift));
        replaced.set(p, [
          { ...p, inputs: [p.inputs[0]!, wn], outputs: [mid] },
          { name: fresh(`${bn.name}_bias`), opType: 'Add', domain: '', inputs: [mid, bname], outputs: [y], attrs: {} },
        ]);
        replaced.set(bn, []);
        continue;
      }
    }
    // no foldable predecessor: per-channel affine on axis 1 (per element of x.dims[1:] for the
    // opset 7/8 spatial=0 form, whose parameters hold one value per element of a sample)
    const xDims = shapes.get(x)?.dims;
    const rank = xDims?.length ?? 4;
    const perElement = m.opset < 9 && attrInt(bn, 'spatial', 1) === 0 && xDims !== undefined && xDims.length > 2;
    const cdims = perElement ? xDims.slice(1) : [a.scale.length, ...new Array<number>(Math.max(rank - 2, 0)).fill(1)];
    const sn = fresh(`${bn.name}_scale`),
      tn = fresh(`${bn.name}_shift`),
      mid = fresh(`${bn.name}_scaled`);
    inits.set(sn, float32(cdims, a.scale));
    inits.set(tn, float32(cdims, a.shift));
    replaced.set(bn, [
      { name: fresh(`${bn.name}_mul`), opType: 'Mul', domain: '', inputs: [x, sn], outputs: [mid], attrs: {} },
      { name: fresh(`${bn.name}_add`), opType: 'Add', domain: '', inputs: [mid, tn], outputs: [y], attrs: {} },
    ]);
  }
  const nodes = m.graph.nodes.flatMap((n) => replaced.get(n) ?? [n]);
  const g = { ...m.graph, nodes, initializers: inits };
  return { ...m, graph: g };
}
