/**
 * Runs an emitted SNN (src/snn/emit.ts) with onnxruntime over a dataset: one Loop run of the
 * largest T per batch, the readout recorded after every step, so accuracy at every requested T
 * comes from one simulation.
 */
import type { Dataset } from '../data/types.js';
import { fitToInput, readSamples } from '../data/index.js';
import { OrtSession } from './ort.js';
import type { Model } from '../graph/types.js';
import { argmaxRows } from '../util/metrics.js';
import { poissonStates } from '../snn/poisson.js';
import { layerOutputName } from '../snn/emit.js';
import type { Arrangement } from '../snn/arrangement.js';
import { snnInfo, type SnnRunResult } from './snn-file.js';
import type { EngineRunOptions } from './engines/types.js';

/** The engine options (src/engine/engines/types.ts); the TensorFlow.js backend does not apply. */
export type OrtRunOptions = Omit<EngineRunOptions, 'tfjsBackend'>;

/** The onnxruntime engine's runner (src/engine/engines/onnxruntime.ts); callers use simulateDataset (src/engine/simulate.ts). */
export async function simulateOrt(snnModel: Model, ds: Dataset, opts: OrtRunOptions): Promise<SnnRunResult> {
  const info = snnInfo(snnModel);
  const ts = [...new Set(opts.timesteps)].sort((a, b) => a - b);
  const T = ts[ts.length - 1]!;
  const sampleDims = fitToInput(ds, [1, ...info.input.dims]);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const K = info.readout.dims.reduce((a, b) => a * b, 1);
  const bs = opts.batchSize ?? 64;
  const session =
    opts.session ??
    (await OrtSession.create(snnModel, {
      device: opts.device ?? 'cpu',
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.tuning ? { tuning: opts.tuning } : {}),
    }));
  const predictions = new Map(ts.map((t) => [t, new Int32Array(ds.count)]));
  const readouts = opts.keepReadouts ? new Map(ts.map((t) => [t, new Float32Array(ds.count * K)])) : undefined;
  const layerNeurons = info.layers.map((l) => l.dims.reduce((a, b) => a * b, 1));
  const layerSpikes = info.layers.map(() => 0);
  const outs = ['readout_steps', ...info.layers.map((_, i) => layerOutputName(i)), ...info.layers.flatMap((l) => (l.events ? [l.events] : []))];
  try {
    for (let s = 0; s < ds.count; s += bs) {
      const e = Math.min(ds.count, s + bs);
      const n = e - s;
      const feeds: Parameters<OrtSession['run']>[0] = {
        [info.input.name]: { data: await readSamples(ds, s, e), dims: [n, ...sampleDims] },
        timesteps: { dtype: 'int64', dims: [], data: new Float64Array([T]) },
      };
      if (info.options.encoding === 'poisson')
        feeds['rng_state'] = { dtype: 'float64', dims: [n, per], data: poissonStates(info.options.seed, (ds.offset ?? 0) + s, n, per) };
      const res = await session.run(feeds, outs);
      const steps = res['readout_steps']!.data as Float32Array;
      for (const t of ts) {
        const slice = steps.subarray((t - 1) * n * K, t * n * K);
        predictions.get(t)!.set(argmaxRows(slice, n, K), s);
        if (readouts) readouts.get(t)!.set(slice, s * K);
      }
      const counts = info.layers.map((_, i) => res[layerOutputName(i)]!.data as Float32Array);
      counts.forEach((c, i) => {
        let sum = 0;
        for (let j = 0; j < c.length; j++) sum += c[j]!;
        layerSpikes[i]! += sum;
      });
      const events = info.layers.map((l) => (l.events ? (res[l.events]!.data as Float32Array) : undefined));
      await opts.onCounts?.(s, n, counts, events);
      opts.onProgress?.({ phase: 'simulate', done: e, total: ds.count, detail: `T=${T}` });
    }
  } finally {
    if (!opts.session) await session.release();
  }
  const arrangement = snnModel.metadata['onnx2snn.arrangement'];
  return {
    predictions,
    ...(readouts ? { readouts } : {}),
    layerSpikes,
    layerNeurons,
    timesteps: T,
    ...(arrangement ? { arrangement: JSON.parse(arrangement) as Arrangement } : {}),
  };
}
