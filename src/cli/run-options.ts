/** The run flags shared by the commands that run a model: batch size, device, threads. */
import type { Config, Device } from '../index.js';

export interface RunFlags {
  batchSize: number;
  device: Device;
  threads?: number;
}

/** Run settings of a resolved config; `dflt` is the command's default batch size. */
export function runOf(cfg: Config, dflt: number): RunFlags {
  return { batchSize: cfg.run.batchSize ?? dflt, device: cfg.run.device, ...(cfg.run.threads ? { threads: cfg.run.threads } : {}) };
}
