/**
 * Config files (JSON or YAML) and their validation against the one schema (src/config/schema.ts),
 * the precedence defaults < file < flags, and the mapping of a resolved config to library options.
 * Every problem is an E_OPTION naming the file and the key path (or the flag).
 */
import { qifPolynomial } from '../snn/poly.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { Preprocess } from '../data/types.js';
import type { EvaluateOptions } from '../report/evaluate.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';
import type { SnnOptions } from '../snn/types.js';
import { type CliMeta, cli } from './meta.js';
import { ConfigSchema, type Config } from './schema.js';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a JSON or YAML config file into a plain object (not yet validated). */
export function readConfigFile(path: string): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file: path,
      option: '--config',
    });
  }
  const yaml = /\.ya?ml$/i.test(path);
  let value: unknown;
  try {
    value = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    // a file without a .yaml/.yml extension may still be YAML
    if (!yaml && !/\.json$/i.test(path)) {
      try {
        value = parseYaml(text);
      } catch {
        /* report the JSON error below */
      }
    }
    if (value === undefined)
      throw new Onnx2SnnError(ErrorCodes.OPTION, `${path}: not valid ${yaml ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`, {
        file: path,
        option: '--config',
      });
  }
  if (value === null || value === undefined) return {};
  if (!isPlain(value))
    throw new Onnx2SnnError(
      ErrorCodes.OPTION,
      `${path}: a config file must hold an object (a mapping of sections), got ${Array.isArray(value) ? 'an array' : typeof value}`,
      { file: path, option: '--config' },
    );
  return value;
}

/** Deep merge of plain objects: `over` wins; arrays and scalars are replaced. */
export function mergeConfig(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlain(v) && isPlain(out[k]) ? mergeConfig(out[k] as Plain, v) : v;
  }
  return out;
}

export interface Leaf {
  /** Key path, e.g. ['conversion', 'vInit']. */
  readonly path: readonly string[];
  readonly schema: z.ZodType;
  readonly meta?: CliMeta;
  /** The schema default, if any. */
  readonly default?: unknown;
  readonly description?: string;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional || cur instanceof z.ZodPrefault) cur = cur.unwrap() as z.ZodType;
    else return cur;
  }
}

/** Every leaf option of the schema, in declaration order. */
export function configLeaves(schema: z.ZodType = ConfigSchema, path: string[] = []): Leaf[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, v]) => configLeaves(v, [...path, k]));
  }
  const meta = cli.get(schema);
  const description = schema.description;
  return [
    {
      path,
      schema,
      ...(meta ? { meta } : {}),
      ...(schema instanceof z.ZodDefault ? { default: (schema.def as { defaultValue: unknown }).defaultValue } : {}),
      ...(description ? { description } : {}),
    },
  ];
}

/** Every object path of the schema ([] is the top level). */
export function configSections(schema: z.ZodType = ConfigSchema, path: string[] = []): string[][] {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject)) return [];
  return [path, ...Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, v]) => configSections(v, [...path, k]))];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  switch (issue.code) {
    case 'invalid_type':
      return i['expected'] === 'int' ? 'expected an integer' : `expected ${i['expected'] === 'array' ? 'a list' : `a ${String(i['expected'])}`}`;
    case 'too_small':
      return i['origin'] === 'array'
        ? `needs at least ${String(i['minimum'])} value(s)`
        : i['origin'] === 'string'
          ? 'must not be empty'
          : `must be ${i['inclusive'] === false ? '>' : '≥'} ${String(i['minimum'])}`;
    case 'too_big':
      return i['origin'] === 'array'
        ? `takes at most ${String(i['maximum'])} values`
        : `must be ${i['inclusive'] === false ? '<' : '≤'} ${String(i['maximum'])}`;
    case 'invalid_value':
      return `expected one of ${(i['values'] as unknown[]).map(String).join(', ')}`;
    case 'invalid_format':
      return issue.message;
    case 'invalid_union':
      return 'expected a number or a fraction such as 1/255';
    case 'unrecognized_keys':
      return `unknown key${(i['keys'] as string[]).length > 1 ? 's' : ''} ${(i['keys'] as string[]).map((k) => `"${k}"`).join(', ')}`;
    default:
      return issue.message;
  }
}

