/**
 * The arrangements `--engine auto` times before onnxruntime runs a file (src/engine/arrangement-probe.ts):
 * each is one entry below, a way of writing the same SNN (src/snn/emit.ts options) and of running it
 * (onnxruntime session settings). Every arrangement gives the same spike counts and readouts to the
 * last bit (test/snn/emit-unroll.test.ts, emit-layer-major.test.ts; session settings change no
 * value), so the choice among them is by measured time alone and cannot change a result.
 *
 * Why measured and not derived from shapes (README "Speed", issue 11): layer-major steps won on the
 * MNIST CNN and lost on both ResNets; 8 or 16 steps per iteration pay where a step's body is small
 * (Loop overhead per iteration) and not where the remainder Loop's second weight copy costs; thread
 * spinning wins on an idle machine and loses on a loaded one. Adding a candidate (another lowering,
 * another layout) = one entry in ARRANGEMENTS.
 */
import { availableParallelism } from 'node:os';
import type { Model } from '../graph/types.js';
import type { Arrangement } from '../snn/arrangement.js';
import type { SnnModel } from '../snn/build.js';
import { type EmitMeta, emitOnnx } from '../snn/emit.js';
import { lowerNchwc } from './nchwc.js';
import type { OrtTuning } from './ort.js';

/** What a candidate may depend on besides the SNN. */
export interface ArrangementEnv {
  /** The machine's NCHWc block size (src/engine/nchwc-probe.ts; absent: no nchwc kernels). */
  readonly nchwcBlock?: number;
  /** emitOnnx, once per option set: the default, no-spin and nchwc candidates share one emitted file. */
  readonly emit: (snn: SnnModel, meta: EmitMeta) => Model;
  /** The run's cpu threads (0: not on the cpu; worker threads do not apply). */
  readonly cpuThreads: number;
}

/** The environment for one probe: `emit` remembers the files it wrote for as long as the environment lives. */
export function arrangementEnv(nchwcBlock?: number, cpuThreads = availableParallelism()): ArrangementEnv {
  const files = new Map<string, Model>();
  const emit = (snn: SnnModel, meta: EmitMeta): Model => {
    const key = JSON.stringify(meta);
    let m = files.get(key);
    if (!m) files.set(key, (m = emitOnnx(snn, meta)));
    return m;
  };
  return { ...(nchwcBlock ? { nchwcBlock } : {}), emit, cpuThreads };
}

/** One way of emitting and running the SNN for onnxruntime. */
export interface ArrangementCandidate {
  /** Recorded in engineChoice.arrangement. */
  readonly id: string;
  /**
   * The file in this arrangement, given the SNN and the arrangement of the file asked to run (its
   * count mode is kept), or undefined where it does not apply to this model.
   */
  file(snn: SnnModel, base: Arrangement, env: ArrangementEnv): Model | undefined;
  /** onnxruntime session settings for the run (absent: the defaults). */
  readonly tuning?: OrtTuning;
}

/** The file emitted with these options over the base file's count mode; undefined when the emitter fell back to another order or k. */
function emitted(meta: EmitMeta): ArrangementCandidate['file'] {
  return (snn, base, env) => {
    // several steps per iteration only where 'auto' chose them (the weight limit of src/snn/arrangement.ts)
    if (base.stepsPerIteration === 1 && meta.stepsPerIteration !== undefined) return undefined;
    const m = env.emit(snn, { counts: base.counts, ...meta });
    const a = JSON.parse(m.metadata['onnx2snn.arrangement']!) as Arrangement;
    return (a.order ?? 'step') === (meta.order ?? 'step') ? m : undefined;
  };
}

/** The default file lowered to onnxruntime's blocked layout (src/engine/nchwc.ts), where a Loop-body convolution can be blocked. */
const nchwc: ArrangementCandidate['file'] = (snn, base, env) => {
  if (!env.nchwcBlock) return undefined;
  const l = lowerNchwc(env.emit(snn, { counts: base.counts }), env.nchwcBlock);
  return l.blockedConvs > 0 ? l.model : undefined;
};

/** A candidate's file on two worker threads (each a 1-thread session on half of each batch), where the run has two cpu threads or more to give one each. */
const workersOf =
  (file: ArrangementCandidate['file']): ArrangementCandidate['file'] =>
  (snn, base, env) =>
    env.cpuThreads >= 2 ? file(snn, base, env) : undefined;

/**
 * The first entry is the default arrangement (what `emitOnnx(snn)` writes): the probe's fallback.
 * Ids as the variants of `npm run bench:levers` (k8 = 8 steps per iteration, layer = layer-major
 * order, no-spin = onnxruntime's intra-op threads sleep instead of spinning when idle, nchwc = the
 * Loop body in onnxruntime's blocked layout, as `--engine nchwc` runs it, workers2 = the default
 * file on two worker threads, each a session with half the threads on half of each batch,
 * src/engine/ort-shards.ts; workers2-k8 and workers2-nchwc = those files on the two workers,
 * README speed row 9).
 */
export const ARRANGEMENTS: readonly ArrangementCandidate[] = [
  { id: 'default', file: emitted({}) },
  { id: 'k8', file: emitted({ stepsPerIteration: 8 }) },
  { id: 'k16', file: emitted({ stepsPerIteration: 16 }) },
  { id: 'layer', file: emitted({ order: 'layer' }) },
  { id: 'layer-k16', file: emitted({ order: 'layer', stepsPerIteration: 16 }) },
  { id: 'no-spin', file: emitted({}), tuning: { allowSpinning: false } },
  { id: 'nchwc', file: nchwc },
  { id: 'workers2', file: workersOf(emitted({})), tuning: { workers: 2 } },
  { id: 'workers2-k8', file: workersOf(emitted({ stepsPerIteration: 8 })), tuning: { workers: 2 } },
  { id: 'workers2-nchwc', file: workersOf(nchwc), tuning: { workers: 2 } },
];
