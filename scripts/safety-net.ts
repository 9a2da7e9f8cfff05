/**
 * Safety net of the op-table refactor (issue 13): for the four bundled models and a set of option
 * combinations it records, as hashes and a few readable totals, everything the conversion
 * produces — the emitted ONNX file's bytes, the NIR graph (scales folded and not), the reference
 * simulator's spike counts and readouts, onnxruntime's and the tfjs engine's counts and
 * predictions, the synaptic-operation counts, inspect's MACs, the tfjs ANN forward, one layer-wise
 * calibration and one fine-tuning run — so that a refactor can be checked to change none of them.
 *
 *   node dist/scripts/safety-net.js --write snapshot.json      # on the code before the change
 *   node dist/scripts/safety-net.js --compare snapshot.json    # after: exit 1 on any difference
 *   [--models id,…] [--only combo,…]
 *
 * Not a test (it takes minutes); run it with `nice -n 10` on a shared machine.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ThresholdsFile } from '../calibration/thresholds.js';
import { loadDataset } from '../src/data/index.js';
import type { InMemoryDataset as Dataset } from '../src/data/types.js';
import { simulateTfjs, tfjsAnn } from '../src/engine/tfjs.js';
import { inspectModel } from '../src/eval/inspect.js';
import { opsPlan, SynopsCounter } from '../src/eval/ops.js';
import type { Model } from '../src/graph/types.js';
import { loadOnnxFile } from '../src/onnx/read.js';
import { writeOnnx } from '../src/onnx/write.js';
import { toNir } from '../src/nir/export.js';
import { calibrate, convert, loadModel, refineThresholds } from '../src/pipeline.js';
import type { SnnModel } from '../src/snn/build.js';
import { qifPolynomial } from '../src/snn/poly.js';
import { simulateReference } from '../src/snn/reference.js';
import { simulateDataset } from '../src/engine/simulate.js';
import type { SnnOptions } from '../src/snn/types.js';
import { BUNDLED_MODELS, type BundledModel } from './models.js';
import { noise, syntheticA, syntheticB, syntheticC, syntheticD } from './safety-net-models.js';

type Entry = Record<string, unknown>;

const T = 12;
const CHECKPOINTS = [5, 12];

function sha(...parts: (ArrayBufferView | string)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex').slice(0, 24);
}

/** JSON with typed arrays replaced by their hash (NIR graphs, op reports). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (ArrayBuffer.isView(x)) return `#${sha(x)}`;
    if (x instanceof Map) return Object.fromEntries(x);
    return x;
  });
}

function attempt<R>(f: () => R): R | { error: string } {
  try {
    return f();
  } catch (e) {
    return { error: (e as Error).message };
  }
}

async function attemptAsync<R>(f: () => Promise<R>): Promise<R | { error: string }> {
  try {
    return await f();
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Deterministic per-channel bias and initial potentials added to a thresholds file. */
function withCorrections(th: ThresholdsFile, v0: 'in' | 'mixed'): ThresholdsFile {
  return {
    ...th,
    layers: th.layers.map((l) => {
      if (l.node === '(readout)') return l;
      const s = typeof l.scale === 'number' ? l.scale : l.scale[0]!;
      const bias = Array.from({ length: l.channels }, (_, c) => 0.01 * ((c % 5) - 2) * s);
      const v = Array.from({ length: l.channels }, (_, c) => (v0 === 'in' ? 0.1 + (0.8 * ((c * 7) % 10)) / 10 : ((c * 7) % 12) / 10 - 0.1));
      return { ...l, bias, v0: v };
    }),
  };
}

interface Combo {
  readonly id: string;
  readonly opts: Partial<SnnOptions>;
  readonly thresholds?: 'channel' | 'corrections-in' | 'corrections-mixed' | 'channel-corrections';
  /** Run at another opset (11 for models at 12 or more, 13 below): the other firing comparison of emit.ts. */
  readonly otherOpset?: boolean;
}