const valueAt = (obj: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((o, k) => (isPlain(o) || Array.isArray(o) ? (o as Record<PropertyKey, unknown>)[k] : undefined), obj);
const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v));

export interface ResolveInput {
  /** The config file's content (readConfigFile) and its path, when there is one. */
  readonly file?: { readonly path: string; readonly value: Plain };
  /** Values given as flags, as a nested object (already converted from strings). */
  readonly flags?: Plain;
  /** Raw flag strings by key path ('data.limit' → '2.5'), for messages. */
  readonly flagText?: ReadonlyMap<string, { flag: string; text: string }>;
}

/**
 * Validates and resolves a configuration: defaults < file < flags. Throws E_OPTION for the first
 * problem, naming the flag (when it came from a flag) or the file and key path.
 */
export function resolveConfig(input: ResolveInput): Config {
  const merged = mergeConfig(input.file?.value ?? {}, input.flags ?? {});
  const r = ConfigSchema.safeParse(merged);
  if (r.success) {
    const { $schema: _s, ...rest } = r.data;
    void _s;
    return rest as Config;
  }
  const issues = r.error.issues;
  const messages: string[] = [];
  let option = '';
  for (const issue of issues) {
    const key = issue.path.map(String);
    const keyText = key.join('.');
    const flag = input.flagText?.get(keyText) ?? (key.length > 1 ? input.flagText?.get(key.slice(0, -1).join('.')) : undefined);
    const what = describeIssue(issue);
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys.map((k) => [...key, k].join('.'));
      messages.push(
        `${input.file ? `${input.file.path}: ` : ''}unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} (not in the onnx2snn config schema)`,
      );
      option ||= keys[0]!;
    } else if (flag) {
      messages.push(`${flag.flag}: ${what}, got "${flag.text}"`);
      option ||= flag.flag;
    } else {
      messages.push(`${input.file ? `${input.file.path}: ` : ''}${keyText || '(top level)'}: ${what}, got ${show(valueAt(merged, issue.path))}`);
      option ||= keyText;
    }
  }
  throw new Onnx2SnnError(ErrorCodes.OPTION, messages.join('; '), {
    option,
    ...(input.file ? { file: input.file.path } : {}),
    issues: issues.map((i) => ({ path: i.path.map(String), code: i.code })),
  });
}

/** Parses and validates a config object (e.g. from a library user): defaults applied. */
export function parseConfig(value: unknown, source = 'config'): Config {
  if (!isPlain(value)) throw new Onnx2SnnError(ErrorCodes.OPTION, `${source}: a config must be an object`, { option: source });
  return resolveConfig({ file: { path: source, value } });
}

/** A number or a fraction "a/b" → number; E_OPTION naming `name` on division by zero. */
export function scaleValue(v: number | string | undefined, name: string): number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const [a, b] = v.split('/').map((s) => Number(s.trim()));
  if (b === 0) throw new Onnx2SnnError(ErrorCodes.OPTION, `${name}: division by zero in "${v}"`, { option: name, actual: v });
  return a! / b!;
}

/** Preprocessing of the test data. */
export function preprocessOf(c: Config, scaleName = '--scale'): Preprocess {
  const d = c.data;
  const scale = scaleValue(d.scale, scaleName);
  return {
    ...(scale !== undefined ? { scale } : {}),
    ...(d.mean ? { mean: d.mean } : {}),
    ...(d.std ? { std: d.std } : {}),
    layout: d.layout,
    ...(d.limit !== undefined ? { limit: d.limit } : {}),
    offset: d.offset,
    ...(d.labels ? { labels: d.labels } : {}),
    ...(d.resize ? { resize: d.resize } : {}),
    ...(d.centerCrop ? { centerCrop: d.centerCrop } : {}),
    ...(d.classes ? { classes: d.classes } : {}),
    ...(d.skipBad ? { skipBad: true } : {}),
    ...(d.imageThreads !== undefined ? { imageThreads: d.imageThreads } : {}),
  };
}

