/** The machine a benchmark ran on, as every bench JSON records it (`machine`). */
import { cpus, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGB: number;
  readonly node: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
    memoryGB: totalmem() / 2 ** 30,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}
