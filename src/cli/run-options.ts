/** The run flags shared by the commands that run a model: batch size, device, threads. */
import type { Config, Device } from '../index.js';
import { parseChoice, parseNumber } from './options.js';

export interface RunFlags {
  batchSize: number;
  device: Device;
  threads?: number;
}

export function runFlags(o: { batchSize?: string; device?: string; threads?: string }, dflt = 256): RunFlags {
  const batchSize = parseNumber('--batch-size', o.batchSize ?? String(dflt), { min: 1, integer: true });
  const device = parseChoice('--device', o.device ?? 'cpu', ['cpu', 'webgpu', 'cuda'] as const) as Device;
  const threads = o.threads !== undefined ? parseNumber('--threads', o.threads, { min: 1, integer: true }) : undefined;
  return { batchSize, device, ...(threads ? { threads } : {}) };
}

/** Run settings of a resolved config; `dflt` is the command's default batch size. */
export function runOf(cfg: Config, dflt: number): RunFlags {
  return { batchSize: cfg.run.batchSize ?? dflt, device: cfg.run.device, ...(cfg.run.threads ? { threads: cfg.run.threads } : {}) };
}
