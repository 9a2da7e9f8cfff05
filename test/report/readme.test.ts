/**
 * The README's examples are run: every ```ts block against the built package (its
 * `from 'onnx2snn'` pointed at test-output/dist/src/index.js), in a scratch folder that sees the
 * fixtures; and the ```yaml config example is validated by the config schema.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigFile, resolveConfig } from '../../src/config/load.js';
import { builtPackage } from './helpers.js';

const readme = readFileSync('README.md', 'utf8');
const blocks = (lang: string) => [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const ts = blocks('ts');

let index = '';
let dir = '';
beforeAll(async () => {
  index = (await builtPackage()).index;
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-readme-'));
  symlinkSync(resolve('fixtures'), join(dir, 'fixtures'));
}, 600_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runExample(i: number): { status: number | null; stdout: string; stderr: string; cwd: string } {
  const cwd = join(dir, `example-${i + 1}`);
  mkdirSync(cwd, { recursive: true });
  symlinkSync(resolve('fixtures'), join(cwd, 'fixtures'));
  const code = ts[i]!.replace(/from 'onnx2snn'/g, `from '${pathToFileURL(index).href}'`);
  const file = join(cwd, 'example.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

describe('README examples', () => {
  it('has the library examples', () => {
    expect(ts.length).toBeGreaterThanOrEqual(3);
    for (const b of ts) expect(b).toContain("from 'onnx2snn'");
  });

  it('example 1 (step by step) runs and prints accuracies', () => {
    const r = runExample(0);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^0\.\d+ \[/m);
    expect(r.stdout).toContain('ReLU114');
  });

  it('example 2 (evaluate + report) runs and writes the report and the PNG charts', () => {
    const r = runExample(1);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/energy per sample \(estimate\): ANN \d+ nJ, SNN \d+ nJ/);
    const html = readFileSync(join(r.cwd, 'report.html'), 'utf8');
    expect(html).toContain('id="onnx2snn-data"');
    for (const c of ['accuracy', 'agreement', 'spike-rate', 'correlation', 'raster', 'ops']) expect(existsSync(join(r.cwd, `${c}.png`)), c).toBe(true);
  });

  it('example 3 (config objects) runs and shows the unknown-key error', () => {
    const r = runExample(2);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('vInit: 0.25');
    expect(r.stdout).toContain('E_OPTION');
    expect(r.stdout).toContain('"conversion.vinit"');
  });

  it('the YAML config example is valid', () => {
    const [y] = blocks('yaml');
    expect(y, 'the README has a ```yaml config example').toMatch(/^model: /m);
    const f = join(dir, 'run.yaml');
    writeFileSync(f, y!);
    const c = resolveConfig({ file: { path: f, value: readConfigFile(f) } });
    expect(c.model).toBe('fixtures/models/onnx-zoo-mnist-12.onnx');
    expect(c.data.scale).toBe('1/255');
    expect(c.calibration.method).toBe('percentile:99.9');
    expect(c.evaluation.timesteps).toEqual([8, 16, 32, 64, 128]);
    expect(c.output.report).toBe('report.html');
  });
});
