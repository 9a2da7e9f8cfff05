/**
 * Benchmark: SNN simulation speed vs the ANN on the same engine, per bundled model and T.
 * Each configuration runs in its own child process so that peak resident memory is its own.
 *
 *   npm run bench -- [--out bench.json] [--timesteps 32,128] [--samples 256] [--batch 64] [--threads N] [--device cpu]
 *                    [--solve closed-form|step] [--engine onnxruntime|tfjs] [--tfjs-backend cpu|wasm|webgpu|tensorflow] [--models id,...]
 *                    [--counts recovered,stepped] [--unroll auto,1,2,4] [--rounds 5]
 *
 * --counts lists the emitted arrangements to measure one after the other in the same run: 'recovered'
 * (default: IF spike counts recovered after the Loop, src/snn/emit-recover.ts) and 'stepped' (counted
 * every step, the emission before issue 11) — the before/after of that lever on the same machine state;
 * --unroll the time steps per Loop iteration (src/snn/emit-unroll.ts) to measure, likewise ('auto', the
 * default: the file's own choice, src/snn/arrangement.ts).
 *
 * ratio = SNN time at T / (T × ANN time): below 1 the SNN at T steps costs less than T ANN passes.
 * Both are timed in paired rounds of equal work (T ANN passes, then one SNN run); see `one`.
 *
 * The entry `images` (run by default, or with --models images) measures image decoding and
 * preprocessing: the 100 bundled ImageNet JPEGs read as a streamed dataset (sharp decoding,
 * Resize 256, CenterCrop 224, normalisation) in batches of --batch, --image-rounds times over.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { machineInfo } from './machine.js';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/index.js';
import { OrtSession, type Device } from '../src/engine/ort.js';
import { inputSpec } from '../src/engine/input.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { simulateDataset } from '../src/engine/simulate.js';
import { emitOnnx } from '../src/snn/emit.js';
import type { CountMode } from '../src/snn/emit-recover.js';
import type { Arrangement } from '../src/snn/arrangement.js';
import { simulateTfjs, tfjsAnn } from '../src/engine/tfjs.js';
import type { TfjsBackend } from '../src/engine/tfjs-ops.js';
import { benchImages, type ImagesRow } from './bench-images.js';
import { ALL_MODELS, selectModels } from './models.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench.json' },
    timesteps: { type: 'string', default: '32,128' },
    samples: { type: 'string', default: '256' },
    batch: { type: 'string', default: '64' },
    threads: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    solve: { type: 'string', default: 'closed-form' },
    engine: { type: 'string', default: 'onnxruntime' },
    'tfjs-backend': { type: 'string', default: 'cpu' },
    models: { type: 'string' },
    'image-rounds': { type: 'string', default: '5' },
    counts: { type: 'string', default: 'recovered' },
    rounds: { type: 'string', default: '5' },
    unroll: { type: 'string', default: 'auto' },
    one: { type: 'string' }, // internal: "<model id>:<T>"
  },
});

const ROUNDS = Number(values.rounds);
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

interface Row {
  model: string;
  timesteps: number;
  engine: string;
  /** The emitted arrangement (onnxruntime): where the spike counts come from. */
  counts: string;
  /** Time steps per Loop iteration of the emitted file. */
  stepsPerIteration: number;
  /** The emitted file's arrangement as recorded in its metadata (onnxruntime). */
  arrangement?: unknown;
  device: string;
  batch: number;
  threads: number;
  samples: number;
  snnSamplesPerSec: number;
  snnSampleStepsPerSec: number;
  annSamplesPerSec: number;
  ratio: number;
  /** The ratio of each paired round (spread = this machine's drift). */
  ratioRounds: number[];
  peakRssMB: number;
}

/** One engine's two timed callables: a pass of the ANN over the samples, a run of the SNN. */
interface Engine {
  readonly threads: number;
  annPass(): Promise<void>;
  snnRun(): Promise<unknown>;
  release(): Promise<void>;
}

