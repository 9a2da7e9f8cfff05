/** Test helpers for calibration/: a seeded PRNG, exact percentiles, error assertions, temp dirs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../src/util/random.js';

/** mulberry32: uniform [0, 1). */
export const rng = mulberry32;

/** Standard normal (Box–Muller). */
export function normal(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * ReLU-like activations: a fraction `zeroFrac` of exact zeros, the rest log-normal
 * exp(mu + sigma·z), rounded to float32.
 */
export function reluLike(n: number, seed: number, opts: { zeroFrac?: number; mu?: number; sigma?: number } = {}): Float32Array {
  const r = rng(seed);
  const z = normal(r);
  const { zeroFrac = 0.5, mu = 0, sigma = 1.5 } = opts;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() < zeroFrac ? 0 : Math.exp(mu + sigma * z());
  return out;
}

/** numpy's default percentile ('linear') of the positive values; 0 when none. */
export function exactPercentile(values: ArrayLike<number>, p: number): number {
  const pos = Array.from(values)
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
  if (pos.length === 0) return 0;
  const h = ((pos.length - 1) * p) / 100;
  const k = Math.floor(h);
  const f = h - k;
  return f === 0 ? pos[k]! : pos[k]! + f * (pos[k + 1]! - pos[k]!);
}

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

/** Error assertions are shared with the data tests. */
export { expectError, expectErrorAsync } from '../helpers/errors.js';

const dirs: string[] = [];
export function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'onnx2snn-cal-'));
  dirs.push(d);
  return d;
}
export function cleanupTmp(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
