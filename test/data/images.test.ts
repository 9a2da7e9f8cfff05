/**
 * Folders of images as datasets: the two labelling layouts (class subfolders as torchvision's
 * ImageFolder, or a class list and <class>_ file names), colour conversions (greyscale, alpha,
 * 16-bit), bad files (typed errors naming the file, or skipped and counted with skipBad),
 * offset/limit, layouts, and the bounded memory of the streamed reader.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/images/decode.js';
import { imageFolder } from '../../src/data/images/dataset.js';
import { openDataset, readSamples } from '../../src/data/index.js';
import { ErrorCodes } from '../../src/errors.js';
import { cleanupTmp, expectError, expectErrorAsync, tmp } from './helpers.js';
import { jpeg, png, put, rgbPng } from './image-helpers.js';

afterAll(cleanupTmp);

/** The first value of each sample (red of the top-left pixel) with scale 1: the seed of rgbPng. */
async function firstValues(root: string, pre: Parameters<typeof openDataset>[1] = {}): Promise<{ labels: number[]; first: number[] }> {
  const ds = openDataset(root, pre);
  const x = await readSamples(ds, 0, ds.count);
  const per = x.length / ds.count;
  return { labels: Array.from(ds.labels), first: Array.from({ length: ds.count }, (_, i) => x[i * per]!) };
}

describe('image folders: labels', () => {
  it('class subfolders (ImageFolder): sorted folder names are the classes, files found recursively, other files ignored', async () => {
    const root = tmp();
    put(join(root, 'cat', 'b.png'), rgbPng(4, 4, 30));
    put(join(root, 'cat', 'a.png'), rgbPng(4, 4, 20));
    put(join(root, 'ant', 'x.PNG'), rgbPng(4, 4, 10));
    put(join(root, 'bee', 'deep', 'y.png'), rgbPng(4, 4, 40));
    put(join(root, 'bee', 'notes.txt'), 'not an image');
    put(join(root, 'empty', '.keep'), '');
    const r = await firstValues(root);
    expect(r.labels).toEqual([0, 1, 2, 2]); // ant, bee, cat (a, b); 'empty' is class 3
    expect(r.first).toEqual([10, 40, 20, 30]);
  });

  it('a class list: file-name prefixes (ImageNet style) and subfolder names index its lines', async () => {
    const root = tmp();
    const classes = join(root, '..', `${root.split('/').pop()}-synsets.txt`);
    writeFileSync(classes, 'n0 zero\nn1 one, uno\nn2 two\n\n');
    put(join(root, 'n2_b.png'), rgbPng(4, 4, 2));
    put(join(root, 'n0_a.png'), rgbPng(4, 4, 0));
    put(join(root, 'n1_x_y.png'), rgbPng(4, 4, 1));
    put(join(root, 'n1', 'z.png'), rgbPng(4, 4, 5));
    const r = await firstValues(root, { classes });
    expect(r.labels).toEqual([0, 1, 2, 1]);
    expect(r.first).toEqual([0, 1, 2, 5]);
    put(join(root, 'n7_bad.png'), rgbPng(4, 4));
    expectError(() => openDataset(root, { classes }), ErrorCodes.DATA_LABELS, 'n7_bad.png', '"n7"', 'synsets.txt');
  });

  it('images directly in the folder without a class list: E_DATA_LABELS; an empty folder: E_DATA_FORMAT', () => {
    const root = tmp();
    put(join(root, 'n0_a.png'), rgbPng(2, 2));
    expectError(() => openDataset(root), ErrorCodes.DATA_LABELS, root, '--classes');
    expectError(() => openDataset(tmp()), ErrorCodes.DATA_FORMAT, 'no .jpg, .jpeg or .png images');
  });

  it('image options on a dataset file: E_OPTION naming the flag', () => {
    expectError(
      () => openDataset('fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz', { resize: [8] }),
      ErrorCodes.OPTION,
      '--resize',
      'folders of images',
    );
  });
});

