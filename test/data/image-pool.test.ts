/**
 * Image worker threads (src/data/images/pool.ts): they exist in the built package only (the
 * compiled worker script), so these tests read through test-output/dist and compare with the
 * TypeScript sources, which process images in the calling thread. The samples must be the same
 * bit for bit whatever the thread count, errors keep their codes, memory stays bounded, and
 * nothing keeps a process alive.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset, readSamples } from '../../src/data/index.js';
import type { Preprocess } from '../../src/data/types.js';
import { ErrorCodes } from '../../src/errors.js';
import { OUT, builtPackage } from '../report/helpers.js';
import { cleanupTmp, expectError, tmp, toNhwc } from './helpers.js';
import { put, rgbPng } from './image-helpers.js';

type DataApi = { openDataset: typeof openDataset; readSamples: typeof readSamples };
type PoolApi = typeof import('../../src/data/images/pool.js');

const SAMPLE = 'fixtures/data/imagenet-sample';
const PRE: Preprocess = {
  resize: [256],
  centerCrop: [224],
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  classes: `${SAMPLE}/synsets.txt`,
};
const PER = 3 * 224 * 224;

let built: DataApi;
let pool: PoolApi;

beforeAll(async () => {
  await builtPackage();
  built = (await import(pathToFileURL(join(OUT, 'src/data/index.js')).href)) as DataApi;
  pool = (await import(pathToFileURL(join(OUT, 'src/data/images/pool.js')).href)) as PoolApi;
}, 600_000);

afterAll(async () => {
  await pool?.closeImagePools();
  cleanupTmp();
});

/** Every sample of a folder, read in batches of `batch`. */
async function readAll(api: DataApi, root: string, pre: Preprocess, batch: number): Promise<Float32Array> {
  const ds = api.openDataset(root, pre);
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const all = new Float32Array(ds.count * per);
  for (let s = 0; s < ds.count; s += batch) all.set(await api.readSamples(ds, s, s + batch), s * per);
  return all;
}

const sha = (x: Float32Array) =>
  createHash('sha256')
    .update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength))
    .digest('hex');

/** The error a promise rejects with (the built package's Onnx2SnnError is its own class: checked by name and code). */
async function rejection(p: Promise<unknown>): Promise<{ name: string; code: string; message: string; details: Record<string, unknown> }> {
  const e = await p.then(
    () => expect.fail('expected a rejection') as never,
    (err: unknown) => err,
  );
  return e as { name: string; code: string; message: string; details: Record<string, unknown> };
}

describe('image worker threads', () => {
  it('the 100 bundled images: the same float samples in the calling thread and in 1 or 3 worker threads, in both layouts; at most 2 per thread in flight', async () => {
    const inline = await readAll({ openDataset, readSamples }, SAMPLE, { ...PRE, imageThreads: 0 }, 64);
    expect(inline.length).toBe(100 * PER);
    const three = await readAll(built, SAMPLE, { ...PRE, imageThreads: 3 }, 16);
    const one = await readAll(built, SAMPLE, { ...PRE, imageThreads: 1, layout: 'nhwc' }, 64);
    expect(sha(three)).toBe(sha(inline));
    expect(sha(one)).toBe(sha(toNhwc(inline, 100, 3, 224, 224)));
    const p3 = await pool.imagePool(3);
    expect([p3.capacity, p3.peakInFlight]).toEqual([6, 6]);
  });

  it('errors from a worker keep their code, message and file: E_DATA_FORMAT, E_DATA_SHAPE; --skip-bad leaves the bad file out', async () => {
    const root = tmp();
    put(join(root, 'c', '0-good.png'), rgbPng(8, 8, 3));
    put(join(root, 'c', '1-text.png'), 'this is not an image');
    put(join(root, 'c', '2-wide.png'), rgbPng(10, 8, 5));
    const ds = built.openDataset(root, { imageThreads: 2 });
    const bad = await rejection(built.readSamples(ds, 0, 3));
    expect([bad.name, bad.code, bad.details.file]).toEqual(['Onnx2SnnError', ErrorCodes.DATA_FORMAT, join(root, 'c', '1-text.png')]);
    expect(bad.message).toContain('--skip-bad');
    const shape = await rejection(built.readSamples(ds, 2, 3));
    expect([shape.code, shape.details.file, shape.details.actual]).toEqual([ErrorCodes.DATA_SHAPE, join(root, 'c', '2-wide.png'), [8, 10]]);
    const pre: Preprocess = { centerCrop: [8], skipBad: true, scale: 1 / 255 };
    const skipping = built.openDataset(root, { ...pre, imageThreads: 2 });
    expect(skipping.count).toBe(2);
    expect(sha(await readAll(built, root, { ...pre, imageThreads: 2 }, 2))).toBe(sha(await readAll({ openDataset, readSamples }, root, pre, 2)));
  });

  it('a worker that dies fails the pool with E_RUNTIME naming the file; the next read starts a fresh pool', async () => {
    const p = await pool.imagePool(2);
    await (p as unknown as { lanes: { worker: { terminate(): Promise<number> } }[] }).lanes[0]!.worker.terminate();
    const lut = [0, 1, 2].map(() => new Float32Array(256));
    const e = await rejection(p.run({ geo: {}, height: 8, width: 8, lut, nhwc: false }, 'x.png', new Float32Array(192)));
    expect([e.code, e.details.file]).toEqual([ErrorCodes.RUNTIME, 'x.png']);
    expect(e.message).toContain('image worker thread failed');
    expect(await pool.imagePool(2)).not.toBe(p);
    expect((await readAll(built, SAMPLE, { ...PRE, limit: 4, imageThreads: 2 }, 4)).length).toBe(4 * PER);
  });

  it('a process that reads through worker threads (started with --input-type, which workers do not take) exits without closing them', () => {
    const script = `const d = await import(${JSON.stringify(pathToFileURL(join(OUT, 'src/data/index.js')).href)});
      const ds = d.openDataset(${JSON.stringify(SAMPLE)}, ${JSON.stringify({ ...PRE, limit: 8, imageThreads: 2 })});
      const x = await d.readSamples(ds, 0, 4);
      process.stdout.write(String(x.length));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect([r.status, r.signal, r.stdout], r.stderr).toEqual([0, null, String(4 * PER)]);
  });

  it('default thread count: the calling thread below POOL_MIN_IMAGES images (starting workers costs more), one per core from there', () => {
    expect([pool.defaultImageThreads(pool.POOL_MIN_IMAGES - 1), pool.defaultImageThreads(pool.POOL_MIN_IMAGES)]).toEqual([0, availableParallelism()]);
  });

  it('imageThreads must be a whole number ≥ 0: E_OPTION naming --image-threads', () => {
    for (const t of [-1, 1.5]) expectError(() => openDataset(SAMPLE, { ...PRE, imageThreads: t }), ErrorCodes.OPTION, '--image-threads');
  });
});
