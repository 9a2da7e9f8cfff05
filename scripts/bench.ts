/**
 * Benchmark: SNN simulation speed vs the ANN on the same engine, per bundled model and T.
 * Each configuration runs in its own child process so that peak resident memory is its own.
 *
 *   npm run bench -- [--out bench.json] [--timesteps 32,128] [--samples 256] [--batch 64] [--threads N] [--device cpu]
 *                    [--solve closed-form|step] [--engine auto|onnxruntime|tfjs|events|…, a comma list] [--tfjs-backend cpu|wasm|webgpu|tensorflow] [--models id,...]
 *                    [--counts recovered,stepped] [--unroll auto,1,2,4] [--rounds 5] [--probe always|auto|off]
 *
 * --counts lists the emitted arrangements to measure one after the other in the same run: 'recovered'
 * (default: IF spike counts recovered after the Loop, src/snn/emit-recover.ts) and 'stepped' (counted
 * every step, the emission before issue 11) — the before/after of that lever on the same machine state;
 * --unroll the time steps per Loop iteration (src/snn/emit-unroll.ts) to measure, likewise ('auto', the
 * default: the file's own choice, src/snn/arrangement.ts). --probe: `--engine auto`'s timed probe of
 * arrangements (src/engine/arrangement-probe.ts) before the timed rounds: 'always' (default: the
 * bench's 256 samples are below the probe's minimum run), 'auto' (as simulateDataset), 'off' (the
 * file as emitted). The probe is not part of the timed rounds; the row's engineChoice records it.
 *
 * ratio = SNN time at T / (T × ANN time): below 1 the SNN at T steps costs less than T ANN passes.
 * Both are timed in paired rounds of equal work (T ANN passes, then one SNN run); see `one`. On the
 * cpu each round also times the ANN on worker threads (one 1-thread session per thread on a slice of
 * each batch, src/engine/ort-shards.ts): `annWorkersSamplesPerSec`, for comparison, not in the ratio.
 *
 * The entry `images` (run by default, or with --models images) measures image decoding and
 * preprocessing: the 100 bundled ImageNet JPEGs read as a streamed dataset (sharp decoding,
 * Resize 256, CenterCrop 224, normalisation) in batches of --batch: a first pass, then
 * --image-rounds timed passes (default 10), with --image-threads worker threads (default one per
 * core, as for a folder of 256 images or more; 0: the calling thread).
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { machineInfo } from './machine.js';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/index.js';
import { OrtSession, type Device } from '../src/engine/ort.js';
import { inputSpec } from '../src/engine/input.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { snnInfo, type EngineChoice } from '../src/engine/simulate.js';
import { chooseEngine } from '../src/engine/registry.js';
import type { InMemoryDataset } from '../src/data/types.js';
import type { Model } from '../src/graph/types.js';
import type { SnnModel } from '../src/snn/build.js';
import { emitOnnx } from '../src/snn/emit.js';
import type { CountMode } from '../src/snn/emit-recover.js';
import type { Arrangement } from '../src/snn/arrangement.js';
import { simulateTfjs, tfjsAnn } from '../src/engine/tfjs.js';
import { benchBreakEven, breakEvenChild, eventsFields } from './bench-events.js';
import type { TfjsBackend } from '../src/engine/tfjs-ops.js';
import { benchImages, type ImagesRow } from './bench-images.js';
import { benchTables, type Row } from './bench-table.js';
import { ALL_MODELS, selectModels } from './models.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('bench', {
  options: {
    out: { type: 'string', default: 'bench.json' },
    timesteps: { type: 'string', default: '32,128' },
    samples: { type: 'string', default: '256' },
    batch: { type: 'string', default: '64' },
    threads: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    solve: { type: 'string', default: 'closed-form' },
    engine: { type: 'string', default: 'auto' },
    'tfjs-backend': { type: 'string', default: 'cpu' },
    models: { type: 'string' },
    'image-rounds': { type: 'string', default: '10' },
    'image-threads': { type: 'string' },
    counts: { type: 'string', default: 'recovered' },
    rounds: { type: 'string', default: '5' },
    unroll: { type: 'string', default: 'auto' },
    probe: { type: 'string', default: 'always' },
    one: { type: 'string' }, // internal: "<model id>:<T>"
  },
});

const ROUNDS = Number(values.rounds);
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** One engine's two timed callables: a pass of the ANN over the samples, a run of the SNN. */
interface Engine {
  /** The engine that runs the SNN (--engine auto resolved). */
  readonly id: string;
  readonly choice?: EngineChoice;
  /** onnxruntime: the arrangement metadata of the file that runs (auto's choice). */
  readonly arrangement?: string;
  readonly threads: number;
  annPass(): Promise<void>;
  /** onnxruntime on the cpu: the ANN pass on worker threads, one 1-thread session each (OrtTuning.workers = threads), for comparison only. */
  annWorkersPass?(): Promise<void>;
  snnRun(): Promise<unknown>;
  /** The last SNN run's result (engines that report more, such as events' counted synops). */
  last?: unknown;
  release(): Promise<void>;
}

