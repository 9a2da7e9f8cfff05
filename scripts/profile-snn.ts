/**
 * Where an SNN's time goes (issue 11): onnxruntime's own profiler on the ANN and on the emitted
 * SNN (default arrangement), kernel time summed per op type, per ANN pass and per SNN time step.
 *
 *   npm run profile -- [--model own-fmnist-resnet20-bn] [--timesteps 32] [--samples 64] [--runs 3] [--out profile.json] [--nchwc]
 *                      [--threads N]
 *
 * --threads sets onnxruntime's intra-op threads (default: the machine's cores; 1 shows one worker's
 * share under the `workers2` arrangements). --nchwc profiles the file lowered to onnxruntime's blocked layout (src/engine/nchwc.ts).
 *
 * The Loop node's own time contains its body's kernels, so it is left out of the step's sum.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadDataset } from '../src/data/index.js';
import { inputSpec } from '../src/engine/input.js';
import { lowerNchwc } from '../src/engine/nchwc.js';
import { nchwcBlockSize } from '../src/engine/nchwc-probe.js';
import type { Model } from '../src/graph/types.js';
import { writeOnnx } from '../src/onnx/write.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { machineInfo } from './machine.js';
import { ALL_MODELS } from './models.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('profile', {
  options: {
    model: { type: 'string', default: 'own-fmnist-resnet20-bn' },
    timesteps: { type: 'string', default: '32' },
    samples: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string', default: 'profile.json' },
    nchwc: { type: 'boolean', default: false },
    threads: { type: 'string', default: String(cpus().length) },
  },
});

/** Microseconds of kernel time per op type over `runs` runs of a model, from onnxruntime's profile. */
async function profile(m: Model, feeds: Record<string, ort.Tensor>, runs: number): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'onnx2snn-profile-'));
  try {
    const s = await ort.InferenceSession.create(writeOnnx(m), {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: Number(values.threads),
      enableProfiling: true,
      profileFilePrefix: join(dir, 'p'),
    });
    for (let i = 0; i < runs; i++) await s.run(feeds);
    s.endProfiling();
    await s.release();
    const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')) as {
      cat?: string;
      name: string;
      dur: number;
      args?: { op_name?: string };
    }[];
    const by = new Map<string, number>();
    for (const e of events)
      if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name && e.args.op_name !== 'Loop')
        by.set(e.args.op_name, (by.get(e.args.op_name) ?? 0) + e.dur);
    return by;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bm = ALL_MODELS.find((m) => m.id === values.model);
if (!bm) throw new Error(`--model: unknown model ${values.model}`);
const T = Number(values.timesteps);
const runs = Number(values.runs);
const model = loadModel(bm.file);
const emitted = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 100 }))).onnx;
const block = values.nchwc ? await nchwcBlockSize() : undefined;
if (values.nchwc && !block) throw new Error('--nchwc: onnxruntime has no nchwc kernels on this machine');
const onnx = block ? lowerNchwc(emitted, block).model : emitted;
const ds = loadDataset(bm.test, { ...bm.pre, limit: Number(values.samples) });
const { name, sampleDims } = inputSpec(model, ds);
const x = new ort.Tensor('float32', ds.x, [ds.count, ...sampleDims]);
const ann = await profile(model, { [name]: x }, runs);
const snn = await profile(onnx, { [name]: x, timesteps: new ort.Tensor('int64', BigInt64Array.from([BigInt(T)]), []) }, runs);
const annPassMs = [...ann.values()].reduce((a, b) => a + b, 0) / runs / 1000;
const stepMs = [...snn.values()].reduce((a, b) => a + b, 0) / runs / T / 1000;
const rows = [...snn].sort((a, b) => b[1] - a[1]).map(([op, us]) => ({ op, msPerStep: us / runs / T / 1000, shareOfStep: us / runs / T / 1000 / stepMs }));
writeFileSync(
  values.out!,
  `${JSON.stringify({ machine: machineInfo(), model: bm.id, timesteps: T, samples: ds.count, annPassMs, snnStepMs: stepMs, ann: Object.fromEntries(ann), snn: rows }, null, 2)}\n`,
);
process.stdout.write(
  `${bm.id}, ${ds.count} samples: ANN pass ${annPassMs.toFixed(1)} ms; SNN step ${stepMs.toFixed(1)} ms (${(stepMs / annPassMs).toFixed(2)} × the ANN pass)\n`,
);
process.stdout.write(`| op | ms per step | share of the step | × ANN pass |\n|---|---|---|---|\n`);
for (const r of rows)
  process.stdout.write(`| ${r.op} | ${r.msPerStep.toFixed(2)} | ${(100 * r.shareOfStep).toFixed(1)} % | ${(r.msPerStep / annPassMs).toFixed(3)} |\n`);
