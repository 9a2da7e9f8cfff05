/**
 * One shard of a run: the samples of shard K/N (src/distributed/split.ts) evaluated exactly as the whole
 * run would evaluate them, and the record marked with what it is part of (src/distributed/types.ts) and
 * carrying the counts and exact sums that `onnx2snn merge` adds up. Used by `eval --shard`,
 * `simulate --shard` and the queue workers.
 */
import { modelHash, type ThresholdsFile } from '../../calibration/thresholds.js';
import { evaluateOptionsOf, preprocessOf } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Dataset, Preprocess } from '../data/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { evaluateAnn } from '../engine/ann.js';
import { inTopK } from '../util/metrics.js';
import type { ProgressFn } from '../util/progress.js';
import type { Model } from '../graph/types.js';
import { checkThresholdsFor } from '../pipeline.js';
import { evaluate } from '../report/evaluate.js';
import type { SnnRunResult } from '../engine/simulate.js';
import type { EvalRecord } from '../report/types.js';
import { dataIdentity, sha256File, sha256Json, type DataIdentity } from './identity.js';
import { loadShard, parseShard, type ShardSpec } from './split.js';
import { SHARD_FORMAT, SHARD_VERSION, type RunIdentity, type ShardInfo, type ShardKind } from './types.js';

/** Recorded in the options identity: shards written by other versions are not merged. */
export const TOOL_VERSION = 'onnx2snn 0.1.0';

export const countEqual = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let c = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) c++;
  return c;
};

/** The options of an `eval` that change its results (not batch size or threads: results never depend on them). */
export function evalOptionsIdentity(cfg: Config, annOnly: boolean): string {
  if (annOnly) return sha256Json({ tool: TOOL_VERSION, kind: 'ann', device: cfg.run.device, predictions: cfg.evaluation.predictions });
  const o = evaluateOptionsOf(cfg);
  return sha256Json({
    tool: TOOL_VERSION,
    kind: 'eval',
    timesteps: o.timesteps,
    snn: o.snn,
    device: o.device,
    engine: o.engine,
    tfjsBackend: o.engine === 'tfjs' ? o.tfjsBackend : undefined,
    predictions: o.predictions,
    minCorrelation: o.minCorrelation,
    raster: o.raster,
  });
}

/** What the coordinator of a queued run expects a worker to find. */
export interface ExpectedIdentity {
  readonly model: string;
  readonly data: DataIdentity;
}

/** Refuses to evaluate when this machine's model or data differ from the coordinator's, naming the file. */
export function checkExpected(where: string, actual: { model: string; data: DataIdentity }, expected: ExpectedIdentity, modelPath: string): void {
  const problems: string[] = [];
  if (actual.model !== expected.model)
    problems.push(`the model ${modelPath} differs (model hash ${actual.model.slice(0, 12)}… here, ${expected.model.slice(0, 12)}… on the coordinator)`);
  if (actual.data.sha256 !== expected.data.sha256) {
    const differ = actual.data.files.filter((f, i) => f.sha256 !== expected.data.files[i]?.sha256);
    problems.push(
      differ.length
        ? differ
            .map(
              (f) =>
                `the data file ${f.path} differs (sha256 ${f.sha256.slice(0, 12)}… here, ${expected.data.files.find((e) => e.path === f.path)?.sha256.slice(0, 12) ?? '?'}… on the coordinator)`,
            )
            .join('; ')
        : 'the data selection or preprocessing differs',
    );
  }
  if (problems.length) {
    throw new Onnx2SnnError(
      ErrorCodes.SHARD,
      `${where}: ${problems.join('; ')}: refusing to evaluate different inputs (give every worker the same files, e.g. on a shared filesystem)`,
      {
        problems,
        file: modelPath,
      },
    );
  }
}

interface ShardContext {
  readonly spec: ShardSpec;
  readonly start: number;
  readonly total: number;
  readonly identity: RunIdentity;
}

function shardInfo(kind: ShardKind, c: ShardContext, samples: number): ShardInfo {
  return {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    kind,
    index: c.spec.index,
    count: c.spec.count,
    start: c.start,
    samples,
    total: c.total,
    identity: c.identity,
  };
}

export interface EvalShardOptions {
  /** Thresholds shared by every shard (`calibrate -o` once; a queue ships them in the job). */
  readonly thresholds?: ThresholdsFile;
  readonly thresholdsPath?: string;
  /** Queue workers: the identity the coordinator computed, checked before any work. */
  readonly expect?: ExpectedIdentity;
  /** Where the check runs, for messages (e.g. "worker host-1"). */
  readonly where?: string;
  readonly onProgress?: ProgressFn;
}

export type ShardRecord = Record<string, unknown> & { readonly shard: ShardInfo };