interface Converted {
  readonly model: ReturnType<typeof loadModel>;
  readonly snn: SnnModel;
  readonly onnx: Model;
  readonly ds: InMemoryDataset;
}

/** The model calibrated on 200 samples, converted, and emitted with the arrangement asked for. */
async function prepare(id: string, counts: CountMode, k: number | 'auto'): Promise<Converted> {
  const bm = ALL_MODELS.find((m) => m.id === id)!;
  const model = loadModel(bm.file);
  const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 200 }));
  if (values.solve !== 'closed-form' && values.solve !== 'step') throw new Error(`--solve must be closed-form or step, not ${values.solve}`);
  const { snn } = convert(model, th, { solve: values.solve });
  const onnx = emitOnnx(snn, { counts, stepsPerIteration: k, extra: { 'onnx2snn.bench': 'arrangement given by --counts/--unroll' } });
  return { model, snn, onnx, ds: loadDataset(bm.test, { ...bm.pre, limit: Number(values.samples) }) };
}

/**
 * The timed callables of --engine: tfjs times its own ANN forward; every other engine (auto
 * resolved by the registry, src/engine/registry.ts) is timed against the ANN on onnxruntime.
 */
async function makeEngine(c: Converted, T: number): Promise<Engine> {
  const { model, snn, onnx, ds } = c;
  const device = values.device as Device;
  const batch = Number(values.batch);
  const { name, sampleDims } = inputSpec(model, ds);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const batches = (f: (s: number, e: number) => Promise<unknown> | unknown) => async (): Promise<void> => {
    for (let s = 0; s < ds.count; s += batch) await f(s, Math.min(ds.count, s + batch));
  };
  if (values.engine === 'tfjs') {
    // TensorFlow.js: the SNN description stepped with tfjs ops, the ANN with the same ops
    const backend = values['tfjs-backend'] as TfjsBackend;
    const ann = await tfjsAnn(snn, backend);
    return {
      id: 'tfjs',
      threads: backend === 'cpu' ? 1 : values.threads ? Number(values.threads) : cpus().length,
      annPass: batches((s, e) => ann.run(ds.x.subarray(s * per, e * per), e - s)),
      snnRun: () => simulateTfjs(snn, ds, { timesteps: [T], batchSize: batch, backend }),
      release: async () => ann.dispose(),
    };
  }
  const threads = values.threads ? Number(values.threads) : cpus().length;
  const input = { file: onnx, info: snnInfo(onnx), snn: () => snn };
  const probe = values.probe as 'auto' | 'always' | 'off';
  if (!['auto', 'always', 'off'].includes(probe)) throw new Error(`--probe must be always, auto or off, not ${probe}`);
  const {
    engine,
    choice,
    input: ran,
    opts: run,
  } = await chooseEngine(values.engine!, input, ds, {
    timesteps: [T],
    batchSize: batch,
    device,
    threads,
    arrangementProbe: probe,
  });
  // onnxruntime: the original ANN file and the emitted SNN file (the arrangement auto chose), both sessions created once
  const ann = await OrtSession.create(model, { device, threads });
  const annWorkers = device === 'cpu' && threads > 1 ? await OrtSession.create(model, { device, threads, tuning: { workers: threads } }) : undefined;
  const session =
    engine.id === 'onnxruntime' ? await OrtSession.create(ran.file, { device, threads, ...(run.tuning ? { tuning: run.tuning } : {}) }) : undefined;
  const annFeed = (s: number, e: number) => ({ [name]: { data: ds.x.subarray(s * per, e * per), dims: [e - s, ...sampleDims] } });
  const made: Engine = {
    id: engine.id,
    choice,
    ...(session ? { arrangement: ran.file.metadata['onnx2snn.arrangement'] } : {}),
    threads,
    annPass: batches((s, e) => ann.run(annFeed(s, e))),
    ...(annWorkers ? { annWorkersPass: batches((s, e) => annWorkers.run(annFeed(s, e))) } : {}),
    snnRun: async () => (made.last = await engine.simulate(ran, ds, { ...run, ...(session ? { session } : {}) })),
    release: async () => {
      await ann.release();
      await annWorkers?.release();
      await session?.release();
    },
  };
  return made;
}

/**
 * Paired rounds of equal work: T ANN passes over the samples, then one SNN run of T steps (each
 * repeated until a side takes ≥ 0.5 s). This VM's speed drifts by ±50 % over seconds; timing
 * both sides back to back over the same duration keeps the drift out of the ratio (a best-of-k
 * of short ANN runs would catch a fast spell the long SNN run cannot). Times in ms per run.
 */
