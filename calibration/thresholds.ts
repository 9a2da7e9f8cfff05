/**
 * The thresholds file: the per-layer scales λ found by calibration, with the statistics they came
 * from, so that conversion can be repeated without running the ANN again.
 *
 * Format (JSON, version 1):
 *
 *   {
 *     "format": "onnx2snn-thresholds",
 *     "version": 1,
 *     "model": "<path of the model file>",
 *     "modelHash": "<sha256, hex, of the canonical graph: inputs, outputs, nodes (op, inputs,
 *                   outputs, attributes) and initializers (name, type, dims, values)>",
 *     "method": "percentile:99.99",            // canonical --method spelling, default applied
 *     "calibration": { "data": "<path>", "samples": 1000 },
 *     "input": { "name": "<graph input>", "max": 1, "p99_9": 1, "p99_99": 1 },   // of |x|
 *     "layers": [                              // one per Relu node, in topological order
 *       {
 *         "site": "<Relu output tensor>",
 *         "node": "<Relu node name>",
 *         "channels": 8,                       // axis 1 of the output ([N,C,...] → C, [N,F] → F)
 *         "stats": { "count": 6272000, "zeros": 3100000, "max": 7.9, "meanPositive": 1.2,
 *                    "p99": 4.1, "p99_9": 5.6, "p99_99": 6.8 },   // percentiles of the positive values
 *         "scale": 6.8                         // λ > 0; an array of `channels` values for channel-* methods
 *       }
 *     ],
 *     "auto": { "chosen": "…", "candidates": [ … ], … },  // --calibration auto: what it measured (calibration/auto.ts)
 *     "burst": 2                               // optional: auto chose burst neurons with Γ = 2 (θ = λ/Γ)
 *   }
 *
 * The percentiles are read from log-spaced histograms (≤ 2.33 % relative error; see stats.ts);
 * "max" is exact. Extra fields are allowed and ignored by readers of version 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import type { Model } from '../src/graph/types.js';
import type { AutoChoice } from './auto.js';
import { parseMethod, type ParsedMethod } from './registry.js';
import { reluSites, type SiteInfo } from './sites.js';
import type { SiteStats } from './stats.js';
import { modelHash } from '../src/graph/hash.js';

/** The thresholds file names the model it was computed for by this hash. */
export { modelHash };

export const THRESHOLDS_FORMAT = 'onnx2snn-thresholds';
export const THRESHOLDS_VERSION = 1;

export interface LayerStatsJson {
  readonly count: number;
  readonly zeros: number;
  readonly max: number;
  readonly meanPositive: number;
  readonly p99: number;
  readonly p99_9: number;
  readonly p99_99: number;
}

export interface ThresholdsLayer {
  readonly site: string;
  readonly node: string;
  readonly channels: number;
  readonly stats: LayerStatsJson;
  /** λ: one for the layer, or one per channel. */
  readonly scale: number | number[];
  /** Per-channel extra input current from layer-wise calibration (calibration/layerwise.ts); absent = none. */
  readonly bias?: number[];
  /** Per-channel initial membrane potential as a fraction of θ, from potential calibration; absent = vInit. */
  readonly v0?: number[];
  /** Polynomial neurons: this layer's (fine-tuned) normalised polynomial and input gain (calibration/finetune.ts). */
  readonly poly?: number[];
  readonly gain?: number;
  /** The site's quantization range [lo, hi] in an imported int8 model, when λ = hi came from it (calibration/quantization.ts). */
  readonly range?: [number, number];
  /** A linear site (--linear bipolar): the stats and the scale are of |a|; θ covers [−λ, λ]. */
  readonly linear?: boolean;
}

export interface ThresholdsInput {
  readonly name: string;
  /** max |x| over the calibration set. */
  readonly max: number;
  readonly p99_9: number;
  readonly p99_99: number;
}

