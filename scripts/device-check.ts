/**
 * Runs one bundled model's SNN on two onnxruntime devices and prints, as JSON, the spike counts
 * per layer and the predictions of each. Used by test/engine/devices.test.ts in a child process,
 * because the Vulkan driver (lavapipe) must be in the environment before the process starts.
 *
 *   node dist/scripts/device-check.js --model ID --devices cpu,webgpu [--samples 8] [--timesteps 16]
 */
import { loadDataset } from '../src/data/index.js';
import type { Device } from '../src/engine/ort.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { simulateDataset } from '../src/engine/simulate.js';
import { ALL_MODELS } from './models.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('device-check', {
  options: {
    model: { type: 'string' },
    devices: { type: 'string', default: 'cpu,webgpu' },
    samples: { type: 'string', default: '8' },
    timesteps: { type: 'string', default: '16' },
  },
});
const bm = ALL_MODELS.find((m) => m.id === values.model);
if (!bm) throw new Error(`unknown model ${values.model}`);
const model = loadModel(bm.file);
const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 100 }));
const { onnx } = convert(model, th);
const ds = loadDataset(bm.test, { ...bm.pre, limit: Number(values.samples) });
const out: Record<string, { counts: number[][]; predictions: number[] }> = {};
for (const device of values.devices!.split(',') as Device[]) {
  const counts: number[][] = [];
  const T = Number(values.timesteps);
  const r = await simulateDataset(onnx, ds, {
    timesteps: [T],
    batchSize: ds.count,
    device,
    onCounts: (_s, _n, cs) => void counts.push(...cs.map((c) => Array.from(c))),
  });
  out[device] = { counts, predictions: Array.from(r.predictions.get(T)!) };
}
process.stdout.write(JSON.stringify(out));
