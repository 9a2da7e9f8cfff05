/** The calibration sites of a (canonical) model: the outputs of its Relu nodes, with their channel counts. */
import { inferShapes } from '../src/graph/infer.js';
import type { Model } from '../src/graph/types.js';
import { isNeuronSite, linearSites } from '../src/snn/sites.js';

export interface SiteInfo {
  /** The Relu output tensor. */
  readonly site: string;
  /** The Relu node's name ('' when the model leaves it unnamed). */
  readonly node: string;
  /** Size of axis 1 ([N, C, ...] → C, [N, F] → F); 1 for tensors of rank < 2. */
  readonly channels: number;
  /** Per-sample dims (batch dimension dropped). */
  readonly dims: readonly number[];
  /** A linear site (src/snn/sites.ts linearSites): statistics of |a|, optional in a thresholds file. */
  readonly linear?: boolean;
}

/** The neuron sites of `model` (Relu, and Clip(0, m) capped ReLUs, src/snn/sites.ts) in topological order. Shapes come from shape inference at batch 1. */
export function reluSites(model: Model): SiteInfo[] {
  const { values, order } = inferShapes(model, { batch: 1 });
  const out: SiteInfo[] = [];
  for (const n of order) {
    if (!isNeuronSite(n, model.graph, model.opset)) continue;
    const site = n.outputs[0];
    if (!site) continue;
    const dims = values.get(site)?.dims ?? [];
    out.push({ site, node: n.name, channels: dims.length >= 2 ? dims[1]! : 1, dims: dims.slice(1) });
  }
  return out;
}

/** The linear sites of `model` (src/snn/sites.ts), in graph order: calibrated on |a| for --linear bipolar. */
export function linearCalibrationSites(model: Model): SiteInfo[] {
  const { values } = inferShapes(model, { batch: 1 });
  const nodeOf = new Map(model.graph.nodes.map((n) => [n.outputs[0], n.name]));
  return linearSites(model.graph, model.opset).map((site) => {
    const dims = values.get(site)?.dims ?? [];
    return { site, node: nodeOf.get(site) ?? '', channels: dims.length >= 2 ? dims[1]! : 1, dims: dims.slice(1), linear: true };
  });
}
