/** Auto's held-out and fit samples: a seeded split of the calibration set (calibration/auto.ts). */
import { readSamples } from '../src/data/batches.js';
import type { Dataset, InMemoryDataset } from '../src/data/types.js';
import { mulberry32 } from '../src/util/random.js';

/** A seeded split of [0, n): `held` indices, then up to `fit` others (each sorted, disjoint). */
export function splitIndices(n: number, held: number, fit: number, seed: number): { heldOut: number[]; fit: number[] } {
  const p = Array.from({ length: n }, (_, i) => i);
  const r = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  const h = Math.min(held, n);
  return { heldOut: p.slice(0, h).sort((a, b) => a - b), fit: p.slice(h, h + fit).sort((a, b) => a - b) };
}

/** The samples at `indices` as an in-memory dataset (read one run of consecutive indices at a time). */
export async function subsetOf(ds: Dataset, indices: readonly number[]): Promise<InMemoryDataset> {
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * per);
  for (let k = 0; k < indices.length; ) {
    let e = k + 1;
    while (e < indices.length && indices[e] === indices[e - 1]! + 1) e++;
    x.set(await readSamples(ds, indices[k]!, indices[e - 1]! + 1), k * per);
    k = e;
  }
  const { read: _r, x: _x, ...rest } = ds;
  void _r, void _x;
  return { ...rest, count: indices.length, x, labels: Int32Array.from(indices, (i) => ds.labels[i]!) };
}
