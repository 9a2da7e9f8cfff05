/**
 * `onnx2snn merge`: shard records (src/distributed/types.ts) → the record one process would have written.
 * Every figure is recomputed from the added parts with the functions the single process uses
 * (src/eval/parts.ts), so accuracies, agreements, predictions, layer statistics, correlations, the
 * scatter sample and operation counts are identical; `seconds` add up the shards' work. The parts
 * must be exactly the N shards of one run: a missing or duplicated shard, or a part of another run
 * (model, thresholds, data, options), is an E_SHARD error naming the files.
 */
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { fraction } from '../eval/parts.js';
import { concatPredictions, mergeEval } from './merge-eval.js';
import { shardRange } from './split.js';
import { SHARD_FORMAT, SHARD_VERSION, type MergedShards, type RunIdentity, type ShardInfo } from './types.js';

/** A shard record and where it came from (a file name, or a queue job). */
export interface ShardPart {
  readonly source: string;
  readonly record: unknown;
}

/** A part whose shape has been checked. */
export interface CheckedPart {
  readonly source: string;
  readonly shard: ShardInfo;
  readonly record: Record<string, unknown> & { readonly parts: Record<string, unknown> };
}

const fail = (message: string, details: Record<string, unknown> = {}): never => {
  throw new Onnx2SnnError(ErrorCodes.SHARD, message, details);
};

function checkShape(p: ShardPart): CheckedPart {
  const r = p.record as { shard?: Partial<ShardInfo>; parts?: unknown } | null;
  const s = r && typeof r === 'object' ? r.shard : undefined;
  if (!s || s.format !== SHARD_FORMAT)
    fail(`${p.source}: not a shard record (written by \`onnx2snn eval --shard K/N --json\`, \`simulate --shard\` or a queue worker)`, { file: p.source });
  if (s!.version !== SHARD_VERSION)
    fail(`${p.source}: shard record version ${String(s!.version)}; this onnx2snn merges version ${SHARD_VERSION}`, { file: p.source });
  const ints = [s!.index, s!.count, s!.start, s!.samples, s!.total];
  if (!ints.every((v) => Number.isInteger(v)) || !r!.parts || typeof r!.parts !== 'object' || !s!.identity)
    fail(`${p.source}: a damaged shard record (shard fields or parts missing)`, { file: p.source });
  return { source: p.source, shard: s as ShardInfo, record: r as CheckedPart['record'] };
}

const IDENTITY_KEYS: readonly (keyof RunIdentity)[] = ['model', 'thresholds', 'data', 'options'];
const WHAT: Record<keyof RunIdentity, string> = {
  model: 'the model',
  thresholds: 'the thresholds',
  data: 'the data (files, preprocessing or --offset/--limit)',
  options: 'the options (time steps, conversion, engine, device, predictions, raster, or the onnx2snn version)',
};

