import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCifar10, loadDataset } from '../../src/data/index.js';
import { CIFAR, cleanupTmp, expectError, expectSameValues, gunzipFile, tmp, toNhwc } from './helpers.js';

const TEST = `${CIFAR}/test_first1000.bin.gz`;
const TRAIN = `${CIFAR}/train_first1000.bin.gz`;
const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.2435, 0.2616];

afterAll(cleanupTmp);

describe('CIFAR-10 binary', () => {
  it('reads test_first1000: 1000 samples [3,32,32] with known labels', () => {
    const ds = loadDataset(TEST);
    expect(ds.format).toBe('cifar10');
    expect(ds.count).toBe(1000);
    expect(ds.sampleShape).toEqual([3, 32, 32]);
    expect(Array.from(ds.labels.slice(0, 10))).toEqual([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
  });

  it('reads train_first1000 with known labels', () => {
    const ds = loadCifar10(TRAIN, { limit: 10 });
    expect(ds.total).toBe(1000);
    expect(Array.from(ds.labels)).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  });

  it('keeps the stored CHW byte order (sample = record minus its label byte)', () => {
    const raw = gunzipFile(TEST);
    const ds = loadDataset(TEST, { limit: 6 });
    for (const n of [0, 5]) {
      const rec = raw.subarray(n * 3073, (n + 1) * 3073);
      expect(ds.labels[n]).toBe(rec[0]);
      expectSameValues(ds.x.subarray(n * 3072, (n + 1) * 3072), rec.subarray(1));
    }
  });

  it('applies scale, then per-channel mean/std (checked against the raw bytes)', () => {
    const raw = gunzipFile(TEST);
    const ds = loadDataset(TEST, { scale: 1 / 255, mean: MEAN, std: STD, limit: 20 });
    for (const [n, c, p] of [
      [0, 0, 0],
      [0, 1, 517],
      [3, 2, 1023],
      [19, 1, 40],
      [7, 2, 300],
    ] as const) {
      const byte = raw[n * 3073 + 1 + c * 1024 + p] ?? NaN;
      const want = (byte / 255 - (MEAN[c] ?? NaN)) / (STD[c] ?? NaN);
      expect(ds.x[n * 3072 + c * 1024 + p]).toBeCloseTo(want, 5);
    }
    // one mean/std value for all channels
    const one = loadDataset(TEST, { scale: 1 / 255, mean: [0.5], std: [0.25], limit: 1 });
    expect(one.x[2 * 1024 + 5]).toBeCloseTo(((raw[1 + 2 * 1024 + 5] ?? NaN) / 255 - 0.5) / 0.25, 5);
  });

  it('layout nhwc is the transpose of nchw', () => {
    const pre = { scale: 1 / 255, mean: MEAN, std: STD, limit: 8 };
    const nchw = loadDataset(TEST, pre);
    const nhwc = loadDataset(TEST, { ...pre, layout: 'nhwc' });
    expect(nhwc.sampleShape).toEqual([32, 32, 3]);
    expectSameValues(nhwc.x, toNhwc(nchw.x, 8, 3, 32, 32));
    expectSameValues(nhwc.labels, nchw.labels);
  });

  it('offset and limit select records', () => {
    const all = loadDataset(TEST, { limit: 10 });
    const ds = loadDataset(TEST, { offset: 5, limit: 3 });
    expect(ds.count).toBe(3);
    expect(ds.offset).toBe(5);
    expect(Array.from(ds.labels)).toEqual([6, 1, 6]);
    expectSameValues(ds.x, all.x.subarray(5 * 3072, 8 * 3072));
  });

  it('plain file equals the gz file', () => {
    const d = tmp();
    const plain = join(d, 'test.bin');
    writeFileSync(plain, gunzipFile(TEST));
    const a = loadDataset(plain, { offset: 100, limit: 50 });
    const b = loadDataset(TEST, { offset: 100, limit: 50 });
    expectSameValues(a.x, b.x);
    expectSameValues(a.labels, b.labels);
    // content detection does not need the .bin name
    const anon = join(d, 'records.dat');
    writeFileSync(anon, gunzipFile(TEST).subarray(0, 3073 * 4));
    expect(loadDataset(anon).count).toBe(4);
  });

  it('size not a multiple of 3073: E_DATA_FORMAT (plain and gz)', () => {
    const d = tmp();
    const bad = join(d, 'bad.bin');
    const bytes = gunzipFile(TEST).subarray(0, 3073 * 2 + 100);
    writeFileSync(bad, bytes);
    expectError(() => loadDataset(bad), 'E_DATA_FORMAT', bad, '3073', String(3073 * 2 + 100));
    expectError(() => loadCifar10(bad), 'E_DATA_FORMAT', '3073');
    const badGz = join(d, 'bad.bin.gz');
    writeFileSync(badGz, gzipSync(bytes));
    expectError(() => loadDataset(badGz), 'E_DATA_FORMAT', badGz, '3073');
  });

  it('label byte above 9: E_DATA_FORMAT', () => {
    const d = tmp();
    const f = join(d, 'weird.bin');
    const bytes = new Uint8Array(3073 * 2);
    bytes[3073] = 42;
    writeFileSync(f, bytes);
    expectError(() => loadDataset(f), 'E_DATA_FORMAT', 'record 1', '42');
  });

  it('--labels is rejected for CIFAR (E_OPTION)', () => {
    expectError(() => loadDataset(TEST, { labels: 'x' }), 'E_OPTION', '--labels');
  });
});
