/**
 * Executes a Graph with onnxruntime-node: the Graph is encoded by our own writer and run in an
 * InferenceSession. Intermediate tensors can be requested as extra graph outputs (calibration).
 */
import * as ort from 'onnxruntime-node';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { Model, Tensor, ValueInfo } from '../graph/types.js';
import { writeOnnx } from '../onnx/write.js';
import type { OrtShards } from './ort-shards.js';

export type Device = 'cpu' | 'webgpu' | 'cuda';

export interface SessionOptions {
  device?: Device;
  /** Intra-op threads; default: onnxruntime's choice (all cores). */
  threads?: number;
  /** Tensor names to expose as extra outputs (e.g. ReLU outputs for calibration). */
  extraOutputs?: readonly string[];
  /** onnxruntime session settings other than the defaults (measured in `npm run bench:levers`; results do not depend on them). */
  tuning?: OrtTuning;
}

/** The session settings the speed levers try (onnxruntime's defaults otherwise; graph optimisation 'all'). */
export interface OrtTuning {
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly enableCpuMemArena?: boolean;
  readonly enableMemPattern?: boolean;
  readonly executionMode?: 'sequential' | 'parallel';
  /** Inter-op threads (the parallel executor's pool). */
  readonly interOpNumThreads?: number;
  /** `session.intra_op.allow_spinning` (onnxruntime's default: true): idle intra-op threads spin instead of sleeping. */
  readonly allowSpinning?: boolean;
  /**
   * Data-parallel run (src/engine/ort-shards.ts, device cpu): each batch cut into this many
   * contiguous slices of samples, one per worker thread, each thread holding its own session of
   * the file with `threads / workers` intra-op threads (at least 1). Absent or 1: one session.
   */
  readonly workers?: number;
}

export interface Feed {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * onnxruntime's own log lines (initializer clean-up warnings, shape-merge notes, the provider's
 * error before we throw our typed one) are not actionable for a user: only fatal ones are let
 * through, unless ONNX2SNN_ORT_LOG names a level (verbose, info, warning, error, fatal) to debug.
 */
const ORT_LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;
const wanted = ORT_LEVELS.indexOf(process.env['ONNX2SNN_ORT_LOG'] as (typeof ORT_LEVELS)[number]);
const LOG_LEVEL = wanted >= 0 ? wanted : 4;
ort.env.logLevel = ORT_LEVELS[LOG_LEVEL]!;

/**
 * onnxruntime's message as one line: without its status prefix, C++ source locations and the
 * lines after the first ("[ONNXRuntimeError] : 1 : FAIL : Load model … failed:/src/graph.cc:12 X" → "X").
 */
export function ortCause(message: string): string {
  let m = (message.split('\n').find((l) => l.trim()) ?? message).trim();
  m = m.replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '');
  m = m.replace(/^Load model from .*? failed:\s*/, '');
  m = m.replace(/\S*\/[\w.-]+\.(cc|h|cpp):\d+\s+(\S+\s+)?/g, '');
  m = m.replace(/\s+/g, ' ').trim();
  return m.length > 300 ? `${m.slice(0, 297)}…` : m;
}

function executionProviders(device: Device): ort.InferenceSession.SessionOptions['executionProviders'] {
  switch (device) {
    case 'cpu':
      return ['cpu'];
    case 'webgpu':
      return ['webgpu'];
    case 'cuda':
      return ['cuda'];
  }
}

export class OrtSession {
  private constructor(
    private readonly session: ort.InferenceSession | undefined,
    readonly outputNames: readonly string[],
    readonly device: Device,
    private readonly source: string,
    /** The data-parallel run's workers (OrtTuning.workers), in place of a session in this thread. */
    private readonly shards?: OrtShards,
  ) {}

  static async create(model: Model, opts: SessionOptions = {}): Promise<OrtSession> {
    const device = opts.device ?? 'cpu';
    let m = model;
    if (opts.extraOutputs?.length) {
      const have = new Set(m.graph.outputs.map((o) => o.name));
      const extra: ValueInfo[] = opts.extraOutputs.filter((n) => !have.has(n)).map((name) => ({ name, dtype: 'float32' }));
      m = { ...m, graph: { ...m.graph, outputs: [...m.graph.outputs, ...extra] } };
    }
    const bytes = writeOnnx(m);
    const { workers, ...tuning } = opts.tuning ?? {};
    if ((workers ?? 1) > 1) {
      if (device !== 'cpu')
        throw new Onnx2SnnError(ErrorCodes.OPTION, `onnxruntime worker threads run on the cpu only, not --device ${device}`, {
          option: 'device',
          actual: device,
        });
      const { OrtShards } = await import('./ort-shards.js');
      const shards = await OrtShards.open(m, bytes, workers!, { ...opts, tuning });
      return new OrtSession(undefined, shards.outputNames, device, model.source ?? 'model', shards);
    }
    return OrtSession.fromBytes(bytes, { ...opts, tuning }, model.source);
  }

