import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reluSites } from '../../calibration/sites.js';
import { SiteStats } from '../../calibration/stats.js';
import {
  buildThresholds,
  modelHash,
  readThresholds,
  scalesBySite,
  validateThresholds,
  writeThresholds,
  type ThresholdsFile,
} from '../../calibration/thresholds.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import type { Model } from '../../src/graph/types.js';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { cleanupTmp, expectError, reluLike, tmp } from './helpers.js';

const MODEL = 'fixtures/models/vnncomp21-mnistfc-256x2.onnx';
const model = canonicalize(loadOnnxFile(MODEL));
const sites = reluSites(model);

afterAll(cleanupTmp);

/** Synthetic statistics for every site (and the input) of the model. */
function fakeStats(channelwise: boolean): Map<string, SiteStats> {
  const m = new Map<string, SiteStats>();
  sites.forEach((s, i) => {
    const st = new SiteStats({ channelwise });
    st.add(reluLike(10 * s.channels, 100 + i, { sigma: 1 }), [10, s.channels]);
    m.set(s.site, st);
  });
  const inp = new SiteStats({ abs: true });
  inp.add(
    Float32Array.from({ length: 784 * 2 }, (_, i) => (i % 255) / 255),
    [2, 784, 1],
  );
  m.set(model.graph.inputs[0]!.name, inp);
  return m;
}

const META = { model: MODEL, data: 'fixtures/data/mnist/train-images-idx3-ubyte.gz', samples: 10 };