export interface ThresholdsFile {
  readonly format: typeof THRESHOLDS_FORMAT;
  readonly version: typeof THRESHOLDS_VERSION;
  readonly model: string;
  readonly modelHash: string;
  readonly method: string;
  readonly calibration: { readonly data: string; readonly samples: number };
  readonly input: ThresholdsInput;
  readonly layers: readonly ThresholdsLayer[];
  /** How `--calibration auto` chose this file: the candidates and their held-out scores (calibration/auto.ts). */
  readonly auto?: AutoChoice;
  /**
   * Set when auto chose burst neurons (calibration/auto-burst.ts): the largest burst Γ the
   * thresholds (θ = λ/Γ) and corrections were fitted for. `convert` then uses `--neuron burst
   * --burst Γ` unless a neuron is given. Absent: the neuron is the user's (default IF).
   */
  readonly burst?: number;
}

export interface ThresholdsMeta {
  /** Path of the model file, recorded as "model". */
  readonly model: string;
  /** Path of the calibration data. */
  readonly data: string;
  /** Number of calibration samples. */
  readonly samples: number;
  /** The sites; default reluSites(model). */
  readonly sites?: readonly SiteInfo[];
}

// ---------------------------------------------------------------------------------------------
// Build

function fail(path: string, problems: readonly string[]): never {
  throw new Onnx2SnnError(ErrorCodes.THRESHOLDS, `${path}: ${problems.join('; ')}`, { file: path, problems });
}

/**
 * The thresholds of `model` (canonical) for `methodSpec`, from `statsMap` as returned by
 * collectStatistics (one entry per site plus the input). Throws E_OPTION for a bad method or a
 * channel-wise method on layer-wise statistics, E_THRESHOLDS when statistics are missing or a
 * scale is not a positive finite number (activations that overflow).
 */
export function buildThresholds(
  model: Model,
  statsMap: ReadonlyMap<string, SiteStats>,
  methodSpec: string | ParsedMethod,
  meta: ThresholdsMeta,
): ThresholdsFile {
  const method = typeof methodSpec === 'string' ? parseMethod(methodSpec) : methodSpec;
  const sites = meta.sites ?? reluSites(model);
  const where = meta.model || model.source || 'model';
  const problems: string[] = [];
  const layers: ThresholdsLayer[] = [];
  for (const s of sites) {
    const st = statsMap.get(s.site);
    if (!st) {
      problems.push(`no activation statistics for the ReLU output "${s.site}"`);
      continue;
    }
    const raw = method.method.scale(st, method.param);
    const scale = typeof raw === 'number' ? raw : Array.from(raw);
    if (Array.isArray(scale) && scale.length !== s.channels) {
      problems.push(`"${s.site}": ${scale.length} per-channel scales for ${s.channels} channels`);
    }
    const bad = (Array.isArray(scale) ? scale : [scale]).filter((v) => !(Number.isFinite(v) && v > 0));
    if (bad.length) problems.push(`"${s.site}": scale ${bad[0]} is not a positive finite number (max activation ${st.max})`);
    layers.push({
      site: s.site,
      node: s.node,
      channels: s.channels,
      stats: {
        count: st.count,
        zeros: st.zeros,
        max: st.max,
        meanPositive: st.meanPositive,
        p99: st.percentile(99),
        p99_9: st.percentile(99.9),
        p99_99: st.percentile(99.99),
      },
      scale,
      ...(s.linear ? { linear: true } : {}),
    });
  }
  const inputName = model.graph.inputs[0]?.name ?? '';
  const inp = statsMap.get(inputName);
  if (!inp) problems.push(`no statistics for the model input "${inputName}"`);
  if (problems.length) fail(where, problems);
  return {
    format: THRESHOLDS_FORMAT,
    version: THRESHOLDS_VERSION,
    model: meta.model,
    modelHash: modelHash(model),
    method: method.spec,
    calibration: { data: meta.data, samples: meta.samples },
    input: { name: inputName, max: inp!.max, p99_9: inp!.percentile(99.9), p99_99: inp!.percentile(99.99) },
    layers,
  };
}

/** The scales by site: a number, or a Float64Array per channel. */
export function scalesBySite(file: ThresholdsFile): Map<string, number | Float64Array> {
  return new Map(file.layers.map((l) => [l.site, typeof l.scale === 'number' ? l.scale : Float64Array.from(l.scale)]));
}

// ---------------------------------------------------------------------------------------------
// Write / read

