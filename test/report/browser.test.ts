/**
 * The report in a real browser: Debian's chromium, driven by playwright-core (no browser download),
 * opens the report of the bundled MNIST CNN (a small eval: 200 samples), finds every chart, reads
 * the embedded data, switches the scatter layer, and sees no console errors and no network
 * requests. The screenshot is kept as a test artefact: test-output/report.png.
 *
 * Needs /usr/bin/chromium (CI installs it with apt, see .ci/run; or set CHROMIUM=/path). Without
 * it the test is skipped and says why.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalRecord } from '../../src/report/types.js';
import { runInProcess } from '../helpers/cli.js';
import { EVERY5, MNIST12, show, TRAIN } from './helpers.js';

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
const reason = have ? '' : ` — SKIPPED: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM)`;
if (!have) console.warn(`browser test${reason}`);

let dir = '';
let html = '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`the report in chromium${reason}`, () => {
  beforeAll(async () => {
    if (!have) return;
    dir = mkdtempSync(join(tmpdir(), 'onnx2snn-browser-'));
    html = join(dir, 'report.html');
    const r = await runInProcess([
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
      '8,16,32,64,128',
      '--report',
      html,
      '-q',
    ]);
    expect(r.status, show(r)).toBe(0);
  }, 600_000);

  it.skipIf(!have)(
    'shows every chart, embeds the data, no console errors, no network requests; screenshot saved',
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-dev-shm-usage',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const errors: string[] = [];
        const requests: string[] = [];
        const url = pathToFileURL(html).href;
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('request', (r) => {
          if (r.url() !== url) requests.push(r.url());
        });
        await page.goto(url, { waitUntil: 'load' });

        const data = JSON.parse((await page.locator('#onnx2snn-data').textContent()) ?? 'null') as EvalRecord;
        expect(data.samples).toBe(200);
        expect(data.snn.map((s) => s.timesteps)).toEqual([8, 16, 32, 64, 128]);
        expect(data.layers.map((l) => l.name)).toEqual(['ReLU32', 'ReLU114']);

        const ids = await page.$$eval('figure.chart svg[data-chart]', (els) => els.map((e) => e.getAttribute('data-chart')));
        expect(ids).toEqual(['accuracy', 'agreement', 'spike-rate', 'correlation', 'scatter-1-ReLU32', 'scatter-2-ReLU114', 'raster', 'ops']);
        // every chart is laid out with a real size (the hidden scatter aside)
        const visible = await page.$$eval('figure.chart:not([hidden]) svg[data-chart]', (els) =>
          els.map((e) => [e.getAttribute('data-chart'), e.getBoundingClientRect().width, e.getBoundingClientRect().height] as const),
        );
        expect(visible).toHaveLength(7);
        for (const [id, w, h] of visible) {
          expect(w, `${id} width`).toBeGreaterThan(300);
          expect(h, `${id} height`).toBeGreaterThan(200);
        }
        // the accuracy chart draws one point per T, and the ANN line
        expect(await page.locator('svg[data-chart="accuracy"] circle').count()).toBe(data.snn.length);
        expect(await page.locator('svg[data-chart="accuracy"] [data-series="ANN"]').count()).toBe(1);
        // the raster has one panel per recorded layer
        expect(await page.locator('svg[data-chart="raster"] [data-panel]').count()).toBe(data.raster!.layers.length);
        // the scatter selector switches layers
        const shown = async () => page.$$eval('figure[data-scatter]:not([hidden])', (els) => els.map((e) => e.getAttribute('data-scatter')));
        const first = await shown();
        expect(first).toHaveLength(1);
        const other = first[0] === 'ReLU32' ? 'ReLU114' : 'ReLU32';
        await page.selectOption('#scatter-layer', other);
        expect(await shown()).toEqual([other]);
        expect(await page.locator(`figure[data-scatter="${other}"] circle`).count()).toBe(400);
        // the diagnosis is stated in words
        expect(await page.locator('#diagnosis p').first().textContent()).toMatch(/correlation|follows the ANN/);

        mkdirSync('test-output', { recursive: true });
        const png = resolve('test-output/report.png');
        await page.screenshot({ path: png, fullPage: true });
        expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');

        expect(errors, 'console errors').toEqual([]);
        expect(requests, 'network requests').toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
