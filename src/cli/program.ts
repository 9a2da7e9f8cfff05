/**
 * The `onnx2snn` program: its commands, and one run of it over an argument vector, returning the
 * exit status (main.ts is the executable around it; the tests also run it in their own process).
 * Exit status: 0 done, 1 a typed error (its code and message on stderr), 2 a usage error
 * (commander prints it), 3 an internal error.
 */
import { Command, CommanderError } from 'commander';
import { isOnnx2SnnError } from '../index.js';
import { registerCalibrate, registerConvert } from './commands/convert.js';
import { registerEval } from './commands/eval.js';
import { registerInspect } from './commands/inspect.js';
import { registerMerge } from './commands/merge.js';
import { registerReport } from './commands/report.js';
import { registerSimulate } from './commands/simulate.js';
import { registerWorker } from './commands/worker.js';
import { ce } from './render.js';

/** A fresh program per run: commander keeps the parsed options on its Command objects. */
function createProgram(): Command {
  const program = new Command();
  program
    .name('onnx2snn')
    .description('Convert pretrained ONNX ReLU networks into rate-coded spiking neural networks')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerInspect(program);
  registerEval(program);
  registerCalibrate(program);
  registerConvert(program);
  registerSimulate(program);
  registerReport(program);
  registerMerge(program);
  registerWorker(program);
  return program;
}

/** Runs one command line (`argv` as in process.argv: node, script, then the arguments); returns the exit status. */
export async function runProgram(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isOnnx2SnnError(e)) {
      process.stderr.write(`${ce.red('error')} ${ce.bold(e.code)}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`${ce.red('internal error')}: ${(e as Error).stack ?? String(e)}\n`);
    return 3;
  }
}
