import { describe, expect, it } from 'vitest';
import { collectStatistics } from '../../calibration/collect.js';
import { reluSites } from '../../calibration/sites.js';
import { buildThresholds } from '../../calibration/thresholds.js';
import { loadDataset } from '../../src/data/index.js';
import { OrtSession } from '../../src/engine/ort.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import { loadOnnxFile } from '../../src/onnx/read.js';
import { exactPercentile, expectErrorAsync, relErr } from './helpers.js';

const FC = 'fixtures/models/vnncomp21-mnistfc-256x2.onnx';
const CONV = 'fixtures/models/onnx-zoo-mnist-12.onnx';
const MNIST_TRAIN = 'fixtures/data/mnist/train-images-idx3-ubyte.gz';

const mnist = loadDataset(MNIST_TRAIN, { scale: 1 / 255, limit: 200 });

describe('collectStatistics on a real model', () => {
  const original = loadOnnxFile(FC);
  const model = canonicalize(original);
  const sites = reluSites(model);

  it('the Relu outputs of the canonical graph', () => {
    expect(model.graph.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0])).toEqual(['9', '11']);
    expect(sites.map((s) => s.site)).toEqual(['9', '11']);
  });

  it('matches an independent batch-1 run of the ORIGINAL file on 200 MNIST samples', async () => {
    const events: number[] = [];
    const stats = await collectStatistics(model, mnist, ['9', '11'], { batchSize: 64, onProgress: (e) => events.push(e.done) });
    expect(events).toEqual([64, 128, 192, 200]);
    expect([...stats.keys()]).toEqual(['9', '11', '0']);

    // Independent: the original (non-canonical) graph, one sample at a time.
    const inDims = original.graph.inputs[0]!.shape!.map((d) => (typeof d === 'number' ? d : 1));
    const per = 784;
    const session = await OrtSession.create(original, { extraOutputs: ['9', '11'] });
    const acts: Record<string, number[]> = { '9': [], '11': [] };
    try {
      for (let i = 0; i < mnist.count; i++) {
        const res = await session.run({ [original.graph.inputs[0]!.name]: { data: mnist.x.subarray(i * per, (i + 1) * per), dims: inDims } }, ['9', '11']);
        for (const s of ['9', '11']) for (const v of res[s]!.data) acts[s]!.push(v);
      }
    } finally {
      await session.release();
    }
    for (const s of ['9', '11']) {
      const a = acts[s]!;
      const st = stats.get(s)!;
      expect(st.count).toBe(200 * 256);
      expect(a.length).toBe(200 * 256);
      const max = a.reduce((m, v) => (v > m ? v : m), 0);
      expect(st.max).toBeGreaterThan(0);
      expect(relErr(st.max, max), `${s} max ${st.max} vs ${max}`).toBeLessThan(1e-5);
      expect(Math.abs(st.zeros - a.filter((v) => v === 0).length)).toBeLessThanOrEqual(2);
      expect(st.negatives).toBe(0);
      for (const p of [50, 99, 99.9, 99.99]) expect(relErr(st.percentile(p), exactPercentile(a, p)), `${s} p${p}`).toBeLessThanOrEqual(0.025);
    }
    // the input: |x| of MNIST in [0, 1]
    const inp = stats.get('0')!;
    let xmax = 0;
    for (const v of mnist.x) xmax = Math.max(xmax, v);
    expect(inp.max).toBe(xmax);
    expect(inp.count).toBe(200 * 784);

    const f = buildThresholds(model, stats, 'percentile:99.99', { model: FC, data: MNIST_TRAIN, samples: mnist.count });
    expect(f.layers.map((l) => l.scale)).toEqual([stats.get('9')!.percentile(99.99), stats.get('11')!.percentile(99.99)]);
  });

  it('does not depend on the batch size (1, 7, 64)', async () => {
    const ds = { ...mnist, count: 40, x: mnist.x.subarray(0, 40 * 784), labels: mnist.labels.subarray(0, 40) };
    const runs = await Promise.all([1, 7, 64].map((batchSize) => collectStatistics(model, ds, ['9', '11'], { batchSize, channelwise: true })));
    const [ref, ...rest] = runs;
    for (const r of rest) {
      for (const s of ['9', '11', '0']) {
        const a = r!.get(s)!;
        const b = ref!.get(s)!;
        expect(a.count).toBe(b.count);
        expect(Math.abs(a.zeros - b.zeros)).toBeLessThanOrEqual(1);
        expect(relErr(a.max, b.max)).toBeLessThan(1e-5);
        for (const p of [50, 99, 99.9]) expect(relErr(a.percentile(p), b.percentile(p))).toBeLessThan(1e-3);
        const ca = a.channelMax();
        const cb = b.channelMax();
        for (let c = 0; c < ca.length; c++) expect(Math.abs(ca[c]! - cb[c]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, cb[c]!));
      }
    }
  });

  it('rejects unknown sites and bad batch sizes', async () => {
    await expectErrorAsync(() => collectStatistics(model, mnist, ['9', 'nope', 'nada']), 'E_OPTION', '"nope", "nada"');
    await expectErrorAsync(() => collectStatistics(model, mnist, ['9'], { batchSize: 0 }), 'E_OPTION', '--batch-size 0');
    await expectErrorAsync(
      () => collectStatistics(model, { ...mnist, count: 0, x: new Float32Array(0), labels: new Int32Array(0) }, ['9']),
      'E_OPTION',
      'at least one sample',
    );
  });
});

describe('collectStatistics per channel on a conv model', () => {
  it('channel max of [N, 8, 28, 28] ReLU outputs match the raw tensor', async () => {
    const model = canonicalize(loadOnnxFile(CONV));
    const sites = reluSites(model);
    expect(sites.map((s) => [s.site, s.channels])).toEqual([
      ['ReLU32_Output_0', 8],
      ['ReLU114_Output_0', 16],
    ]);
    const ds = { ...mnist, count: 20, x: mnist.x.subarray(0, 20 * 784), labels: mnist.labels.subarray(0, 20) };
    const stats = await collectStatistics(
      model,
      ds,
      sites.map((s) => s.site),
      { channelwise: true, batchSize: 8 },
    );
    const session = await OrtSession.create(model, { extraOutputs: ['ReLU32_Output_0'] });
    const res = await session.run({ [model.graph.inputs[0]!.name]: { data: ds.x, dims: [20, 1, 28, 28] } }, ['ReLU32_Output_0']);
    await session.release();
    const t = res['ReLU32_Output_0']!;
    const want = new Float64Array(8);
    for (let n = 0; n < 20; n++) for (let c = 0; c < 8; c++) for (let j = 0; j < 784; j++) want[c] = Math.max(want[c]!, t.data[(n * 8 + c) * 784 + j]!);
    const got = stats.get('ReLU32_Output_0')!.channelMax();
    for (let c = 0; c < 8; c++) expect(relErr(got[c]!, want[c]!)).toBeLessThan(1e-5);
    expect(stats.get('ReLU32_Output_0')!.channels).toBe(8);
    expect(stats.get('ReLU114_Output_0')!.channelPercentile(99.9)).toHaveLength(16);
    expect(buildThresholds(model, stats, 'channel-percentile:99.9', { model: CONV, data: MNIST_TRAIN, samples: 20 }).layers[1]!.scale).toHaveLength(16);
  });
});
