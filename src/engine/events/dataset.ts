/**
 * The events engine over a dataset (`--engine events`): batches of samples, each split over worker
 * threads, one simulation of the largest T per batch with the readout kept at every requested T.
 * Returns what the onnxruntime engine returns (src/engine/simulate.ts), plus the synaptic
 * operations the kernels did and each kernel-run node's measured event rate.
 */
import { availableParallelism } from 'node:os';
import { fitToInput, readSamples } from '../../data/index.js';
import type { Dataset } from '../../data/types.js';
import type { SnnModel } from '../../snn/build.js';
import { argmaxRows } from '../../util/metrics.js';
import type { ProgressFn } from '../../util/progress.js';
import type { SnnRunResult } from '../simulate.js';
import { EventsPool } from './pool.js';

export interface EventsRunOptions {
  readonly timesteps: readonly number[];
  readonly batchSize?: number;
  /** Worker threads (default: the machine's cores). */
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
  readonly onCounts?: (start: number, n: number, counts: readonly Float32Array[], events?: readonly (Float32Array | undefined)[]) => void | Promise<void>;
}

/** A kernel-run node's events per input element and step over the run (its input's spike rate). */
export interface EventRate {
  readonly node: string;
  readonly kind: 'conv' | 'gemm' | 'if' | 'pool';
  readonly rate: number;
}

export interface EventsRunResult extends SnnRunResult {
  /** Synaptic operations of the event-driven Conv/Gemm kernels at the largest T, all samples (counted). */
  readonly synops: number;
  readonly rates: EventRate[];
  readonly threads: number;
}

export async function simulateEvents(snn: SnnModel, ds: Dataset, opts: EventsRunOptions): Promise<EventsRunResult> {
  const ts = [...new Set(opts.timesteps)].sort((a, b) => a - b);
  const T = ts[ts.length - 1]!;
  fitToInput(ds, [1, ...snn.inputDims]); // E_SHAPE when the samples do not fit the input
  const K = snn.readoutDims.reduce((a, b) => a * b, 1);
  const bs = opts.batchSize ?? 64;
  const pool = new EventsPool(snn, opts.threads ?? availableParallelism());
  const predictions = new Map(ts.map((t) => [t, new Int32Array(ds.count)]));
  const layerNeurons = snn.layers.map((l) => l.dims.reduce((a, b) => a * b, 1));
  const layerSpikes = snn.layers.map(() => 0);
  const tally = new Map<string, { kind: EventRate['kind']; events: number; inputs: number }>();
  let synops = 0;
  try {
    for (let s = 0; s < ds.count; s += bs) {
      const n = Math.min(ds.count, s + bs) - s;
      const shards = await pool.run(await readSamples(ds, s, s + n), n, { timesteps: T, checkpoints: ts, firstSample: (ds.offset ?? 0) + s });
      let row = s;
      for (const r of shards) {
        const m = r.readouts.get(T)!.length / K;
        for (const t of ts) predictions.get(t)!.set(argmaxRows(r.readouts.get(t)!, m, K), row);
        row += m;
        synops += r.synops;
        // a pool has no events of its own: its input's are its source layer's spikes
        for (const st of r.nodes.filter((x) => x.kind !== 'pool')) {
          const e = tally.get(st.node) ?? { kind: st.kind, events: 0, inputs: 0 };
          e.events += st.events;
          e.inputs += st.perSample * m * T;
          tally.set(st.node, e);
        }
      }
      const counts = snn.layers.map((_, i) => concat(shards.map((r) => r.counts[i]!)));
      counts.forEach((c, i) => (layerSpikes[i]! += c.reduce((a, b) => a + b, 0)));
      const events = snn.layers.map((_, i) => (shards[0]!.events[i] ? concat(shards.map((r) => r.events[i]!)) : undefined));
      await opts.onCounts?.(s, n, counts, events);
      opts.onProgress?.({ phase: 'simulate', done: s + n, total: ds.count, detail: `T=${T} events` });
    }
  } finally {
    await pool.close();
  }
  const rates = [...tally].map(([node, e]) => ({ node, kind: e.kind, rate: e.inputs > 0 ? e.events / e.inputs : 0 }));
  return { predictions, layerSpikes, layerNeurons, timesteps: T, synops, rates, threads: pool.threads };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
