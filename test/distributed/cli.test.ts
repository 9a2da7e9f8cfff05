/**
 * The shard commands as users run them (the CLI program, in-process: test/helpers/cli.ts): `eval --shard K/N --json` per shard, then
 * `merge … -o run.json --report` gives the single-process record and a report; `simulate --shard`
 * likewise; a merge with a shard missing fails with E_SHARD and writes nothing; a shard without
 * the shared thresholds file is refused.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeThresholds, type ThresholdsFile } from '../../calibration/thresholds.js';
import { loadDataset } from '../../src/data/index.js';
import { writeOnnx } from '../../src/onnx/write.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { evaluate } from '../../src/report/evaluate.js';
import { runInProcess } from '../helpers/cli.js';
import { EVERY5, MNIST12, show, TRAIN } from '../report/helpers.js';

let dir = '';
let thresholds: ThresholdsFile;
const DATA = ['--data', EVERY5, '--limit', '30', '--offset', '5', '--scale', '1/255', '--timesteps', '8,16'];
const without = (r: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-shard-cli-'));
  const model = loadModel(MNIST12);
  thresholds = await calibrate(model, loadDataset(TRAIN, { scale: 1 / 255, limit: 200 }), { modelPath: MNIST12 });
  writeThresholds(join(dir, 'th.json'), thresholds);
  writeFileSync(join(dir, 'm.snn.onnx'), writeOnnx(convert(model, thresholds).onnx));
}, 300_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('eval --shard, merge', () => {
  it('two shards merged = one process; the merged run has its report', async () => {
    for (const k of [1, 0]) {
      const r = await runInProcess([
        'eval',
        MNIST12,
        ...DATA,
        '--thresholds',
        join(dir, 'th.json'),
        '--predictions',
        '--shard',
        `${k}/2`,
        '--json',
        join(dir, `part${k}.json`),
        '-q',
      ]);
      expect(r.status, show(r)).toBe(0);
      expect(r.stdout).toContain(`shard ${k}/2, samples ${k * 15}…${k * 15 + 14} of 30`);
    }
    const m = await runInProcess([
      'merge',
      join(dir, 'part0.json'),
      join(dir, 'part1.json'),
      '-o',
      join(dir, 'run.json'),
      '--report',
      join(dir, 'run.html'),
      '--save-config',
      join(dir, 'run.cfg.json'),
    ]);
    expect(m.status, show(m)).toBe(0);
    expect(m.stdout).toContain('merged 2 shards (0…1)');
    expect(m.stdout).toContain('corr(ANN, SNN)');
    const whole = await evaluate(loadModel(MNIST12), loadDataset(EVERY5, { scale: 1 / 255, limit: 30, offset: 5 }), {
      timesteps: [8, 16],
      thresholds,
      thresholdsPath: join(dir, 'th.json'),
      predictions: true,
      modelPath: MNIST12,
    });
    expect(JSON.stringify(without(read('run.json'), 'seconds', 'config', 'shards'))).toBe(
      JSON.stringify(without(whole as unknown as Record<string, unknown>, 'seconds')),
    );
    expect(readFileSync(join(dir, 'run.html'), 'utf8')).toContain('id="onnx2snn-data"');
    expect(existsSync(join(dir, 'run.cfg.json'))).toBe(true);
    expect(existsSync(join(dir, 'run.config.json')), 'no sidecar unless --save-config').toBe(false);
  });

  it('a missing shard: E_SHARD, nothing written; a shard without --thresholds: E_OPTION', async () => {
    const m = await runInProcess(['merge', join(dir, 'part1.json'), '-o', join(dir, 'bad.json')]);
    expect(m.status, show(m)).toBe(1);
    expect(m.stderr).toContain('E_SHARD');
    expect(m.stderr).toContain('missing shard 0/2');
    expect(existsSync(join(dir, 'bad.json'))).toBe(false);
    const r = await runInProcess(['eval', MNIST12, ...DATA, '--calib', TRAIN, '--shard', '0/2', '--json', join(dir, 'x.json')]);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toMatch(/E_OPTION.*--thresholds.*calibrate once/);
  });
});

describe('simulate --shard, merge', () => {
  it('three shards merged = one process', async () => {
    const args = ['simulate', join(dir, 'm.snn.onnx'), ...DATA, '--predictions', '-q'];
    const whole = await runInProcess([...args, '--json', join(dir, 'sim.json')]);
    expect(whole.status, show(whole)).toBe(0);
    for (const k of [0, 1, 2]) {
      const r = await runInProcess([...args, '--shard', `${k}/3`, '--json', join(dir, `sim${k}.json`)]);
      expect(r.status, show(r)).toBe(0);
    }
    const m = await runInProcess(['merge', ...[2, 0, 1].map((k) => join(dir, `sim${k}.json`)), '-o', join(dir, 'simrun.json')]);
    expect(m.status, show(m)).toBe(0);
    expect(JSON.stringify(without(read('simrun.json'), 'seconds', 'shards'))).toBe(JSON.stringify(without(read('sim.json'), 'seconds')));
  });
});
