/**
 * `--engine auto`'s measured choice of arrangement (issue 11): before onnxruntime runs a file whose
 * arrangement was chosen automatically, each candidate of src/engine/arrangements.ts is emitted and
 * timed on the dataset's first batch for a few steps: a screening round paired with the default,
 * then rounds in which the default and the fastest few run once each (this machine drifts by ±50 %
 * within seconds: each run is taken over its round's median), and the one with the lowest time
 * relative to the default runs. The results are the same whichever runs (each arrangement's test), so timing
 * noise can only cost speed, never change a count; a candidate must beat the default by
 * SWITCH_MARGIN to replace it, so that noise alone rarely moves the choice.
 *
 * The probe costs about `probeWorkPerStep(candidates, batch) × steps` sample·steps plus one or
 * two sessions per candidate: it runs only when the run is at least PROBE.minRunFactor times that
 * at PROBE.steps (`arrangementProbe: 'always'` forces it, 'off' skips it), and once per file and
 * setting (cached). Each timed run lasts at least PROBE.minRunMs where the run's work allows
 * (more steps per run, still under 1/minRunFactor of the run's work; 'always': up to T): runs of
 * 50 ms on a fast network were mostly noise (resnet_2b's 33-step runs ranged 43–113 ms within one
 * probe, and workers2 measured 1.34× the default there while it ran 0.82× on 129-step runs).
 */
import { availableParallelism } from 'node:os';
import type { Dataset } from '../data/types.js';
import type { Model } from '../graph/types.js';
import type { Arrangement } from '../snn/arrangement.js';
import { ARRANGEMENTS, type ArrangementCandidate, type ArrangementEnv, arrangementEnv } from './arrangements.js';
import type { EngineInput, EngineRunOptions } from './engines/types.js';
import { nchwcBlockSize } from './nchwc-probe.js';
import { OrtSession, type OrtTuning } from './ort.js';
import { simulateOrt } from './ort-run.js';
import type { ArrangementChoice } from './snn-file.js';

/**
 * The fewest steps per timed run (2·16 + 1: whole iterations of every k tried, and one remainder
 * step; longer runs stay 16·m + 1), rounds per candidate, the run/probe work ratio below which it is
 * skipped, the most samples timed (the candidates' sessions are open together: at most a batch of 64
 * keeps the probe's memory at that of a batch-64 run whatever the run's batch), and the duration a
 * timed run should reach.
 */
export const PROBE = { steps: 33, rounds: 5, finalists: 3, minRunFactor: 10, maxSamples: 64, minRunMs: 150 } as const;
/** A candidate replaces the default only when its time relative to the default is below this. */
export const SWITCH_MARGIN = 0.95;

/** What the onnxruntime engine runs: the file (replaced by the chosen arrangement's) and its session settings. */
export interface ArrangedRun {
  readonly input: EngineInput;
  readonly tuning?: OrtTuning;
  readonly choice: ArrangementChoice;
}

const cache = new WeakMap<Model, Map<string, { id: string; file: Model; tuning?: OrtTuning; choice: ArrangementChoice }>>();

const probeSamples = (ds: Dataset, opts: EngineRunOptions): number => Math.min(ds.count, opts.batchSize ?? 64, PROBE.maxSamples);

/** The middle value; the mean of the two middle ones for an even count. */
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Sample·steps the probe runs per step of a timed run: per candidate but the default, a warm-up and
 * a screening round of two runs; per finalist a warm-up, and PROBE.rounds rounds in which the
 * default and every finalist run once.
 */
export const probeWorkPerStep = (nCandidates: number, n: number): number => {
  const f = Math.min(PROBE.finalists, nCandidates - 1);
  return ((nCandidates - 1) * 3 + f + (f + 1) * PROBE.rounds) * n;
};

/**
 * Each finalist's score from rounds in which the default and every finalist ran once
 * (`times[i][r]`): the median over rounds of its time over that round's median time. A round's
 * median moves with the machine's drift and ignores one erratic run in it, so neither the drift nor
 * one slow run of the default (to which a paired ratio divides every candidate) moves the scores.
 */
export function roundScores(times: readonly (readonly number[])[]): number[] {
  const rounds = times[0]?.length ?? 0;
  const norm = Array.from({ length: rounds }, (_, r) => median(times.map((t) => t[r]!)));
  return times.map((t) => median(t.map((x, r) => x / norm[r]!)));
}

/**
 * Steps per timed run: 16·m + 1 ≥ PROBE.steps, enough for PROBE.minRunMs at the default's measured
 * ms per step, at most `most` (the run's T, or the work limit), never under PROBE.steps.
 */
export function probeSteps(msPerStep: number, most: number): number {
  const want = Math.ceil((PROBE.minRunMs / Math.max(msPerStep, 1e-6) - 1) / 16) * 16 + 1;
  const cap = Math.floor((most - 1) / 16) * 16 + 1;
  return Math.max(PROBE.steps, Math.min(want, cap));
}

