/**
 * ANN evaluation: run the canonical graph over a dataset in batches with onnxruntime and score
 * the first graph output (logits; a final Softmax does not change the argmax).
 */
import { readSamples } from '../data/index.js';
import type { Dataset } from '../data/types.js';
import { inputSpec } from './input.js';
import { OrtSession, type Device } from './ort.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Model } from '../graph/types.js';
import { accuracyOf, argmaxRows, inTopK } from '../util/metrics.js';
import type { ProgressFn } from '../util/progress.js';

export interface AnnOptions {
  batchSize?: number;
  device?: Device;
  threads?: number;
  onProgress?: ProgressFn;
}

export interface AnnResult {
  readonly accuracy: number;
  readonly top5: number;
  readonly predictions: Int32Array;
  /** [N, K] logits of the first output. */
  readonly logits: Float32Array;
  readonly classes: number;
}

export async function evaluateAnn(model: Model, ds: Dataset, opts: AnnOptions = {}): Promise<AnnResult> {
  const { name, sampleDims } = inputSpec(model, ds);
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const bs = opts.batchSize ?? 256;
  const session = await OrtSession.create(model, { device: opts.device ?? 'cpu', ...(opts.threads ? { threads: opts.threads } : {}) });
  const outName = model.graph.outputs[0]!.name;
  let logits: Float32Array | undefined;
  let k = 0;
  try {
    for (let s = 0; s < ds.count; s += bs) {
      const e = Math.min(ds.count, s + bs);
      const data = await readSamples(ds, s, e);
      const res = await session.run({ [name]: { data, dims: [e - s, ...sampleDims] } }, [outName]);
      const out = res[outName]!;
      if (!logits) {
        k = out.data.length / (e - s);
        logits = new Float32Array(ds.count * k);
      }
      logits.set(out.data, s * k);
      opts.onProgress?.({ phase: 'ann', done: e, total: ds.count });
    }
  } finally {
    await session.release();
  }
  logits ??= new Float32Array(0);
  let maxLabel = -1;
  for (const l of ds.labels) if (l > maxLabel) maxLabel = l;
  if (maxLabel >= k) {
    throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${ds.source}: label ${maxLabel} does not fit the model output "${outName}", which has ${k} classes`, {
      file: ds.source,
      expected: `< ${k}`,
      actual: maxLabel,
    });
  }
  const predictions = argmaxRows(logits, ds.count, k);
  return {
    accuracy: accuracyOf(predictions, ds.labels),
    top5: inTopK(logits, ds.count, k, ds.labels, 5) / Math.max(ds.count, 1),
    predictions,
    logits,
    classes: k,
  };
}
