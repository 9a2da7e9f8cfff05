/**
 * The CLI and the package as users get them: one `tsc` build into test-output/dist shared by the
 * test files that need it (a lock directory serialises the build across vitest workers; the build
 * is redone when any source is newer than the last one).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const OUT = resolve('test-output/dist');
export const CLI = join(OUT, 'src/cli/main.js');
export const INDEX = join(OUT, 'src/index.js');

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function builtPackage(): Promise<{ cli: string; index: string }> {
  mkdirSync('test-output', { recursive: true });
  const lock = 'test-output/build.lock';
  const stamp = join(OUT, '.built');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 240_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for the test build lock');
      await sleep(250);
    }
  }
  try {
    const src = Math.max(...['src', 'converters', 'calibration', 'scripts'].map(newest), statSync('package.json').mtimeMs);
    if (!existsSync(stamp) || statSync(stamp).mtimeMs < src || !existsSync(CLI)) {
      const r = spawnSync('npx', ['tsc', '-p', '.', '--outDir', OUT], { encoding: 'utf8', timeout: 240_000 });
      // tsc emits even when some module has type errors; the files must exist either way
      if (!existsSync(CLI)) throw new Error(`tsc -p . --outDir ${OUT} did not produce ${CLI}:\n${r.stdout}${r.stderr}`);
      writeFileSync(stamp, '');
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return { cli: CLI, index: INDEX };
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI with piped output (not a terminal), colours off. */
export function runCli(cli: string, args: readonly string[], opts: { cwd?: string } = {}): Run {
  const env = { ...process.env, NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, timeout: 300_000, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const show = (r: Run): string => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

export const MNIST12 = 'fixtures/models/onnx-zoo-mnist-12.onnx';
export const EVERY5 = 'fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz';
export const TRAIN = 'fixtures/data/mnist/train-images-idx3-ubyte.gz';
