/**
 * `npm run bench:gpu` where a GPU provider is missing (onnxruntime-node's default install has no
 * CUDA provider): the probe names it with onnxruntime's reason, nothing is measured on it, the
 * JSON is written and the exit code is 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OUT, builtPackage } from '../report/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx2snn-gpu-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a missing CUDA provider: exit 2, the reason in the JSON and on stderr, no rows for it', async () => {
  await builtPackage();
  const out = join(dir, 'gpu.json');
  const r = spawnSync(process.execPath, [join(OUT, 'scripts/gpu-bench.js'), '--out', out, '--devices', 'cuda', '--models', 'vnncomp21-mnistfc-256x2'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const j = JSON.parse(readFileSync(out, 'utf8')) as { providers: { device: string; available: boolean; reason?: string }[]; results: unknown[] };
  if (j.providers[0]!.available) return; // a machine with onnxruntime's CUDA build: nothing to check here
  expect(r.status).toBe(2);
  expect(j.providers[0]!.reason).toMatch(/cuda/i);
  expect(j.results).toEqual([]);
  expect(r.stderr).toMatch(/no GPU provider could be measured \(cuda: /);
}, 180_000);
