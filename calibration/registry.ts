/**
 * The normalisation methods, by name. Adding a method = one file in calibration/methods/ and one
 * line in METHODS below.
 */
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import { calerrMethod } from './methods/calerr.js';
import { channelCalerrMethod } from './methods/channel-calerr.js';
import { channelMaxMethod } from './methods/channel-max.js';
import { channelPercentileMethod } from './methods/channel-percentile.js';
import { maxMethod } from './methods/max.js';
import { percentileMethod } from './methods/percentile.js';
import type { NormMethod } from './methods/types.js';
import type { SiteStats } from './stats.js';

export type { MethodParam, NormMethod } from './methods/types.js';

const METHODS: readonly NormMethod[] = [maxMethod, percentileMethod, channelMaxMethod, channelPercentileMethod, calerrMethod, channelCalerrMethod];

/** Every registered method, in registry order. */
export function listMethods(): readonly NormMethod[] {
  return METHODS;
}

/** How a method is written in --method: 'max', 'percentile:P'. */
export function methodSyntax(m: NormMethod): string {
  return m.param ? `${m.name}:${m.param.name}` : m.name;
}

export interface ParsedMethod {
  readonly method: NormMethod;
  /** The parameter, with the method's default applied; undefined for methods without one. */
  readonly param: number | undefined;
  /** The canonical spelling, default applied: 'percentile' → 'percentile:99.9'. */
  readonly spec: string;
}

function validList(): string {
  return METHODS.map((m) =>
    m.param ? `${methodSyntax(m)} (${m.param.range}${m.param.default !== undefined ? `, default ${m.param.default}` : ''})` : m.name,
  ).join(', ');
}

/** Parses a --method value such as 'max', 'percentile:99.99', 'channel-percentile:99.9'. Throws E_OPTION. */
export function parseMethod(spec: string): ParsedMethod {
  const fail = (why: string): never => {
    throw new Onnx2SnnError(ErrorCodes.OPTION, `--method ${JSON.stringify(spec)}: ${why}; valid methods: ${validList()}`, {
      option: 'method',
      actual: spec,
      valid: METHODS.map(methodSyntax),
    });
  };
  const s = String(spec).trim();
  const colon = s.indexOf(':');
  const name = colon < 0 ? s : s.slice(0, colon);
  const raw = colon < 0 ? undefined : s.slice(colon + 1).trim();
  const method = METHODS.find((m) => m.name === name);
  if (!method) return fail(name === '' ? 'no method given' : `unknown normalisation method "${name}"`);
  if (!method.param) {
    if (raw !== undefined) fail(`${method.name} takes no parameter`);
    return { method, param: undefined, spec: method.name };
  }
  let param: number | undefined;
  if (raw === undefined) {
    param = method.param.default;
    if (param === undefined) fail(`${method.name} needs a parameter: ${methodSyntax(method)} with ${method.param.range}`);
  } else {
    const v = /^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!method.param.valid(v)) fail(`${method.param.name} = "${raw}" is not a number with ${method.param.range}`);
    param = v;
  }
  return { method, param, spec: `${method.name}:${param}` };
}

/** λ for one site: a number, or one per channel. The stats must be channelwise for a channelwise method. */
export function computeScale(stats: SiteStats, method: ParsedMethod | string): number | Float64Array {
  const m = typeof method === 'string' ? parseMethod(method) : method;
  return m.method.scale(stats, m.param);
}
