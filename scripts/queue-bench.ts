/**
 * Scaling benchmark of the work queue: one large eval run through `eval --queue` with one worker,
 * then with two, every worker single-threaded (`onnx2snn worker --threads 1`), on a throwaway Redis
 * (scripts/redis-server.ts) or `--redis URL`. Prints JSON: the wall-clock seconds of each run (from
 * submitting the jobs to the merged record; thresholds are computed once, before), the medians and
 * speedup = median(one worker) / median(two workers). Rounds alternate the order (1,2 then 2,1)
 * so that a drift of the machine's speed hits both sides. The merged records of all runs must be
 * identical (checked: `identical`). Each run also records every worker's CPU seconds during the run
 * (Linux /proc/PID/stat): on a machine shared with other work the wall-clock speedup measures the
 * machine's load, so `projectedSpeedup` = the one worker's CPU time / the busiest of the two
 * workers' CPU times is printed too — what two workers on two free cores would achieve, leaving out
 * the coordinator and Redis (a projection, not a measurement); their CPU seconds during each run are
 * recorded too (`coordinatorCpuSeconds`, `redisCpuSeconds` for the throwaway Redis).
 *
 *   npm run bench:queue -- [--model vnncomp21-cifar10-resnet_2b] [--samples 1000] [--timesteps 32,64,128,256]
 *                          [--jobs 16] [--rounds 2] [--workers 1,2] [--redis redis://…] [--out queue-bench.json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseConfig, preprocessOf } from '../src/config/load.js';
import { loadDataset } from '../src/data/index.js';
import { dataIdentity } from '../src/distributed/identity.js';
import { runQueued } from '../src/distributed/queue.js';
import { calibrate, loadModel } from '../src/pipeline.js';
import { modelHash } from '../calibration/thresholds.js';
import { BUNDLED_MODELS } from './models.js';
import { startRedis } from './redis-server.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('bench:queue', {
  options: {
    model: { type: 'string', default: 'vnncomp21-cifar10-resnet_2b' },
    samples: { type: 'string', default: '1000' },
    timesteps: { type: 'string', default: '32,64,128,256' },
    jobs: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
    workers: { type: 'string', default: '1,2' },
    redis: { type: 'string' },
    out: { type: 'string' },
  },
});

const CLI = resolve('dist/src/cli/main.js');
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** CPU seconds (user + system) a process has used so far; NaN where /proc is not there. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Starts `n` single-threaded workers and resolves when all listen. */
async function workers(url: string, n: number): Promise<ChildProcess[]> {
  const ps = Array.from({ length: n }, (_, i) =>
    spawn(process.execPath, [CLI, 'worker', '--queue', url, '--threads', '1', '--name', `bench-${i}`], { stdio: ['ignore', 'ignore', 'pipe'] }),
  );
  await Promise.all(
    ps.map(
      (p) =>
        new Promise<void>((ok, fail) => {
          let err = '';
          p.stderr!.on('data', (d: Buffer) => {
            err += d.toString();
            if (err.includes('waiting for jobs')) ok();
          });
          p.once('exit', (code) => fail(new Error(`worker exited ${code}: ${err}`)));
        }),
    ),
  );
  return ps;
}

async function main(): Promise<void> {
  const m = BUNDLED_MODELS.find((b) => b.id === values.model);
  if (!m) throw new Error(`--model: one of ${BUNDLED_MODELS.map((b) => b.id).join(', ')}`);
  const samples = Number(values.samples);
  const timesteps = values.timesteps!.split(',').map(Number);
  const jobs = Number(values.jobs);
  const counts = values.workers!.split(',').map(Number);
  const pre = {
    ...(m.pre.scale !== undefined ? { scale: m.pre.scale } : {}),
    ...(m.pre.mean ? { mean: [...m.pre.mean] } : {}),
    ...(m.pre.std ? { std: [...m.pre.std] } : {}),
  };
  const cfg = parseConfig({
    model: resolve(m.file),
    data: { file: resolve(m.test), ...pre, limit: samples },
    evaluation: { timesteps },
    report: { sample: 0 },
  });
  const model = loadModel(m.file);
  const thresholds = await calibrate(model, loadDataset(m.calib, { ...pre, limit: 1000 }), { modelPath: m.file });
  const total = loadDataset(cfg.data.file!, preprocessOf(cfg)).count;
  const expect = { model: modelHash(model), data: dataIdentity(cfg.data.file!, preprocessOf(cfg), { offset: 0, count: total }) };
  const own = values.redis ? undefined : await startRedis();
  if (own && 'skip' in own) throw new Error(own.skip);
  const url = values.redis ?? own!.url;
  const runs: { workers: number; seconds: number; workerCpuSeconds: number[]; coordinatorCpuSeconds: number; redisCpuSeconds?: number }[] = [];
  const records = new Set<string>();
  const load = [loadavg()[0]!];
  try {
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const n of r % 2 ? [...counts].reverse() : counts) {
        const ps = await workers(url, n);
        const cpu0 = ps.map((p) => cpuSeconds(p.pid));
        const redis0 = own ? cpuSeconds(own.pid) : NaN;
        const self0 = process.cpuUsage();
        const t0 = performance.now();
        const merged = await runQueued({ queue: url, jobs, total, cfg, thresholds, expect, pollMs: 100 });
        const self = process.cpuUsage(self0);
        runs.push({
          workers: n,
          seconds: (performance.now() - t0) / 1000,
          workerCpuSeconds: ps.map((p, i) => cpuSeconds(p.pid) - cpu0[i]!),
          // the coordinator's share (polling, merging) and Redis's: they run on the same cores
          coordinatorCpuSeconds: (self.user + self.system) / 1e6,
          ...(own ? { redisCpuSeconds: cpuSeconds(own.pid) - redis0 } : {}),
        });
        for (const p of ps) p.kill('SIGTERM');
        const { seconds: _s, shards: _h, ...rest } = merged;
        void _s;
        void _h;
        records.add(JSON.stringify(rest));
        process.stderr.write(`${n} worker(s): ${runs[runs.length - 1]!.seconds.toFixed(1)} s\n`);
      }
    }
  } finally {
    await own?.stop();
  }
  load.push(loadavg()[0]!);
  const med = Object.fromEntries(counts.map((n) => [n, median(runs.filter((x) => x.workers === n).map((x) => x.seconds))]));
  // critical path with a free core per worker: the busiest worker's CPU time
  const cpuPath = Object.fromEntries(counts.map((n) => [n, median(runs.filter((x) => x.workers === n).map((x) => Math.max(...x.workerCpuSeconds)))]));
  const out = {
    model: m.id,
    samples: total,
    timesteps,
    jobs,
    threadsPerWorker: 1,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    loadavg1m: { before: load[0], after: load[1] },
    runs,
    medianSeconds: med,
    speedup: counts.length >= 2 ? med[counts[0]!]! / med[counts[counts.length - 1]!]! : undefined,
    busiestWorkerCpuSeconds: cpuPath,
    projectedSpeedup: counts.length >= 2 ? cpuPath[counts[0]!]! / cpuPath[counts[counts.length - 1]!]! : undefined,
    identical: records.size === 1,
  };
  const text = `${JSON.stringify(out, null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  process.stdout.write(text);
}

await main();
