/**
 * The CLI and the package as users get them: compiled once per test run by test/global-setup.ts
 * into test-output/dist (test/report/built.ts names the paths), next to the tests: await builtPackage()
 * before using them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { BUILD_FAILED, BUILT, CLI, INDEX } from './built.js';

export { CLI, INDEX, OUT } from './built.js';

/** The built package's entry points, once the global setup's build (running next to the tests) is complete. */
export async function builtPackage(): Promise<{ cli: string; index: string }> {
  for (const t0 = Date.now(); !existsSync(BUILT); await new Promise((r) => setTimeout(r, 200))) {
    if (existsSync(BUILD_FAILED)) throw new Error(readFileSync(BUILD_FAILED, 'utf8'));
    if (Date.now() - t0 > 300_000) throw new Error(`${BUILT} did not appear in 300 s: test/global-setup.ts builds it (run the tests through vitest)`);
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
