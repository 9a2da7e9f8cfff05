#!/usr/bin/env node
/** The `onnx2snn` command. Parses flags, calls the library, renders results; all logic is in the library. */
import { runProgram } from './program.js';

// `onnx2snn … | head`: a reader that closes early is not an error; output files are still written.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

process.exitCode = await runProgram(process.argv);
