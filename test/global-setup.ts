/**
 * Vitest global setup: the package is compiled once per test run, before any test file starts,
 * into test-output/dist (the CLI, the scripts and the public API as users get them). Test files
 * that run the built code take the paths from test/report/helpers.ts and never compile. The build
 * is skipped when no source is newer than the last one, and is incremental otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, OUT } from './report/built.js';

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

export default function setup(): void {
  mkdirSync('test-output', { recursive: true });
  const stamp = join(OUT, '.built');
  const src = Math.max(...['src', 'converters', 'calibration', 'scripts'].map(newest), statSync('package.json').mtimeMs, statSync('tsconfig.json').mtimeMs);
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= src && existsSync(CLI)) return;
  const args = ['tsc', '-p', '.', '--outDir', OUT, '--incremental', '--tsBuildInfoFile', 'test-output/dist.tsbuildinfo'];
  const r = spawnSync('npx', args, { encoding: 'utf8', timeout: 300_000 });
  // tsc emits even when some module has type errors; the files must exist either way
  if (!existsSync(CLI)) throw new Error(`npx ${args.join(' ')} did not produce ${CLI}:\n${r.stdout}${r.stderr}`);
  writeFileSync(stamp, '');
}
