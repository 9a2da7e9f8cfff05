/**
 * The emitted arrangement (issue 11, lever 4: chosen automatically): where each layer's spike
 * count comes from and how many time steps one Loop iteration runs, recorded in the file's
 * metadata (`onnx2snn.arrangement`) so that a run can say what it ran. Every arrangement gives
 * the same spike counts and readouts to the last bit (test/snn/emit-recover.test.ts,
 * test/snn/emit-unroll.test.ts); only the time differs.
 *
 * 'auto' steps per iteration: AUTO_STEPS_PER_ITERATION, measured with `npm run bench -- --unroll
 * 1,2,4` (README, "Speed"), unless the Loop body's weights exceed UNROLL_WEIGHT_LIMIT: the
 * remainder Loop holds its own copy of them (and onnxruntime prepacks each), so a large network
 * would pay twice the weight memory for a per-iteration saving that its long steps make negligible.
 */
import type { Tensor } from '../graph/types.js';
import type { CountMode } from './emit-recover.js';

export const AUTO_STEPS_PER_ITERATION = 4;
export const UNROLL_WEIGHT_LIMIT = 32 * 2 ** 20;

export interface Arrangement {
  /** The requested count mode (layers where recovery does not apply count every step). */
  readonly counts: CountMode;
  /** Per layer: 'recovered' after the Loop, 'stepped' every step, or 'closed-form'. */
  readonly layerCounts: readonly ('recovered' | 'stepped' | 'closed-form')[];
  readonly stepsPerIteration: number;
  /** Whether stepsPerIteration was chosen here ('auto') or given. */
  readonly chosen: 'auto' | 'given';
  /** 'layer' when the k steps run layer-major (src/snn/emit-layer-major.ts); absent: step by step. */
  readonly order?: StepOrder;
}

/** The order of the k steps of one Loop iteration (EmitMeta.order). */
export type StepOrder = 'step' | 'layer';

/** Steps per Loop iteration for a request ('auto' or absent: from the body's weight bytes). */
export function stepsPerIteration(requested: number | 'auto' | undefined, bodyInits: ReadonlyMap<string, Tensor>): { k: number; chosen: 'auto' | 'given' } {
  if (typeof requested === 'number') return { k: requested, chosen: 'given' };
  let bytes = 0;
  for (const t of bodyInits.values()) bytes += t.data.byteLength;
  return { k: bytes <= UNROLL_WEIGHT_LIMIT ? AUTO_STEPS_PER_ITERATION : 1, chosen: 'auto' };
}