describe('image folders: pixels', () => {
  it.each([
    ['greyscale', png(2, 1, 0, 8, [7, 200]), [7, 7, 7, 200, 200, 200]],
    ['greyscale + alpha', png(2, 1, 4, 8, [7, 0, 200, 255]), [7, 7, 7, 200, 200, 200]],
    ['RGBA', png(2, 1, 6, 8, [1, 2, 3, 0, 4, 5, 6, 255]), [1, 2, 3, 4, 5, 6]],
    ['16-bit RGB (high byte)', png(2, 1, 2, 16, [0x0102, 0xff00, 0x8080, 0x0000, 0x7fff, 0xffff]), [1, 255, 128, 0, 127, 255]],
    ['16-bit greyscale (high byte)', png(2, 1, 0, 16, [0x1234, 0xabcd]), [0x12, 0x12, 0x12, 0xab, 0xab, 0xab]],
  ] as const)('%s PNG becomes 8-bit RGB', async (_, bytes, want) => {
    const f = join(tmp(), 'a.png');
    writeFileSync(f, bytes);
    const img = await decodeImage(f);
    expect([img.width, img.height, img.channels]).toEqual([2, 1, 3]);
    expect(Array.from(img.data)).toEqual(want);
  });

  it('scale, mean, std per channel; NHWC is the transpose of NCHW; offset and limit select files', async () => {
    const root = tmp();
    for (let i = 0; i < 6; i++) put(join(root, 'c', `${i}.png`), rgbPng(3, 2, 10 * i));
    const pre = { scale: 1 / 255, mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] };
    const a = openDataset(root, { ...pre, offset: 2, limit: 3 });
    const b = openDataset(root, { ...pre, offset: 2, limit: 3, layout: 'nhwc' });
    expect([a.count, a.offset, a.total, [...a.sampleShape], [...b.sampleShape]]).toEqual([3, 2, 6, [3, 2, 3], [2, 3, 3]]);
    const xa = await readSamples(a, 0, 3);
    const xb = await readSamples(b, 0, 3);
    for (let n = 0; n < 3; n++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < 6; p++) {
          const v = (10 * (n + 2) + 7 * p + 50 * c) % 256;
          const want = (v / 255 - pre.mean[c]!) / pre.std[c]!;
          expect(xa[n * 18 + c * 6 + p]).toBeCloseTo(want, 6);
          expect(xb[n * 18 + p * 3 + c]).toBe(xa[n * 18 + c * 6 + p]);
        }
  });

  it('images of different sizes without --center-crop: E_DATA_SHAPE naming the file; with it, one sample shape', async () => {
    const root = tmp();
    put(join(root, 'c', 'a.png'), rgbPng(4, 4));
    put(join(root, 'c', 'b.png'), rgbPng(6, 4));
    await expectErrorAsync(() => readSamples(openDataset(root), 0, 2), ErrorCodes.DATA_SHAPE, 'b.png', '--center-crop');
    const ds = openDataset(root, { resize: [4], centerCrop: [3, 2] });
    expect([...ds.sampleShape]).toEqual([3, 3, 2]);
    expect((await readSamples(ds, 0, 2)).length).toBe(2 * 18);
  });
});

