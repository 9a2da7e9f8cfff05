import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, loadNpz, parseNpy } from '../../src/data/index.js';
import { cleanupTmp, expectError, expectSameValues, npy, tmp, writeNpz } from './helpers.js';

afterAll(cleanupTmp);

const seq = (n: number, f: (i: number) => number = (i) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('.npz datasets', () => {
  it('x [N,H,W] uint8 + y [N] int64, stored zip → samples [1,H,W]', () => {
    const d = tmp();
    const f = writeNpz(join(d, 'a.npz'), {
      x: npy(
        '|u1',
        [3, 4, 5],
        seq(60, (i) => i % 256),
      ),
      y: npy('<i8', [3], [2, 0, 9]),
    });
    const ds = loadDataset(f, { scale: 0.5 });
    expect(ds.format).toBe('npz');
    expect(ds.sampleShape).toEqual([1, 4, 5]);
    expect(ds.count).toBe(3);
    expect(Array.from(ds.labels)).toEqual([2, 0, 9]);
    expectSameValues(
      ds.x,
      seq(60, (i) => i * 0.5),
    );
  });

  it('x [N,1,H,W] float32 + y int32, deflated zip → same as stored', () => {
    const d = tmp();
    const arrays = {
      x: npy(
        '<f4',
        [4, 1, 2, 3],
        seq(24, (i) => i / 8 - 1),
      ),
      y: npy('<i4', [4], [1, 2, 3, 4]),
    };
    const stored = loadDataset(writeNpz(join(d, 's.npz'), arrays, false));
    const deflated = loadDataset(writeNpz(join(d, 'd.npz'), arrays, true));
    expect(deflated.sampleShape).toEqual([1, 2, 3]);
    expectSameValues(deflated.x, stored.x);
    expectSameValues(
      deflated.x,
      seq(24, (i) => i / 8 - 1),
    );
    expectSameValues(deflated.labels, [1, 2, 3, 4]);
  });

  it('x [N,H,W,3] is NHWC: converted to CHW; layout nhwc gives the stored order back', () => {
    const d = tmp();
    const N = 2;
    const H = 4;
    const W = 5;
    const C = 3;
    const data = seq(N * H * W * C, (i) => (i * 37) % 251);
    const f = writeNpz(join(d, 'nhwc.npz'), { x: npy('|u1', [N, H, W, C], data), y: npy('|u1', [N], [0, 1]) }, true);
    const ds = loadDataset(f);
    expect(ds.sampleShape).toEqual([C, H, W]);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(ds.x[((n * C + c) * H + y) * W + x]).toBe(data[((n * H + y) * W + x) * C + c]);
    const back = loadDataset(f, { layout: 'nhwc' });
    expect(back.sampleShape).toEqual([H, W, C]);
    expectSameValues(back.x, data);
    // per-channel mean applies to the real channels
    const m = loadDataset(f, { mean: [0, 100, 200] });
    expect(m.x[1 * H * W]).toBe((data[1] ?? NaN) - 100);
  });

  it('x [N,28,28,1] is NHWC with one channel; [N,3,H,W] stays NCHW', () => {
    const d = tmp();
    const a = loadDataset(
      writeNpz(join(d, 'g.npz'), {
        x: npy(
          '|u1',
          [2, 28, 28, 1],
          seq(2 * 784, (i) => i % 200),
        ),
        y: npy('<i8', [2], [3, 4]),
      }),
    );
    expect(a.sampleShape).toEqual([1, 28, 28]);
    expectSameValues(
      a.x,
      seq(2 * 784, (i) => i % 200),
    );
    const b = loadDataset(writeNpz(join(d, 'c.npz'), { x: npy('<f4', [1, 3, 2, 2], seq(12)), y: npy('<i8', [1], [0]) }));
    expect(b.sampleShape).toEqual([3, 2, 2]);
    expectSameValues(b.x, seq(12));
  });

  it('x [N,F] float64 → flat samples; one-hot y → argmax; y [N,1]', () => {
    const d = tmp();
    const f = writeNpz(join(d, 'flat.npz'), {
      x: npy(
        '<f8',
        [3, 4],
        seq(12, (i) => i * 1.5),
      ),
      y: npy('<f4', [3, 5], [0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    });
    const ds = loadDataset(f);
    expect(ds.sampleShape).toEqual([4]);
    expectSameValues(
      ds.x,
      seq(12, (i) => i * 1.5),
    );
    expectSameValues(ds.labels, [2, 0, 4]);
    const g = writeNpz(join(d, 'col.npz'), { x: npy('<f8', [3, 4], seq(12)), y: npy('<i4', [3, 1], [7, 8, 9]) });
    expectSameValues(loadDataset(g).labels, [7, 8, 9]);
  });

  it('bool x, big-endian float32, .npy format versions 2 and 3', () => {
    const d = tmp();
    const f = writeNpz(join(d, 'misc.npz'), {
      x: npy('|b1', [2, 3], [1, 0, 1, 0, 0, 1], { version: 2 }),
      y: npy('<i8', [2], [1, 0], { version: 3 }),
    });
    const ds = loadDataset(f);
    expectSameValues(ds.x, [1, 0, 1, 0, 0, 1]);
    expectSameValues(ds.labels, [1, 0]);
    const be = parseNpy(npy('>f4', [2], [1.5, -2]), 'be');
    expect(be.elem.littleEndian).toBe(false);
    const g = writeNpz(join(d, 'be.npz'), { x: npy('>f4', [2, 1], [1.5, -2]), y: npy('|u1', [2], [0, 1]) });
    expectSameValues(loadDataset(g).x, [1.5, -2]);
  });

  it('offset/limit decode only the selected samples', () => {
    const d = tmp();
    const f = writeNpz(join(d, 'sel.npz'), { x: npy('<f4', [6, 2], seq(12)), y: npy('<i8', [6], [0, 1, 2, 3, 4, 5]) });
    const ds = loadNpz(f, { offset: 2, limit: 3 });
    expect(ds.count).toBe(3);
    expect(ds.total).toBe(6);
    expectSameValues(ds.labels, [2, 3, 4]);
    expectSameValues(ds.x, [4, 5, 6, 7, 8, 9]);
  });
});

describe('.npz errors', () => {
  it('NaN / Inf: E_DATA_NAN naming the file, the sample and the element', () => {
    const d = tmp();
    const x = seq(5 * 6, (i) => i);
    x[2 * 6 + 4] = NaN;
    const f = writeNpz(join(d, 'nan.npz'), { x: npy('<f4', [5, 2, 3], x), y: npy('<i8', [5], [0, 0, 0, 0, 0]) });
    const e = expectError(() => loadDataset(f), 'E_DATA_NAN', f, 'sample 2', 'element 4', 'NaN');
    expect(e.details).toMatchObject({ file: f, sample: 2, element: 4 });
    // sample index is the index in the file, also with an offset
    expectError(() => loadDataset(f, { offset: 1 }), 'E_DATA_NAN', 'sample 2', 'element 4');
    // not selected → fine
    expect(loadDataset(f, { offset: 3 }).count).toBe(2);
    const y = seq(4, () => 1);
    y[3] = -Infinity;
    const g = writeNpz(join(d, 'inf.npz'), { x: npy('<f8', [2, 2], y), y: npy('<i8', [2], [0, 0]) });
    expectError(() => loadDataset(g), 'E_DATA_NAN', 'sample 1', 'element 1', 'Infinity');
  });

  it('fortran order, unsupported dtype, truncated array: E_DATA_FORMAT', () => {
    const d = tmp();
    const y = npy('<i8', [2], [0, 1]);
    const fo = writeNpz(join(d, 'fo.npz'), { x: npy('<f4', [2, 2], [1, 2, 3, 4], { fortran: true }), y });
    expectError(() => loadDataset(fo), 'E_DATA_FORMAT', 'Fortran');
    const c8 = writeNpz(join(d, 'c8.npz'), { x: npy('<c8', [2, 2], [1, 2, 3, 4]), y });
    expectError(() => loadDataset(c8), 'E_DATA_FORMAT', '<c8');
    const cut = writeNpz(join(d, 'cut.npz'), { x: npy('<f4', [2, 2], [1, 2, 3, 4]).subarray(0, 70), y });
    expectError(() => loadDataset(cut), 'E_DATA_FORMAT', 'truncated');
  });

  it('missing y, count mismatch, bad labels: E_DATA_LABELS; missing x: E_DATA_FORMAT', () => {
    const d = tmp();
    const x = npy('<f4', [3, 2], seq(6));
    expectError(() => loadDataset(writeNpz(join(d, 'noy.npz'), { x })), 'E_DATA_LABELS', "'y'", 'x.npy');
    expectError(() => loadDataset(writeNpz(join(d, 'nox.npz'), { y: npy('<i8', [1], [0]) })), 'E_DATA_FORMAT', "'x'");
    expectError(() => loadDataset(writeNpz(join(d, 'cnt.npz'), { x, y: npy('<i8', [2], [0, 1]) })), 'E_DATA_LABELS', '3', '2');
    expectError(() => loadDataset(writeNpz(join(d, 'neg.npz'), { x, y: npy('<i8', [3], [0, -1, 2]) })), 'E_DATA_LABELS', 'sample 1');
    expectError(() => loadDataset(writeNpz(join(d, 'frac.npz'), { x, y: npy('<f4', [3], [0, 1.5, 2]) })), 'E_DATA_LABELS', '1.5');
  });

  it('a corrupt zip and a lone .npy: E_DATA_FORMAT', () => {
    const d = tmp();
    const corrupt = join(d, 'corrupt.npz');
    writeFileSync(corrupt, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40, 7)]));
    expectError(() => loadDataset(corrupt), 'E_DATA_FORMAT', corrupt);
    const lone = join(d, 'lone.npy');
    writeFileSync(lone, npy('<f4', [2], [1, 2]));
    expectError(() => loadDataset(lone), 'E_DATA_FORMAT', 'np.savez');
  });
});
