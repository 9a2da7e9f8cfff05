/**
 * `inspect`: what a model is, from our own graph. Unsupported ops are all listed, and the rest of
 * the report is still produced as far as shapes can be inferred.
 */
import { ruleFor } from '../../converters/registry.js';
import { inferShapes } from '../graph/infer.js';
import { canonicalize, importModel, quantizationInfo } from '../graph/passes/index.js';
import type { Dim, Model } from '../graph/types.js';
import { isNeuronSite } from '../snn/sites.js';

export interface LayerInfo {
  readonly name: string;
  readonly opType: string;
  readonly outputShape: readonly number[];
  readonly params: number;
  readonly macs: number;
}

export interface InspectReport {
  readonly file: string;
  readonly irVersion: number;
  readonly opset: number;
  readonly producer: string;
  readonly inputs: { name: string; dtype: string; shape: readonly Dim[] }[];
  readonly outputs: { name: string; dtype: string; shape: readonly Dim[] }[];
  /** Op types of the file as exported, with counts. */
  readonly ops: Record<string, number>;
  /** Op types after canonicalisation (constants folded, BN folded, identities removed). */
  readonly canonicalOps: Record<string, number>;
  readonly params: number;
  readonly macs: number;
  /** Conv/Gemm/MatMul layers and their MACs for one sample. */
  readonly layers: LayerInfo[];
  /** ReLU outputs that become spiking neuron layers. */
  readonly reluSites: { node: string; tensor: string; shape: readonly number[]; neurons: number }[];
  readonly unsupported: { node: string; opType: string; domain: string }[];
  /** Quantized models: the format and the ReLU sites whose threshold comes from their quantization range. */
  readonly quantization?: { readonly format: string; readonly rangedSites: number };
}

function histogram(m: Model): Record<string, number> {
  const h: Record<string, number> = {};
  for (const n of m.graph.nodes) {
    const k = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    h[k] = (h[k] ?? 0) + 1;
  }
  return h;
}

export function inspectModel(model: Model): InspectReport {
  const base = {
    file: model.source ?? '',
    irVersion: model.irVersion,
    opset: model.opset,
    producer: `${model.producerName} ${model.producerVersion}`.trim(),
    inputs: model.graph.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape ?? [] })),
    outputs: model.graph.outputs.map((o) => ({ name: o.name, dtype: o.dtype, shape: o.shape ?? [] })),
    ops: histogram(model),
  };
  const raw = inferShapes(importModel(model));
  if (raw.unsupported.length) {
    return {
      ...base,
      canonicalOps: {},
      params: 0,
      macs: 0,
      layers: [],
      reluSites: [],
      unsupported: raw.unsupported.map((n) => ({ node: n.name, opType: n.opType, domain: n.domain })),
    };
  }
  const canon = canonicalize(model);
  const { values, order } = inferShapes(canon, { batch: 1 });
  const layers: LayerInfo[] = [];
  let params = 0;
  for (const t of canon.graph.initializers.values()) if (t.dtype === 'float32' || t.dtype === 'float64') params += t.data.length;
  let macs = 0;
  const reluSites: InspectReport['reluSites'] = [];
  for (const n of order) {
    const rule = ruleFor(n, canon.opset)!;
    const ins = n.inputs.map((x) => (x ? values.get(x) : undefined));
    const outs = n.outputs.map((o) => values.get(o)!).filter(Boolean);
    const mac = rule.macs?.(n, ins, outs, { opset: canon.opset }) ?? 0;
    if (n.opType === 'Conv' || n.opType === 'Gemm' || n.opType === 'MatMul') {
      const p = n.inputs.slice(1).reduce((a, x) => a + (canon.graph.initializers.get(x)?.data.length ?? 0), 0);
      layers.push({ name: n.name, opType: n.opType, outputShape: outs[0]?.dims ?? [], params: p, macs: mac });
    }
    macs += mac;
    if (isNeuronSite(n, canon.graph, canon.opset)) {
      const dims = outs[0]?.dims ?? [];
      reluSites.push({ node: n.name, tensor: n.outputs[0]!, shape: dims, neurons: dims.slice(1).reduce((a, b) => a * b, 1) });
    }
  }
  const q = quantizationInfo(canon);
  const quantization = q ? { quantization: { format: q.format, rangedSites: reluSites.filter((s) => q.ranges[s.tensor]).length } } : {};
  return { ...base, canonicalOps: histogram(canon), params, macs, layers, reluSites, unsupported: [], ...quantization };
}