async function pairedRounds(engine: Engine, T: number): Promise<{ ann: number[]; snn: number[]; ratios: number[]; annWorkers: number[] }> {
  const { annPass, snnRun, annWorkersPass } = engine;
  await annPass(); // warm-up
  await annWorkersPass?.();
  let t0 = performance.now();
  await snnRun();
  const reps = Math.max(1, Math.ceil(500 / (performance.now() - t0)));
  const out = { ann: [] as number[], snn: [] as number[], ratios: [] as number[], annWorkers: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    // the ANN on worker threads first: the ratio's ANN and SNN stay back to back
    if (annWorkersPass) {
      t0 = performance.now();
      for (let k = 0; k < T * reps; k++) await annWorkersPass();
      out.annWorkers.push((performance.now() - t0) / (T * reps));
    }
    t0 = performance.now();
    for (let k = 0; k < T * reps; k++) await annPass();
    const annT = (performance.now() - t0) / (T * reps);
    t0 = performance.now();
    for (let k = 0; k < reps; k++) await snnRun();
    const snnT = (performance.now() - t0) / reps;
    out.ann.push(annT);
    out.snn.push(snnT);
    out.ratios.push(snnT / (T * annT));
  }
  return out;
}

async function one(id: string, T: number, counts: CountMode, k: number | 'auto'): Promise<Row> {
  const c = await prepare(id, counts, k);
  const engine = await makeEngine(c, T);
  const times = await pairedRounds(engine, T);
  await engine.release();
  const annPerSample = median(times.ann) / 1000 / c.ds.count;
  const snnPerSample = median(times.snn) / 1000 / c.ds.count;
  const file = engine.arrangement;
  return {
    model: id,
    timesteps: T,
    engine: engine.id,
    ...(engine.choice ? { engineChoice: engine.choice } : {}),
    counts: file ? counts : 'n/a',
    // other engines step the SNN description one step at a time
    stepsPerIteration: file ? (JSON.parse(file) as Arrangement).stepsPerIteration : 1,
    ...(file ? { arrangement: JSON.parse(file) as unknown } : {}),
    device: engine.id === 'tfjs' ? values['tfjs-backend']! : values.device!,
    batch: Number(values.batch),
    threads: engine.threads,
    samples: c.ds.count,
    snnSamplesPerSec: 1 / snnPerSample,
    snnSampleStepsPerSec: T / snnPerSample,
    annSamplesPerSec: 1 / annPerSample,
    ...(times.annWorkers.length ? { annWorkersSamplesPerSec: (1000 * c.ds.count) / median(times.annWorkers) } : {}),
    ratio: median(times.ratios),
    ratioRounds: times.ratios,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    ...eventsFields(engine.last, c.ds.count),
  };
}

if (values.one === 'breakeven') {
  process.stdout.write(JSON.stringify(await benchBreakEven(Number(values.batch))));
} else if (values.one === 'images') {
  const threads = values['image-threads'] !== undefined ? Number(values['image-threads']) : undefined;
  process.stdout.write(JSON.stringify(await benchImages(Number(values.batch), Number(values['image-rounds']), threads)));
} else if (values.one) {
  const [id, t, counts, k] = values.one.split(':');
  process.stdout.write(JSON.stringify(await one(id!, Number(t), (counts ?? 'recovered') as CountMode, k === undefined || k === 'auto' ? 'auto' : Number(k))));
} else {
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  // 'images' names the image-decoding entry, not a model
  const modelIds = values.models?.split(',').filter((id) => id !== 'images');
  const models = modelIds === undefined ? selectModels() : modelIds.length ? selectModels(modelIds.join(',')) : [];
  for (const bm of models) {
    for (const T of values.timesteps!.split(',').map(Number))
      for (const eng of values.engine!.split(','))
        for (const counts of values.counts!.split(','))
          for (const k of values.unroll!.split(',')) {
            if (counts !== 'recovered' && counts !== 'stepped') throw new Error(`--counts takes recovered and/or stepped, not ${counts}`);
            const args = [
              self,
              ...['--one', `${bm.id}:${T}:${counts}:${k}`, '--rounds', values.rounds!, '--samples', values.samples!, '--batch', values.batch!],
              ...['--device', values.device!, '--solve', values.solve!, '--engine', eng, '--tfjs-backend', values['tfjs-backend']!, '--probe', values.probe!],
              ...(values.threads ? ['--threads', values.threads] : []),
            ];
            const row = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as Row;
            rows.push(row);
            process.stderr.write(`${bm.id} T=${T} ${row.engine} counts ${counts} k=${k}: ratio ${row.ratio.toFixed(3)}\n`);
          }
  }
  let images: ImagesRow | undefined;
  if (!values.models || values.models.split(',').includes('images')) {
    const args = [
      self,
      ...['--one', 'images', '--batch', values.batch!, '--image-rounds', values['image-rounds']!],
      ...(values['image-threads'] !== undefined ? ['--image-threads', values['image-threads']] : []),
    ];
    images = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as ImagesRow;
    process.stderr.write(`images: ${images.imagesPerSec.toFixed(1)} images/s (first pass ${images.firstPassImagesPerSec.toFixed(1)})\n`);
  }
  // the event-driven kernels' break-even spike rate against onnxruntime's dense layers (with --engine events)
  const breakEven = values.engine!.split(',').includes('events') ? breakEvenChild(self, values.batch!) : undefined;
  const machine = machineInfo();
  writeFileSync(values.out!, `${JSON.stringify({ machine, results: rows, ...(breakEven ? { breakEven } : {}), ...(images ? { images } : {}) }, null, 2)}\n`);
  process.stdout.write(benchTables(rows, images));
}