  /** A session in this thread of an encoded file (the workers of src/engine/ort-shards.ts open theirs so); `opts.tuning.workers` does not apply. */
  static async fromBytes(bytes: Uint8Array, opts: Omit<SessionOptions, 'extraOutputs'>, source = 'model'): Promise<OrtSession> {
    const device = opts.device ?? 'cpu';
    const so: ort.InferenceSession.SessionOptions = {
      executionProviders: executionProviders(device),
      graphOptimizationLevel: 'all',
      logSeverityLevel: LOG_LEVEL as 0 | 1 | 2 | 3 | 4,
    };
    const { allowSpinning, workers: _, ...tuning } = opts.tuning ?? {};
    Object.assign(so, tuning);
    if (allowSpinning !== undefined) so.extra = { session: { intra_op: { allow_spinning: allowSpinning ? '1' : '0' } } };
    if (opts.threads) {
      so.intraOpNumThreads = opts.threads;
      so.interOpNumThreads = opts.tuning?.interOpNumThreads ?? 1;
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, so);
    } catch (e) {
      const msg = ortCause((e as Error).message);
      if (device !== 'cpu') {
        throw new Onnx2SnnError(
          ErrorCodes.OPTION,
          `--device ${device}: onnxruntime could not start the ${device} execution provider (${msg})${device === 'cuda' ? '; install onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 and CUDA 12' : ''}`,
          {
            option: 'device',
            actual: device,
          },
        );
      }
      throw new Onnx2SnnError(ErrorCodes.RUNTIME, `${source}: onnxruntime rejected the graph: ${msg}`, {
        file: source,
        cause: (e as Error).message,
      });
    }
    return new OrtSession(session, session.outputNames, device, source);
  }

  get inputNames(): readonly string[] {
    return this.shards?.inputNames ?? this.session!.inputNames;
  }

  async run(feeds: Record<string, Feed | Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.shards) return this.shards.run(feeds, outputs);
    return this.runHere(this.session!, feeds, outputs);
  }

  private async runHere(session: ort.InferenceSession, feeds: Record<string, Feed | Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) {
      if ('dtype' in v && v.dtype !== 'float32') {
        if (v.dtype === 'int64')
          f[k] = new ort.Tensor(
            'int64',
            BigInt64Array.from(v.data, (x) => BigInt(x)),
            [...v.dims],
          );
        else if (v.dtype === 'float64') f[k] = new ort.Tensor('float64', v.data instanceof Float64Array ? v.data : Float64Array.from(v.data), [...v.dims]);
        else f[k] = new ort.Tensor('int32', Int32Array.from(v.data), [...v.dims]);
      } else f[k] = new ort.Tensor('float32', v.data as Float32Array, [...v.dims]);
    }
    let res: ort.InferenceSession.OnnxValueMapType;
    try {
      res = outputs ? await session.run(f, [...outputs]) : await session.run(f);
    } catch (e) {
      throw new Onnx2SnnError(ErrorCodes.RUNTIME, `${this.source}: onnxruntime failed while running the graph: ${ortCause((e as Error).message)}`, {
        file: this.source,
        cause: (e as Error).message,
      });
    }
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(res)) {
      const t = v as ort.Tensor;
      const dims = t.dims.map(Number);
      if (t.type === 'float32') out[k] = { dtype: 'float32', dims, data: t.data as Float32Array };
      else if (t.type === 'int64') out[k] = { dtype: 'int64', dims, data: Float64Array.from(t.data as BigInt64Array, (x) => Number(x)) };
      else if (t.type === 'bool' || t.type === 'uint8' || t.type === 'int32' || t.type === 'float64')
        out[k] = { dtype: t.type === 'float64' ? 'float64' : (t.type as 'int32'), dims, data: Float64Array.from(t.data as ArrayLike<number>) };
      else throw new Onnx2SnnError(ErrorCodes.RUNTIME, `output ${k} has unsupported type ${t.type}`, { output: k });
    }
    return out;
  }

  async release(): Promise<void> {
    await this.shards?.close();
    await this.session?.release();
  }
}
