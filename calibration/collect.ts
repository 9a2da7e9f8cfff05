/**
 * Runs the ANN once over the calibration set with onnxruntime, exposing the site tensors (ReLU
 * outputs) as extra graph outputs, and streams every batch into a SiteStats per site. The model
 * input is recorded too, as |x| (keyed by the input name), for input encoders.
 */
import { readSamples } from '../src/data/batches.js';
import type { Dataset } from '../src/data/types.js';
import { OrtSession, type Device } from '../src/engine/ort.js';
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import { inputSpec } from '../src/engine/input.js';
import type { ProgressFn } from '../src/util/progress.js';
import type { Model } from '../src/graph/types.js';
import { SiteStats } from './stats.js';

export interface CollectOptions {
  /** Samples per onnxruntime run; default 64. Results do not depend on it (up to onnxruntime's own float rounding). */
  batchSize?: number;
  /** Also keep per-channel statistics (needed by the channel-* methods). */
  channelwise?: boolean;
  /** Sites whose statistics are of |a| (linear sites, whose signal has both signs). */
  absSites?: readonly string[];
  /** Called after every batch with phase 'calibrate'. */
  onProgress?: ProgressFn;
  device?: Device;
  threads?: number;
}

/**
 * Statistics of `sites` (tensor names of `model`) over every sample of `ds`, plus the statistics
 * of |input| under the input's name. Throws E_OPTION for unknown sites or a bad batch size.
 */
export async function collectStatistics(model: Model, ds: Dataset, sites: readonly string[], opts: CollectOptions = {}): Promise<Map<string, SiteStats>> {
  const bs = opts.batchSize ?? 64;
  if (!Number.isInteger(bs) || bs < 1) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--batch-size ${String(bs)}: expected a positive integer`, { option: 'batch-size', actual: bs });
  }
  if (ds.count < 1) {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `${ds.source}: calibration needs at least one sample, the dataset has none`, { file: ds.source, actual: 0 });
  }
  const { name: inputName, sampleDims } = inputSpec(model, ds);
  const produced = new Set(model.graph.nodes.flatMap((n) => n.outputs));
  const unique = [...new Set(sites)];
  const unknown = unique.filter((s) => !produced.has(s));
  if (unknown.length) {
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `${model.source ?? 'model'}: no node produces the calibration site${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s}"`).join(', ')}`,
      {
        file: model.source,
        actual: unknown,
      },
    );
  }
  const channelwise = opts.channelwise ?? false;
  const stats = new Map<string, SiteStats>();
  const abs = new Set(opts.absSites ?? []);
  for (const s of unique) stats.set(s, new SiteStats({ channelwise, abs: abs.has(s) }));
  const inputStats = new SiteStats({ channelwise, abs: true });
  const per = sampleDims.reduce((a, b) => a * b, 1);
  const session = await OrtSession.create(model, {
    device: opts.device ?? 'cpu',
    ...(opts.threads ? { threads: opts.threads } : {}),
    extraOutputs: unique,
  });
  try {
    for (let s = 0; s < ds.count; s += bs) {
      const e = Math.min(ds.count, s + bs);
      const data = await readSamples(ds, s, e);
      const dims = [e - s, ...sampleDims];
      inputStats.add(data, dims);
      if (unique.length) {
        const res = await session.run({ [inputName]: { data, dims } }, unique);
        for (const site of unique) {
          const t = res[site];
          if (!t || t.dtype !== 'float32') {
            throw new Onnx2SnnError(ErrorCodes.RUNTIME, `onnxruntime returned ${t ? `a ${t.dtype}` : 'no'} tensor for the calibration site "${site}"`, {
              site,
            });
          }
          stats.get(site)!.add(t.data, t.dims);
        }
      }
      opts.onProgress?.({ phase: 'calibrate', done: e, total: ds.count });
    }
  } finally {
    await session.release();
  }
  stats.set(inputName, inputStats); // no node produces a graph input, so it never collides with a site
  return stats;
}
