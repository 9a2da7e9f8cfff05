/**
 * Merging the shards of an ANN-vs-SNN evaluation: counts are added, Pearson statistics and
 * operation totals merged exactly, scatter samples merged by key (bottom-k), and every figure
 * recomputed with the single process's formulas; the raster comes from the shard that holds its
 * sample and the diagnosis is made again from the merged layers.
 */
import { diagnose } from '../eval/diagnose.js';
import { opsFromTotals, type LayerOps, type OpsReport } from '../eval/ops.js';
import { fraction, layerShares, type CompareParts, type LayerParts } from '../eval/parts.js';
import { Pearson } from '../eval/pearson.js';
import { BottomK } from '../eval/sample.js';
import type { EvalLayer, EvalRecord } from '../report/types.js';
import { ExactSum } from '../util/exact-sum.js';
import type { CheckedPart } from './merge.js';

type Parts = CompareParts & { readonly readout: string };

/** Concatenated predictions (shards in order) when every shard has them. */
export function concatPredictions(lists: readonly (number[] | undefined)[]): number[] | undefined {
  return lists.every((l) => Array.isArray(l)) ? lists.flatMap((l) => l!) : undefined;
}

function mergeLayer(layers: readonly EvalLayer[], parts: readonly LayerParts[], k: number, N: number, T: number): EvalLayer {
  const l0 = layers[0]!;
  const neurons = l0.neurons ?? 0;
  const sum = (f: (p: LayerParts) => number) => parts.reduce((a, p) => a + f(p), 0);
  const pearson = new Pearson();
  for (const p of parts) pearson.merge(p.pearson);
  const sample = new BottomK(k);
  layers.forEach((l, i) => parts[i]!.scatterKeys.forEach((key, j) => sample.insert(key, l.scatter!.ann[j]!, l.scatter!.snn[j]!)));
  const s = sample.sorted();
  const shares = layerShares({ spikes: sum((p) => p.spikes), silent: sum((p) => p.silent), saturated: sum((p) => p.saturated) }, neurons, N, T);
  return {
    ...l0,
    spikeRate: shares.spikeRate,
    correlation: pearson.r,
    ...(l0.silent !== undefined ? { silent: shares.silent } : {}),
    ...(l0.saturated !== undefined ? { saturated: shares.saturated } : {}),
    ...(l0.scatter
      ? {
          scatter: {
            ann: s.ann,
            snn: s.snn,
            nonzero: layers.reduce((a, l) => a + l.scatter!.nonzero, 0),
            total: layers.reduce((a, l) => a + l.scatter!.total, 0),
          },
        }
      : {}),
  };
}

function mergeOps(recs: readonly EvalRecord[], parts: readonly Parts[]): OpsReport {
  const o0 = recs[0]!.ops;
  const layers: Omit<LayerOps, 'synops'>[] = o0.layers.map((l, i) => ({
    name: l.name,
    opType: l.opType,
    macs: l.macs,
    kind: l.kind,
    approximate: recs.some((r) => r.ops.layers[i]!.approximate),
  }));
  const totals = o0.layers.map((_, i) => {
    const t = new ExactSum();
    for (const p of parts) t.merge(p.ops!.totals[i]!);
    return t;
  });
  return opsFromTotals(
    layers,
    totals,
    parts.reduce((a, p) => a + p.ops!.samples, 0),
    o0.timesteps,
  );
}

/** The merged `eval` record (without seconds and shards). */
export function mergeEval(ps: readonly CheckedPart[], opts: { output?: string }): Record<string, unknown> {
  const recs = ps.map((p) => p.record as unknown as EvalRecord);
  const parts = ps.map((p) => p.record.parts as unknown as Parts);
  const r0 = recs[0]!;
  const p0 = parts[0]!;
  const N = ps[0]!.shard.total;
  const T = Math.max(...r0.snn.map((s) => s.timesteps));
  const annPred = concatPredictions(recs.map((r) => r.ann.predictions));
  const ann = {
    accuracy: fraction(
      parts.reduce((a, p) => a + p.ann.correct, 0),
      N,
    ),
    top5: fraction(
      parts.reduce((a, p) => a + p.ann.top5, 0),
      N,
    ),
    ...(annPred ? { predictions: annPred } : {}),
  };
  const snn = p0.snn.map((s, i) => {
    const predictions = concatPredictions(recs.map((r) => r.snn[i]!.predictions));
    return {
      timesteps: s.timesteps,
      accuracy: fraction(
        parts.reduce((a, p) => a + p.snn[i]!.correct, 0),
        N,
      ),
      agreement: fraction(
        parts.reduce((a, p) => a + p.snn[i]!.agree, 0),
        N,
      ),
      ...(predictions ? { predictions } : {}),
    };
  });
  const layers = r0.layers.map((_, i) =>
    mergeLayer(
      recs.map((r) => r.layers[i]!),
      parts.map((p) => p.layers[i]!),
      p0.scatterPoints,
      N,
      T,
    ),
  );
  const raster = recs.find((r) => r.raster)?.raster;
  const last = snn.find((s) => s.timesteps === T);
  const diagnosis = diagnose({
    layers: layers.filter((l) => l.site !== p0.readout),
    timesteps: T,
    annAccuracy: ann.accuracy,
    ...(last ? { snnAccuracy: last.accuracy } : {}),
    method: r0.conversion.method,
    encoding: r0.conversion.encoding,
    minCorrelation: r0.diagnosis.minCorrelation,
  });
  return {
    model: r0.model,
    dataset: r0.dataset,
    samples: N,
    engine: r0.engine,
    // how the engine was chosen: the first shard's (every shard's counts are the same whichever ran)
    ...(r0.engineChoice ? { engineChoice: r0.engineChoice } : {}),
    device: r0.device,
    ann,
    snn,
    layers,
    ops: mergeOps(recs, parts),
    ...(raster ? { raster } : {}),
    diagnosis,
    conversion: r0.conversion,
    ...(r0.config !== undefined ? { config: mergedConfig(r0.config, opts.output) } : {}),
  };
}

/** The run's configuration: the shard's, without `data.shard` and with the merged output. */
export function mergedConfig(config: unknown, output?: string): unknown {
  if (!config || typeof config !== 'object') return config;
  const c = config as Record<string, Record<string, unknown>>;
  const { shard: _s, ...data } = c['data'] ?? {};
  void _s;
  return { ...c, data, output: output ? { json: output } : {} };
}
