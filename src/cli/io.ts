import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCodes, Onnx2SnnError } from '../index.js';

/** Writes through a temporary file and a rename, so a failed run never leaves a half-written file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
}
