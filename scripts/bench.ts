/**
 * Benchmark: SNN simulation speed vs the ANN on the same engine, per bundled model and T.
 * Each configuration runs in its own child process so that peak resident memory is its own.
 *
 *   npm run bench -- [--out bench.json] [--timesteps 32,128] [--samples 256] [--batch 64] [--threads N] [--device cpu] [--models id,...]
 *
 * ratio = SNN time at T / (T × ANN time): below 1 the SNN at T steps costs less than T ANN passes.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/index.js';
import { OrtSession, type Device } from '../src/engine/ort.js';
import { inputSpec } from '../src/eval/ann.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { simulateDataset } from '../src/snn/simulate.js';
import { BUNDLED_MODELS } from './models.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench.json' },
    timesteps: { type: 'string', default: '32,128' },
    samples: { type: 'string', default: '256' },
    batch: { type: 'string', default: '64' },
    threads: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    models: { type: 'string' },
    one: { type: 'string' }, // internal: "<model id>:<T>"
  },
});

interface Row {
  model: string;
  timesteps: number;
  engine: string;
  device: string;
  batch: number;
  threads: number;
  samples: number;
  snnSamplesPerSec: number;
  snnSampleStepsPerSec: number;
  annSamplesPerSec: number;
  ratio: number;
  peakRssMB: number;
}

async function one(id: string, T: number): Promise<Row> {
  const bm = BUNDLED_MODELS.find((m) => m.id === id)!;
  const device = values.device as Device;
  const batch = Number(values.batch);
  const threads = values.threads ? Number(values.threads) : cpus().length;
  const model = loadModel(bm.file);
  const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 200 }));
  const { onnx } = convert(model, th);
  const ds = loadDataset(bm.test, { ...bm.pre, limit: Number(values.samples) });
  // ANN: same engine, same batch, best of 3
  const { name, sampleDims } = inputSpec(model, ds);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const ann = await OrtSession.create(model, { device, threads });
  let annBest = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    for (let s = 0; s < ds.count; s += batch) {
      const e = Math.min(ds.count, s + batch);
      await ann.run({ [name]: { data: ds.x.subarray(s * per, e * per), dims: [e - s, ...sampleDims] } });
    }
    annBest = Math.min(annBest, performance.now() - t0);
  }
  await ann.release();
  let snnBest = Infinity;
  for (let rep = 0; rep < 2; rep++) {
    const t0 = performance.now();
    await simulateDataset(onnx, ds, { timesteps: [T], batchSize: batch, device, threads });
    snnBest = Math.min(snnBest, performance.now() - t0);
  }
  const annPerSample = annBest / 1000 / ds.count;
  const snnPerSample = snnBest / 1000 / ds.count;
  return {
    model: id,
    timesteps: T,
    engine: 'onnxruntime',
    device,
    batch,
    threads,
    samples: ds.count,
    snnSamplesPerSec: 1 / snnPerSample,
    snnSampleStepsPerSec: T / snnPerSample,
    annSamplesPerSec: 1 / annPerSample,
    ratio: snnPerSample / (T * annPerSample),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

if (values.one) {
  const [id, t] = values.one.split(':');
  process.stdout.write(JSON.stringify(await one(id!, Number(t))));
} else {
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  for (const bm of BUNDLED_MODELS) {
    if (values.models && !values.models.split(',').includes(bm.id)) continue;
    for (const T of values.timesteps!.split(',').map(Number)) {
      const args = [self, '--one', `${bm.id}:${T}`, '--samples', values.samples!, '--batch', values.batch!, '--device', values.device!, ...(values.threads ? ['--threads', values.threads] : [])];
      const row = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as Row;
      rows.push(row);
      process.stderr.write(`${bm.id} T=${T}: ratio ${row.ratio.toFixed(3)}\n`);
    }
  }
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', memoryGB: totalmem() / 2 ** 30, node: process.version, platform: `${process.platform}-${process.arch}` };
  writeFileSync(values.out!, `${JSON.stringify({ machine, results: rows }, null, 2)}\n`);
  const head = ['model', 'T', 'batch', 'threads', 'SNN samples/s', 'SNN sample·steps/s', 'ANN samples/s', 'ratio', 'peak RSS MB'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows)
    lines.push(`| ${r.model} | ${r.timesteps} | ${r.batch} | ${r.threads} | ${r.snnSamplesPerSec.toFixed(1)} | ${r.snnSampleStepsPerSec.toFixed(0)} | ${r.annSamplesPerSec.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.peakRssMB.toFixed(0)} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
