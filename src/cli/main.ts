#!/usr/bin/env node
/** The `onnx2snn` command. Parses flags, calls the library, renders results; all logic is in the library. */
import { Command, CommanderError } from 'commander';
import { isOnnx2SnnError } from '../index.js';
import { ce } from './render.js';
import { registerEval } from './commands/eval.js';
import { registerInspect } from './commands/inspect.js';
import { registerCalibrate, registerConvert } from './commands/convert.js';
import { registerReport } from './commands/report.js';
import { registerSimulate } from './commands/simulate.js';
import { registerMerge } from './commands/merge.js';
import { registerWorker } from './commands/worker.js';

// `onnx2snn … | head`: a reader that closes early is not an error; output files are still written.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

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

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isOnnx2SnnError(e)) {
      process.stderr.write(`${ce.red('error')} ${ce.bold(e.code)}: ${e.message}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`${ce.red('internal error')}: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 3;
  }
}

await main();
