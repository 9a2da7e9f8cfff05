import { accessSync, constants, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrorCodes, Onnx2SnnError } from '../index.js';

const fileError = (path: string, why: string, option?: string): Onnx2SnnError =>
  new Onnx2SnnError(ErrorCodes.FILE, `${option ? `${option} ` : ''}${path}: cannot write (${why})`, { file: path, ...(option ? { option } : {}) });

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The nearest existing folder above `path` must be a writable folder (the missing ones are created when writing). */
function checkParent(path: string, option?: string): void {
  let dir = dirname(resolve(path));
  let st = statOf(dir);
  while (!st && dirname(dir) !== dir) {
    dir = dirname(dir);
    st = statOf(dir);
  }
  if (st && !st.isDirectory()) throw fileError(path, `${dir} is a file, not a folder`, option);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw fileError(path, `folder ${dir} is not writable`, option);
  }
}

/**
 * Checks, before any work, that `path` can be written as a file (`dir`: as a folder of files):
 * not an existing folder (or file), below a writable folder. E_FILE naming the option otherwise.
 */
export function checkOutputPath(path: string, option?: string, dir = false): void {
  const st = statOf(path);
  if (st && !dir && st.isDirectory()) throw fileError(path, 'it is a folder', option);
  if (st && dir && !st.isDirectory()) throw fileError(path, 'it is a file, not a folder', option);
  if (st && dir) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      throw fileError(path, 'the folder is not writable', option);
    }
    return;
  }
  checkParent(path, option);
}

/** A path as the user gave it, without a trailing slash (`plots/` + `a.svg` is `plots/a.svg`). */
export function cleanPath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * Writes through a temporary file and a rename, so a failed run never leaves a half-written file;
 * the temporary file is removed on every failure path.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    const code = (e as NodeJS.ErrnoException).code;
    throw fileError(path, code === 'EISDIR' ? 'it is a folder' : (code ?? (e as Error).message));
  }
}

/** The files a command writes (the config's `output` section). */
export interface Outputs {
  readonly json?: string | undefined;
  readonly report?: string | undefined;
  readonly plots?: string | undefined;
  readonly snn?: string | undefined;
  readonly nir?: string | undefined;
  readonly thresholds?: string | undefined;
  readonly config?: string | undefined;
}

/** Checks every output location of a command before its work starts (an evaluation is not run to fail at the end). */
export function checkOutputs(out: Outputs, command: string): void {
  const flags: Record<keyof Outputs, string> = {
    json: '--json',
    report: '--report',
    plots: '--plots',
    snn: '-o',
    nir: '--nir',
    thresholds: command === 'calibrate' ? '-o' : '--thresholds-out',
    config: '--save-config',
  };
  for (const k of Object.keys(flags) as (keyof Outputs)[]) {
    const p = out[k];
    if (p) checkOutputPath(p, flags[k], k === 'plots');
  }
}