/** `eval --shard K/N` (config `data.shard`): the SNN evaluation, or with `evaluation.annOnly` the ANN's, of one shard. */
export async function evaluateShard(cfg: Config, model: Model, o: EvalShardOptions = {}): Promise<ShardRecord> {
  const t0 = performance.now();
  const spec = parseShard(cfg.data.shard ?? '', '--shard');
  const annOnly = cfg.evaluation.annOnly;
  if (!annOnly && !o.thresholds)
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      '--shard: the shards of a run share one thresholds file: calibrate once with `onnx2snn calibrate -o thresholds.json`, then give every shard --thresholds thresholds.json',
      { option: '--thresholds' },
    );
  if (o.thresholds) checkThresholdsFor(model, o.thresholds, o.thresholdsPath ?? 'thresholds');
  const pre = preprocessOf(cfg);
  const path = cfg.data.file!;
  const { ds, start, total } = loadShard(path, pre, spec);
  const hash = modelHash(model);
  const data = dataIdentity(path, pre, { offset: pre.offset ?? 0, count: total });
  if (o.expect) checkExpected(o.where ?? 'this worker', { model: hash, data }, o.expect, cfg.model ?? '');
  const identity: RunIdentity = {
    model: hash,
    ...(o.thresholds ? { thresholds: sha256Json(o.thresholds) } : {}),
    data: data.sha256,
    options: evalOptionsIdentity(cfg, annOnly),
  };
  const ctx = { spec, start, total, identity };
  const t1 = performance.now();
  const device = cfg.run.device;
  if (annOnly) {
    const ann = await evaluateAnn(model, ds, {
      batchSize: cfg.run.batchSize ?? 256,
      device,
      ...(cfg.run.threads ? { threads: cfg.run.threads } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    const t2 = performance.now();
    return {
      model: cfg.model,
      dataset: path,
      samples: ds.count,
      engine: 'onnxruntime',
      device,
      ann: { accuracy: ann.accuracy, top5: ann.top5, ...(cfg.evaluation.predictions ? { predictions: Array.from(ann.predictions) } : {}) },
      parts: { samples: ds.count, ann: { correct: countEqual(ann.predictions, ds.labels), top5: inTopK(ann.logits, ds.count, ann.classes, ds.labels, 5) } },
      seconds: { load: (t1 - t0) / 1000, ann: (t2 - t1) / 1000, total: (performance.now() - t0) / 1000 },
      shard: shardInfo('ann', ctx, ds.count),
    };
  }
  const sample = cfg.report.sample;
  if (sample >= total)
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--raster-sample: sample ${sample} is not one of the ${total} evaluated samples`, {
      option: '--raster-sample',
      actual: sample,
      expected: `< ${total}`,
    });
  const opts = evaluateOptionsOf(cfg);
  const holds = sample >= start && sample < start + ds.count;
  const rec: EvalRecord = await evaluate(model, ds, {
    ...opts,
    thresholds: o.thresholds!,
    ...(o.thresholdsPath ? { thresholdsPath: o.thresholdsPath } : {}),
    raster: holds && opts.raster ? { ...opts.raster, sample: sample - start } : false,
    parts: true,
    ...(cfg.model ? { modelPath: cfg.model } : {}),
    config: cfg,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  return {
    ...rec,
    dataset: path,
    ...(rec.raster ? { raster: { ...rec.raster, sample } } : {}),
    seconds: { load: (t1 - t0) / 1000, ...rec.seconds, total: (performance.now() - t0) / 1000 },
    shard: shardInfo('eval', ctx, ds.count),
  };
}

/** `simulate --shard K/N`: the shard's samples and its shard info (the model identity is the SNN file's bytes). */
export function simulateShard(
  snnPath: string,
  dataPath: string,
  pre: Preprocess,
  shard: string,
  o: { timesteps: readonly number[]; predictions: boolean; device: string },
): { ds: Dataset; shard: ShardInfo } {
  const spec = parseShard(shard);
  const { ds, start, total } = loadShard(dataPath, pre, spec);
  const identity: RunIdentity = {
    model: sha256File(snnPath),
    data: dataIdentity(dataPath, pre, { offset: pre.offset ?? 0, count: total }).sha256,
    options: sha256Json({
      tool: TOOL_VERSION,
      kind: 'simulate',
      timesteps: [...new Set(o.timesteps)].sort((a, b) => a - b),
      predictions: o.predictions,
      device: o.device,
    }),
  };
  return { ds, shard: shardInfo('simulate', { spec, start, total, identity }, ds.count) };
}

/** The mergeable parts of a simulation: correct predictions per T and spikes per layer. */
export function simulateParts(r: SnnRunResult, labels: Int32Array): Record<string, unknown> {
  return {
    samples: labels.length,
    timesteps: r.timesteps,
    snn: [...r.predictions].map(([t, p]) => ({ timesteps: t, correct: countEqual(p, labels) })),
    layers: r.layerSpikes.map((spikes, i) => ({ spikes, neurons: r.layerNeurons[i]! })),
  };
}
