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