function writeJson(obj: unknown): string {
  const p = join(tmp(), 't.json');
  writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

describe('sites', () => {
  it('finds the Relu outputs of the canonical graph with their channels', () => {
    expect(sites).toEqual([
      { site: '9', node: 'Relu_2', channels: 256, dims: [256] },
      { site: '11', node: 'Relu_4', channels: 256, dims: [256] },
    ]);
  });
});

describe('thresholds file', () => {
  it('builds, writes and reads back the same file (layer-wise and channel-wise)', () => {
    for (const [spec, cw] of [
      ['percentile:99.99', false],
      ['max', false],
      ['channel-percentile:99.9', true],
      ['channel-max', true],
    ] as const) {
      const stats = fakeStats(cw);
      const f = buildThresholds(model, stats, spec, META);
      expect(f.format).toBe('onnx2snn-thresholds');
      expect(f.version).toBe(1);
      expect(f.method).toBe(spec);
      expect(f.modelHash).toMatch(/^[0-9a-f]{64}$/);
      expect(f.calibration).toEqual({ data: META.data, samples: 10 });
      expect(f.input).toMatchObject({ name: '0', max: Math.fround(254 / 255) });
      expect(f.layers.map((l) => [l.site, l.node, l.channels])).toEqual([
        ['9', 'Relu_2', 256],
        ['11', 'Relu_4', 256],
      ]);
      const l0 = f.layers[0]!;
      const st = stats.get('9')!;
      expect(l0.stats).toEqual({
        count: 2560,
        zeros: st.zeros,
        max: st.max,
        meanPositive: st.meanPositive,
        p99: st.percentile(99),
        p99_9: st.percentile(99.9),
        p99_99: st.percentile(99.99),
      });
      if (cw) expect(l0.scale).toHaveLength(256);
      else expect(typeof l0.scale).toBe('number');
      const p = join(tmp(), 'thr.json');
      writeThresholds(p, f);
      const text = readFileSync(p, 'utf8');
      if (cw) expect(text).toMatch(/"scale": \[[\d.e-]+, [\d.e-]+/); // one line per array
      const back = readThresholds(p, { sites, modelHash: modelHash(model) });
      expect(back).toEqual(f);
      const scales = scalesBySite(back);
      expect(scales.get('9')).toEqual(cw ? Float64Array.from(l0.scale as number[]) : l0.scale);
    }
  });

  it('percentile:99.99 scale equals the recorded p99_99; max equals the max', () => {
    const stats = fakeStats(false);
    const f = buildThresholds(model, stats, 'percentile:99.99', META);
    for (const l of f.layers) expect(l.scale).toBe(l.stats.p99_99);
    const g = buildThresholds(model, stats, 'max', META);
    for (const l of g.layers) expect(l.scale).toBe(l.stats.max);
  });

  it('buildThresholds reports missing statistics and non-finite scales', () => {
    const stats = fakeStats(false);
    stats.delete('11');
    stats.delete('0');
    expectError(
      () => buildThresholds(model, stats, 'max', META),
      'E_THRESHOLDS',
      MODEL,
      'no activation statistics for the ReLU output "11"',
      'no statistics for the model input "0"',
    );
    const inf = fakeStats(false);
    inf.get('9')!.add(Float32Array.from([Infinity]), [1, 1]);
    expectError(() => buildThresholds(model, inf, 'max', META), 'E_THRESHOLDS', '"9": scale Infinity is not a positive finite number');
    expectError(() => buildThresholds(model, fakeStats(false), 'channel-max', META), 'E_OPTION', 'channelwise');
    expectError(() => buildThresholds(model, fakeStats(false), 'nope', META), 'E_OPTION', '--method');
  });

  it('modelHash depends on the graph and the weights, not on node names', () => {
    const h = modelHash(model);
    expect(modelHash(canonicalize(loadOnnxFile(MODEL)))).toBe(h);
    const renamed: Model = { ...model, graph: { ...model.graph, nodes: model.graph.nodes.map((n) => ({ ...n, name: `x_${n.name}` })) } };
    expect(modelHash(renamed)).toBe(h);
    const inits = new Map(model.graph.initializers);
    const [k, t] = [...inits][0]!;
    const data = Float32Array.from(t.data);
    data[0] = data[0]! + 1;
    inits.set(k, { ...t, data });
    expect(modelHash({ ...model, graph: { ...model.graph, initializers: inits } })).not.toBe(h);
    const other = canonicalize(loadOnnxFile('fixtures/models/onnx-zoo-mnist-12.onnx'));
    expect(modelHash(other)).not.toBe(h);
  });

  describe('readThresholds / validateThresholds errors', () => {
    const good = (): ThresholdsFile & Record<string, unknown> => JSON.parse(JSON.stringify(buildThresholds(model, fakeStats(true), 'channel-max', META)));
    const readBad = (obj: unknown, ...snippets: string[]): void => {
      const p = writeJson(obj);
      expectError(() => readThresholds(p, { sites }), 'E_THRESHOLDS', p, ...snippets);
    };

    it('unreadable file: E_FILE', () => {
      expectError(() => readThresholds('/nonexistent/thr.json'), 'E_FILE', '/nonexistent/thr.json', 'ENOENT');
    });
    it('not JSON', () => readBad('{"format": "onnx2snn-thresholds",', 'not JSON'));
    it('not an object', () => readBad([1, 2], 'not a thresholds file'));
    it('wrong format', () => readBad({ ...good(), format: 'something-else' }, '"format" is "something-else"', 'onnx2snn-thresholds'));
    it('missing format', () => readBad({ ...good(), format: undefined }, '"format" is missing'));
    it('wrong version', () => readBad({ ...good(), version: 2 }, 'unsupported thresholds file version 2', 'version 1'));
    it('bad top-level fields', () =>
      readBad(
        { ...good(), model: 3, method: null, calibration: { data: 'x' }, input: {}, layers: {} },
        '"model" is not a string',
        '"method" is not a string',
        '"calibration"',
        '"input"',
        '"layers" is not an array',
      ));
    it('missing sites', () => {
      const f = good();
      readBad({ ...f, layers: f.layers.slice(0, 1) }, 'no scale for the ReLU output "11"');
      readBad({ ...f, layers: [] }, 'no scale for the ReLU outputs "9", "11"');
    });
    it('unknown and duplicate sites', () => {
      const f = good();
      readBad({ ...f, layers: [...f.layers, { ...f.layers[0]!, site: 'zzz' }] }, '"zzz" is not a ReLU output of the model');
      readBad({ ...f, layers: [...f.layers, f.layers[0]!] }, '"9" appears 2 times');
    });
    it('non-positive and non-finite scales', () => {
      const f = good();
      const l0 = { ...f.layers[0]!, scale: (f.layers[0]!.scale as number[]).map((v, i) => (i === 5 ? 0 : v)) };
      readBad({ ...f, layers: [l0, f.layers[1]] }, '"9": scale[5] = 0 is not a positive finite number');
      readBad({ ...f, layers: [{ ...f.layers[0]!, channels: 256, scale: -1 }, f.layers[1]] }, '"9": scale -1 is not a positive finite number');
      // Infinity / NaN are written as null by JSON.stringify
      readBad({ ...f, layers: [{ ...f.layers[0]!, scale: Infinity }, f.layers[1]] }, '"9": scale null (not finite) is not a positive finite number');
      readBad({ ...f, layers: [{ ...f.layers[0]!, scale: '2' }, f.layers[1]] }, '"9": scale "2" is not a positive finite number');
    });
    it('channel count mismatch', () => {
      const f = good();
      readBad(
        { ...f, layers: [{ ...f.layers[0]!, scale: (f.layers[0]!.scale as number[]).slice(1) }, f.layers[1]] },
        '"9": 255 per-channel scales for "channels": 256',
      );
      readBad({ ...f, layers: [{ ...f.layers[0]!, channels: 10, scale: 1.5 }, f.layers[1]] }, '"9": the file says 10 channels, the model has 256');
      const v = good();
      expectError(
        () =>
          validateThresholds(
            v,
            [
              { site: '9', channels: 256 },
              { site: '11', channels: 128 },
            ],
            { path: 'thr.json' },
          ),
        'E_THRESHOLDS',
        'thr.json',
        '"11": the file says 256 channels, the model has 128',
      );
    });
    it('bad layer entries', () =>
      readBad(
        { ...good(), layers: [7, { site: '', node: 1, channels: 0, scale: 1 }] },
        'layers[0] is not an object',
        'layers[1].site is not a non-empty string',
        '"channels" is not a positive integer',
      ));
    it('a different model', () => {
      const p = writeJson(good());
      expectError(() => readThresholds(p, { sites, modelHash: '0'.repeat(64) }), 'E_THRESHOLDS', 'different model', 'run calibration again');
      expect(() => readThresholds(p, { sites })).not.toThrow();
    });
    it('lists every problem at once', () => {
      const f = good();
      const e = (() => {
        try {
          validateThresholds({ ...f, layers: [{ ...f.layers[0]!, scale: 0, channels: 3 }] }, sites, { path: 'x.json' });
        } catch (err) {
          return err as { details: { problems: string[] } };
        }
        throw new Error('no error');
      })();
      expect(e.details.problems.length).toBeGreaterThanOrEqual(3);
    });
  });
});
