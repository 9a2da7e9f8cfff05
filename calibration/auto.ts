/**
 * `--calibration auto`: the default chosen by measurement, per model, at the time steps the user
 * asked for. The calibration set is split (seeded) into a held-out part that only scores and a
 * fit part that the layer-wise calibrations learn from. Candidates, in stages:
 *
 *   1. the normalisation methods percentile:99.9 (the fixed pipeline, "plain"),
 *      channel-percentile:99.9 and percentile:99.99 (Rueckauer et al. 2017);
 *   2. from the best of stage 1: potential calibration, bias calibration, and (when both help)
 *      bias then potential calibration (Li et al. 2021) at the target T, layer by layer
 *      (calibration/layerwise.ts), unless one fit is over a MAC·steps budget (auto-budget.ts);
 *   3. burst neurons (up to Γ spikes per step, θ = λ/Γ; Li & Zeng 2022) on the best method, alone
 *      and with potential or bias calibration (calibration/auto-burst.ts), where no neuron was
 *      named: IF burst neurons where the default neuron is IF, signed bursts where it is signed.
 *
 * Each is scored on the held-out part at the target T by ANN/SNN agreement (ties: label accuracy),
 * or with `score: 'divergence'` by the readout divergence (calibration/auto-score.ts).
 * A candidate replaces plain only when it wins by `margin` (divergence: a paired test) and, at `guardFactor`·T, does not lose
 * to plain by more than `guardTolerance` (a setting tuned for few steps must not cost at many).
 * The thresholds statistics come from the whole calibration set, so that "plain" is exactly the
 * fixed pipeline's file; only the fitted corrections are kept off the held-out part.
 */
import type { Dataset, InMemoryDataset } from '../src/data/types.js';
import type { Device } from '../src/engine/ort.js';
import { evaluateAnn } from '../src/engine/ann.js';
import type { ProgressFn } from '../src/util/progress.js';
import type { Model } from '../src/graph/types.js';
import { simulateDataset } from '../src/engine/simulate.js';
import type { SnnOptions } from '../src/snn/types.js';
import { resolveSnnOptions } from '../src/snn/build.js';
import { AUTO_LAYERWISE_BUDGET, layerwiseCost } from './auto-budget.js';
import { burstEligible, scoreBurstCandidates } from './auto-burst.js';
import { annLogProbs, mean, pairedLower, readoutDivergence } from './auto-score.js';
import { splitIndices, subsetOf } from './auto-split.js';
import { calibrateLayerwise } from './layerwise.js';
import type { ThresholdsFile } from './thresholds.js';

/** The methods stage 1 tries; the first is the fixed pipeline's default. */
export const AUTO_METHODS: readonly string[] = ['percentile:99.9', 'channel-percentile:99.9', 'percentile:99.99'];
/** Stage-1 methods fitted to the target T (calibration/quant-error.ts), after AUTO_METHODS. */
export const autoMethodsFor = (T: number): string[] => [...AUTO_METHODS, `channel-calerr:${T}`];

/** How candidates are ranked: held-out agreement, or the readout divergence with a paired test (calibration/auto-score.ts). */
export type AutoScore = 'agreement' | 'divergence';
export const DEFAULT_AUTO_SCORE: AutoScore = 'divergence';

export interface AutoOptions {
  /** The time steps the SNN should work best at (the smallest requested T, or --target-timesteps). */
  readonly timesteps: number;
  /** Seed of the held-out split (default 0). */
  readonly seed?: number;
  /** Held-out samples (default a quarter of the calibration set, at most 256, at least 1). */
  readonly heldOut?: number;
  /** Samples the layer-wise calibrations fit on (default 256, taken from the rest). */
  readonly fitSamples?: number;
  /** Agreement a candidate must gain over plain (default 0.01: 1 point, 3 of 250 held-out samples; less is noise). */
  readonly margin?: number;
  /** The large-T guard is checked at this multiple of T (default 4). */
  readonly guardFactor?: number;
  /** Agreement a candidate may lose against plain at the guard T (default 0.005). */
  readonly guardTolerance?: number;
  /** Ranking score (default DEFAULT_AUTO_SCORE). */
  readonly score?: AutoScore;
  /** Most MAC·steps one layer-wise fit may cost for stage 2 to run (default AUTO_LAYERWISE_BUDGET; calibration/auto-budget.ts). */
  readonly layerwiseBudget?: number;
  readonly snnOptions?: Partial<SnnOptions>;
  readonly batchSize?: number;
  readonly device?: Device;
  readonly threads?: number;
  readonly onProgress?: ProgressFn;
}

