/**
 * Speed levers before/after in one process (issue 11): per model, the SNN emitted and run in each
 * variant, timed in alternating rounds against the same ANN passes, so that this shared machine's
 * drift hits every variant alike. A variant changes the emitted arrangement or onnxruntime's
 * session settings or the batch size; none changes spike counts (each arrangement's test).
 *
 *   npm run bench:levers -- [--out levers.json] [--models own-fmnist-resnet20-bn] [--timesteps 128]
 *                           [--samples 64] [--batch 64] [--rounds 5] [--variants base,layer,…]
 *
 * ratio = SNN time at T / (T × ANN time), each variant's SNN run paired with T ANN passes timed
 * just before it; the median over rounds is reported. The variants' order rotates from round to round.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadDataset } from '../src/data/index.js';
import { inputSpec } from '../src/engine/input.js';
import { lowerNchwc } from '../src/engine/nchwc.js';
import { nchwcBlockSize } from '../src/engine/nchwc-probe.js';
import { OrtSession, type OrtTuning } from '../src/engine/ort.js';
import { simulateDataset } from '../src/engine/simulate.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { type EmitMeta, emitOnnx } from '../src/snn/emit.js';
import { machineInfo } from './machine.js';
import { ALL_MODELS } from './models.js';
import { scriptArgs } from './args.js';

/** A lever's setting: emission options, session settings, batch size (absent: the defaults). */
interface Variant {
  readonly emit?: EmitMeta;
  readonly tuning?: OrtTuning;
  readonly batch?: number;
  /** Run the file lowered to onnxruntime's blocked layout (src/engine/nchwc.ts) at the machine's block size. */
  readonly nchwc?: boolean;
}

const VARIANTS: Record<string, Variant> = {
  base: {},
  stepped: { emit: { counts: 'stepped', stepsPerIteration: 1 } },
  // counts stepped, steps per iteration as the default: on the MNIST CNN the file before the spiking pool read a running sum of θ·s
  counted: { emit: { counts: 'stepped' } },
  'counted-no-spin': { emit: { counts: 'stepped' }, tuning: { allowSpinning: false } },
  layer: { emit: { order: 'layer' } },
  'layer-k8': { emit: { order: 'layer', stepsPerIteration: 8 } },
  'layer-k16': { emit: { order: 'layer', stepsPerIteration: 16 } },
  k1: { emit: { stepsPerIteration: 1 } },
  k8: { emit: { stepsPerIteration: 8 } },
  k16: { emit: { stepsPerIteration: 16 } },
  'no-spin': { tuning: { allowSpinning: false } },
  parallel: { tuning: { executionMode: 'parallel', interOpNumThreads: 2 } },
  extended: { tuning: { graphOptimizationLevel: 'extended' } },
  'no-arena': { tuning: { enableCpuMemArena: false } },
  'no-mem-pattern': { tuning: { enableMemPattern: false } },
  batch16: { batch: 16 },
  batch32: { batch: 32 },
  batch128: { batch: 128 },
  nchwc: { nchwc: true },
  // the default file on two worker threads, each a 1-thread session on half of each batch (src/engine/ort-shards.ts)
  workers2: { tuning: { workers: 2 } },
  'workers2-k8': { emit: { stepsPerIteration: 8 }, tuning: { workers: 2 } },
  'workers2-layer': { emit: { order: 'layer' }, tuning: { workers: 2 } },
  'workers2-layer-k16': { emit: { order: 'layer', stepsPerIteration: 16 }, tuning: { workers: 2 } },
  'workers2-batch32': { tuning: { workers: 2 }, batch: 32 },
  'workers2-batch128': { tuning: { workers: 2 }, batch: 128 },
  'workers2-nchwc': { nchwc: true, tuning: { workers: 2 } },
};

