import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, loadIdx, labelsPathFor } from '../../src/data/index.js';
import { cleanupTmp, expectError, expectSameValues, FASHION, gunzipFile, idx, MNIST, tmp } from './helpers.js';

const EVERY5 = `${MNIST}/t10k_every5th-images-idx3-ubyte.gz`;
const EVERY5_LABELS = `${MNIST}/t10k_every5th-labels-idx1-ubyte.gz`;
const T10K = `${MNIST}/t10k-images-idx3-ubyte.gz`;
const TRAIN = `${MNIST}/train-images-idx3-ubyte.gz`;

afterAll(cleanupTmp);

describe('IDX: real MNIST / Fashion-MNIST files', () => {
  it('reads t10k_every5th: 2000 samples [1,28,28], raw bytes, known labels', () => {
    const ds = loadDataset(EVERY5);
    expect(ds.format).toBe('idx');
    expect(ds.source).toBe(EVERY5);
    expect(ds.count).toBe(2000);
    expect(ds.total).toBe(2000);
    expect(ds.offset).toBe(0);
    expect(ds.sampleShape).toEqual([1, 28, 28]);
    expect(ds.x.length).toBe(2000 * 784);
    expect(Array.from(ds.labels.slice(0, 10))).toEqual([7, 1, 0, 5, 9, 0, 3, 2, 1, 5]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.x.subarray(0, 784 * 50)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      expect(Number.isInteger(v)).toBe(true);
    }
    expect(min).toBe(0);
    expect(max).toBe(255);
  });

  it('matches the raw bytes of the file', () => {
    const raw = gunzipFile(EVERY5);
    const ds = loadIdx(EVERY5, { offset: 3, limit: 2 });
    expect(Array.from(ds.x)).toEqual(Array.from(raw.subarray(16 + 3 * 784, 16 + 5 * 784)));
  });

  it('scale 1/255 puts pixels in [0,1]', () => {
    const ds = loadDataset(EVERY5, { scale: 1 / 255, limit: 100 });
    let max = -Infinity;
    let min = Infinity;
    for (const v of ds.x) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    expect(min).toBe(0);
    expect(max).toBeCloseTo(1, 6);
  });

  it('full t10k has 10000 samples, and every5th sample i is t10k sample 5i', () => {
    const full = loadDataset(T10K);
    expect(full.count).toBe(10000);
    const e5 = loadDataset(EVERY5, { limit: 20 });
    for (const i of [0, 1, 7, 19]) {
      expect(full.labels[5 * i]).toBe(e5.labels[i]);
      expect(Array.from(full.x.subarray(5 * i * 784, (5 * i + 1) * 784))).toEqual(Array.from(e5.x.subarray(i * 784, (i + 1) * 784)));
    }
  });

  it('reads the first 1000 of the 60000 training images quickly', () => {
    const t = performance.now();
    const ds = loadDataset(TRAIN, { limit: 1000, scale: 1 / 255 });
    const ms = performance.now() - t;
    expect(ds.count).toBe(1000);
    expect(ds.total).toBe(60000);
    expect(Array.from(ds.labels.slice(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(ms).toBeLessThan(2000);
  });

  it('offset near the end of the training set, limit clamped', () => {
    const ds = loadDataset(TRAIN, { offset: 59995, limit: 100 });
    expect(ds.count).toBe(5);
    expect(ds.offset).toBe(59995);
    const tail = loadDataset(`${MNIST}/train-images-idx3-ubyte.gz`, { offset: 59990 });
    expect(Array.from(tail.labels.subarray(5))).toEqual(Array.from(ds.labels));
    expectSameValues(tail.x.subarray(5 * 784), ds.x);
  });

  it('reads Fashion-MNIST train_first2000', () => {
    const ds = loadDataset(`${FASHION}/train_first2000-images-idx3-ubyte.gz`);
    expect(ds.count).toBe(2000);
    expect(Array.from(ds.labels.slice(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  });
});

describe('IDX: plain files, naming, explicit labels', () => {
  it('plain (gunzipped) files give the same data as .gz', () => {
    const d = tmp();
    const images = join(d, 't10k_every5th-images-idx3-ubyte');
    writeFileSync(images, gunzipFile(EVERY5));
    writeFileSync(join(d, 't10k_every5th-labels-idx1-ubyte'), gunzipFile(EVERY5_LABELS));
    const plain = loadDataset(images, { scale: 1 / 255 });
    const gz = loadDataset(EVERY5, { scale: 1 / 255 });
    expect(plain.count).toBe(gz.count);
    expectSameValues(plain.x, gz.x);
    expectSameValues(plain.labels, gz.labels);
  });

  it('detects gzip by content, not by name; finds a .gz labels file next to plain images', () => {
    const d = tmp();
    // gzipped content without .gz suffix, labels with .gz suffix
    const images = join(d, 'digits-images-idx3-ubyte');
    copyFileSync(EVERY5, images);
    copyFileSync(EVERY5_LABELS, join(d, 'digits-labels-idx1-ubyte.gz'));
    const ds = loadDataset(images, { limit: 10 });
    expect(Array.from(ds.labels)).toEqual([7, 1, 0, 5, 9, 0, 3, 2, 1, 5]);
  });

  it('supports the -images.idx3-ubyte naming variant', () => {
    const d = tmp();
    const images = join(d, 't10k-images.idx3-ubyte');
    writeFileSync(images, gunzipFile(EVERY5));
    writeFileSync(join(d, 't10k-labels.idx1-ubyte'), gunzipFile(EVERY5_LABELS));
    expect(labelsPathFor(images)).toBe(join(d, 't10k-labels.idx1-ubyte'));
    expect(loadDataset(images).count).toBe(2000);
  });

  it('uses an explicit labels path', () => {
    const d = tmp();
    const images = join(d, 'digits.gz');
    const labels = join(d, 'answers.gz');
    copyFileSync(EVERY5, images);
    copyFileSync(EVERY5_LABELS, labels);
    const ds = loadDataset(images, { labels, offset: 2, limit: 3 });
    expect(Array.from(ds.labels)).toEqual([0, 5, 9]);
    expectError(() => loadDataset(images), 'E_DATA_LABELS', images, '--labels');
  });

  it('reads other IDX element types (big-endian float, rank 2 → flat samples)', () => {
    const d = tmp();
    const images = join(d, 'v-images-idx3-ubyte');
    const values = [0.5, -1.25, 3e3, 7, 8, 9];
    writeFileSync(images, idx([3, 2], values, 0x0d));
    writeFileSync(join(d, 'v-labels-idx1-ubyte'), idx([3], [2, 0, 1]));
    const ds = loadDataset(images);
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.x)).toEqual(values);
    expect(Array.from(ds.labels)).toEqual([2, 0, 1]);

    const shorts = join(d, 's-images-idx3-ubyte');
    writeFileSync(shorts, idx([2, 1, 2], [-300, 300, 1, -1], 0x0b));
    writeFileSync(join(d, 's-labels-idx1-ubyte'), idx([2], [1, 1]));
    const s = loadDataset(shorts);
    expect(s.sampleShape).toEqual([1, 1, 2]);
    expect(Array.from(s.x)).toEqual([-300, 300, 1, -1]);
  });
});

describe('IDX errors', () => {
  it('missing labels file: E_DATA_LABELS naming the path tried and suggesting --labels', () => {
    const d = tmp();
    const images = join(d, 'lonely-images-idx3-ubyte.gz');
    copyFileSync(EVERY5, images);
    const e = expectError(() => loadDataset(images), 'E_DATA_LABELS', join(d, 'lonely-labels-idx1-ubyte.gz'), '--labels');
    expect(e.details['file']).toBe(images);
    expectError(() => loadDataset(images, { labels: join(d, 'nope.gz') }), 'E_DATA_LABELS', join(d, 'nope.gz'));
  });

  it('label count mismatch: E_DATA_LABELS with both counts', () => {
    const d = tmp();
    const images = join(d, 'm-images-idx3-ubyte.gz');
    copyFileSync(EVERY5, images);
    writeFileSync(join(d, 'm-labels-idx1-ubyte'), idx([1999], new Uint8Array(1999)));
    const e = expectError(() => loadDataset(images), 'E_DATA_LABELS', '2000', '1999');
    expect(e.details['expected']).toBe(2000);
    expect(e.details['actual']).toBe(1999);
  });

  it('truncated IDX (plain and gz): E_DATA_FORMAT with file, expected and actual byte counts', () => {
    const d = tmp();
    const full = idx([10, 28, 28], new Uint8Array(10 * 784).fill(3));
    const cut = full.subarray(0, 16 + 5 * 784 + 100);
    const plain = join(d, 'cut-images-idx3-ubyte');
    writeFileSync(plain, cut);
    writeFileSync(join(d, 'cut-labels-idx1-ubyte'), idx([10], new Uint8Array(10)));
    expectError(() => loadDataset(plain), 'E_DATA_FORMAT', plain, 'truncated', String(16 + 7840), String(cut.length));
    // even when only the first sample is asked for
    expectError(() => loadDataset(plain, { limit: 1 }), 'E_DATA_FORMAT', String(16 + 7840), String(cut.length));

    const gz = join(d, 'cutgz-images-idx3-ubyte.gz');
    writeFileSync(gz, gzipSync(cut));
    writeFileSync(join(d, 'cutgz-labels-idx1-ubyte.gz'), gzipSync(idx([10], new Uint8Array(10))));
    expectError(() => loadDataset(gz, { limit: 2 }), 'E_DATA_FORMAT', gz, String(16 + 7840), String(cut.length));

    // a header cut in the middle
    const tiny = join(d, 'tiny-images-idx3-ubyte');
    writeFileSync(tiny, full.subarray(0, 10));
    expectError(() => loadIdx(tiny), 'E_DATA_FORMAT', tiny, '16', '10');
  });

  it('truncated gzip stream: E_DATA_FORMAT', () => {
    const d = tmp();
    const images = join(d, 'broken-images-idx3-ubyte.gz');
    const bytes = gzipSync(
      idx(
        [10, 28, 28],
        new Uint8Array(10 * 784).map((_, i) => i * 7),
      ),
    );
    writeFileSync(images, bytes.subarray(0, Math.floor(bytes.length / 2)));
    writeFileSync(join(d, 'broken-labels-idx1-ubyte'), idx([10], new Uint8Array(10)));
    expectError(() => loadDataset(images), 'E_DATA_FORMAT', images);
  });

  it('labels with a bad magic, a labels file passed as images, a non-IDX file to loadIdx', () => {
    const d = tmp();
    const images = join(d, 'b-images-idx3-ubyte');
    writeFileSync(images, idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    const labels = join(d, 'b-labels-idx1-ubyte');
    writeFileSync(labels, Buffer.from('this is not idx'));
    expectError(() => loadDataset(images), 'E_DATA_FORMAT', labels, 'magic');
    expectError(() => loadDataset(EVERY5_LABELS), 'E_DATA_FORMAT', 'labels file', 'images');
    expectError(() => loadIdx('fixtures/data/cifar10/test_first1000.bin.gz'), 'E_DATA_FORMAT', 'magic', '0x00000803');
  });

  it('label values out of range: E_DATA_LABELS', () => {
    const d = tmp();
    const images = join(d, 'n-images-idx3-ubyte');
    writeFileSync(images, idx([2, 1, 1], [1, 2]));
    writeFileSync(join(d, 'n-labels-idx1-ubyte'), idx([2], [0, -3], 0x09));
    expectError(() => loadDataset(images), 'E_DATA_LABELS', 'sample 1', '-3');
  });
});