/** What auto did, as recorded in the thresholds file, the eval JSON and the report. */
export interface AutoCandidate {
  readonly name: string;
  /** Held-out ANN/SNN agreement and label accuracy at the target T. */
  readonly agreement: number;
  readonly accuracy: number;
  /** Held-out mean readout divergence KL(ANN ‖ SNN) in nats at the target T (absent in files written before it). */
  readonly divergence?: number;
  /** Held-out agreement at the guard T, when it was needed. */
  readonly guardAgreement?: number;
  /** Seconds to build (fit) and score it. */
  readonly seconds: number;
  /** Why it was not chosen although it scored higher ('margin', 'guard'), absent otherwise. */
  readonly rejected?: string;
  /**
   * Burst candidates (calibration/auto-burst.ts): a neuron may emit up to this many spikes per step
   * (Γ); its spikes and synaptic operations are counted one per spike. Absent: one (IF).
   */
  readonly maxSpikesPerStep?: number;
}

export interface AutoChoice {
  readonly chosen: string;
  readonly timesteps: number;
  readonly guardTimesteps: number;
  readonly seed: number;
  readonly heldOut: number;
  readonly fitSamples: number;
  readonly margin: number;
  /** The ranking score (absent in files written before it: agreement). */
  readonly score?: AutoScore;
  readonly candidates: readonly AutoCandidate[];
  /** Set when the layer-wise candidates were skipped: their estimated MAC·steps per fit and the budget (calibration/auto-budget.ts). */
  readonly layerwiseSkipped?: { readonly macSteps: number; readonly budget: number };
  readonly seconds: number;
}

/** How auto makes the thresholds of one method and the SNN of one thresholds file (from src/pipeline.ts). */
export interface AutoContext {
  thresholdsFor(method: string): ThresholdsFile;
  toOnnx(thresholds: ThresholdsFile): Model;
}

interface Scored {
  readonly name: string;
  readonly thresholds: ThresholdsFile;
  readonly agreement: number;
  readonly accuracy: number;
  readonly kl: Float64Array;
  readonly divergence: number;
  readonly seconds: number;
  guard?: Measured;
}

interface Measured {
  readonly agreement: number;
  readonly accuracy: number;
  readonly kl: Float64Array;
}

type Better = (a: Scored, b: Scored) => boolean;
const byAgreement: Better = (a, b) => a.agreement > b.agreement || (a.agreement === b.agreement && a.accuracy > b.accuracy);
const byDivergence: Better = (a, b) => a.divergence < b.divergence || (a.divergence === b.divergence && byAgreement(a, b));

/** What one search works with: the split, the ANN's held-out predictions, the engine settings. */
interface Search {
  readonly T: number;
  readonly heldOut: InMemoryDataset;
  readonly fit: InMemoryDataset;
  readonly ann: ArrayLike<number>;
  /** The ANN's log-probabilities of the held-out samples (K classes each), for the readout divergence. */
  readonly annLogP: Float64Array;
  readonly K: number;
  readonly mode: AutoScore;
  readonly better: Better;
  readonly run: { device?: Device; threads?: number; batchSize?: number };
  readonly all: Scored[];
  /** Set by runStages when stage 2 was over the budget. */
  layerwiseSkipped?: { macSteps: number; budget: number };
}

