/**
 * --config with the CLI program (run in-process, test/helpers/cli.ts): a YAML file drives `convert` and `calibrate`, flags override it key
 * by key (checked in the emitted SNN's metadata), the resolved config is saved next to the output
 * and can be given back, and a bad file is E_OPTION naming the file and the key path with no
 * output written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { snnInfo } from '../../src/engine/simulate.js';
import { runInProcess } from '../helpers/cli.js';
import { MNIST12, show, TRAIN } from '../report/helpers.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'onnx2snn-config-cli-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('--config', () => {
  it('convert: the file sets the options, flags override them, --save-config writes the resolved config', async () => {
    const cfg = join(dir, 'conv.yaml');
    writeFileSync(
      cfg,
      [
        `model: ${MNIST12}`,
        'data:',
        '  scale: 1/255',
        'calibration:',
        `  file: ${TRAIN}`,
        '  limit: 100',
        '  mode: fixed',
        'conversion:',
        '  vInit: 0.25',
        '  reset: zero',
        '  encoding: poisson',
        '  seed: 7',
        'run:',
        '  quiet: true',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'm.snn.onnx');
    const r = await runInProcess([
      'convert',
      '--config',
      cfg,
      '-o',
      out,
      '--reset',
      'subtract',
      '--seed',
      '9',
      '--save-config',
      join(dir, 'm.snn.config.json'),
    ]);
    expect(r.status, show(r)).toBe(0);
    const o = snnInfo(loadOnnxFile(out)).options;
    expect(o.vInit).toBe(0.25); // file
    expect(o.encoding).toBe('poisson'); // file
    expect(o.reset).toBe('subtract'); // flag over file
    expect(o.seed).toBe(9); // flag over file
    expect(o.neuron).toBe('if'); // default
    const saved = JSON.parse(readFileSync(join(dir, 'm.snn.config.json'), 'utf8')) as {
      model: string;
      calibration: { file: string; limit: number };
      conversion: { vInit: number; reset: string; seed: number };
      output: { snn: string };
    };
    expect(saved.model).toBe(MNIST12);
    expect(saved.calibration).toMatchObject({ file: TRAIN, limit: 100, mode: 'fixed' });
    expect(saved.conversion).toMatchObject({ vInit: 0.25, reset: 'subtract', seed: 9 });
    expect(saved.output.snn).toBe(out);

    // the saved config reproduces the run
    const again = join(dir, 'again.snn.onnx');
    const r2 = await runInProcess(['convert', '--config', join(dir, 'm.snn.config.json'), '-o', again]);
    expect(r2.status, show(r2)).toBe(0);
    expect(readFileSync(again)).toEqual(readFileSync(out));
  });

  it('calibrate takes its options from a JSON file too', async () => {
    const cfg = join(dir, 'cal.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        model: MNIST12,
        data: { scale: 0.00392156862745098 },
        calibration: { file: TRAIN, limit: 50, method: 'max' },
        output: { thresholds: join(dir, 'th.json') },
        run: { quiet: true },
      }),
    );
    const r = await runInProcess(['calibrate', '--config', cfg]);
    expect(r.status, show(r)).toBe(0);
    const t = JSON.parse(readFileSync(join(dir, 'th.json'), 'utf8')) as { method: string; calibration: { samples: number } };
    expect(t.method).toBe('max');
    expect(t.calibration.samples).toBe(50);
    expect(existsSync(join(dir, 'th.config.json')), 'no config sidecar unless asked').toBe(false);
  });

  for (const [name, text, path] of [
    ['an unknown nested key', 'conversion:\n  vinit: 0.3\n', 'conversion.vinit'],
    ['an unknown section', 'conversions:\n  vInit: 0.3\n', 'conversions'],
    ['a bad value', 'conversion:\n  vInit: 3\n', 'conversion.vInit'],
  ] as const) {
    it(`${name}: E_OPTION naming the file and "${path}", nothing written`, async () => {
      const cfg = join(dir, `bad-${path}.yaml`);
      writeFileSync(cfg, `model: ${MNIST12}\ncalibration:\n  file: ${TRAIN}\n  limit: 20\n${text}`);
      const out = join(dir, `bad-${path}.snn.onnx`);
      const r = await runInProcess(['convert', '--config', cfg, '-o', out]);
      expect(r.status, show(r)).toBe(1);
      expect(r.stderr).toContain('E_OPTION');
      expect(r.stderr).toContain(cfg);
      expect(r.stderr).toContain(path);
      expect(readdirSync(dir).filter((f) => f.startsWith(`bad-${path}.snn`))).toEqual([]);
    });
  }

  it('a flag with a bad value is named by the flag', async () => {
    const r = await runInProcess(['convert', MNIST12, '--calib', TRAIN, '-o', join(dir, 'x.onnx'), '--v-init', '1']);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toMatch(/E_OPTION: --v-init: must be < 1, got "1"/);
  });

  it('a missing config file is E_FILE', async () => {
    const r = await runInProcess(['eval', MNIST12, '--config', join(dir, 'nope.yaml')]);
    expect(r.status, show(r)).toBe(1);
    expect(r.stderr).toContain('E_FILE');
    expect(r.stderr).toContain('nope.yaml');
  });
});