describe('image folders: bad files', () => {
  async function badFolder(): Promise<string> {
    const root = tmp();
    put(join(root, 'c', '0-good.jpg'), await jpeg(8, 8));
    const whole = await jpeg(16, 16);
    put(join(root, 'c', '1-truncated.jpg'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    put(join(root, 'c', '2-text.jpg'), 'this is not an image');
    put(join(root, 'c', '3-cmyk.jpg'), await jpeg(8, 8, { cmyk: true }));
    put(join(root, 'c', '4-empty.png'), '');
    put(join(root, 'c', '5-cut.png'), rgbPng(8, 8).subarray(0, 40));
    put(join(root, 'c', '6-good.png'), rgbPng(8, 8));
    return root;
  }

  it.each([
    [1, '1-truncated.jpg', 'truncated'],
    [2, '2-text.jpg', 'not a JPEG or PNG'],
    [3, '3-cmyk.jpg', 'CMYK'],
    [4, '4-empty.png', 'empty file'],
    [5, '5-cut.png', ''],
  ] as const)('sample %i (%s): E_DATA_FORMAT naming the file (%s)', async (i, file, why) => {
    const ds = openDataset(await badFolder(), { centerCrop: [8] });
    await expectErrorAsync(() => readSamples(ds, i, i + 1), ErrorCodes.DATA_FORMAT, file, why, '--skip-bad');
  });

  it('skipBad: the bad files are left out before reading, with their reasons; the good ones read', async () => {
    const ds = openDataset(await badFolder(), { centerCrop: [8], skipBad: true });
    expect(ds.count).toBe(2);
    const reasons = Object.fromEntries(ds.skipped!.map((s) => [s.file.split('/').pop()!, s.reason]));
    expect(Object.keys(reasons)).toEqual(['1-truncated.jpg', '2-text.jpg', '3-cmyk.jpg', '4-empty.png', '5-cut.png']);
    expect(reasons['1-truncated.jpg']).toContain('truncated');
    expect(reasons['2-text.jpg']).toContain('not a JPEG or PNG');
    expect(reasons['3-cmyk.jpg']).toContain('CMYK');
    expect(reasons['4-empty.png']).toContain('empty');
    expect(reasons['5-cut.png']).toMatch(/truncated|corrupt/);
    expect((await readSamples(ds, 0, 2)).length).toBe(2 * 3 * 64);
  });
});

describe('image folders: streaming', () => {
  it('reading 300 images in batches of 16 never holds more than the batch and one prefetched batch', async () => {
    const root = tmp();
    for (let i = 0; i < 300; i++) put(join(root, 'c', `${String(i).padStart(3, '0')}.png`), rgbPng(8, 8, i));
    const { dataset: ds, reader } = imageFolder(root);
    for (let s = 0; s < ds.count; s += 16) {
      const x = await readSamples(ds, s, s + 16);
      const again = await readSamples(ds, s, s + 16); // the ANN after the SNN on the same batch
      expect(again).toEqual(x);
      for (let n = 0; n < x.length / 192; n++) expect(x[n * 192], `sample ${s + n}`).toBe((s + n) % 256);
      expect(reader.held).toBeLessThanOrEqual(32);
    }
    expect(reader.maxHeld).toBeLessThanOrEqual(32);
    expect(reader.maxHeld).toBeGreaterThan(16); // it does prefetch
  });

  it('ranges that straddle the batches decoded so far are assembled from them, sample by sample', async () => {
    const root = tmp();
    for (let i = 0; i < 40; i++) put(join(root, 'c', `${String(i).padStart(3, '0')}.png`), rgbPng(8, 8, 3 * i));
    const { dataset: ds } = imageFolder(root);
    const first = (x: Float32Array) => Array.from({ length: x.length / 192 }, (_, n) => x[n * 192]);
    const expected = (s: number, e: number) => Array.from({ length: e - s }, (_, n) => 3 * (s + n));
    const a = await readSamples(ds, 0, 10); // decodes 0–9, prefetches 10–19 into one buffer
    expect(await readSamples(ds, 0, 10)).toBe(a); // the same range again: the same array, no copy
    for (const [s, e] of [
      [5, 15], // half of the current batch, half of the prefetched one
      [12, 18], // inside the prefetched batch
      [18, 31], // the end of one, then samples never requested
      [31, 40],
    ] as const) {
      expect(first(await readSamples(ds, s, e)), `${s}..${e}`).toEqual(expected(s, e));
    }
  });
});