async function prepare(model: Model, calib: Dataset, opts: AutoOptions, seed: number): Promise<Search> {
  const held = Math.max(1, Math.min(opts.heldOut ?? 256, Math.floor(calib.count / 4)));
  const split = splitIndices(calib.count, held, opts.fitSamples ?? 256, seed);
  const heldOut = await subsetOf(calib, split.heldOut);
  const fit = split.fit.length ? await subsetOf(calib, split.fit) : heldOut;
  const run = {
    ...(opts.device ? { device: opts.device } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  };
  const annRun = await evaluateAnn(model, heldOut, run);
  const K = annRun.logits.length / heldOut.count;
  const annLogP = annLogProbs(model, annRun.logits, heldOut.count, K);
  const mode = opts.score ?? DEFAULT_AUTO_SCORE;
  const better = mode === 'divergence' ? byDivergence : byAgreement;
  return { T: opts.timesteps, heldOut, fit, ann: annRun.predictions, annLogP, K, mode, better, run, all: [] };
}

/** Held-out agreement with the ANN and label accuracy of a thresholds file at each of `ts`. */
async function agreementAt(s: Search, ctx: AutoContext, th: ThresholdsFile, ts: number[]): Promise<Map<number, Measured>> {
  const r = await simulateDataset(ctx.toOnnx(th), s.heldOut, { timesteps: ts, keepReadouts: true, engine: 'onnxruntime', ...s.run });
  const out = new Map<number, Measured>();
  for (const t of ts) {
    const p = r.predictions.get(t)!;
    let agree = 0;
    let correct = 0;
    for (let i = 0; i < p.length; i++) {
      if (p[i] === s.ann[i]) agree++;
      if (p[i] === s.heldOut.labels[i]) correct++;
    }
    const kl = readoutDivergence(s.annLogP, r.readouts!.get(t)!, p.length, s.K, t);
    out.set(t, { agreement: agree / p.length, accuracy: correct / p.length, kl });
  }
  return out;
}

/** A scorer that records every candidate in `s.all`; a candidate is named by its thresholds' method. */
function scorer(s: Search, ctx: AutoContext, opts: AutoOptions) {
  return async (make: () => Promise<ThresholdsFile> | ThresholdsFile): Promise<Scored> => {
    const s0 = performance.now();
    const thresholds = await make();
    const r = (await agreementAt(s, ctx, thresholds, [s.T])).get(s.T)!;
    const c: Scored = { name: thresholds.method, thresholds, ...r, divergence: mean(r.kl), seconds: (performance.now() - s0) / 1000 };
    s.all.push(c);
    opts.onProgress?.({ phase: 'auto-calibration', done: Math.min(s.all.length, 6), total: 6, detail: `${c.name} T=${s.T}` });
    return c;
  };
}

/** Stages 1 and 2, then the burst candidates, into `s.all`; returns plain (alone when nothing can beat it). */
async function runStages(model: Model, s: Search, score: ReturnType<typeof scorer>, ctx: AutoContext, opts: AutoOptions, margin: number): Promise<Scored> {
  const plain = await score(() => ctx.thresholdsFor(AUTO_METHODS[0]!));
  // nothing can win by the margin when plain already agrees on (almost) every held-out sample;
  // that says something only when one sample is at most the margin (12 of 12 agreeing leaves a
  // disagreement rate of up to 22 % at 95 % confidence: 1 − 0.05^(1/12))
  if (plain.agreement + margin > 1 && s.heldOut.count * margin >= 1) return plain;
  let base = plain;
  for (const m of autoMethodsFor(s.T).slice(1)) {
    const c = await score(() => ctx.thresholdsFor(m));
    if (s.better(c, base)) base = c;
  }
  // sequential (Li et al.): the joint schedule diverged on a 19-layer ResNet (README "How the default is chosen")
  const lw = {
    timesteps: s.T,
    ...(opts.snnOptions ? { snnOptions: opts.snnOptions } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...s.run,
  };
  const budget = opts.layerwiseBudget ?? AUTO_LAYERWISE_BUDGET;
  const bipolar = resolveSnnOptions(model, opts.snnOptions ?? {}).linear === 'bipolar';
  const macSteps = layerwiseCost(model, s.fit.count, s.T, bipolar);
  if (macSteps > budget) {
    // ImageNet-scale networks at large T: one fit would take hours (calibration/auto-budget.ts)
    s.layerwiseSkipped = { macSteps, budget };
    if (burstEligible(model, opts.snnOptions)) await scoreBurstCandidates(model, base.thresholds, s.fit, lw, score, false);
    return plain;
  }
  const pot = await score(() => calibrateLayerwise(model, base.thresholds, s.fit, { ...lw, mode: 'potential' }));
  const bias = await score(() => calibrateLayerwise(model, base.thresholds, s.fit, { ...lw, mode: 'bias' }));
  // both, only when each helps on its own (it costs another pass over the layers)
  if (s.better(pot, base) && s.better(bias, base)) await score(() => calibrateLayerwise(model, bias.thresholds, s.fit, { ...lw, mode: 'potential' }));
  if (burstEligible(model, opts.snnOptions)) await scoreBurstCandidates(model, base.thresholds, s.fit, lw, score);
  return plain;
}

/** Best first; the first that wins (by the margin, or the paired test) and passes the guard is chosen (plain otherwise). */
async function choose(
  s: Search,
  plain: Scored,
  margin: number,
  tolerance: number,
  guardOf: (c: Scored) => Promise<Measured>,
): Promise<{ chosen: Scored; rejected: Map<string, string> }> {
  const divergence = s.mode === 'divergence';
  const wins = (c: Scored): boolean => (divergence ? pairedLower(c.kl, plain.kl) : c.agreement >= plain.agreement + margin);
  const guardFails = async (c: Scored): Promise<boolean> => {
    const [g, p] = [await guardOf(c), await guardOf(plain)];
    return divergence ? pairedLower(p.kl, g.kl, 1) : g.agreement < p.agreement - tolerance;
  };
  const ranked = [...s.all].sort((a, b) => (s.better(a, b) ? -1 : s.better(b, a) ? 1 : 0));
  const rejected = new Map<string, string>();
  for (const c of ranked) {
    if (c === plain) break;
    if (!wins(c)) {
      rejected.set(c.name, 'margin');
      continue;
    }
    if (await guardFails(c)) {
      rejected.set(c.name, 'guard');
      continue;
    }
    return { chosen: c, rejected };
  }
  return { chosen: plain, rejected };
}

/** Chooses the thresholds for `opts.timesteps` among the candidates above; deterministic for a seed. */
export async function autoCalibrate(
  model: Model,
  calib: Dataset,
  ctx: AutoContext,
  opts: AutoOptions,
): Promise<{ thresholds: ThresholdsFile; choice: AutoChoice }> {
  const t0 = performance.now();
  const T = opts.timesteps;
  const gT = T * (opts.guardFactor ?? 4);
  const margin = opts.margin ?? 0.01;
  const tolerance = opts.guardTolerance ?? 0.005;
  const seed = opts.seed ?? 0;
  const s = await prepare(model, calib, opts, seed);
  const plain = await runStages(model, s, scorer(s, ctx, opts), ctx, opts, margin);
  const guardOf = async (c: Scored): Promise<Measured> => (c.guard ??= (await agreementAt(s, ctx, c.thresholds, [gT])).get(gT)!);
  const { chosen, rejected } = await choose(s, plain, margin, tolerance, guardOf);
  const choice: AutoChoice = {
    chosen: chosen.name,
    timesteps: T,
    guardTimesteps: gT,
    seed,
    heldOut: s.heldOut.count,
    fitSamples: s.fit.count,
    margin,
    score: s.mode,
    candidates: s.all.map((c) => ({
      name: c.name,
      agreement: c.agreement,
      accuracy: c.accuracy,
      divergence: c.divergence,
      ...(c.guard !== undefined ? { guardAgreement: c.guard.agreement } : {}),
      seconds: c.seconds,
      ...(c.thresholds.burst !== undefined ? { maxSpikesPerStep: c.thresholds.burst } : {}),
      ...(rejected.has(c.name) ? { rejected: rejected.get(c.name)! } : {}),
    })),
    ...(s.layerwiseSkipped ? { layerwiseSkipped: s.layerwiseSkipped } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
  return { thresholds: { ...chosen.thresholds, auto: choice }, choice };
}