/** Preprocessing of the calibration data: the test data's, with its own limit and offset. */
export function calibPreprocessOf(c: Config, scaleName = '--scale'): Preprocess {
  const { limit: _l, offset: _o, labels: _b, ...shared } = preprocessOf(c, scaleName);
  void _l;
  void _o;
  void _b;
  return { ...shared, limit: c.calibration.limit, offset: c.calibration.offset };
}

/** The conversion settings of a config; `neuron` absent = the network's default (src/snn/build.ts snnDefaults). */
export function snnOptionsOf(c: Config): Omit<SnnOptions, 'neuron'> & Partial<Pick<SnnOptions, 'neuron'>> {
  const { qif, ...conv } = c.conversion;
  if (qif) {
    if (conv.poly) throw new Onnx2SnnError(ErrorCodes.OPTION, '--qif and --poly both give the polynomial; use one', { option: 'qif' });
    return { ...conv, neuron: 'poly', poly: qifPolynomial(qif[0]!, qif[1]!, qif[2]!) };
  }
  // --burst alone: bursts of the network's default neuron, resolved with the model (src/snn/build.ts resolveSnnOptions)
  if (conv.burst !== undefined && conv.neuron && conv.neuron !== 'burst' && conv.neuron !== 'signed')
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--burst is the largest burst of burst or signed neurons; --neuron ${conv.neuron} has none`, {
      option: 'burst',
      actual: conv.neuron,
    });
  if (conv.neuron === 'poly' && !conv.poly)
    throw new Onnx2SnnError(ErrorCodes.OPTION, '--neuron poly needs --poly c0,c1,... (or --qif a,u1,u2)', { option: 'poly' });
  return conv;
}

/** The post-conversion calibrations requested (pipeline.refineThresholds options). */
export function refineOf(c: Config): {
  biasCalibration?: number;
  potentialCalibration?: number;
  finetune?: { timesteps: number; epochs: number; samples: number; seed: number };
} {
  const k = c.calibration;
  return {
    ...(k.biasCalibration ? { biasCalibration: k.biasCalibration } : {}),
    ...(k.potentialCalibration ? { potentialCalibration: k.potentialCalibration } : {}),
    ...(k.finetune ? { finetune: { timesteps: k.finetune, epochs: k.finetuneEpochs, samples: k.finetuneSamples, seed: k.finetuneSeed } } : {}),
  };
}

/** How the thresholds are chosen (src/pipeline.ts resolveThresholds): mode, the T auto tunes for, its seed. */
export function resolveOf(c: Config): { calibration: 'auto' | 'fixed'; targetTimesteps: number; calibrationSeed: number } {
  const k = c.calibration;
  return { calibration: k.mode, targetTimesteps: k.targetTimesteps ?? Math.min(...c.evaluation.timesteps), calibrationSeed: k.seed };
}

/**
 * The options of `evaluate` that come from the configuration alone: what `eval`, each `eval --shard`
 * and each queue worker pass, so that the shards of a run compute exactly what one process does.
 */
export function evaluateOptionsOf(c: Config): EvaluateOptions {
  return {
    timesteps: [...new Set(c.evaluation.timesteps)].sort((a, b) => a - b),
    ...(c.calibration.method ? { method: c.calibration.method } : {}),
    ...resolveOf(c),
    snn: snnOptionsOf(c),
    batchSize: c.run.batchSize ?? 64,
    calibBatchSize: 64,
    device: c.run.device,
    ...(c.run.threads ? { threads: c.run.threads } : {}),
    engine: c.run.engine,
    tfjsBackend: c.run.tfjsBackend,
    predictions: c.evaluation.predictions,
    minCorrelation: c.evaluation.minCorrelation,
    raster: { sample: c.report.sample, layers: c.report.rasterLayers, neurons: c.report.rasterNeurons },
  };
}
