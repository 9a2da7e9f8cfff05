/**
 * Shards merged = the single-process run, on every bundled model: a run evaluated in one process
 * and the same run split into shards (evaluated in a shuffled order) and merged give identical
 * records — predictions, accuracies, agreements, spike rates, silent/saturated shares,
 * correlations, the scatter sample, operation counts, the raster, the diagnosis — apart from
 * `seconds`. Covered: constant-current and Poisson input, spike readout, per-channel thresholds,
 * an --offset. Then every way a set of parts can fail to be one run is an E_SHARD naming the files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ThresholdsFile } from '../../calibration/thresholds.js';
import { evaluateOptionsOf, parseConfig, preprocessOf } from '../../src/config/load.js';
import type { Config, ConfigInput } from '../../src/config/schema.js';
import { loadDataset } from '../../src/data/index.js';
import { evaluateAnn } from '../../src/engine/ann.js';
import { mergeShards, type ShardPart } from '../../src/distributed/merge.js';
import { evaluateShard } from '../../src/distributed/shard.js';
import type { Model } from '../../src/graph/types.js';
import { calibrate, loadModel } from '../../src/pipeline.js';
import { evaluate } from '../../src/report/evaluate.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
import { expectError, expectErrorAsync } from '../helpers/errors.js';

interface Case {
  readonly name: string;
  readonly id: string;
  readonly samples: number;
  readonly shards: number;
  readonly timesteps: number[];
  readonly method?: string;
  readonly offset?: number;
  readonly conversion?: ConfigInput['conversion'];
}

const CASES: readonly Case[] = [
  { name: 'MNIST CNN, 3 shards', id: 'onnx-zoo-mnist-12', samples: 60, shards: 3, timesteps: [8, 32] },
  {
    name: 'MLP, Poisson input and spike readout, --offset, 4 shards',
    id: 'vnncomp21-mnistfc-256x2',
    samples: 50,
    shards: 4,
    timesteps: [8, 16],
    offset: 17,
    conversion: { encoding: 'poisson', readout: 'spikes', seed: 3 },
  },
  {
    name: 'max-pool CNN, per-channel thresholds, 2 shards',
    id: 'vnncomp21-verivital-convnet_maxpool',
    samples: 40,
    shards: 2,
    timesteps: [8, 32],
    method: 'channel-percentile:99.9',
  },
  { name: 'CIFAR ResNet, 3 shards', id: 'vnncomp21-cifar10-resnet_2b', samples: 24, shards: 3, timesteps: [8, 16] },
];

interface Run {
  readonly cfg: Config;
  readonly model: Model;
  readonly thresholds: ThresholdsFile;
}

async function setUp(c: Case): Promise<Run> {
  const m = BUNDLED_MODELS.find((b) => b.id === c.id)!;
  const model = loadModel(m.file);
  const pre = {
    ...(m.pre.scale !== undefined ? { scale: m.pre.scale } : {}),
    ...(m.pre.mean ? { mean: [...m.pre.mean] } : {}),
    ...(m.pre.std ? { std: [...m.pre.std] } : {}),
  };
  const thresholds = await calibrate(model, loadDataset(m.calib, { ...pre, limit: 100 }), { ...(c.method ? { method: c.method } : {}), modelPath: m.file });
  const cfg = parseConfig({
    model: m.file,
    data: { file: m.test, ...pre, limit: c.samples, offset: c.offset ?? 0 },
    calibration: { thresholds: 'thresholds.json' },
    ...(c.conversion ? { conversion: c.conversion } : {}),
    evaluation: { timesteps: c.timesteps, predictions: true },
    report: { sample: Math.floor(c.samples / 2) },
  });
  return { cfg, model, thresholds };
}

const single = (r: Run) =>
  evaluate(r.model, loadDataset(r.cfg.data.file!, preprocessOf(r.cfg)), {
    ...evaluateOptionsOf(r.cfg),
    thresholds: r.thresholds,
    thresholdsPath: 'thresholds.json',
    modelPath: r.cfg.model!,
    config: r.cfg,
  });
const shardOf = (r: Run, k: number, n: number, over: Partial<Config> = {}, thresholds = r.thresholds) =>
  evaluateShard({ ...r.cfg, ...over, data: { ...r.cfg.data, ...over.data, shard: `${k}/${n}` } }, r.model, { thresholds, thresholdsPath: 'thresholds.json' });
const without = (r: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));

describe.each(CASES)('$name', (c) => {
  it('the merged shards equal the single-process run', async () => {
    const r = await setUp(c);
    const whole = (await single(r)) as unknown as Record<string, unknown>;
    const order = Array.from({ length: c.shards }, (_, k) => (k * 2 + 1) % c.shards).filter((k, i, a) => a.indexOf(k) === i);
    for (let k = 0; k < c.shards; k++) if (!order.includes(k)) order.push(k);
    const parts: ShardPart[] = [];
    for (const k of order) parts.push({ source: `part-${k}.json`, record: JSON.parse(JSON.stringify(await shardOf(r, k, c.shards))) });
    const merged = mergeShards(parts);
    expect(JSON.stringify(without(merged, 'seconds', 'shards'))).toBe(JSON.stringify(without(whole, 'seconds')));
    const shards = merged['shards'] as { held: number[]; count: number; parts: { source: string; samples: number }[] };
    expect(shards.held).toEqual(Array.from({ length: c.shards }, (_, k) => k));
    expect(shards.parts.reduce((a, p) => a + p.samples, 0)).toBe(c.samples);
    expect((merged['ann'] as { predictions: number[] }).predictions).toHaveLength(c.samples);
  });
});

describe('eval --ann-only shards', () => {
  it('merge into the ANN figures of one process', async () => {
    const r = await setUp(CASES[3]!);
    const cfg = { ...r.cfg, evaluation: { ...r.cfg.evaluation, annOnly: true } };
    const parts: ShardPart[] = [];
    for (const k of [1, 0]) parts.push({ source: `ann-${k}.json`, record: await evaluateShard({ ...cfg, data: { ...cfg.data, shard: `${k}/2` } }, r.model) });
    const merged = mergeShards(parts);
    const ann = await evaluateAnn(r.model, loadDataset(cfg.data.file!, preprocessOf(cfg)));
    expect(merged['ann']).toEqual({ accuracy: ann.accuracy, top5: ann.top5, predictions: Array.from(ann.predictions) });
    expect(merged['samples']).toBe(CASES[3]!.samples);
    expect((merged['shards'] as { kind: string }).kind).toBe('ann');
  });
});

describe('parts that do not make one run', () => {
  const c = CASES[0]!;
  let r: Run;
  let parts: ShardPart[];
  beforeAll(async () => {
    r = await setUp(c);
    parts = [];
    for (let k = 0; k < 3; k++) parts.push({ source: `part-${k}.json`, record: await shardOf(r, k, 3) });
  });

  it('a missing shard, a shard given twice', () => {
    expectError(() => mergeShards([parts[0]!, parts[2]!]), 'E_SHARD', 'missing shard 1/3', 'have 0/3, 2/3');
    expectError(
      () => mergeShards([parts[0]!, parts[1]!, { ...parts[1]!, source: 'copy.json' }, parts[2]!]),
      'E_SHARD',
      'shard 1/3 is given twice: part-1.json and copy.json',
    );
  });

  it('a shard of another run: other thresholds, data, options, split', async () => {
    const other = await calibrate(r.model, loadDataset('fixtures/data/mnist/train-images-idx3-ubyte.gz', { scale: 1 / 255, limit: 100 }), { method: 'max' });
    const cases: [string, Promise<unknown>, string][] = [
      ['thresholds', shardOf(r, 1, 3, {}, other), 'the thresholds differ'],
      ['data', shardOf(r, 1, 3, { data: { ...r.cfg.data, offset: 1 } }), 'the data'],
      ['options', shardOf(r, 1, 3, { evaluation: { ...r.cfg.evaluation, timesteps: [8, 16] } }), 'the options'],
    ];
    for (const [what, rec, msg] of cases) {
      const bad = { source: `other-${what}.json`, record: await rec };
      expectError(() => mergeShards([parts[0]!, bad, parts[2]!]), 'E_SHARD', `other-${what}.json and part-0.json are parts of different runs`, msg);
    }
    const half = { source: 'half.json', record: await shardOf(r, 1, 2) };
    expectError(() => mergeShards([parts[0]!, half]), 'E_SHARD', 'differently split');
  });

  it('not a shard record, or a damaged one', async () => {
    const whole = await single(r);
    expectError(() => mergeShards([{ source: 'run.json', record: whole }]), 'E_SHARD', 'run.json: not a shard record');
    const { parts: _p, ...damaged } = parts[1]!.record as Record<string, unknown>;
    void _p;
    expectError(() => mergeShards([parts[0]!, { source: 'bad.json', record: damaged }, parts[2]!]), 'E_SHARD', 'bad.json: a damaged shard record');
    expectError(() => mergeShards([]), 'E_SHARD', 'no shard records');
  });

  it('a shard refuses thresholds of another model, needs thresholds, and checks the inputs a coordinator expects', async () => {
    const fc = loadModel('fixtures/models/vnncomp21-mnistfc-256x2.onnx');
    await expectErrorAsync(
      () => evaluateShard({ ...r.cfg, data: { ...r.cfg.data, shard: '0/3' } }, fc, { thresholds: r.thresholds, thresholdsPath: 'thresholds.json' }),
      'E_THRESHOLDS',
      'thresholds.json',
    );
    await expectErrorAsync(() => evaluateShard({ ...r.cfg, data: { ...r.cfg.data, shard: '0/3' } }, r.model), 'E_OPTION', 'calibrate once');
    const rec = (parts[0]!.record as { shard: { identity: { model: string } } }).shard.identity;
    const expectOther = {
      model: rec.model,
      data: {
        sha256: '0'.repeat(64),
        files: [
          { path: r.cfg.data.file!, sha256: '0'.repeat(64) },
          { path: 'labels', sha256: '1'.repeat(64) },
        ],
      },
    };
    await expectErrorAsync(
      () => evaluateShard({ ...r.cfg, data: { ...r.cfg.data, shard: '0/3' } }, r.model, { thresholds: r.thresholds, expect: expectOther, where: 'worker w9' }),
      'E_SHARD',
      'worker w9',
      `the data file ${r.cfg.data.file} differs`,
    );
    await expectErrorAsync(
      () =>
        evaluateShard({ ...r.cfg, data: { ...r.cfg.data, shard: '0/3' } }, r.model, {
          thresholds: r.thresholds,
          expect: { ...expectOther, model: 'f'.repeat(64) },
        }),
      'E_SHARD',
      'the model',
    );
  });
});