/** The most steps per timed run that keep the probe's work under 1/minRunFactor of the run's (T steps of every sample). */
const stepBudget = (ds: Dataset, T: number, nCandidates: number, n: number): number =>
  Math.floor((ds.count * T) / (PROBE.minRunFactor * probeWorkPerStep(nCandidates, n)));

/** Why the file runs as it is, or undefined when the probe runs. */
function skipReason(input: EngineInput, ds: Dataset, opts: EngineRunOptions, nCandidates: number): string | undefined {
  if (opts.arrangementProbe === 'off') return 'probe off (arrangementProbe)';
  if (opts.session) return 'an onnxruntime session was given';
  if (!input.snn) return 'the file alone (no SNN description to re-emit)';
  const a = input.file.metadata['onnx2snn.arrangement'];
  if (!a || (JSON.parse(a) as Arrangement).chosen !== 'auto') return "the file's arrangement was given";
  if (opts.arrangementProbe === 'always') return undefined;
  const T = Math.max(...opts.timesteps);
  // no sizes in the reason: shards of one evaluation (src/distributed/) record the same choice as one process
  if (stepBudget(ds, T, nCandidates, probeSamples(ds, opts)) < Math.min(T, PROBE.steps))
    return `run too short for a probe (under ${PROBE.minRunFactor}× its work)`;
  return undefined;
}

