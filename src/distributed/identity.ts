/**
 * What makes two shard records parts of one run: content hashes (sha256, hex) of the model, the
 * thresholds, the data and the options that change results. Paths are not part of it — a worker on
 * another machine may see the same files under other names — but contents are: a different file
 * under the same name is refused, never silently evaluated.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { detectFormat } from '../data/index.js';
import { findLabelsFile } from '../data/idx.js';
import type { Preprocess } from '../data/types.js';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x))).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export const sha256Json = (v: unknown): string => createHash('sha256').update(stableJson(v)).digest('hex');

const fileHashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** sha256 of a file's bytes, read in 4 MiB chunks; cached per path, size and modification time. */
export function sha256File(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: path });
  }
  const hit = fileHashes.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const sha256 = h.digest('hex');
  fileHashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

/** The files a dataset is read from: the data file and, for IDX images, the labels file. */
export function dataFiles(path: string, pre: Preprocess = {}): string[] {
  return detectFormat(path) === 'idx' ? [path, findLabelsFile(path, pre.labels)] : [path];
}

export interface DataIdentity {
  /** sha256 of everything below: the identity compared between shards. */
  readonly sha256: string;
  /** Each file read and the sha256 of its bytes (to name the file that differs). */
  readonly files: { readonly path: string; readonly sha256: string }[];
}

/**
 * The identity of the evaluated samples: the bytes of the data (and labels) files, the
 * preprocessing, and the selection (`offset`, `count`: the samples of all shards together).
 */
export function dataIdentity(path: string, pre: Preprocess, selection: { offset: number; count: number }): DataIdentity {
  const files = dataFiles(path, pre).map((p) => ({ path: p, sha256: sha256File(p) }));
  const { scale, mean, std, layout } = pre;
  const sha256 = sha256Json({ files: files.map((f) => f.sha256), preprocess: { scale, mean, std, layout: layout ?? 'nchw' }, selection });
  return { sha256, files };
}
