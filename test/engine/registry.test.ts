/**
 * The engine registry and `--engine auto` (src/engine/registry.ts): auto runs the lowest
 * estimate, a probe's spike rates are the onnxruntime run's, an engine asked for is checked, and
 * the results (spike counts, predictions) are the same whichever engine runs.
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { chooseEngine, engineIds, listEngines, PROBE_SAMPLES, PROBE_STEPS, type SnnEngine } from '../../src/engine/registry.js';
import { simulateDataset, snnInfo } from '../../src/engine/simulate.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
import { thrownAsync } from '../helpers/errors.js';

const bm = BUNDLED_MODELS.find((m) => m.id === 'vnncomp21-mnistfc-256x2')!;
const setup = (async () => {
  const model = loadModel(bm.file);
  const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 50 }));
  return { ...convert(model, th), ds: loadDataset(bm.test, { ...bm.pre, limit: 40 }) };
})();

describe('engine registry', () => {
  it('lists auto and every engine, ids unique', () => {
    const ids = listEngines().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(engineIds()).toEqual(['auto', ...ids]);
    expect(ids).toContain('onnxruntime');
  });

  it('auto, onnxruntime, tfjs and events give the same counts and predictions; the result says what ran', async () => {
    const { snn, onnx, ds } = await setup;
    const counts = new Map<string, number[][]>();
    const runs = [];
    for (const engine of ['auto', 'onnxruntime', 'tfjs', 'events']) {
      const c: number[][] = [];
      counts.set(engine, c);
      runs.push(
        await simulateDataset(onnx, ds, {
          timesteps: [4, 12],
          batchSize: 16,
          engine,
          snn,
          onCounts: (_s, _n, cs) => void c.push(...cs.map((x) => Array.from(x))),
        }),
      );
    }
    expect(runs.map((r) => r.engine?.engine)).toEqual(['onnxruntime', 'onnxruntime', 'tfjs', 'events']);
    expect(runs[0]!.engine).toMatchObject({ requested: 'auto', estimates: { onnxruntime: 1 } });
    expect(runs[0]!.engine!.estimates).not.toHaveProperty('tfjs');
    expect(runs[1]!.engine).toMatchObject({ requested: 'onnxruntime', reason: 'given' });
    expect(counts.get('tfjs')).toEqual(counts.get('auto'));
    expect(counts.get('onnxruntime')).toEqual(counts.get('auto'));
    expect(counts.get('events')).toEqual(counts.get('auto'));
    // the events engine estimates itself slower than onnxruntime (its measured floor, README "Speed")
    expect(runs[0]!.engine!.estimates!['events']).toBeGreaterThan(1);
    for (const r of runs.slice(1)) for (const t of [4, 12]) expect(Array.from(r.predictions.get(t)!)).toEqual(Array.from(runs[0]!.predictions.get(t)!));
    expect(runs[0]!.arrangement?.stepsPerIteration).toBeGreaterThan(0);
  });

  it('auto runs the lowest estimate, and an engine that asks gets the probe spike rates', async () => {
    const { onnx, ds } = await setup;
    const ort = listEngines().find((e) => e.id === 'onnxruntime')!;
    let seen: readonly number[] = [];
    const cheap: SnnEngine = {
      ...ort,
      id: 'test-cheap',
      estimate: async (ctx) => {
        seen = await ctx.spikeRates();
        await ctx.spikeRates(); // computed once
        return 0.5;
      },
    };
    const input = { file: onnx, info: snnInfo(onnx) };
    const { engine, choice } = await chooseEngine('auto', input, ds, { timesteps: [64] }, [...listEngines(), cheap]);
    expect(engine.id).toBe('test-cheap');
    expect(choice.estimates).toEqual({ onnxruntime: 1, 'test-cheap': 0.5 });
    const n = Math.min(ds.count, PROBE_SAMPLES);
    const probe = await simulateDataset(onnx, { ...ds, count: n, labels: ds.labels.subarray(0, n) }, { timesteps: [PROBE_STEPS], engine: 'onnxruntime' });
    expect(seen).toEqual(probe.layerSpikes.map((s, i) => s / (probe.layerNeurons[i]! * n * PROBE_STEPS)));
    expect(seen.some((r) => r > 0)).toBe(true);
  });

  it('an unknown or unavailable engine is an E_OPTION naming the valid ones', async () => {
    const { onnx, ds } = await setup;
    const e = await thrownAsync(() => simulateDataset(onnx, ds, { timesteps: [4], engine: 'nope' }));
    expect(e.code).toBe('E_OPTION');
    expect(e.message).toContain('onnxruntime');
    const t = await thrownAsync(() => simulateDataset(onnx, ds, { timesteps: [4], engine: 'tfjs' }));
    expect(t.message).toMatch(/--engine tfjs: not available here: .*ANN/);
  });
});
