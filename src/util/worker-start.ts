/**
 * Starting a worker thread from a script file with this process's Node flags, less those Node
 * refuses for a worker (the image workers of src/data/images/pool.ts, the onnxruntime workers of
 * src/engine/ort-shards.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const inputType = (a: string) => a === '--input-type' || a.startsWith('--input-type=');

/**
 * A worker inherits the process's Node flags, but Node refuses --input-type for a worker's script
 * file (`node --input-type=module -e …` would get no worker at all): then the flags less that
 * one, or none if Node refuses some of those as well (per-process flags such as
 * --perf-basic-prof are ignored when inherited, refused when given).
 */
export function startWorker(script: URL): Worker {
  const argv = process.execArgv;
  if (!argv.some(inputType)) return new Worker(script);
  const kept = argv.filter((a, i) => !inputType(a) && !(argv[i - 1] === '--input-type'));
  try {
    return new Worker(script, { execArgv: kept });
  } catch {
    return new Worker(script, { execArgv: [] });
  }
}

/** Whether a worker's compiled script exists (not under the TypeScript sources, e.g. in vitest): else the work runs in the calling thread. */
export function workerScriptExists(script: URL): boolean {
  return existsSync(fileURLToPath(script));
}