const QIF = qifPolynomial(0.25, 0, 0.5);
const COMBOS: readonly Combo[] = [
  { id: 'default', opts: {} },
  { id: 'step', opts: { solve: 'step' } },
  { id: 'lif', opts: { neuron: 'lif', beta: 0.9 } },
  { id: 'lif-poisson-spikes', opts: { neuron: 'lif', beta: 0.95, encoding: 'poisson', seed: 3, readout: 'spikes' } },
  { id: 'qif', opts: { neuron: 'poly', poly: QIF } },
  { id: 'poly-zero', opts: { neuron: 'poly', poly: [0, 0, 0] } },
  { id: 'reset-zero', opts: { reset: 'zero' } },
  { id: 'reset-zero-v0', opts: { reset: 'zero', vInit: 0 } },
  { id: 'poisson', opts: { encoding: 'poisson', seed: 7 } },
  { id: 'readout-spikes', opts: { readout: 'spikes' } },
  { id: 'vinit-0.3-step', opts: { vInit: 0.3, solve: 'step' } },
  { id: 'channel', opts: {}, thresholds: 'channel' },
  { id: 'channel-step', opts: { solve: 'step' }, thresholds: 'channel' },
  { id: 'corrections', opts: {}, thresholds: 'corrections-in' },
  { id: 'corrections-mixed-lif', opts: { neuron: 'lif', beta: 0.9 }, thresholds: 'corrections-mixed' },
  { id: 'qif-channel-corrections', opts: { neuron: 'poly', poly: QIF }, thresholds: 'channel-corrections' },
  { id: 'other-opset', opts: {}, otherOpset: true },
  { id: 'other-opset-step-channel', opts: { solve: 'step' }, thresholds: 'channel', otherOpset: true },
];

interface Subject {
  readonly id: string;
  readonly model: Model;
  readonly calib: Dataset;
  readonly ds: Dataset;
  /** The ONNX file, for inspect. */
  readonly file?: string;
}

function bundled(bm: BundledModel): Subject {
  const cifar = bm.id.includes('cifar');
  return {
    id: bm.id,
    model: loadModel(bm.file),
    calib: loadDataset(bm.calib, { ...bm.pre, limit: 100 }),
    ds: loadDataset(bm.test, { ...bm.pre, offset: 3, limit: cifar ? 3 : 6 }),
    file: bm.file,
  };
}

function synthetic(id: string, model: Model, shape: number[]): Subject {
  return { id, model, calib: noise(shape, 60, 1), ds: noise(shape, 5, 2) };
}

async function runCombo(model: Model, th: ThresholdsFile, c: Combo, ds: Dataset): Promise<Entry> {
  const m = c.otherOpset ? { ...model, opset: model.opset >= 12 ? 11 : 13 } : model;
  const { snn, onnx } = convert(m, th, c.opts);
  const e: Entry = {};
  const bytes = writeOnnx(onnx);
  e['onnx'] = { sha: sha(bytes), bytes: bytes.length, outerNodes: onnx.graph.nodes.length };
  e['nir'] = attempt(() => sha(canonical(toNir(snn))));
  e['nirScaleNodes'] = attempt(() => sha(canonical(toNir(snn, { foldScales: false }))));
  const ref = simulateReference(snn, ds.x, ds.count, { timesteps: T, checkpoints: CHECKPOINTS, firstSample: ds.offset ?? 0, record: { sample: 1 } });
  e['ref'] = {
    counts: sha(...ref.counts),
    totals: ref.counts.map((x) => x.reduce((a, b) => a + b, 0)),
    readouts: CHECKPOINTS.map((t) => sha(ref.readouts.get(t)!)),
    raster: sha(canonical(ref.raster)),
  };
  const ortCounts: Float32Array[] = [];
  const ort = await simulateDataset(onnx, ds, {
    timesteps: CHECKPOINTS,
    batchSize: 4,
    onCounts: (_s, _n, cs) => void ortCounts.push(...cs.map((x) => x.slice())),
  });
  e['ort'] = { counts: sha(...ortCounts), predictions: CHECKPOINTS.map((t) => Array.from(ort.predictions.get(t)!)), layerSpikes: ort.layerSpikes };
  const tfCounts: Float32Array[] = [];
  e['tfjs'] = await attemptAsync(async () => {
    const r = await simulateTfjs(snn, ds, { timesteps: CHECKPOINTS, batchSize: 4, onCounts: (_s, _n, cs) => void tfCounts.push(...cs.map((x) => x.slice())) });
    return { counts: sha(...tfCounts), predictions: CHECKPOINTS.map((t) => Array.from(r.predictions.get(t)!)), layerSpikes: r.layerSpikes };
  });
  e['ops'] = attempt(() => {
    const counter = new SynopsCounter(opsPlan(snn), T);
    counter.addBatch(ds.count, ref.counts, ds.x);
    return sha(canonical(counter.result()));
  });
  e['layers'] = sha(canonical(snn.layers));
  return e;
}