/** JSON with 2-space indentation, arrays of numbers on one line. */
export function formatThresholds(file: ThresholdsFile): string {
  const text = JSON.stringify(file, null, 2);
  return `${text.replace(/\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]/g, (_, body: string) => `[${body.replace(/,\s+/g, ', ')}]`)}\n`;
}

/** Writes the file (E_FILE when it cannot be written). */
export function writeThresholds(path: string, file: ThresholdsFile): void {
  try {
    writeFileSync(path, formatThresholds(file));
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot write the thresholds file (${(e as Error).message})`, { file: path });
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v >= 0;

function showScale(v: unknown): string {
  return v === null ? 'null (not finite)' : (JSON.stringify(v) ?? String(v));
}

/** Problems with one layer entry that do not depend on the model. */
function layerProblems(l: unknown, i: number): string[] {
  if (!isObj(l)) return [`layers[${i}] is not an object`];
  const name = typeof l.site === 'string' ? `"${l.site}"` : `layers[${i}]`;
  const p: string[] = [];
  if (typeof l.site !== 'string' || l.site === '') p.push(`layers[${i}].site is not a non-empty string`);
  if (typeof l.node !== 'string') p.push(`${name}: "node" is not a string`);
  if (!isCount(l.channels) || l.channels < 1) p.push(`${name}: "channels" is not a positive integer`);
  if (!isObj(l.stats)) p.push(`${name}: "stats" is not an object`);
  if (Array.isArray(l.scale)) {
    const bad = l.scale.findIndex((v) => !(isNum(v) && v > 0));
    if (bad >= 0) p.push(`${name}: scale[${bad}] = ${showScale(l.scale[bad])} is not a positive finite number`);
    if (isCount(l.channels) && l.scale.length !== l.channels) p.push(`${name}: ${l.scale.length} per-channel scales for "channels": ${l.channels}`);
  } else if (!(isNum(l.scale) && l.scale > 0)) {
    p.push(`${name}: scale ${showScale(l.scale)} is not a positive finite number`);
  }
  if (l.v0 !== undefined) {
    if (!Array.isArray(l.v0) || l.v0.some((v) => !isNum(v))) p.push(`${name}: "v0" must be an array of finite numbers`);
    else if (isCount(l.channels) && l.v0.length !== l.channels) p.push(`${name}: ${l.v0.length} v0 values for "channels": ${l.channels}`);
  }
  if (l.bias !== undefined) {
    if (!Array.isArray(l.bias) || l.bias.some((v) => !isNum(v))) p.push(`${name}: "bias" must be an array of finite numbers`);
    else if (isCount(l.channels) && l.bias.length !== l.channels) p.push(`${name}: ${l.bias.length} bias values for "channels": ${l.channels}`);
  }
  return p;
}

/** Structural checks of a parsed thresholds file; `path` names it in errors. Throws E_THRESHOLDS listing every problem. */
export function checkThresholds(data: unknown, path: string): ThresholdsFile {
  if (!isObj(data)) fail(path, ['not a thresholds file (the JSON is not an object)']);
  if (data.format !== THRESHOLDS_FORMAT)
    fail(path, [`not a thresholds file ("format" is ${JSON.stringify(data.format) ?? 'missing'}, expected "${THRESHOLDS_FORMAT}")`]);
  if (data.version !== THRESHOLDS_VERSION)
    fail(path, [`unsupported thresholds file version ${JSON.stringify(data.version) ?? '(missing)'}; this onnx2snn reads version ${THRESHOLDS_VERSION}`]);
  const p: string[] = [];
  if (typeof data.model !== 'string') p.push('"model" is not a string');
  if (typeof data.modelHash !== 'string') p.push('"modelHash" is not a string');
  if (typeof data.method !== 'string') p.push('"method" is not a string');
  if (!isObj(data.calibration) || typeof data.calibration.data !== 'string' || !isCount(data.calibration.samples))
    p.push('"calibration" must be { "data": string, "samples": integer }');
  if (!isObj(data.input) || typeof data.input.name !== 'string' || !isNum(data.input.max)) p.push('"input" must be { "name": string, "max": number, ... }');
  if (data.burst !== undefined && !(Number.isInteger(data.burst) && (data.burst as number) >= 1 && (data.burst as number) <= 16))
    p.push('"burst" must be an integer in [1, 16] (the largest burst of burst neurons)');
  if (!Array.isArray(data.layers)) p.push('"layers" is not an array');
  else data.layers.forEach((l, i) => p.push(...layerProblems(l, i)));
  if (p.length) fail(path, p);
  return data as unknown as ThresholdsFile;
}

export interface ValidateOptions {
  /** Names the file in errors; default the file's "model" field. */
  readonly path?: string;
  /** When given, the file's modelHash must equal it (the file was computed for these weights). */
  readonly modelHash?: string;
}

/**
 * Checks a thresholds file against a model's sites (reluSites(canonical model)): every site has
 * exactly one layer entry, no entry names a tensor that is not a site, channel counts agree, and
 * every scale is a positive finite number. Throws E_THRESHOLDS listing every problem.
 */
export function validateThresholds(
  file: ThresholdsFile,
  sites: readonly (Pick<SiteInfo, 'site' | 'channels'> & { readonly linear?: boolean })[],
  opts: ValidateOptions = {},
): void {
  const path = opts.path ?? (file.model || 'thresholds');
  const p: string[] = [];
  file.layers.forEach((l, i) => p.push(...layerProblems(l, i)));
  const byName = new Map<string, ThresholdsLayer[]>();
  for (const l of file.layers) byName.set(l.site, [...(byName.get(l.site) ?? []), l]);
  const want = new Set(sites.map((s) => s.site));
  // linear sites may be absent (files written before they were calibrated): --linear analog needs none
  const missing = sites.filter((s) => !byName.has(s.site) && !s.linear).map((s) => `"${s.site}"`);
  if (missing.length) p.push(`no scale for the ReLU output${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of the model`);
  const extra = [...byName.keys()].filter((s) => !want.has(s)).map((s) => `"${s}"`);
  if (extra.length) p.push(`${extra.join(', ')} ${extra.length > 1 ? 'are not ReLU outputs' : 'is not a ReLU output'} of the model`);
  for (const [site, ls] of byName) if (ls.length > 1) p.push(`"${site}" appears ${ls.length} times`);
  for (const s of sites) {
    const l = byName.get(s.site)?.[0];
    if (!l) continue;
    if (l.channels !== s.channels) p.push(`"${s.site}": the file says ${l.channels} channels, the model has ${s.channels}`);
    else if (Array.isArray(l.scale) && l.scale.length !== s.channels)
      p.push(`"${s.site}": ${l.scale.length} per-channel scales, the model has ${s.channels} channels`);
  }
  if (opts.modelHash !== undefined && file.modelHash !== opts.modelHash) {
    p.push(
      `it was computed for a different model or different weights (modelHash ${file.modelHash.slice(0, 12)}…, this model ${opts.modelHash.slice(0, 12)}…); run calibration again`,
    );
  }
  if (p.length) fail(path, [...new Set(p)]);
}

export interface ReadOptions {
  /** Validate against these sites too (see validateThresholds). */
  readonly sites?: readonly Pick<SiteInfo, 'site' | 'channels'>[];
  readonly modelHash?: string;
}

/** Reads and checks a thresholds file. E_FILE when unreadable; E_THRESHOLDS (with the path and every problem) otherwise. */
export function readThresholds(path: string, opts: ReadOptions = {}): ThresholdsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot read the thresholds file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file: path,
    });
  }
  // a binary file (an image, an .onnx) is named as such, never echoed to the terminal
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what marks a binary file
  if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text.slice(0, 4096)))
    fail(path, ['not JSON (a binary file; expected the JSON written by `onnx2snn calibrate`)']);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(path, [`not JSON (${(e as Error).message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)})`]);
  }
  const file = checkThresholds(data, path);
  if (opts.sites) validateThresholds(file, opts.sites, { path, ...(opts.modelHash !== undefined ? { modelHash: opts.modelHash } : {}) });
  else if (opts.modelHash !== undefined) validateThresholds(file, file.layers, { path, modelHash: opts.modelHash });
  return file;
}
