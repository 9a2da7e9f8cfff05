/**
 * The data-parallel onnxruntime run (src/engine/ort-shards.ts, OrtTuning.workers): the batch cut
 * into contiguous slices (src/engine/batch-split.ts), one session per slice, the outputs joined in
 * sample order. Worker threads exist in the built package only (the compiled worker script), so
 * the worker tests run through test-output/dist against a session in this thread: predictions,
 * readouts at every T, per-batch spike counts and signed events must be the same to the last bit;
 * errors keep their code and message; a dead worker fails with E_RUNTIME; nothing keeps a process
 * alive. (The TypeScript sources run the same slices one after the other in this thread: the
 * `workers2` candidate of test/engine/arrangement-probe.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { batchAxis, batchNames, concatAlong, sliceAlong, sliceBounds } from '../../src/engine/batch-split.js';
import { simulateOrt } from '../../src/engine/ort-run.js';
import { OrtSession } from '../../src/engine/ort.js';
import { ErrorCodes } from '../../src/errors.js';
import type { Model, Tensor } from '../../src/graph/types.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import type { SnnOptions } from '../../src/snn/types.js';
import { ALL_MODELS } from '../../scripts/models.js';
import { OUT, builtPackage } from '../report/helpers.js';

type RunApi = typeof import('../../src/engine/ort-run.js');
type OrtApi = typeof import('../../src/engine/ort.js');
type ShardsApi = typeof import('../../src/engine/ort-shards.js');

let built: { run: RunApi; ort: OrtApi; shards: ShardsApi };

beforeAll(async () => {
  await builtPackage();
  const at = (f: string) => pathToFileURL(join(OUT, f)).href;
  built = {
    run: (await import(at('src/engine/ort-run.js'))) as RunApi,
    ort: (await import(at('src/engine/ort.js'))) as OrtApi,
    shards: (await import(at('src/engine/ort-shards.js'))) as ShardsApi,
  };
  // the built package runs slices in worker threads, the sources in this thread
  expect([built.shards.OrtShards.inWorkers, (await import('../../src/engine/ort-shards.js')).OrtShards.inWorkers]).toEqual([true, false]);
}, 600_000);

const setup = async (id: string, samples: number, options: Partial<SnnOptions> = {}) => {
  const bm = ALL_MODELS.find((m) => m.id === id)!;
  const model = loadModel(bm.file);
  const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 40 }));
  return { model, onnx: convert(model, th, options).onnx, ds: loadDataset(bm.test, { ...bm.pre, limit: samples }) };
};

/** Everything a run returns, with each batch's counts and events as onCounts saw them. */
async function everything(run: RunApi['simulateOrt'], file: Model, ds: Awaited<ReturnType<typeof setup>>['ds'], ts: number[], workers: number) {
  const batches: unknown[] = [];
  const r = await run(file, ds, {
    timesteps: ts,
    batchSize: 5,
    keepReadouts: true,
    threads: 2,
    tuning: { workers },
    onCounts: (s, n, counts, events) => void batches.push([s, n, counts.map((c) => Array.from(c)), events?.map((e) => (e ? Array.from(e) : null))]),
  });
  const byT = (m: Map<number, Float32Array | Int32Array>) => ts.map((t) => Array.from(m.get(t)!));
  return { predictions: byT(r.predictions), readouts: byT(r.readouts!), layerSpikes: r.layerSpikes, batches };
}

describe('batch slices', () => {
  it('contiguous bounds; a [T, N, K] value cut on N and joined back is the same bits; a slice of the wrong size is refused', () => {
    expect(sliceBounds(5, 2)).toEqual([0, 3, 5]);
    expect(sliceBounds(7, 3)).toEqual([0, 2, 5, 7]);
    const t: Tensor = { dtype: 'float32', dims: [3, 5, 2], data: Float32Array.from({ length: 30 }, (_, i) => i + 0.5) };
    const parts = [sliceAlong(t, 1, 0, 3), sliceAlong(t, 1, 3, 5)];
    expect(parts.map((p) => p.dims)).toEqual([
      [3, 3, 2],
      [3, 2, 2],
    ]);
    expect(Array.from(parts[1]!.data.subarray(0, 4))).toEqual([6.5, 7.5, 8.5, 9.5]);
    expect(concatAlong('x', parts, 1, [3, 2])).toEqual(t);
    expect(() => concatAlong('x', parts, 0, [3, 2])).toThrow(/no batch axis/);
  });

  it("the batch axis from the graph's names: the first input's, and N of an emitted SNN's outputs; none for a scalar or a fixed batch", () => {
    const g = { inputs: [{ name: 'x', dtype: 'float32' as const, shape: ['batch_size', 4] }] } as unknown as Model['graph'];
    const names = batchNames(g)!;
    expect(batchAxis({ name: 'readout_steps', dtype: 'float32', shape: ['T', 'N', 10] }, names, 3)).toBe(1);
    expect(batchAxis({ name: 'y', dtype: 'float32', shape: ['batch', 10] }, names, 2)).toBe(0);
    expect(batchAxis({ name: 'timesteps', dtype: 'int64', shape: [] }, names, 0)).toBeUndefined();
    expect(batchAxis({ name: 'w', dtype: 'float32', shape: [4, 10] }, names, 2)).toBeUndefined();
    expect(batchNames({ inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }] } as unknown as Model['graph'])).toBeUndefined();
  });
});

