/**
 * The CLI and the package as users get them: compiled once per test run by test/global-setup.ts
 * into test-output/dist (test/report/built.ts names the paths).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI, INDEX } from './built.js';

export { CLI, INDEX, OUT } from './built.js';

/** The built package's entry points; the global setup has built them before any test file runs. */
export async function builtPackage(): Promise<{ cli: string; index: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: test/global-setup.ts builds it (run the tests through vitest)`);
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