async function one(id: string, T: number, counts: CountMode, k: number | 'auto'): Promise<Row> {
  const bm = ALL_MODELS.find((m) => m.id === id)!;
  const device = values.device as Device;
  const batch = Number(values.batch);
  const model = loadModel(bm.file);
  const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 200 }));
  if (values.solve !== 'closed-form' && values.solve !== 'step') throw new Error(`--solve must be closed-form or step, not ${values.solve}`);
  const converted = convert(model, th, { solve: values.solve });
  const snn = converted.snn;
  const onnx = emitOnnx(snn, { counts, stepsPerIteration: k, extra: { 'onnx2snn.bench': 'arrangement given by --counts/--unroll' } });
  const ds = loadDataset(bm.test, { ...bm.pre, limit: Number(values.samples) });
  const { name, sampleDims } = inputSpec(model, ds);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const batches = (f: (s: number, e: number) => Promise<unknown> | unknown) => async (): Promise<void> => {
    for (let s = 0; s < ds.count; s += batch) await f(s, Math.min(ds.count, s + batch));
  };
  let engine: Engine;
  if (values.engine === 'tfjs') {
    // TensorFlow.js: the SNN description stepped with tfjs ops, the ANN with the same ops
    const backend = values['tfjs-backend'] as TfjsBackend;
    const ann = await tfjsAnn(snn, backend);
    engine = {
      threads: backend === 'cpu' ? 1 : values.threads ? Number(values.threads) : cpus().length,
      annPass: batches((s, e) => ann.run(ds.x.subarray(s * per, e * per), e - s)),
      snnRun: () => simulateTfjs(snn, ds, { timesteps: [T], batchSize: batch, backend }),
      release: async () => ann.dispose(),
    };
  } else if (values.engine === 'onnxruntime') {
    // onnxruntime: the original ANN file and the emitted SNN file, both sessions created once
    const threads = values.threads ? Number(values.threads) : cpus().length;
    const ann = await OrtSession.create(model, { device, threads });
    const session = await OrtSession.create(onnx, { device, threads });
    engine = {
      threads,
      annPass: batches((s, e) => ann.run({ [name]: { data: ds.x.subarray(s * per, e * per), dims: [e - s, ...sampleDims] } })),
      snnRun: () => simulateDataset(onnx, ds, { timesteps: [T], batchSize: batch, session }),
      release: async () => {
        await ann.release();
        await session.release();
      },
    };
  } else throw new Error(`--engine must be onnxruntime or tfjs, not ${values.engine}`);
  // Paired rounds of equal work: T ANN passes over the samples, then one SNN run of T steps
  // (each repeated until a side takes ≥ 0.5 s). This VM's speed drifts by ±50 % over seconds;
  // timing both sides back to back over the same duration keeps the drift out of the ratio
  // (a best-of-k of short ANN runs would catch a fast spell the long SNN run cannot). The
  // ratio is the median over the rounds.
  const { annPass, snnRun } = engine;
  await annPass(); // warm-up
  let t0 = performance.now();
  await snnRun();
  const reps = Math.max(1, Math.ceil(500 / (performance.now() - t0)));
  const annTimes: number[] = [];
  const snnTimes: number[] = [];
  const paired: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    t0 = performance.now();
    for (let k = 0; k < T * reps; k++) await annPass();
    const annT = (performance.now() - t0) / (T * reps);
    t0 = performance.now();
    for (let k = 0; k < reps; k++) await snnRun();
    const snnT = (performance.now() - t0) / reps;
    annTimes.push(annT);
    snnTimes.push(snnT);
    paired.push(snnT / (T * annT));
  }
  await engine.release();
  const annPerSample = median(annTimes) / 1000 / ds.count;
  const snnPerSample = median(snnTimes) / 1000 / ds.count;
  return {
    model: id,
    timesteps: T,
    engine: values.engine!,
    counts: values.engine === 'onnxruntime' ? counts : 'n/a',
    // tfjs steps the SNN description one step at a time
    stepsPerIteration: values.engine === 'onnxruntime' ? (JSON.parse(onnx.metadata['onnx2snn.arrangement']!) as Arrangement).stepsPerIteration : 1,
    ...(values.engine === 'onnxruntime' && onnx.metadata['onnx2snn.arrangement']
      ? { arrangement: JSON.parse(onnx.metadata['onnx2snn.arrangement']) as unknown }
      : {}),
    device: values.engine === 'tfjs' ? values['tfjs-backend']! : device,
    batch,
    threads: engine.threads,
    samples: ds.count,
    snnSamplesPerSec: 1 / snnPerSample,
    snnSampleStepsPerSec: T / snnPerSample,
    annSamplesPerSec: 1 / annPerSample,
    ratio: median(paired),
    ratioRounds: paired,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

if (values.one === 'images') {
  process.stdout.write(JSON.stringify(await benchImages(Number(values.batch), Number(values['image-rounds']))));
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
      for (const counts of values.counts!.split(','))
        for (const k of values.unroll!.split(',')) {
          if (counts !== 'recovered' && counts !== 'stepped') throw new Error(`--counts takes recovered and/or stepped, not ${counts}`);
          const args = [
            self,
            '--one',
            `${bm.id}:${T}:${counts}:${k}`,
            '--rounds',
            values.rounds!,
            '--samples',
            values.samples!,
            '--batch',
            values.batch!,
            '--device',
            values.device!,
            '--solve',
            values.solve!,
            '--engine',
            values.engine!,
            '--tfjs-backend',
            values['tfjs-backend']!,
            ...(values.threads ? ['--threads', values.threads] : []),
          ];
          const row = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as Row;
          rows.push(row);
          process.stderr.write(`${bm.id} T=${T} counts ${counts} k=${k}: ratio ${row.ratio.toFixed(3)}\n`);
        }
  }
  let images: ImagesRow | undefined;
  if (!values.models || values.models.split(',').includes('images')) {
    const args = [self, '--one', 'images', '--batch', values.batch!, '--image-rounds', values['image-rounds']!];
    images = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as ImagesRow;
    process.stderr.write(`images: ${images.imagesPerSec.toFixed(1)} images/s\n`);
  }
  const machine = machineInfo();
  writeFileSync(values.out!, `${JSON.stringify({ machine, results: rows, ...(images ? { images } : {}) }, null, 2)}\n`);
  const head = [
    'model',
    'T',
    'engine',
    'counts',
    'steps/iteration',
    'device',
    'batch',
    'threads',
    'SNN samples/s',
    'SNN sample·steps/s',
    'ANN samples/s',
    'ratio',
    'paired rounds',
    'peak RSS MB',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows)
    lines.push(
      `| ${r.model} | ${r.timesteps} | ${r.engine} | ${r.counts} | ${r.stepsPerIteration} | ${r.device} | ${r.batch} | ${r.threads} | ${r.snnSamplesPerSec.toFixed(1)} | ${r.snnSampleStepsPerSec.toFixed(0)} | ${r.annSamplesPerSec.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.ratioRounds.map((x) => x.toFixed(2)).join(' ')} | ${r.peakRssMB.toFixed(0)} |`,
    );
  if (rows.length) process.stdout.write(`${lines.join('\n')}\n`);
  if (images) {
    const r = images;
    process.stdout.write(
      `\n| images | size | decoder | batch | rounds | images/s | ms/image (wall) | CPU ms/image | ${r.cores} cores / CPU time: images/s | load average | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|\n` +
        `| ${r.images} | ${r.size} | ${r.decoder} | ${r.batch} | ${r.rounds} | ${r.imagesPerSec.toFixed(1)} | ${(1000 / r.imagesPerSec).toFixed(2)} | ${r.cpuMsPerImage.toFixed(2)} | ${r.projectedImagesPerSec.toFixed(0)} | ${r.loadAverage.toFixed(1)} | ${r.peakRssMB.toFixed(0)} |\n`,
    );
  }
}