const { values } = scriptArgs('bench:levers', {
  options: {
    out: { type: 'string', default: 'levers.json' },
    models: { type: 'string', default: 'own-fmnist-resnet20-bn' },
    timesteps: { type: 'string', default: '128' },
    samples: { type: 'string', default: '64' },
    batch: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    variants: { type: 'string', default: 'base,layer' },
  },
});

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function timed(f: () => Promise<unknown>, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return (performance.now() - t0) / reps;
}

async function measure(id: string, T: number, names: readonly string[]): Promise<Record<string, unknown>> {
  const bm = ALL_MODELS.find((m) => m.id === id);
  if (!bm) throw new Error(`--models: unknown model ${id}`);
  const model = loadModel(bm.file);
  const { snn } = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 200 })));
  const ds = loadDataset(bm.test, { ...bm.pre, limit: Number(values.samples) });
  const batch = Number(values.batch);
  const threads = cpus().length;
  const { name, sampleDims } = inputSpec(model, ds);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const ann = await OrtSession.create(model, { threads });
  const annPass = async (): Promise<void> => {
    for (let s = 0; s < ds.count; s += batch)
      await ann.run({
        [name]: { data: ds.x.subarray(s * per, Math.min(ds.count, s + batch) * per), dims: [Math.min(ds.count, s + batch) - s, ...sampleDims] },
      });
  };
  const runs = await Promise.all(
    names.map(async (v) => {
      const o = VARIANTS[v];
      if (!o) throw new Error(`--variants: unknown variant ${v}; valid: ${Object.keys(VARIANTS).join(', ')}`);
      const emitted = emitOnnx(snn, o.emit ?? {});
      const block = o.nchwc ? await nchwcBlockSize() : undefined;
      if (o.nchwc && !block) throw new Error('--variants nchwc: onnxruntime has no nchwc kernels on this machine');
      const file = block ? lowerNchwc(emitted, block).model : emitted;
      const session = await OrtSession.create(file, { threads, ...(o.tuning ? { tuning: o.tuning } : {}) });
      const run = () => simulateDataset(file, ds, { timesteps: [T], batchSize: o.batch ?? batch, session });
      return { v, run, session, arrangement: JSON.parse(file.metadata['onnx2snn.arrangement']!) as unknown, ratios: [] as number[], ms: [] as number[] };
    }),
  );
  // each side repeated to at least 0.5 s per round (warm-up runs give the counts)
  const annReps = Math.max(1, Math.ceil(500 / (T * (await timed(annPass, 1)))));
  const reps = new Map<string, number>();
  for (const r of runs) reps.set(r.v, Math.max(1, Math.ceil(500 / (await timed(r.run, 1)))));
  // each variant's SNN run is paired with ANN passes timed just before it: on this shared machine
  // the speed drifts within the tens of seconds a round of several variants takes
  for (let round = 0; round < Number(values.rounds); round++) {
    for (let i = 0; i < runs.length; i++) {
      const r = runs[(i + round) % runs.length]!;
      const annT = await timed(annPass, T * annReps);
      const t = await timed(r.run, reps.get(r.v)!);
      r.ms.push(t);
      r.ratios.push(t / (T * annT));
    }
  }
  await ann.release();
  for (const r of runs) await r.session.release();
  return {
    model: id,
    timesteps: T,
    samples: ds.count,
    batch,
    threads,
    variants: runs.map((r) => ({ variant: r.v, arrangement: r.arrangement, ratio: median(r.ratios), ratioRounds: r.ratios, snnMs: median(r.ms) })),
  };
}

const names = values.variants!.split(',');
const results: Record<string, unknown>[] = [];
for (const id of values.models!.split(','))
  for (const T of values.timesteps!.split(',').map(Number)) {
    const row = await measure(id, T, names);
    results.push(row);
    for (const v of row['variants'] as { variant: string; ratio: number; ratioRounds: number[] }[])
      process.stdout.write(`| ${id} | ${T} | ${v.variant} | ${v.ratio.toFixed(3)} | ${v.ratioRounds.map((x) => x.toFixed(2)).join(' ')} |\n`);
  }
writeFileSync(values.out!, `${JSON.stringify({ machine: machineInfo(), results }, null, 2)}\n`);
