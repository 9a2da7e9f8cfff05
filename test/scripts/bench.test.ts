/**
 * `npm run bench` end to end on a tiny configuration: the JSON has the issue's fields with sane
 * values and the table is printed. It asserts nothing about speed (that is what the bench is for).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OUT, builtPackage } from '../report/helpers.js';
import { AUTO_STEPS_PER_ITERATION } from '../../src/snn/arrangement.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx2snn-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ran: the engine --engine resolves to (auto: the registry's choice, onnxruntime today)
const engines = [
  { engine: 'auto', ran: 'onnxruntime', device: 'cpu' },
  { engine: 'tfjs', ran: 'tfjs', device: 'cpu' },
];

it.each(engines)(
  '$engine: writes { machine, results[] } with every field, one row per model and T, and prints the table',
  async ({ engine, ran, device }) => {
    await builtPackage();
    const out = join(dir, `bench-${engine}.json`);
    const args = [
      '--out',
      out,
      '--timesteps',
      '2,4',
      '--samples',
      '16',
      '--batch',
      '8',
      '--threads',
      '1',
      '--engine',
      engine,
      '--models',
      'vnncomp21-mnistfc-256x2',
    ];
    const r = spawnSync(process.execPath, [join(OUT, 'scripts/bench.js'), ...args], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { machine: Record<string, unknown>; results: Record<string, unknown>[] };
    expect(j.machine['cpus']).toBeGreaterThan(0);
    expect(j.results.map((x) => [x['model'], x['timesteps']])).toEqual([
      ['vnncomp21-mnistfc-256x2', 2],
      ['vnncomp21-mnistfc-256x2', 4],
    ]);
    for (const row of j.results) {
      expect(row).toMatchObject({ engine: ran, device, batch: 8, threads: 1 });
      // auto probes the arrangements (--probe always, the bench's default) and says which ran
      if (ran === 'onnxruntime') expect(row['engineChoice']).toMatchObject({ engine: ran, requested: engine, arrangement: { id: expect.any(String) } });
      for (const k of ['snnSamplesPerSec', 'snnSampleStepsPerSec', 'annSamplesPerSec', 'ratio', 'peakRssMB']) {
        expect(Number.isFinite(row[k]) && (row[k] as number) > 0, k).toBe(true);
      }
      // sample·steps/s is T × samples/s; the ratio is the median of the paired rounds
      expect(row['snnSampleStepsPerSec'] as number).toBeCloseTo((row['snnSamplesPerSec'] as number) * (row['timesteps'] as number), 6);
      const rounds = [...(row['ratioRounds'] as number[])].sort((a, b) => a - b);
      expect(row['ratio']).toBe(rounds[rounds.length >> 1]);
    }
    const k = j.results[1]!['stepsPerIteration'] as number;
    if (ran === 'onnxruntime') expect([AUTO_STEPS_PER_ITERATION, 8, 16]).toContain(k);
    expect(r.stdout).toContain(`| vnncomp21-mnistfc-256x2 | 4 | ${ran} | ${ran === 'onnxruntime' ? `recovered | ${k}` : 'n/a | 1'} | ${device} | 8 | 1 |`);
  },
  600_000,
);

it('images: decoding and preprocessing of the bundled ImageNet sample, as its own JSON entry and table', async () => {
  await builtPackage();
  const out = join(dir, 'bench-images.json');
  const r = spawnSync(
    process.execPath,
    [join(OUT, 'scripts/bench.js'), '--out', out, '--models', 'images', '--image-rounds', '1', '--batch', '16', '--image-threads', '2'],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(readFileSync(out, 'utf8')) as { results: unknown[]; images: Record<string, unknown> };
  expect(j.results).toEqual([]);
  expect(j.images).toMatchObject({ images: 100, size: '224×224', batch: 16, rounds: 1, threads: 2 });
  expect(j.images['decoder']).toMatch(/^sharp \d/);
  for (const k of ['imagesPerSec', 'firstPassImagesPerSec', 'cpuMsPerImage', 'projectedImagesPerSec', 'cores', 'peakRssMB'])
    expect(Number.isFinite(j.images[k]) && (j.images[k] as number) > 0, k).toBe(true);
  // one timed round: the steady-state rate is that round's
  expect(j.images['roundImagesPerSec']).toEqual([j.images['imagesPerSec']]);
  // the calling thread's CPU time is part of the process's (Linux)
  expect(j.images['mainThreadCpuMsPerImage']).toBeLessThanOrEqual((j.images['cpuMsPerImage'] as number) + 10);
  for (const k of ['loadAverageStart', 'loadAverage']) expect(j.images[k], k).toBeGreaterThanOrEqual(0);
  expect(r.stdout).toContain('| 100 | 224×224 | sharp');
  expect(r.stdout).toMatch(/\| 16 \| 2 \| [\d.]+ \| 1 \| [\d.]+ \(\d+–\d+\) \|/);
}, 300_000);
