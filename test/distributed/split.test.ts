/**
 * The split of a run into shards: K/N parsing, contiguous ranges that hold every sample once, and
 * shard datasets that are exactly the slices of the whole selection (with their indices in the file).
 */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { loadShard, parseShard, selectionSize, shardRange } from '../../src/distributed/split.js';
import { expectError } from '../helpers/errors.js';

const EVERY5 = 'fixtures/data/mnist/t10k_every5th-images-idx3-ubyte.gz';

describe('parseShard', () => {
  it.each([
    ['0/1', 0, 1],
    ['3/4', 3, 4],
    [' 2 / 10 ', 2, 10],
  ])('%s', (text, index, count) => {
    expect(parseShard(text)).toEqual({ index, count });
  });

  it.each(['4/4', '1/0', '-1/3', 'a/b', '1', '1/2/3', ''])('refuses "%s" (E_OPTION, 0-based hint)', (text) => {
    expectError(() => parseShard(text), 'E_OPTION', '--shard', 'K/N', 'from 0');
  });
});

describe('shardRange', () => {
  it.each([
    [10, 3],
    [7, 7],
    [1000, 16],
    [5, 1],
    [10_001, 4],
  ])('%i samples in %i shards: contiguous, each sample once, sizes within one', (total, count) => {
    const ranges = Array.from({ length: count }, (_, index) => shardRange(total, { index, count }));
    let next = 0;
    for (const r of ranges) {
      expect(r.start).toBe(next);
      next += r.samples;
    }
    expect(next).toBe(total);
    const sizes = ranges.map((r) => r.samples);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
});

describe('loadShard', () => {
  const pre = { scale: 1 / 255, offset: 13, limit: 50 };
  const whole = loadDataset(EVERY5, pre);

  it('each shard is the slice of the selection, indices in the file kept', () => {
    expect(selectionSize(EVERY5, pre)).toBe(50);
    const per = whole.x.length / whole.count;
    for (let index = 0; index < 3; index++) {
      const { ds, start, total } = loadShard(EVERY5, pre, { index, count: 3 });
      expect(total).toBe(50);
      expect(start).toBe(shardRange(50, { index, count: 3 }).start);
      expect(ds.offset).toBe(13 + start);
      expect(Array.from(ds.labels)).toEqual(Array.from(whole.labels.subarray(start, start + ds.count)));
      expect(ds.x).toEqual(whole.x.subarray(start * per, (start + ds.count) * per));
    }
  });

  it('more shards than samples is E_OPTION', () => {
    expectError(() => loadShard(EVERY5, { ...pre, limit: 3 }, { index: 0, count: 4 }), 'E_OPTION', '4 shards for 3 samples');
  });
});
