/**
 * `eval --json --report --plots` and `report run.json` with the CLI program (in-process, test/helpers/cli.ts) on the bundled MNIST CNN:
 * one self-contained HTML file with every chart inline and the record embedded, the same charts as
 * SVG and PNG, the resolved config next to each output, a deterministic re-render from the JSON,
 * the diagnosis in the eval table for a broken thresholds file, and the errors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../src/report/types.js';
import { type Run, runInProcess } from '../helpers/cli.js';
import { EVERY5, MNIST12, show, TRAIN } from './helpers.js';

let dir = '';
let evalRun: Run;
const CHARTS = ['accuracy', 'agreement', 'spike-rate', 'correlation', 'scatter-1-ReLU32', 'scatter-2-ReLU114', 'raster', 'ops'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-report-'));
  evalRun = await runInProcess([
    'eval',
    MNIST12,
    '--data',
    EVERY5,
    '--limit',
    '200',
    '--scale',
    '1/255',
    '--calib',
    TRAIN,
    '--calib-limit',
    '300',
    '--timesteps',
    '8,16,32,64',
    '--json',
    join(dir, 'run.json'),
    '--report',
    join(dir, 'report.html'),
    '--plots',
    join(dir, 'plots'),
    '--save-config',
    join(dir, 'run.yaml.json'),
    '-q',
  ]);
}, 600_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const embedded = (html: string): unknown => JSON.parse(/<script type="application\/json" id="onnx2snn-data">([\s\S]*?)<\/script>/.exec(html)![1]!);

describe('eval --report --plots', () => {
  it('runs and prints the tables, the operations and the diagnosis', async () => {
    expect(evalRun.status, show(evalRun)).toBe(0);
    expect(evalRun.stdout).toContain('corr(ANN, SNN)');
    expect(evalRun.stdout).toContain('SNN ops (T=64)');
    expect(evalRun.stdout).toMatch(/energy per sample \(estimate/);
    expect(evalRun.stdout).toContain('diagnosis:');
    expect(evalRun.stdout).toContain('auto calibration for T = 8');
    expect(evalRun.stdout).toContain(`report → ${join(dir, 'report.html')}`);
    expect(evalRun.stderr, 'quiet: no progress').toBe('');
  });

  it('the JSON carries what the report needs', async () => {
    const r = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as EvalRecord;
    expect(r.snn.map((s) => s.timesteps)).toEqual([8, 16, 32, 64]);
    expect(r.layers.map((l) => l.name)).toEqual(['ReLU32', 'ReLU114']);
    for (const l of r.layers) {
      expect(l.scatter!.ann.length).toBe(400);
      expect(l.scatter!.snn.length).toBe(400);
      expect(l.scatter!.total).toBe(200 * l.neurons!);
      expect(l.stats!.max).toBeGreaterThan(0);
      expect(l.silent! + l.saturated!).toBeLessThanOrEqual(1);
    }
    expect(r.ops!.layers.map((l) => l.name)).toEqual(['Convolution28', 'Convolution110', 'Times212']);
    expect(r.ops!.energy.estimate).toBe(true);
    expect(r.raster!.timesteps).toBe(64);
    expect(r.raster!.layers.map((l) => l.name)).toEqual(['ReLU32', 'ReLU114']);
    for (const l of r.raster!.layers) {
      expect(l.shown.length).toBe(Math.min(48, l.active));
      for (const t of l.times) expect(t.every((s) => s >= 1 && s <= 64)).toBe(true);
    }
    expect(r.diagnosis!.minCorrelation).toBe(0.95);
    // the default --calibration auto records its choice (the method) and its measurements
    expect(r.conversion.method).toBe(r.conversion.auto!.chosen);
    expect(r.conversion.auto!.candidates[0]!.name).toBe('percentile:99.9');
    // the resolved config: in the record, and in the --save-config file (no sidecars unasked)
    const cfg = r.config as { data: { file: string; limit: number }; evaluation: { timesteps: number[] }; conversion: { vInit: number } };
    expect(cfg.data).toMatchObject({ file: EVERY5, limit: 200 });
    expect(cfg.evaluation.timesteps).toEqual([8, 16, 32, 64]);
    expect(cfg.conversion.vInit).toBe(0.5);
    expect(JSON.parse(readFileSync(join(dir, 'run.yaml.json'), 'utf8'))).toEqual(r.config);
    for (const p of ['run.config.json', 'report.config.json', 'plots/onnx2snn.config.json']) expect(existsSync(join(dir, p)), p).toBe(false);
  });

  it('one self-contained HTML file: every chart inline, the record embedded, nothing to fetch', async () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const id of CHARTS) expect(html, id).toContain(`data-chart="${id}"`);
    expect(embedded(html)).toEqual(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')));
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/\ssrc=/);
    expect(html.match(/\shref=/g) ?? []).toEqual([]);
    const urls = (html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []).filter((u) => u !== 'http://www.w3.org/2000/svg');
    expect(urls).toEqual([]);
    expect(html).toContain('Energy estimate, not a measurement');
    expect(html).toContain('Horowitz');
    // --calibration auto (the default): the "why this setting" section lists the plain candidate
    expect(html).toContain('<section id="why"><h2>Why this setting</h2>');
    expect(html).toContain('<td>percentile:99.9</td>');
  });

  it('--plots writes every chart as SVG and PNG', async () => {
    const files = readdirSync(join(dir, 'plots')).sort();
    expect(files).toEqual(CHARTS.flatMap((c) => [`${c}.png`, `${c}.svg`]).sort());
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const c of CHARTS) {
      const svg = readFileSync(join(dir, 'plots', `${c}.svg`), 'utf8');
      expect(svg.startsWith('<?xml')).toBe(true);
      expect(html, `${c}: the same SVG as in the report`).toContain(svg.replace(/^<\?xml[^>]*>\n/, '').trimEnd());
      const png = readFileSync(join(dir, 'plots', `${c}.png`));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.readUInt32BE(16), 'width: 2× the SVG').toBeGreaterThanOrEqual(1000);
    }
  });

  it('`report run.json` renders the same HTML and charts again', async () => {
    const r = await runInProcess(['report', join(dir, 'run.json'), '-o', join(dir, 'again.html'), '--plots', join(dir, 'again')]);
    expect(r.status, show(r)).toBe(0);
    expect(readFileSync(join(dir, 'again.html'), 'utf8')).toBe(readFileSync(join(dir, 'report.html'), 'utf8'));
    for (const c of CHARTS) expect(readFileSync(join(dir, 'again', `${c}.svg`), 'utf8')).toBe(readFileSync(join(dir, 'plots', `${c}.svg`), 'utf8'));
  });

  it('--scatter-layer picks the scatter shown first; an unknown layer is E_OPTION and writes nothing', async () => {
    const r = await runInProcess(['report', join(dir, 'run.json'), '-o', join(dir, 's.html'), '--scatter-layer', 'ReLU32']);
    expect(r.status, show(r)).toBe(0);
    const html = readFileSync(join(dir, 's.html'), 'utf8');
    expect(html).toMatch(/<option value="ReLU32" selected>/);
    expect(html).toMatch(/data-scatter="ReLU114" hidden/);
    const bad = await runInProcess(['report', join(dir, 'run.json'), '-o', join(dir, 'bad.html'), '--scatter-layer', 'conv9']);
    expect(bad.status, show(bad)).toBe(1);
    expect(bad.stderr).toContain('E_OPTION');
    expect(bad.stderr).toContain('--scatter-layer');
    expect(bad.stderr).toContain('conv9');
    expect(existsSync(join(dir, 'bad.html'))).toBe(false);
  });
});

describe('errors', () => {
  it('`report` of an --ann-only run: E_OPTION naming the file, nothing written', async () => {
    const ann = join(dir, 'ann.json');
    const a = await runInProcess(['eval', MNIST12, '--data', EVERY5, '--limit', '50', '--scale', '1/255', '--ann-only', '--json', ann]);
    expect(a.status, show(a)).toBe(0);
    expect(existsSync(join(dir, 'ann.config.json')), 'no config sidecar unless --save-config').toBe(false);
    const r = await runInProcess(['report', ann, '-o', join(dir, 'ann.html')]);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toContain('E_OPTION');
    expect(r.stderr).toContain(ann);
    expect(r.stderr).toContain('snn');
    expect(existsSync(join(dir, 'ann.html'))).toBe(false);
  });

  it('`eval --ann-only --report`: E_OPTION naming --report', async () => {
    const r = await runInProcess(['eval', MNIST12, '--data', EVERY5, '--limit', '20', '--scale', '1/255', '--ann-only', '--report', join(dir, 'x.html')]);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toContain('--report');
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
  });

  it('`report` of a file that is not JSON, or missing', async () => {
    writeFileSync(join(dir, 'junk.json'), 'not json');
    const r = await runInProcess(['report', join(dir, 'junk.json'), '-o', join(dir, 'j.html')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(join(dir, 'junk.json'));
    const m = await runInProcess(['report', join(dir, 'missing.json'), '-o', join(dir, 'j.html')]);
    expect(m.status).toBe(1);
    expect(m.stderr).toContain('E_FILE');
  });
});

describe('the eval table names a broken layer', () => {
  it('a thresholds file with ReLU114 ×50: the table marks ReLU114 and the diagnosis explains it', async () => {
    const th = join(dir, 'th.json');
    const c = await runInProcess(['calibrate', MNIST12, '--calib', TRAIN, '--calib-limit', '300', '--scale', '1/255', '-o', th, '-q']);
    expect(c.status, show(c)).toBe(0);
    const t = JSON.parse(readFileSync(th, 'utf8')) as { layers: { node: string; scale: number }[] };
    for (const l of t.layers) if (l.node === 'ReLU114') l.scale *= 50;
    writeFileSync(join(dir, 'th50.json'), JSON.stringify(t));
    const r = await runInProcess([
      'eval',
      MNIST12,
      '--data',
      EVERY5,
      '--limit',
      '200',
      '--scale',
      '1/255',
      '--thresholds',
      join(dir, 'th50.json'),
      '--timesteps',
      '16,64',
      '-q',
      '--json',
      join(dir, 'broken.json'),
    ]);
    expect(r.status, show(r)).toBe(0);
    expect(r.stdout).toMatch(/ReLU114 .*← first below 0\.95/);
    expect(r.stdout).not.toMatch(/ReLU32 .*← first below/);
    expect(r.stdout).toMatch(/diagnosis: Layer "ReLU114"/);
    expect(r.stdout).toMatch(/Try: /);
    const rec = JSON.parse(readFileSync(join(dir, 'broken.json'), 'utf8')) as EvalRecord;
    expect(rec.diagnosis!.layer!.name).toBe('ReLU114');
    expect(rec.conversion.thresholds).toBe(join(dir, 'th50.json'));
  });
});