/** Checks that the parts are the N shards of one run, each once; returns them in shard order. */
export function checkParts(parts: readonly ShardPart[]): CheckedPart[] {
  if (parts.length === 0) fail('merge: no shard records given');
  const ps = parts.map(checkShape);
  const first = ps[0]!;
  const a = first.shard;
  for (const p of ps.slice(1)) {
    const b = p.shard;
    if (b.kind !== a.kind)
      fail(`${p.source} is a shard of \`${b.kind}\` and ${first.source} of \`${a.kind}\`: parts of different runs`, { files: [first.source, p.source] });
    const differ = IDENTITY_KEYS.filter((k) => a.identity[k] !== b.identity[k]);
    if (b.count !== a.count)
      fail(`${p.source} is shard ${b.index}/${b.count} and ${first.source} shard ${a.index}/${a.count}: parts of differently split runs`, {
        files: [first.source, p.source],
      });
    if (differ.length || b.total !== a.total) {
      const what = differ.map((k) => WHAT[k]);
      if (b.total !== a.total && !differ.includes('data')) what.push(`the number of samples (${b.total} vs ${a.total})`);
      fail(`${p.source} and ${first.source} are parts of different runs: ${what.join(', ')} differ`, { files: [first.source, p.source], differ });
    }
  }
  const byIndex = new Map<number, CheckedPart>();
  for (const p of ps) {
    const prev = byIndex.get(p.shard.index);
    if (prev)
      fail(`shard ${p.shard.index}/${a.count} is given twice: ${prev.source} and ${p.source}`, { files: [prev.source, p.source], shard: p.shard.index });
    byIndex.set(p.shard.index, p);
  }
  const missing = Array.from({ length: a.count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    fail(
      `missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${a.count}`).join(', ')} (have ${[...byIndex.keys()]
        .sort((x, y) => x - y)
        .map((i) => `${i}/${a.count}`)
        .join(', ')})`,
      { missing },
    );
  const ordered = Array.from({ length: a.count }, (_, i) => byIndex.get(i)!);
  for (const p of ordered) {
    const want = shardRange(a.total, p.shard);
    if (p.shard.start !== want.start || p.shard.samples !== want.samples || (p.record.parts as { samples?: number }).samples !== want.samples) {
      fail(
        `${p.source}: shard ${p.shard.index}/${a.count} should hold samples ${want.start}…${want.start + want.samples - 1} of ${a.total}, it holds ${p.shard.start}…${p.shard.start + p.shard.samples - 1}`,
        { file: p.source },
      );
    }
  }
  return ordered;
}

/** Shards' seconds added up per phase (work done, not wall-clock time). */
export function addSeconds(ps: readonly CheckedPart[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of ps)
    for (const [k, v] of Object.entries((p.record['seconds'] as Record<string, number> | undefined) ?? {}))
      if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out;
}

function mergedShards(ps: readonly CheckedPart[]): MergedShards {
  const a = ps[0]!.shard;
  return {
    kind: a.kind,
    count: a.count,
    held: ps.map((p) => p.shard.index),
    identity: a.identity,
    parts: ps.map((p) => ({
      index: p.shard.index,
      start: p.shard.start,
      samples: p.shard.samples,
      source: p.source,
      ...(typeof (p.record['seconds'] as Record<string, number> | undefined)?.['total'] === 'number'
        ? { seconds: (p.record['seconds'] as Record<string, number>)['total']! }
        : {}),
    })),
  };
}

type AnnParts = { samples: number; ann: { correct: number; top5: number } };
type SimParts = { samples: number; snn: { timesteps: number; correct: number }[]; layers: { spikes: number; neurons: number }[]; timesteps: number };

function mergeAnn(ps: readonly CheckedPart[]): Record<string, unknown> {
  const r0 = ps[0]!.record;
  const N = ps[0]!.shard.total;
  const parts = ps.map((p) => p.record.parts as unknown as AnnParts);
  const correct = parts.reduce((s, p) => s + p.ann.correct, 0);
  const top5 = parts.reduce((s, p) => s + p.ann.top5, 0);
  const predictions = concatPredictions(ps.map((p) => (p.record['ann'] as { predictions?: number[] }).predictions));
  return {
    model: r0['model'],
    dataset: r0['dataset'],
    samples: N,
    engine: r0['engine'],
    device: r0['device'],
    ann: { accuracy: fraction(correct, N), top5: top5 / Math.max(N, 1), ...(predictions ? { predictions } : {}) },
  };
}

function mergeSimulate(ps: readonly CheckedPart[]): Record<string, unknown> {
  const r0 = ps[0]!.record;
  const N = ps[0]!.shard.total;
  const parts = ps.map((p) => p.record.parts as unknown as SimParts);
  const p0 = parts[0]!;
  const T = p0.timesteps;
  const snn = p0.snn.map((s, i) => {
    const predictions = concatPredictions(ps.map((p) => (p.record['snn'] as { predictions?: number[] }[])[i]!.predictions));
    return {
      timesteps: s.timesteps,
      accuracy: fraction(
        parts.reduce((a, p) => a + p.snn[i]!.correct, 0),
        N,
      ),
      ...(predictions ? { predictions } : {}),
    };
  });
  const layers = (r0['layers'] as { name: string; threshold: unknown }[]).map((l, i) => {
    const spikes = parts.reduce((a, p) => a + p.layers[i]!.spikes, 0);
    return { name: l.name, threshold: l.threshold, spikeRate: spikes / (p0.layers[i]!.neurons * N * T) };
  });
  return { model: r0['model'], dataset: r0['dataset'], samples: N, engine: r0['engine'], device: r0['device'], snn, layers };
}

/** The merged record of the shards of one run, with `shards` saying what it holds. */
export function mergeShards(parts: readonly ShardPart[], opts: { output?: string } = {}): Record<string, unknown> {
  const t0 = performance.now();
  const ps = checkParts(parts);
  const kind = ps[0]!.shard.kind;
  const body = kind === 'eval' ? mergeEval(ps, opts) : kind === 'ann' ? mergeAnn(ps) : mergeSimulate(ps);
  return { ...body, seconds: { ...addSeconds(ps), merge: (performance.now() - t0) / 1000 }, shards: mergedShards(ps) };
}