async function modelEntries(sub: Subject, combos: readonly Combo[]): Promise<Record<string, Entry>> {
  const out: Record<string, Entry> = {};
  const { id, model, calib, ds } = sub;
  const pct = await calibrate(model, calib);
  const chan = await calibrate(model, calib, { method: 'channel-percentile:99.9' });
  const thresholds = {
    channel: chan,
    'corrections-in': withCorrections(pct, 'in'),
    'corrections-mixed': withCorrections(pct, 'mixed'),
    'channel-corrections': withCorrections(chan, 'in'),
  };
  if (sub.file) out[`${id}/inspect`] = { sha: sha(canonical(inspectModel(loadOnnxFile(sub.file)))) };
  const { snn } = convert(model, pct);
  out[`${id}/tfjs-ann`] = await attemptAsync(async () => {
    const ann = await tfjsAnn(snn as SnnModel);
    const y = ann.run(ds.x, ds.count);
    ann.dispose();
    return { sha: sha(y) };
  });
  for (const c of combos) {
    const th = c.thresholds ? thresholds[c.thresholds] : pct;
    out[`${id}/${c.id}`] = await attemptAsync(() => runCombo(model, th, c, ds));
    process.stderr.write(`${id}/${c.id}\n`);
  }
  if (id === 'vnncomp21-mnistfc-256x2') {
    const small = { ...calib, count: 32, x: calib.x.subarray(0, 32 * 784), labels: calib.labels.subarray(0, 32) };
    const lw = await refineThresholds(model, pct, small, { biasCalibration: 6, potentialCalibration: 6 });
    out[`${id}/layerwise`] = { sha: sha(canonical(lw.layers)) };
    const ft = await refineThresholds(model, pct, small, { snn: { neuron: 'poly', poly: QIF }, finetune: { timesteps: 4, epochs: 1, samples: 16, seed: 2 } });
    out[`${id}/finetune`] = { sha: sha(canonical(ft.layers)) };
  }
  return out;
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diff((a as Entry)[k], (b as Entry)[k], `${path}.${k}`, out);
    return;
  }
  out.push(`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const ids = flag('--models')?.split(',');
  const only = flag('--only')?.split(',');
  const combos = only ? COMBOS.filter((c) => only.includes(c.id)) : COMBOS;
  const snapshot: Record<string, Entry> = {};
  const subjects: [string, () => Subject][] = [
    ...BUNDLED_MODELS.map((bm): [string, () => Subject] => [bm.id, () => bundled(bm)]),
    ['synthetic-a', () => synthetic('synthetic-a', syntheticA(), [2, 6, 6])],
    ['synthetic-b', () => synthetic('synthetic-b', syntheticB(), [1, 4, 4])],
    ['synthetic-c', () => synthetic('synthetic-c', syntheticC(), [2, 6, 6])],
    ['synthetic-d', () => synthetic('synthetic-d', syntheticD(), [2, 6, 6])],
  ];
  for (const [id, make] of subjects) if (!ids || ids.includes(id)) Object.assign(snapshot, await modelEntries(make(), combos));
  const write = flag('--write');
  if (write) writeFileSync(write, `${JSON.stringify(snapshot, null, 1)}\n`);
  const compare = flag('--compare');
  if (compare) {
    const base = JSON.parse(readFileSync(compare, 'utf8')) as Record<string, Entry>;
    const problems: string[] = [];
    for (const k of Object.keys(snapshot)) diff(base[k], snapshot[k], k, problems);
    console.log(problems.length ? problems.join('\n') : `identical: ${Object.keys(snapshot).length} entries`);
    if (problems.length) process.exitCode = 1;
  }
}

void main();
