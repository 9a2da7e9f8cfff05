/** Parsing of flag values into typed options; bad values throw E_OPTION naming the flag. */
import { ErrorCodes, Onnx2SnnError } from '../index.js';

export function optionError(flag: string, message: string, actual?: unknown, expected?: unknown): Onnx2SnnError {
  return new Onnx2SnnError(ErrorCodes.OPTION, `${flag}: ${message}`, { option: flag, actual, expected });
}

export function parseNumber(flag: string, v: string, { min, integer }: { min?: number; integer?: boolean } = {}): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw optionError(flag, `expected a number, got "${v}"`, v);
  if (integer && !Number.isInteger(n)) throw optionError(flag, `expected an integer, got "${v}"`, v);
  if (min !== undefined && n < min) throw optionError(flag, `must be ≥ ${min}, got ${v}`, v, `>= ${min}`);
  return n;
}

/** "a,b,c" → numbers; "1/255" style fractions accepted for scale convenience. */
export function parseNumberList(flag: string, v: string, opts: { min?: number; integer?: boolean } = {}): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw optionError(flag, `expected comma-separated numbers, got "${v}"`, v);
  return parts.map((p) => parseNumber(flag, p, opts));
}

/** A number or a fraction "a/b" (e.g. --scale 1/255). */
export function parseScale(flag: string, v: string): number {
  const m = /^\s*([-+]?[\d.eE+-]+)\s*\/\s*([-+]?[\d.eE+-]+)\s*$/.exec(v);
  if (m) {
    const den = parseNumber(flag, m[2]!);
    if (den === 0) throw optionError(flag, 'division by zero', v);
    return parseNumber(flag, m[1]!) / den;
  }
  return parseNumber(flag, v);
}

export function parseChoice<T extends string>(flag: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v)) throw optionError(flag, `expected one of ${choices.join(', ')}, got "${v}"`, v, choices);
  return v as T;
}
