/**
 * `--engine auto`'s measured arrangement (src/engine/arrangement-probe.ts, candidates in
 * src/engine/arrangements.ts): every candidate's file gives the counts and readouts of the default
 * file; the probe times each applicable candidate and runs the fastest (or the default within the
 * margin), records it in engineChoice, and is skipped for short runs and given arrangements.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/types.js';
import { chooseArrangement, PROBE, probeSteps, probeWorkPerStep, roundScores, SWITCH_MARGIN } from '../../src/engine/arrangement-probe.js';
import { ARRANGEMENTS, arrangementEnv } from '../../src/engine/arrangements.js';
import { nchwcBlockSize } from '../../src/engine/nchwc-probe.js';
import { simulateOrt } from '../../src/engine/ort-run.js';
import { simulateDataset, snnInfo } from '../../src/engine/simulate.js';
import type { Model } from '../../src/graph/types.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import type { Arrangement } from '../../src/snn/arrangement.js';
import { emitOnnx } from '../../src/snn/emit.js';
import { ALL_MODELS } from '../../scripts/models.js';

const setup = async (id: string, samples: number) => {
  const bm = ALL_MODELS.find((m) => m.id === id)!;
  const model = loadModel(bm.file);
  const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 40 }));
  return { ...convert(model, th), ds: loadDataset(bm.test, { ...bm.pre, limit: samples }) };
};

const countsOf = async (file: Model, ds: Dataset, ts: number[], tuning?: Parameters<typeof simulateOrt>[2]['tuning']) => {
  const cs: number[][] = [];
  const r = await simulateOrt(file, ds, {
    timesteps: ts,
    batchSize: 8,
    keepReadouts: true,
    ...(tuning ? { tuning } : {}),
    onCounts: (_s, _n, x) => void cs.push(...x.map((v) => Array.from(v))),
  });
  return { cs, readouts: ts.map((t) => Array.from(r.readouts!.get(t)!)) };
};

/** Whether a candidate applies: the nchwc ones where the machine and model have blocked convolutions, the workers ones on two cpu threads or more. */
const applies = (id: string, nchwc: boolean): boolean => (nchwc || !id.includes('nchwc')) && (availableParallelism() >= 2 || !id.startsWith('workers'));

describe('arrangement candidates', () => {
  // the MNIST CNN (stepped counts read by a spiking max pool) and the MLP (Gemms, closed-form first layer)
  for (const id of ['onnx-zoo-mnist-12', 'vnncomp21-mnistfc-256x2'])
    it(`${id}: every candidate's file gives the default's counts and per-step readouts (T = 1, 17, 35)`, async () => {
      const { snn, onnx, ds } = await setup(id, 8);
      const base = JSON.parse(onnx.metadata['onnx2snn.arrangement']!) as Arrangement;
      const ts = [1, 17, 35];
      const want = await countsOf(onnx, ds, ts);
      const block = await nchwcBlockSize();
      let applied = 0;
      for (const c of ARRANGEMENTS) {
        const f = c.file(snn, base, arrangementEnv(block));
        if (!f) continue;
        applied++;
        expect(await countsOf(f, ds, ts, c.tuning), c.id).toEqual(want);
      }
      // nchwc needs a Loop-body convolution (the MLP has none) and x86 nchwc kernels; workers2 two cpu threads
      expect(applied).toBe(ARRANGEMENTS.filter((c) => applies(c.id, Boolean(block) && id === 'onnx-zoo-mnist-12')).length);
    });
});