/** The candidates that apply, with their files (duplicates of a file and setting dropped). */
function applicable(input: EngineInput, candidates: readonly ArrangementCandidate[], env: ArrangementEnv): { c: ArrangementCandidate; file: Model }[] {
  const base = JSON.parse(input.file.metadata['onnx2snn.arrangement']!) as Arrangement;
  const snn = input.snn!();
  const out: { c: ArrangementCandidate; file: Model }[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    const f = c.file(snn, base, env);
    if (!f) continue;
    // a lowering (nchwc) keeps the arrangement's metadata: its operator domains tell it apart
    const key = `${f.metadata['onnx2snn.arrangement']}|${JSON.stringify(f.otherOpsets)}|${JSON.stringify(c.tuning ?? {})}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // the run keeps the given file's other metadata (calibration, source); the arrangement is the candidate's
    out.push({ c, file: { ...f, metadata: { ...input.file.metadata, 'onnx2snn.arrangement': f.metadata['onnx2snn.arrangement']! } } });
  }
  return out;
}

/**
 * The candidates timed on the first batch. Screening: each candidate once, next to a run of the
 * default (which goes first alternates), one candidate's session open at a time, and taken over the
 * median of the default's three runs nearest in time. Then the default and the PROBE.finalists
 * with the lowest screening ratio run in PROBE.rounds rounds, each once per round in a rotating
 * order, their sessions open together (1 + PROBE.finalists runs' memory; workers2's candidates are two half-batch sessions),
 * and are scored by `roundScores`: a finalist's relative time is its score over the default's.
 * (Before, each finalist had its own rounds paired with the default's runs: the default's erratic
 * runs on two threads moved every ratio, and each finalist was timed in its own stretch of the
 * machine's drift.) A screened-out candidate keeps its screening ratio. Opening a session is not
 * timed in the rounds (every candidate opens one, once per run); its time is recorded apart
 * (`openMs`: for workers2, starting the threads and their sessions).
 */
async function timeCandidates(
  files: readonly { c: ArrangementCandidate; file: Model }[],
  ds: Dataset,
  opts: EngineRunOptions,
  mostSteps: number,
): Promise<{ ms: number[]; relative: number[]; openMs: number[]; steps: number; finalists: number[] }> {
  const n = probeSamples(ds, opts);
  const head: Dataset = { ...ds, count: n, labels: ds.labels.subarray(0, n) };
  let T = Math.min(Math.max(...opts.timesteps), PROBE.steps);
  const base = { ...(opts.device ? { device: opts.device } : {}), ...(opts.threads ? { threads: opts.threads } : {}) };
  const sessions: (OrtSession | undefined)[] = files.map(() => undefined);
  const openMs: number[] = [];
  const open = async (i: number): Promise<void> => {
    const t0 = performance.now();
    sessions[i] = await OrtSession.create(files[i]!.file, { ...base, ...(files[i]!.c.tuning ? { tuning: files[i]!.c.tuning } : {}) });
    openMs[i] = performance.now() - t0;
  };
  const close = async (i: number): Promise<void> => {
    await sessions[i]?.release();
    sessions[i] = undefined;
  };
  const run = async (i: number): Promise<number> => {
    const t0 = performance.now();
    await simulateOrt(files[i]!.file, head, { timesteps: [T], batchSize: n, session: sessions[i]! });
    return performance.now() - t0;
  };
  const ms: number[] = files.map(() => 0);
  const relative: number[] = files.map(() => 1);
  const finalists = [0];
  try {
    await open(0);
    await run(0); // warm-up
    // the run length that reaches PROBE.minRunMs, from a second (warm) run of the default
    if (mostSteps > T) T = probeSteps((await run(0)) / T, mostSteps);
    // screening: one paired round each; each candidate over the median of the default's three runs
    // nearest in time (its own round's and its neighbours'), so that one erratic run of the default
    // does not decide who goes on
    const def: number[] = [];
    for (let i = 1; i < files.length; i++) {
      await open(i);
      await run(i); // warm-up
      const [mine, d] = i % 2 ? [await run(i), await run(0)] : [await run(0), await run(i)].reverse();
      ms[i] = mine!;
      def.push(d!);
      await close(i);
    }
    for (let i = 1; i < files.length; i++) relative[i] = ms[i]! / median(def.slice(Math.max(0, i - 2), i + 1));
    const order = files.map((_, i) => i).slice(1);
    order.sort((a, b) => relative[a]! - relative[b]!);
    finalists.push(...order.slice(0, PROBE.finalists));
    for (const i of finalists.slice(1)) {
      await open(i);
      await run(i); // warm-up
    }
    // the final rounds: the default and every finalist once per round, the order rotating
    const times: number[][] = finalists.map(() => []);
    for (let r = 0; r < PROBE.rounds; r++)
      for (let j = 0; j < finalists.length; j++) {
        const k = (j + r) % finalists.length;
        times[k]!.push(await run(finalists[k]!));
      }
    const scores = roundScores(times);
    finalists.forEach((i, k) => {
      ms[i] = median(times[k]!);
      relative[i] = scores[k]! / scores[0]!;
    });
  } finally {
    for (let i = 0; i < files.length; i++) await close(i);
  }
  return { ms, relative, openMs, steps: T, finalists };
}

/** The arrangement onnxruntime runs under `--engine auto`: the file as given, or the fastest candidate measured. */
export async function chooseArrangement(
  input: EngineInput,
  ds: Dataset,
  opts: EngineRunOptions,
  candidates: readonly ArrangementCandidate[] = ARRANGEMENTS,
): Promise<ArrangedRun> {
  const skip = skipReason(input, ds, opts, candidates.length);
  if (skip) return { input, choice: { id: 'file', reason: skip } };
  const T = Math.max(...opts.timesteps);
  const key = `${probeSamples(ds, opts)}|${T}|${ds.count}|${opts.arrangementProbe ?? 'auto'}|${opts.device ?? 'cpu'}|${opts.threads ?? 0}|${candidates.map((c) => c.id).join()}`;
  const hit = cache.get(input.file)?.get(key);
  if (hit) return { input: { ...input, file: hit.file }, ...(hit.tuning ? { tuning: hit.tuning } : {}), choice: hit.choice };
  const t0 = performance.now();
  const block = await nchwcBlockSize(opts.device);
  const files = applicable(input, candidates, arrangementEnv(block, (opts.device ?? 'cpu') === 'cpu' ? (opts.threads ?? availableParallelism()) : 0));
  if (files.length < 2) return { input, choice: { id: files[0]?.c.id ?? 'file', reason: 'one arrangement applies' } };
  // within 1/minRunFactor of the run's work (as skipReason), unless forced; never past T
  const most = opts.arrangementProbe === 'always' ? T : Math.min(T, stepBudget(ds, T, files.length, probeSamples(ds, opts)));
  const { ms, relative, openMs, steps, finalists } = await timeCandidates(files, ds, opts, most);
  // among the finalists only: a screened-out candidate's single round is not a median
  let best = 0;
  for (const i of finalists) if (relative[i]! < relative[best]!) best = i;
  // the first candidate is the default: another replaces it only by a clear margin
  if (relative[best]! > SWITCH_MARGIN) best = 0;
  const probeMs = Object.fromEntries(files.map((f, i) => [f.c.id, Number(ms[i]!.toFixed(2))]));
  const { c } = files[best]!;
  // the default runs the given file itself
  const file = best === 0 ? input.file : files[best]!.file;
  const choice: ArrangementChoice = {
    id: c.id,
    reason: `lowest time relative to the default over ${PROBE.rounds} rounds of ${steps} steps on the first batch (each run over its round's median), among the ${PROBE.finalists} fastest of a one-round screening${best === 0 ? ` (none ${((1 - SWITCH_MARGIN) * 100).toFixed(0)} % below the default)` : ''}`,
    probeMs,
    relative: Object.fromEntries(files.map((f, i) => [f.c.id, Number(relative[i]!.toFixed(3))])),
    finalists: finalists.map((i) => files[i]!.c.id),
    openMs: Object.fromEntries(files.map((f, i) => [f.c.id, Number(openMs[i]!.toFixed(1))])),
    costMs: Number((performance.now() - t0).toFixed(1)),
  };
  const byKey = cache.get(input.file) ?? new Map();
  byKey.set(key, { id: c.id, file, ...(c.tuning ? { tuning: c.tuning } : {}), choice });
  cache.set(input.file, byKey);
  return { input: { ...input, file }, ...(c.tuning ? { tuning: c.tuning } : {}), choice };
}
