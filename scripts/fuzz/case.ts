/**
 * One fuzz case: mutated ONNX bytes through every stage a user reaches (inspect, load, calibrate,
 * convert + write + re-read, compare in onnxruntime, the reference simulator) on a tiny seeded
 * dataset. The outcome is 'ok', the typed error's code, or 'untyped' with the stack: the only
 * acceptable outcomes are 'ok' and a code.
 */
import { isOnnx2SnnError } from '../../src/errors.js';
import { compareAnnSnn } from '../../src/eval/compare.js';
import { inspectModel } from '../../src/eval/inspect.js';
import { canonicalize } from '../../src/graph/passes/index.js';
import type { Model } from '../../src/graph/types.js';
import type { InMemoryDataset } from '../../src/data/types.js';
import { readOnnx } from '../../src/onnx/read.js';
import { writeOnnx } from '../../src/onnx/write.js';
import { calibrate, convert } from '../../src/pipeline.js';
import { prepareForConversion } from '../../src/snn/prepare.js';
import { simulateReference } from '../../src/snn/reference.js';
import { mulberry32 } from '../../src/util/random.js';
import { mutate } from './mutate.js';

export const STAGES = ['inspect', 'load', 'calibrate', 'convert', 'compare', 'reference'] as const;
export type Stage = (typeof STAGES)[number];

export interface CaseOutcome {
  /** 'ok', an error code (E_…), or 'untyped'. */
  readonly outcome: string;
  /** The stage that failed (absent for 'ok'). */
  readonly stage?: Stage;
  readonly message?: string;
}

/** `samples` seeded inputs shaped like the unmutated model's input (the mutated one may disagree: a typed error). */
export function fuzzDataset(original: Model, samples = 2, seed = 1): InMemoryDataset {
  const dims = (original.graph.inputs[0]?.shape ?? []).slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const per = dims.reduce((a, b) => a * b, 1);
  const rng = mulberry32(seed);
  return {
    source: 'fuzz',
    format: 'npz',
    count: samples,
    sampleShape: dims,
    x: Float32Array.from({ length: samples * per }, () => rng()),
    labels: new Int32Array(samples),
  };
}

/** Runs every stage in order; stops at the first error. */
export async function runCase(bytes: Uint8Array, ds: InMemoryDataset, stages: readonly Stage[] = STAGES): Promise<CaseOutcome> {
  let stage: Stage = 'inspect';
  const want = new Set(stages);
  try {
    const raw = readOnnx(bytes, 'fuzz.onnx');
    inspectModel(raw);
    if (!want.has('load')) return { outcome: 'ok' };
    stage = 'load';
    const model = prepareForConversion(canonicalize(raw));
    if (!want.has('calibrate')) return { outcome: 'ok' };
    stage = 'calibrate';
    const thresholds = await calibrate(model, ds, { batchSize: 2, threads: 1 });
    if (!want.has('convert')) return { outcome: 'ok' };
    stage = 'convert';
    const { snn, onnx } = convert(model, thresholds);
    const reread = readOnnx(writeOnnx(onnx), 'fuzz.snn.onnx');
    if (!want.has('compare')) return { outcome: 'ok' };
    stage = 'compare';
    await compareAnnSnn(model, reread, ds, { timesteps: [2], batchSize: 2, threads: 1, snn });
    if (!want.has('reference')) return { outcome: 'ok' };
    stage = 'reference';
    simulateReference(snn, ds.x, ds.count, { timesteps: 2 });
    return { outcome: 'ok' };
  } catch (e) {
    if (isOnnx2SnnError(e)) return { outcome: e.code, stage, message: e.message };
    return { outcome: 'untyped', stage, message: (e as Error)?.stack ?? String(e) };
  }
}

export const DEFAULT_MODELS = [
  'fixtures/models/onnx-zoo-mnist-12.onnx',
  'fixtures/models/vnncomp21-verivital-convnet_maxpool.onnx',
  'fixtures/models/vnncomp21-mnistfc-256x2.onnx',
  'fixtures/models/vnncomp21-cifar10-resnet_2b.onnx',
];

/** Case i's mutated bytes: the model i mod M, 1–2 stacked mutations, all from (seed, i). */
export function fuzzCase(originals: readonly Uint8Array[], seed: number, i: number): { bytes: Uint8Array; kinds: string[]; model: number } {
  const rng = mulberry32((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
  const model = i % originals.length;
  let bytes = originals[model]!;
  const kinds: string[] = [];
  for (let k = rng() < 0.8 ? 1 : 2; k > 0; k--) {
    try {
      const m = mutate(bytes, rng);
      bytes = m.bytes;
      kinds.push(m.kind);
    } catch {
      kinds.push('undecodable'); // a byte edit made a file the proto edit cannot decode: keep the bytes
    }
  }
  return { bytes, kinds, model };
}
