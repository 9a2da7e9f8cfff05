/**
 * The CLI program (src/cli/program.ts, what the executable runs) called in the test's own process:
 * same commands, flags, errors and exit statuses as a spawned `onnx2snn`, without a node start and
 * a fresh onnxruntime load per run. stdout and stderr are captured while it runs. Spawned runs of
 * the built CLI (test/report/helpers.ts runCli) remain where the process itself is under test:
 * exit codes of the executable, colours decided from the environment and the terminal.
 */
import { Command } from 'commander';
import { addConfigOptions, configFromCommand } from '../../src/cli/config-flags.js';
import { runProgram } from '../../src/cli/program.js';

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

type Write = typeof process.stdout.write;

function capture(into: string[]): Write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as Write;
}

/** `onnx2snn ...args` in this process; output is not a terminal, so never coloured. */
export async function runInProcess(args: readonly string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  try {
    const status = await runProgram([process.execPath, 'onnx2snn', ...args]);
    return { status, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}

/** The config `onnx2snn convert m.onnx ...args` would run with (its flags parsed, nothing run); a bad flag throws as the CLI does. */
export function convertConfig(args: readonly string[]): ReturnType<typeof configFromCommand> {
  const program = new Command().exitOverride();
  const cmd = program.command('convert').argument('[model]');
  addConfigOptions(cmd, 'convert');
  let cfg: ReturnType<typeof configFromCommand> | undefined;
  cmd.action((m: string | undefined, o: Record<string, unknown>) => {
    cfg = configFromCommand(cmd, 'convert', o, m);
  });
  program.parse(['node', 'onnx2snn', 'convert', 'm.onnx', ...args]);
  return cfg!;
}
