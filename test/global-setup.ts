/**
 * Vitest global setup: the package is compiled once per test run into test-output/dist (the CLI,
 * the scripts and the public API as users get them). The compile runs next to the tests instead of
 * before them: it is one core's work for ~20 s, and most test files never touch the built code.
 * Those that do wait for it through builtPackage() (test/report/helpers.ts), which sees
 * test-output/dist/.built once the build is there, or .build-failed with the compiler's output.
 * The build is skipped when no source is newer than the last one, and is incremental otherwise.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_FAILED, BUILT, CLI } from './report/built.js';

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

export default function setup(): () => Promise<void> {
  mkdirSync('test-output', { recursive: true });
  const src = Math.max(...['src', 'converters', 'calibration', 'scripts'].map(newest), statSync('package.json').mtimeMs, statSync('tsconfig.json').mtimeMs);
  rmSync(BUILD_FAILED, { force: true });
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= src && existsSync(CLI)) return async () => {};
  rmSync(BUILT, { force: true });
  const args = ['tsc', '-p', '.', '--outDir', 'test-output/dist', '--incremental', '--tsBuildInfoFile', 'test-output/dist.tsbuildinfo'];
  const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const done = new Promise<void>((resolve) => {
    child.on('close', () => {
      mkdirSync('test-output/dist', { recursive: true });
      // tsc emits even when some module has type errors; the files must exist either way
      if (existsSync(CLI)) writeFileSync(BUILT, '');
      else writeFileSync(BUILD_FAILED, `npx ${args.join(' ')} did not produce ${CLI}:\n${log}`);
      resolve();
    });
  });
  return () => done;
}
