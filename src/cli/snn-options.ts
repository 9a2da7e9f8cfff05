/**
 * The flags of eval/convert/calibrate are derived from the config schema (src/config/schema.ts,
 * src/config/cli.ts). What remains here is the time-step list of `simulate`.
 */
import { optionError, parseNumberList } from './options.js';

export function parseTimesteps(v: string): number[] {
  const ts = parseNumberList('--timesteps', v, { min: 1, integer: true });
  if (Math.max(...ts) > 100_000) throw optionError('--timesteps', `at most 100000 steps, got ${Math.max(...ts)}`, v);
  return [...new Set(ts)].sort((a, b) => a - b);
}