describe('onnxruntime worker threads', () => {
  // the MNIST CNN (recovered and stepped counts, a spiking max pool) and the MLP with signed neurons (events outputs)
  const cases: [string, Partial<SnnOptions>][] = [
    ['onnx-zoo-mnist-12', {}],
    ['vnncomp21-mnistfc-256x2', { neuron: 'signed' }],
  ];
  for (const [id, options] of cases)
    it(`${id}${options.neuron ? ' (signed)' : ''}: 2 and 3 workers give one session's predictions, readouts, counts and events to the bit (T = 1, 17, 35; batches of 5, 5 and 1)`, async () => {
      const { onnx, ds } = await setup(id, 11, options);
      const ts = [1, 17, 35];
      const want = await everything(simulateOrt, onnx, ds, ts, 1);
      if (options.neuron) expect(want.batches.some((b) => (b as unknown[])[3] && ((b as unknown[])[3] as unknown[]).some(Boolean))).toBe(true);
      for (const w of [2, 3]) expect(await everything(built.run.simulateOrt, onnx, ds, ts, w), `${w} workers`).toEqual(want);
    });

  it('errors keep the code and message of a session in this thread: a graph onnxruntime rejects, a feed of the wrong shape; a dead worker fails with E_RUNTIME', async () => {
    const { model } = await setup('onnx-zoo-mnist-12', 1);
    const broken: Model = { ...model, graph: { ...model.graph, nodes: model.graph.nodes.map((n, i) => (i === 0 ? { ...n, opType: 'NoSuchOp' } : n)) } };
    const opened = async (m: Model, workers: number) =>
      (await built.ort.OrtSession.create(m, { threads: 2, tuning: { workers } }).catch((e: unknown) => e)) as Error;
    const [one, two] = [await opened(broken, 1), await opened(broken, 2)] as unknown as { code: string; message: string }[];
    expect([two!.code, two!.message]).toEqual([ErrorCodes.RUNTIME, one!.message]);
    const feed = { [model.graph.inputs[0]!.name]: { data: new Float32Array(4 * 7), dims: [4, 7] } };
    const failed = async (workers: number) => {
      const s = await built.ort.OrtSession.create(model, { threads: 2, tuning: { workers } });
      const e = (await s.run(feed).catch((x: unknown) => x)) as { code: string; message: string };
      await s.release();
      return [e.code, e.message];
    };
    expect(await failed(2)).toEqual(await failed(1));
    const s = await built.ort.OrtSession.create(model, { threads: 2, tuning: { workers: 2 } });
    await (s as unknown as { shards: { lanes: { worker: { terminate(): Promise<number> } }[] } }).shards.lanes[1]!.worker.terminate();
    const dead = (await s.run({ [model.graph.inputs[0]!.name]: { data: new Float32Array(4 * 784), dims: [4, 1, 28, 28] } }).catch((x: unknown) => x)) as {
      code: string;
      message: string;
    };
    await s.release();
    expect([dead.code, dead.message]).toEqual([ErrorCodes.RUNTIME, expect.stringContaining('onnxruntime worker thread failed')]);
    await expect(OrtSession.create(model, { device: 'webgpu', tuning: { workers: 2 } })).rejects.toMatchObject({ code: ErrorCodes.OPTION });
  });

  it('a process that runs on worker threads and never releases the session exits', () => {
    const script = `const o = await import(${JSON.stringify(pathToFileURL(join(OUT, 'src/engine/ort.js')).href)});
      const p = await import(${JSON.stringify(pathToFileURL(join(OUT, 'src/pipeline.js')).href)});
      const m = p.loadModel('fixtures/models/vnncomp21-mnistfc-256x2.onnx');
      const s = await o.OrtSession.create(m, { threads: 2, tuning: { workers: 2 } });
      const y = await s.run({ [m.graph.inputs[0].name]: { data: new Float32Array(4 * 784), dims: [4, 784, 1] } });
      process.stdout.write(JSON.stringify(Object.values(y)[0].dims));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect([r.status, r.signal, r.stdout], r.stderr).toEqual([0, null, '[4,10]']);
  });
});
