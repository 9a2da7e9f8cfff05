/**
 * The GPU run (issue 11, lever 5): on a machine with a GPU, the CPU paths against onnxruntime's
 * WebGPU and CUDA execution providers on resnet_2b and a deep BatchNorm ResNet, as JSON.
 *
 *   npm run bench:gpu -- [--out gpu-bench.json] [--devices cpu,webgpu,cuda] [--models id,…]
 *                        [--timesteps 128] [--samples 256] [--batch 64] [--counts recovered,stepped]
 *
 * First each device is probed by opening a session on a one-node model: a provider that is not
 * installed or finds no adapter (onnxruntime-node's default build has no CUDA provider; WebGPU needs
 * a Vulkan driver) is listed with onnxruntime's reason and skipped. Each measured configuration is a
 * child process of scripts/bench.ts (`--one`), so its figures are the bench's own: paired rounds of
 * T ANN passes and one SNN run on the same device, their ratio, peak memory.
 * Exit 0 when at least one GPU provider was measured; 2, after writing the JSON, with the reasons,
 * when none could run.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { machineInfo } from './machine.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrtSession, type Device } from '../src/engine/ort.js';
import { float32 } from '../src/graph/tensor.js';
import type { Model } from '../src/graph/types.js';
import { selectModels } from './models.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('bench:gpu', {
  options: {
    out: { type: 'string', default: 'gpu-bench.json' },
    devices: { type: 'string', default: 'cpu,webgpu,cuda' },
    models: { type: 'string', default: 'vnncomp21-cifar10-resnet_2b,own-fmnist-resnet20-bn' },
    timesteps: { type: 'string', default: '128' },
    samples: { type: 'string', default: '256' },
    batch: { type: 'string', default: '64' },
    counts: { type: 'string', default: 'recovered' },
  },
});

/** y = x + 1 on [1, 4]: enough for a provider to load and run. */
const probeModel: Model = {
  opset: 13,
  irVersion: 7,
  otherOpsets: {},
  producerName: 'onnx2snn gpu-bench probe',
  producerVersion: '',
  metadata: {},
  graph: {
    name: 'probe',
    nodes: [{ name: 'add', opType: 'Add', domain: '', inputs: ['x', 'one'], outputs: ['y'], attrs: {} }],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 4] }],
    initializers: new Map([['one', float32([], [1])]]),
    valueInfo: new Map(),
  },
};

interface Provider {
  device: Device;
  available: boolean;
  reason?: string;
}

async function probe(device: Device): Promise<Provider> {
  try {
    const s = await OrtSession.create(probeModel, { device });
    const r = await s.run({ x: { data: new Float32Array([1, 2, 3, 4]), dims: [1, 4] } });
    await s.release();
    const y = r['y']!.data as Float32Array;
    if (y[3] !== 5) return { device, available: false, reason: `the probe computed ${Array.from(y).join(',')} instead of 2,3,4,5` };
    return { device, available: true };
  } catch (e) {
    return { device, available: false, reason: (e as Error).message };
  }
}

const devices = values.devices!.split(',') as Device[];
const providers: Provider[] = [];
for (const d of devices) {
  const p = await probe(d);
  providers.push(p);
  process.stderr.write(p.available ? `${d}: available\n` : `${d}: not available: ${p.reason}\n`);
}
const bench = join(dirname(fileURLToPath(import.meta.url)), 'bench.js');
const results: unknown[] = [];
const failures: { device: Device; model: string; reason: string }[] = [];
for (const bm of selectModels(values.models)) {
  for (const p of providers.filter((q) => q.available))
    for (const T of values.timesteps!.split(','))
      for (const counts of values.counts!.split(',')) {
        const args = [bench, '--one', `${bm.id}:${T}:${counts}`, '--samples', values.samples!, '--batch', values.batch!, '--device', p.device];
        try {
          const row = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] })) as {
            ratio: number;
            snnSampleStepsPerSec: number;
          };
          results.push(row);
          process.stderr.write(`${bm.id} ${p.device} T=${T} ${counts}: ${row.snnSampleStepsPerSec.toFixed(0)} sample·steps/s, ratio ${row.ratio.toFixed(3)}\n`);
        } catch (e) {
          const reason = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n').slice(-3).join(' ');
          failures.push({ device: p.device, model: bm.id, reason });
          process.stderr.write(`${bm.id} ${p.device}: failed: ${reason}\n`);
        }
      }
}
const machine = machineInfo();
writeFileSync(values.out!, `${JSON.stringify({ machine, providers, results, failures }, null, 2)}\n`);
const gpuMeasured = providers.some((p) => p.device !== 'cpu' && p.available && !failures.some((f) => f.device === p.device));
if (!gpuMeasured) {
  const why = providers.filter((p) => p.device !== 'cpu').map((p) => `${p.device}: ${p.available ? 'failed while measuring' : p.reason}`);
  process.stderr.write(`gpu-bench: no GPU provider could be measured (${why.join('; ') || 'none requested'}); CPU figures, if any, are in ${values.out}\n`);
  process.exitCode = 2;
}
