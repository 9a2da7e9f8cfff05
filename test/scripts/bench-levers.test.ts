/**
 * `npm run bench:levers` and `npm run profile` end to end on a tiny configuration: the JSON has one
 * entry per variant with its arrangement and finite ratios, and the profile sums kernel time per
 * op. Nothing is asserted about speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OUT, builtPackage } from '../report/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx2snn-levers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string, args: string[]) => spawnSync(process.execPath, [join(OUT, 'scripts', script), ...args], { encoding: 'utf8', timeout: 300_000 });

it('bench:levers: every variant measured in the same rounds, with the arrangement it ran', async () => {
  await builtPackage();
  const out = join(dir, 'levers.json');
  const r = run('bench-levers.js', [
    '--out',
    out,
    '--models',
    'onnx-zoo-mnist-12',
    '--timesteps',
    '9',
    '--samples',
    '8',
    '--batch',
    '8',
    '--rounds',
    '2',
    '--variants',
    'base,layer,no-arena',
  ]);
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(readFileSync(out, 'utf8')) as {
    results: { variants: { variant: string; arrangement: { order?: string; stepsPerIteration: number }; ratio: number; ratioRounds: number[] }[] }[];
  };
  const v = j.results[0]!.variants;
  expect(v.map((x) => x.variant)).toEqual(['base', 'layer', 'no-arena']);
  expect(v.map((x) => x.arrangement.order)).toEqual([undefined, 'layer', undefined]);
  for (const x of v) {
    expect(x.ratioRounds).toHaveLength(2);
    expect(Number.isFinite(x.ratio) && x.ratio > 0).toBe(true);
  }
  expect(r.stdout).toContain('| onnx-zoo-mnist-12 | 9 | layer |');
}, 300_000);

it("profile: kernel time per op type, the step's shares summing to 1", async () => {
  await builtPackage();
  const out = join(dir, 'profile.json');
  const r = run('profile-snn.js', ['--out', out, '--model', 'onnx-zoo-mnist-12', '--timesteps', '4', '--samples', '8', '--runs', '1']);
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(readFileSync(out, 'utf8')) as { annPassMs: number; snnStepMs: number; snn: { op: string; shareOfStep: number }[] };
  expect(j.annPassMs).toBeGreaterThan(0);
  expect(j.snn.map((x) => x.op)).toContain('Conv');
  expect(j.snn.map((x) => x.op)).not.toContain('Loop');
  expect(j.snn.reduce((a, x) => a + x.shareOfStep, 0)).toBeCloseTo(1, 6);
}, 300_000);
