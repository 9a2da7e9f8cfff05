/**
 * The SNN engines, by id, and `--engine auto`. Adding an engine = one file in src/engine/engines/
 * (an SnnEngine) and one line in ENGINES below. Auto asks each available engine with an
 * `estimate` for its time relative to onnxruntime running the file and runs the lowest (ties: the
 * earlier in ENGINES); the choice and the estimates are returned with the result (eval JSON
 * "engineChoice"). When that is onnxruntime, the arrangement it runs is timed among the candidates
 * of src/engine/arrangements.ts (src/engine/arrangement-probe.ts), since shapes cannot tell.
 */
import type { Dataset } from '../data/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import { eventsEngine } from './engines/events.js';
import { nchwcEngine } from './engines/nchwc.js';
import { onnxruntimeEngine } from './engines/onnxruntime.js';
import { tfjsEngine } from './engines/tfjs.js';
import type { ChoiceContext, EngineInput, EngineRunOptions, SnnEngine } from './engines/types.js';
import type { EngineChoice } from './snn-file.js';
import { chooseArrangement } from './arrangement-probe.js';

export type { ChoiceContext, EngineInput, EngineRunOptions, SnnEngine } from './engines/types.js';

const ENGINES: readonly SnnEngine[] = [onnxruntimeEngine, nchwcEngine, tfjsEngine, eventsEngine];

/** Samples and steps of the spike-rate probe (ChoiceContext.spikeRates): enough for rates to 1/(32·32). */
export const PROBE_SAMPLES = 32;
export const PROBE_STEPS = 32;

export function listEngines(): readonly SnnEngine[] {
  return ENGINES;
}

/** The values --engine takes: 'auto' and every registered id. */
export function engineIds(): [string, ...string[]] {
  return ['auto', ...ENGINES.map((e) => e.id)];
}

/** The engine of an id; E_OPTION naming the valid ones otherwise. */
export function engineById(id: string): SnnEngine {
  const e = ENGINES.find((x) => x.id === id);
  if (!e)
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--engine ${JSON.stringify(id)}: unknown engine; valid: ${engineIds().join(', ')}`, {
      option: 'engine',
      actual: id,
      valid: engineIds(),
    });
  return e;
}

function probeContext(input: EngineInput, ds: Dataset, opts: EngineRunOptions, bestSoFar: () => number): ChoiceContext {
  let rates: Promise<readonly number[]> | undefined;
  const probe = async (): Promise<readonly number[]> => {
    const n = Math.min(ds.count, PROBE_SAMPLES);
    const T = Math.min(Math.max(...opts.timesteps), PROBE_STEPS);
    const head: Dataset = { ...ds, count: n, labels: ds.labels.subarray(0, n) };
    const r = await onnxruntimeEngine.simulate(input, head, {
      timesteps: [T],
      batchSize: n,
      ...(opts.device ? { device: opts.device } : {}),
      ...(opts.threads ? { threads: opts.threads } : {}),
    });
    return r.layerSpikes.map((s, i) => s / (r.layerNeurons[i]! * n * T));
  };
  return {
    input,
    opts,
    spikeRates: () => (rates ??= probe()),
    bestSoFar,
  };
}

/** What runs: the engine, why, and the input and options it runs with (under 'auto', onnxruntime's may be another arrangement's file). */
export interface EngineRun {
  readonly engine: SnnEngine;
  readonly choice: EngineChoice;
  readonly input: EngineInput;
  readonly opts: EngineRunOptions;
}

/**
 * Which engine runs: the one asked for (checked), or for 'auto' the lowest estimate among
 * `candidates` (default: the registry; another list lets a test add an engine); when that is
 * onnxruntime, the arrangement it runs is measured (src/engine/arrangement-probe.ts).
 */
export async function chooseEngine(
  requested: string,
  input: EngineInput,
  ds: Dataset,
  opts: EngineRunOptions,
  candidates: readonly SnnEngine[] = ENGINES,
): Promise<EngineRun> {
  if (requested !== 'auto') {
    const engine = candidates.find((e) => e.id === requested) ?? engineById(requested);
    const why = engine.unavailable(input, opts);
    if (why) throw new Onnx2SnnError(ErrorCodes.OPTION, `--engine ${requested}: not available here: ${why}`, { option: 'engine', actual: requested });
    return { engine, choice: { engine: engine.id, requested, reason: 'given' }, input, opts };
  }
  // a given onnxruntime session says which engine runs
  if (opts.session)
    return { engine: onnxruntimeEngine, choice: { engine: onnxruntimeEngine.id, requested, reason: 'an onnxruntime session was given' }, input, opts };
  const estimates: Record<string, number> = {};
  let best: SnnEngine = onnxruntimeEngine;
  const ctx = probeContext(input, ds, opts, () => estimates[best.id] ?? Number.POSITIVE_INFINITY);
  for (const e of candidates) {
    if (!e.estimate || e.unavailable(input, opts)) continue;
    const t = await e.estimate(ctx);
    if (t === undefined || !Number.isFinite(t)) continue;
    estimates[e.id] = t;
    if (t < (estimates[best.id] ?? Number.POSITIVE_INFINITY)) best = e;
  }
  const list = Object.entries(estimates)
    .map(([k, v]) => `${k} ${v.toPrecision(3)}`)
    .join(', ');
  const choice = { engine: best.id, requested, reason: `lowest estimated time relative to onnxruntime (${list})`, estimates };
  if (best !== onnxruntimeEngine) return { engine: best, choice, input, opts };
  const a = await chooseArrangement(input, ds, opts);
  return { engine: best, choice: { ...choice, arrangement: a.choice }, input: a.input, opts: a.tuning ? { ...opts, tuning: a.tuning } : opts };
}
