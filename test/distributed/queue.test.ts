/**
 * The work queue with a real Redis (Debian's redis-server on a free loopback port; skipped, saying
 * why, where it cannot start) and the built CLI: `eval --queue` splits a run into shard jobs, two
 * `onnx2snn worker`s take them, one is killed (SIGKILL) in the middle of a job; its job is handed to
 * the other worker by the stalled-job check, and the merged record equals the single-process run:
 * nothing lost, nothing counted twice, the run's jobs removed from Redis. Then the typed errors:
 * no server, a refused or missing password (never printed), a password from the environment, a
 * worker whose model differs from the coordinator's, and the jobs of a coordinator that is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeThresholds, type ThresholdsFile } from '../../calibration/thresholds.js';
import { evaluateOptionsOf, parseConfig, preprocessOf } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/index.js';
import { dataIdentity } from '../../src/distributed/identity.js';
import { JOB_FORMAT, JOB_NAME, JOB_VERSION } from '../../src/distributed/job.js';
import { runQueued } from '../../src/distributed/queue.js';
import { calibrate, loadModel } from '../../src/pipeline.js';
import { evaluate } from '../../src/report/evaluate.js';
import { expectErrorAsync } from '../helpers/errors.js';
import { freePort, startRedis, type RedisServer } from '../helpers/redis.js';
import { builtPackage, EVERY5, MNIST12, runCli, show, TRAIN } from '../report/helpers.js';

const SAMPLES = 96;
const JOBS = 6;
let cli = '';
let dir = '';
let redis: RedisServer | undefined;
let why = '';
let thresholds: ThresholdsFile;
const children: ChildProcess[] = [];

interface Proc {
  readonly proc: ChildProcess;
  out: string;
  err: string;
}

function start(args: readonly string[], env: Record<string, string> = {}): Proc {
  const proc = spawn(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const p: Proc = { proc, out: '', err: '' };
  proc.stdout!.on('data', (d: Buffer) => (p.out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (p.err += d.toString()));
  return p;
}

async function waitFor(p: Proc, re: RegExp, ms = 60_000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(p.err);
    if (m) return m;
    if (p.proc.exitCode !== null || Date.now() - t0 > ms) throw new Error(`waiting for ${re}: exit ${p.proc.exitCode}\nstderr: ${p.err}\nstdout: ${p.out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const exited = (p: Proc): Promise<number | null> =>
  p.proc.exitCode !== null ? Promise.resolve(p.proc.exitCode) : new Promise((r) => p.proc.once('exit', (code) => r(code)));
const worker = (name: string, url = redis!.url, env: Record<string, string> = {}) =>
  start(['worker', '--queue', url, '--threads', '1', '--lock-ms', '2000', '--stalled-ms', '1000', '--name', name], env);
const without = (r: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));

beforeAll(async () => {
  const r = await startRedis();
  if ('skip' in r) {
    why = r.skip;
    return;
  }
  redis = r;
  cli = (await builtPackage()).cli;
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-queue-'));
  thresholds = await calibrate(loadModel(MNIST12), loadDataset(TRAIN, { scale: 1 / 255, limit: 200 }), { modelPath: MNIST12 });
  writeThresholds(join(dir, 'th.json'), thresholds);
}, 300_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('eval --queue with two workers, one killed in the middle of a job', () => {
  it('the merged record equals the single-process run; nothing lost, nothing twice; jobs removed', async (ctx) => {
    if (!redis) {
      console.warn(`SKIPPED queue test: ${why}`);
      ctx.skip(why);
      return;
    }
    const cfg = parseConfig({
      model: MNIST12,
      data: { file: EVERY5, scale: '1/255', limit: SAMPLES },
      calibration: { thresholds: join(dir, 'th.json') },
      evaluation: { timesteps: [8, 32], predictions: true },
    });
    const model = loadModel(MNIST12);
    const whole = await evaluate(model, loadDataset(EVERY5, preprocessOf(cfg)), {
      ...evaluateOptionsOf(cfg),
      thresholds,
      thresholdsPath: join(dir, 'th.json'),
      modelPath: MNIST12,
    });
    const a = worker('wA');
    const b = worker('wB');
    await Promise.all([waitFor(a, /waiting for jobs/), waitFor(b, /waiting for jobs/)]);
    const out = join(dir, 'q.json');
    const coord = start([
      'eval',
      MNIST12,
      '--data',
      EVERY5,
      '--limit',
      String(SAMPLES),
      '--scale',
      '1/255',
      '--thresholds',
      join(dir, 'th.json'),
      '--timesteps',
      '8,32',
      '--predictions',
      '--json',
      out,
      '--queue',
      redis.url,
      '--queue-jobs',
      String(JOBS),
    ]);
    const killed = (await waitFor(a, /job (\S+): shard (\d+)\/\d+ started/))[1]!;
    a.proc.kill('SIGKILL');
    expect(await exited(coord), `${coord.err}\n${coord.out}\n--- wB:\n${b.err}`).toBe(0);
    expect(a.err).not.toMatch(new RegExp(`job ${killed}: shard \\S+ done`));
    // the killed worker's job was redone by the other worker
    expect(b.err).toContain(`job ${killed}: shard`);
    expect(b.err).toMatch(new RegExp(`job ${killed}: shard \\d+/${JOBS} done`));
    const merged = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(without(merged, 'seconds', 'config', 'shards'))).toBe(
      JSON.stringify(without(whole as unknown as Record<string, unknown>, 'seconds', 'config')),
    );
    const shards = merged['shards'] as { held: number[]; parts: { source: string; samples: number }[] };
    expect(shards.held).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(shards.parts.map((p) => p.source)).size).toBe(JOBS);
    expect(shards.parts.reduce((s, p) => s + p.samples, 0)).toBe(SAMPLES);
    expect((merged['config'] as { run: { queue: string } }).run.queue).toBe(redis.url);
    // the run's jobs are gone from Redis
    const client = new Redis(redis.url);
    const run = killed.replace(/-\d+$/, '');
    const left = (await client.keys('*')).filter((k) => k.includes(run));
    await client.quit();
    expect(left).toEqual([]);

    // a worker whose model differs from the coordinator's: a typed error, not a result
    const other = { model: 'f'.repeat(64), data: dataIdentity(EVERY5, preprocessOf(cfg), { offset: 0, count: SAMPLES }) };
    await expectErrorAsync(
      () =>
        runQueued({
          queue: redis!.url,
          jobs: 2,
          total: SAMPLES,
          cfg: { ...cfg, model: join(process.cwd(), MNIST12), data: { ...cfg.data, file: join(process.cwd(), EVERY5) } },
          thresholds,
          expect: other,
          attempts: 1,
          pollMs: 100,
        }),
      'E_SHARD',
      'worker wB',
      `the model ${join(process.cwd(), MNIST12)} differs`,
    );

    // the jobs of a coordinator that is gone (its key expired) are skipped, not retried
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue('onnx2snn', { connection: conn });
    await q.add(
      JOB_NAME,
      { format: JOB_FORMAT, version: JOB_VERSION, run: 'dead-run', cfg: { ...cfg, data: { ...cfg.data, shard: '0/1' } }, expect: other },
      { jobId: 'dead-run-0', attempts: 3 },
    );
    let state = '';
    for (let i = 0; i < 600 && state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await q.getJobState('dead-run-0');
    }
    const dead = await q.getJob('dead-run-0');
    expect(dead?.failedReason).toContain('the coordinator of run dead-run is gone');
    expect(dead?.attemptsMade).toBe(1);
    await q.close();
    conn.disconnect();

    b.proc.kill('SIGTERM');
    expect(await exited(b)).toBe(0);
  }, 300_000);
});

describe('queue errors are typed; passwords are never printed', () => {
  it('no server: E_QUEUE_CONNECT, nothing written', async (ctx) => {
    if (!redis) return ctx.skip(why);
    const port = await freePort();
    const out = join(dir, 'none.json');
    const r = runCli(cli, [
      'eval',
      MNIST12,
      '--data',
      EVERY5,
      '--limit',
      '8',
      '--scale',
      '1/255',
      '--thresholds',
      join(dir, 'th.json'),
      '--json',
      out,
      '--queue',
      `redis://:hunter2@127.0.0.1:${port}`,
      '-q',
    ]);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toContain('E_QUEUE_CONNECT');
    expect(r.stderr).toContain(`redis://:***@127.0.0.1:${port}`);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
    expect(() => readFileSync(out)).toThrow();
  });

  it('a refused or missing password: E_QUEUE_AUTH; from ONNX2SNN_REDIS_PASSWORD it connects', async (ctx) => {
    if (!redis) return ctx.skip(why);
    const locked = await startRedis({ password: 's3cret-pw' });
    if ('skip' in locked) return ctx.skip(locked.skip);
    try {
      const wrong = runCli(cli, ['worker', '--queue', `redis://:wrong-pw@127.0.0.1:${locked.port}`]);
      expect(wrong.status, show(wrong)).toBe(1);
      expect(wrong.stderr).toMatch(/E_QUEUE_AUTH.*password was refused/);
      expect(wrong.stderr + wrong.stdout).not.toContain('wrong-pw');
      const none = runCli(cli, ['worker', '--queue', locked.url]);
      expect(none.status, show(none)).toBe(1);
      expect(none.stderr).toMatch(/E_QUEUE_AUTH.*ONNX2SNN_REDIS_PASSWORD/);
      const w = worker('wEnv', locked.url, { ONNX2SNN_REDIS_PASSWORD: 's3cret-pw' });
      await waitFor(w, /waiting for jobs/);
      expect(w.err).not.toContain('s3cret-pw');
      w.proc.kill('SIGTERM');
      expect(await exited(w)).toBe(0);
    } finally {
      await locked.stop();
    }
  }, 120_000);
});
