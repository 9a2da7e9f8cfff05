/**
 * The event-driven WebAssembly engine against the reference simulator: identical spike counts per
 * neuron and identical readouts (bit for bit) on the bundled models, stepped and closed-form, with
 * constant-current and Poisson input; synops counted by the kernels equal to the report's structural
 * count from the spike counts (constant current; under Poisson input the first layer's synops differ
 * by construction: the report takes the input's expected events, the kernels the drawn ones).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { simulateEventsBatch } from '../../src/engine/events/batch.js';
import { KERNELS_SOURCE_SHA256 } from '../../src/engine/events/kernels-wasm.js';
import { opsPlan, SynopsCounter } from '../../src/eval/ops.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { simulateReference } from '../../src/snn/reference.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
import { CLI } from '../report/built.js';

const cases = [
  { id: 'vnncomp21-mnistfc-256x2', n: 6, T: 64, solve: 'step', encoding: 'current', kernels: ['gemm', 'if'] },
  { id: 'onnx-zoo-mnist-12', n: 3, T: 32, solve: 'closed-form', encoding: 'current', kernels: ['conv', 'gemm', 'if', 'pool'] },
  { id: 'vnncomp21-verivital-convnet_maxpool', n: 3, T: 32, solve: 'step', encoding: 'poisson', kernels: ['conv', 'gemm', 'if', 'pool'] },
  { id: 'vnncomp21-cifar10-resnet_2b', n: 2, T: 24, solve: 'closed-form', encoding: 'current', kernels: ['conv', 'gemm', 'if'] },
] as const;

describe('events engine = reference simulator', () => {
  it('the embedded WebAssembly is built from the current assembly/events.ts', () => {
    const sha = createHash('sha256').update(readFileSync('assembly/events.ts', 'utf8')).digest('hex');
    expect(KERNELS_SOURCE_SHA256, 'run `npm run build` (scripts/build-wasm.mjs) after editing assembly/events.ts').toBe(sha);
  });

  for (const c of cases)
    it(`${c.id}, --solve ${c.solve}, ${c.encoding}, T = ${c.T}: same counts and readouts`, async () => {
      const bm = BUNDLED_MODELS.find((m) => m.id === c.id)!;
      const model = loadModel(bm.file);
      const th = await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 50 }));
      const ds = loadDataset(bm.test, { ...bm.pre, limit: c.n });
      const { snn } = convert(model, th, { solve: c.solve, encoding: c.encoding });
      const opts = { timesteps: c.T, checkpoints: [1, c.T >> 1, c.T], firstSample: 7 };
      const ref = simulateReference(snn, ds.x, c.n, opts);
      const ev = simulateEventsBatch(snn, ds.x, c.n, opts);
      expect(new Set(ev.nodes.map((s) => s.kind))).toEqual(new Set(c.kernels));
      let spikes = 0;
      snn.layers.forEach((l, i) => {
        const a = ev.counts[i]!,
          b = ref.counts[i]!;
        let differ = 0;
        for (let j = 0; j < a.length; j++) {
          if (a[j] !== b[j]) differ++;
          spikes += b[j]!;
        }
        expect(differ, `layer ${l.name}: neurons with a different count`).toBe(0);
      });
      expect(spikes).toBeGreaterThan(0);
      for (const t of opts.checkpoints) expect(Array.from(ev.readouts.get(t)!)).toEqual(Array.from(ref.readouts.get(t)!));
      // the kernels count every accumulation they do; the report's structural count (src/eval/ops.ts) from the spike counts must agree
      const counter = new SynopsCounter(opsPlan(snn), c.T);
      counter.addBatch(c.n, ev.counts, ds.x, ev.events);
      expect(ev.synops).toBeGreaterThan(0);
      if (c.encoding === 'current') expect(ev.synops / c.n).toBe(counter.result().totals.synops);
    });

  it('the built CLI: --engine events on two worker threads = onnxruntime; the counted synops are in the JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    const run = (engine: string, extra: string[]) => {
      const out = join(dir, `${engine}.json`);
      const args = ['eval', 'fixtures/models/vnncomp21-mnistfc-256x2.onnx', '--data', 'fixtures/data/mnist/t10k-images-idx3-ubyte.gz', '--limit', '40'];
      args.push('--scale', '1/255', '--calib', 'fixtures/data/mnist/train-images-idx3-ubyte.gz', '--calibration', 'fixed', '--timesteps', '8,16');
      const r = spawnSync(process.execPath, [CLI, ...args, '--batch-size', '16', '--engine', engine, ...extra, '--json', out, '-q'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(readFileSync(out, 'utf8')) as {
        snn: { timesteps: number; accuracy: number; agreement: number }[];
        layers: { spikeRate: number }[];
        ops: { totals: { synops: number }; counted?: { engine: string; synops: number } };
      };
    };
    const ev = run('events', ['--threads', '2']);
    const ort = run('onnxruntime', []);
    expect(ev.snn).toEqual(ort.snn);
    expect(ev.layers.map((l) => l.spikeRate)).toEqual(ort.layers.map((l) => l.spikeRate));
    expect(ev.ops.counted).toEqual({ engine: 'events', synops: ev.ops.totals.synops });
    expect(ort.ops.counted).toBeUndefined();
  });
});
