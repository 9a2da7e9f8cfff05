import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { batchOf, fitToInput, loadDataset, type InMemoryDataset as Dataset } from '../../src/data/index.js';
import { CIFAR, cleanupTmp, expectError, expectSameValues, gunzipFile, MNIST, tmp, toNhwc } from './helpers.js';

const EVERY5 = `${MNIST}/t10k_every5th-images-idx3-ubyte.gz`;
const CIFAR_TEST = `${CIFAR}/test_first1000.bin.gz`;

afterAll(cleanupTmp);

describe('preprocess', () => {
  it('MNIST: single mean/std after scale, checked against raw bytes', () => {
    const raw = gunzipFile(EVERY5);
    const ds = loadDataset(EVERY5, { scale: 1 / 255, mean: [0.1307], std: [0.3081], limit: 3 });
    for (const i of [0, 200, 783, 784 + 400, 2 * 784 + 350]) {
      expect(ds.x[i]).toBeCloseTo(((raw[16 + i] ?? NaN) / 255 - 0.1307) / 0.3081, 5);
    }
  });

  it('MNIST nhwc: [28,28,1], same values', () => {
    const a = loadDataset(EVERY5, { limit: 4 });
    const b = loadDataset(EVERY5, { limit: 4, layout: 'nhwc' });
    expect(b.sampleShape).toEqual([28, 28, 1]);
    expectSameValues(b.x, toNhwc(a.x, 4, 1, 28, 28));
  });

  it('mean/std with a count that fits neither 1 nor the channels: E_OPTION', () => {
    expectError(() => loadDataset(CIFAR_TEST, { mean: [0.5, 0.5], limit: 1 }), 'E_OPTION', '--mean', '2', '3');
    const e = expectError(() => loadDataset(EVERY5, { std: [1, 2, 3], limit: 1 }), 'E_OPTION', '--std', '3', '1 value');
    expect(e.details).toMatchObject({ option: '--std', actual: 3 });
    expectError(() => loadDataset(EVERY5, { std: [0] }), 'E_OPTION', '--std', '0');
    expectError(() => loadDataset(EVERY5, { scale: NaN }), 'E_OPTION', '--scale');
  });

  it('offset past the end, bad limit: E_OPTION', () => {
    const e = expectError(() => loadDataset(EVERY5, { offset: 2000 }), 'E_OPTION', '--offset', '2000', EVERY5);
    expect(e.details['count']).toBe(2000);
    expectError(() => loadDataset(CIFAR_TEST, { offset: 5000 }), 'E_OPTION', '--offset', '1000');
    expectError(() => loadDataset(EVERY5, { limit: 0 }), 'E_OPTION', '--limit');
    expectError(() => loadDataset(EVERY5, { offset: -1 }), 'E_OPTION', '--offset');
    expect(loadDataset(EVERY5, { offset: 1999 }).count).toBe(1);
  });
});

describe('loadDataset: detection and file errors', () => {
  it('missing file: E_FILE', () => {
    expectError(() => loadDataset('fixtures/data/nope-images-idx3-ubyte.gz'), 'E_FILE', 'nope-images-idx3-ubyte.gz');
    expectError(() => loadDataset('fixtures/data'), 'E_FILE', 'directory');
  });

  it('non-dataset files: E_DATA_FORMAT naming the file and the supported formats', () => {
    const d = tmp();
    const txt = join(d, 'notes.txt');
    writeFileSync(txt, 'hello, this is not a dataset\n');
    const e = expectError(() => loadDataset(txt), 'E_DATA_FORMAT', txt, 'IDX', 'CIFAR-10', '.npz');
    expect(e.details['file']).toBe(txt);
    const gz = join(d, 'notes.txt.gz');
    writeFileSync(gz, gzipSync(Buffer.from('still not a dataset')));
    expectError(() => loadDataset(gz), 'E_DATA_FORMAT', gz, 'IDX');
    const onnxish = join(d, 'model.onnx');
    writeFileSync(onnxish, Buffer.from([0x08, 0x07, 0x12, 0x04, 0x74, 0x65, 0x73, 0x74, 0x3a, 0x10]));
    expectError(() => loadDataset(onnxish), 'E_DATA_FORMAT', onnxish, 'Supported');
    const empty = join(d, 'empty.bin');
    writeFileSync(empty, Buffer.alloc(0));
    expectError(() => loadDataset(empty), 'E_DATA_FORMAT', empty);
  });
});

describe('fitToInput', () => {
  const mnist = loadDataset(EVERY5, { limit: 2 });
  it('returns the input shape without the batch dim when the element count matches', () => {
    expect(fitToInput(mnist, [1, 1, 28, 28])).toEqual([1, 28, 28]);
    expect(fitToInput(mnist, [1, 784])).toEqual([784]);
    expect(fitToInput(mnist, [1, 784, 1])).toEqual([784, 1]);
    expect(fitToInput(mnist, [-1, 28, 28, 1])).toEqual([28, 28, 1]);
    // symbolic batch and one unknown inner dim
    expect(fitToInput(mnist, ['N', 1, null, 28])).toEqual([1, 28, 28]);
    expect(fitToInput(mnist, [784])).toEqual([784]);
  });

  it('E_DATA_SHAPE naming the file, the sample shape and the model input shape', () => {
    const e = expectError(() => fitToInput(mnist, [1, 3, 32, 32]), 'E_DATA_SHAPE', EVERY5, '[1,28,28]', '[1,3,32,32]');
    expect(e.details).toMatchObject({ file: EVERY5, sampleShape: [1, 28, 28] });
    expectError(() => fitToInput(mnist, [1, 100]), 'E_DATA_SHAPE', '[1,100]');
    expectError(() => fitToInput(mnist, ['N', null, null]), 'E_DATA_SHAPE', 'unknown');
    expectError(() => fitToInput(mnist, [1, 5, null]), 'E_DATA_SHAPE', '784');
  });
});

describe('batchOf', () => {
  it('returns a view (no copy) of samples [start, end), end clamped', () => {
    const ds: Dataset = loadDataset(EVERY5, { limit: 10 });
    const b = batchOf(ds, 2, 5);
    expect(b.length).toBe(3 * 784);
    expect(b.buffer).toBe(ds.x.buffer);
    expect(b.byteOffset).toBe(ds.x.byteOffset + 2 * 784 * 4);
    expect(batchOf(ds, 8, 64).length).toBe(2 * 784);
    expect(batchOf(ds, 10, 12).length).toBe(0);
    expectError(() => batchOf(ds, 6, 3), 'E_OPTION');
  });
});