describe('the timed probe', () => {
  it('times every applicable candidate on the first batch, runs the fastest, records it; counts unchanged', async () => {
    const { snn, onnx, ds } = await setup('onnx-zoo-mnist-12', 16);
    const cs: number[][] = [];
    const r = await simulateDataset(onnx, ds, {
      timesteps: [8, 40],
      batchSize: 8,
      snn,
      arrangementProbe: 'always',
      onCounts: (_s, _n, x) => void cs.push(...x.map((v) => Array.from(v))),
    });
    const a = r.engine!.arrangement!;
    expect(r.engine!.engine).toBe('onnxruntime');
    const block = await nchwcBlockSize();
    const ids = ARRANGEMENTS.map((c) => c.id).filter((id) => applies(id, Boolean(block)));
    expect(Object.keys(a.probeMs!)).toEqual(ids);
    expect(Object.keys(a.relative!)).toEqual(ids);
    expect(Object.keys(a.openMs!)).toEqual(ids);
    const rel = a.relative!;
    expect(rel['default']).toBe(1);
    // the default and the PROBE.finalists lowest of the screening get every round; the choice is among them
    expect(a.finalists![0]).toBe('default');
    expect(a.finalists!.length).toBe(1 + Math.min(PROBE.finalists, ids.length - 1));
    const lowest = Math.min(...a.finalists!.map((id) => rel[id]!));
    // the lowest paired ratio to the default runs, the default unless it is SWITCH_MARGIN below
    if (a.id === 'default') expect(lowest).toBeGreaterThanOrEqual(SWITCH_MARGIN - 0.001);
    else {
      expect(rel[a.id]).toBe(lowest);
      expect(rel[a.id]!).toBeLessThanOrEqual(SWITCH_MARGIN + 0.001);
    }
    expect(a.costMs).toBeGreaterThan(0);
    // the run's arrangement is the chosen candidate's
    const chosen = ARRANGEMENTS.find((c) => c.id === a.id)!;
    const file = chosen.file(snn, JSON.parse(onnx.metadata['onnx2snn.arrangement']!) as Arrangement, arrangementEnv(block))!;
    expect(r.arrangement).toEqual(JSON.parse(file.metadata['onnx2snn.arrangement']!));
    const given = await simulateDataset(onnx, ds, { timesteps: [8, 40], batchSize: 8, engine: 'onnxruntime' });
    const gc: number[][] = [];
    await simulateDataset(onnx, ds, {
      timesteps: [40],
      batchSize: 8,
      engine: 'onnxruntime',
      onCounts: (_s, _n, x) => void gc.push(...x.map((v) => Array.from(v))),
    });
    expect(cs).toEqual(gc);
    for (const t of [8, 40]) expect(Array.from(r.predictions.get(t)!)).toEqual(Array.from(given.predictions.get(t)!));
  });

  it('is skipped for a short run, a file alone, a given arrangement, a given session or when off', async () => {
    const { snn, onnx, ds } = await setup('vnncomp21-mnistfc-256x2', 4);
    const input = { file: onnx, info: snnInfo(onnx), snn: () => snn };
    const opts = { timesteps: [16], batchSize: 4 };
    // 4 samples × 16 steps is far below PROBE.minRunFactor × the probe's work
    expect((await chooseArrangement(input, ds, opts)).choice.reason).toMatch(/too short/);
    expect((await chooseArrangement({ file: onnx, info: input.info }, ds, { ...opts, arrangementProbe: 'always' })).choice.reason).toMatch(/file alone/);
    expect((await chooseArrangement(input, ds, { ...opts, arrangementProbe: 'off' })).choice.reason).toMatch(/off/);
    const fixed = emitOnnx(snn, { stepsPerIteration: 4 });
    const r = await chooseArrangement({ ...input, file: fixed }, ds, { ...opts, arrangementProbe: 'always' });
    expect(r.choice).toEqual({ id: 'file', reason: "the file's arrangement was given" });
    expect(r.input.file).toBe(fixed);
    // a long run probes (one candidate applies here: nothing to time against)
    const long = { ...opts, timesteps: [PROBE.minRunFactor * (2 * PROBE.rounds + 1) * PROBE.steps * 6] };
    expect((await chooseArrangement(input, ds, long, [ARRANGEMENTS[0]!])).choice).toMatchObject({ id: 'default', reason: 'one arrangement applies' });
  });
});

describe('the probe run length', () => {
  it.each([
    // ms per step, most steps, steps per timed run (16·m + 1, ≥ PROBE.minRunMs where allowed)
    [10, 128, 33], // 33 steps already take 330 ms
    [2, 1000, 81], // 75 steps reach 150 ms: the next 16·m + 1
    [1, 128, 113], // 150 steps wanted, at most T = 128: 113 (the last 16·m + 1 under it)
    [0.1, 40, 33], // a short T or a small work limit keeps the fewest steps
    [0.1, 10, 33],
  ])('%f ms per step, at most %i steps: %i steps per run', (ms, most, want) => {
    expect(probeSteps(ms, most)).toBe(want);
    expect((probeSteps(ms, most) - 1) % 16).toBe(0);
    if (want > PROBE.steps) expect(want).toBeLessThanOrEqual(most);
  });
});

describe("the final rounds' scores", () => {
  // rows: the default, then finalists; columns: rounds. Scores: median over rounds of time / round median
  it.each([
    [
      'equal times',
      [
        [10, 10, 10],
        [10, 10, 10],
      ],
      [1, 1],
    ],
    // the machine twice as slow in round 2: each run is taken over its own round
    [
      'drift between rounds',
      [
        [10, 20, 10],
        [8, 16, 8],
        [12, 24, 12],
      ],
      [1, 0.8, 1.2],
    ],
    // one erratic run of the default moves neither its score nor the others'
    [
      'one slow run of the default',
      [
        [10, 30, 10, 10, 10],
        [8, 8, 8, 8, 8],
        [12, 12, 12, 12, 12],
      ],
      [1, 0.8, 1.2],
    ],
    // four runs per round: the round's median is the mean of the middle two
    ['an even count per round', [[10], [8], [12], [20]], [10 / 11, 8 / 11, 12 / 11, 20 / 11]],
  ])('%s', (_name, times, want) => {
    const got = roundScores(times);
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
  });

  it('a paired ratio would have been moved by the slow default run, the score is not', () => {
    const times = [
      [10, 30, 10, 10, 10],
      [8, 8, 8, 8, 8],
    ];
    const paired = times[1]!.map((t, r) => t / times[0]![r]!);
    expect(Math.min(...paired)).toBeCloseTo(8 / 30, 12);
    const [d, c] = roundScores(times);
    // two runs per round: the round median is their mean
    expect(c! / d!).toBeCloseTo(0.8, 12);
  });

  it('counts the work: screening (3 runs per candidate) and the final rounds (a warm-up per finalist, 1 + finalists runs per round)', () => {
    const f = PROBE.finalists;
    expect(probeWorkPerStep(10, 64)).toBe((9 * 3 + f + (f + 1) * PROBE.rounds) * 64);
    // fewer candidates than finalists: every candidate is a finalist
    expect(probeWorkPerStep(2, 8)).toBe((3 + 1 + 2 * PROBE.rounds) * 8);
  });
});
