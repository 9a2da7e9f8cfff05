/**
 * Lazily decoded samples with bounded memory: a reader over `count` samples that decodes a
 * requested range on demand and, in the background, the range after it (one batch of prefetch).
 * It keeps only the current range and the prefetched one, so memory is at most two batches
 * whatever the dataset size; reading the current range again (the ANN pass after the SNN pass
 * of the same batch) costs nothing. At most `concurrency` samples decode at once.
 *
 * Samples decode straight into the buffer of the batch they were requested for (a range is one
 * Float32Array, each sample a view of it), so the batch that was prefetched is handed out as it
 * is, without a copy; only a range that straddles two requested ones is assembled by copying.
 */

export interface PrefetchOptions {
  /** Decodes sample i (an index in the dataset) into `out` (`sampleSize` float32 values). */
  readonly decode: (i: number, out: Float32Array) => Promise<void>;
  readonly count: number;
  readonly sampleSize: number;
  /** Samples decoding at the same time (default 4). */
  readonly concurrency?: number;
}

/** A requested range [first, first + n) and the buffer its samples decode into. */
interface Range {
  readonly first: number;
  readonly n: number;
  readonly buf: Float32Array;
}

interface Entry {
  readonly range: Range;
  readonly done: Promise<void>;
}

export class PrefetchReader {
  private readonly cache = new Map<number, Entry>();
  private readonly queue: (() => boolean)[] = [];
  private running = 0;
  /** Most samples held (decoded or decoding) at any time. */
  maxHeld = 0;

  constructor(private readonly o: PrefetchOptions) {}

  /** Samples held now (decoded or decoding). */
  get held(): number {
    return this.cache.size;
  }

  /**
   * Samples [start, end) as one sample-major Float32Array. Reading the same range again returns
   * the same array (as an in-memory dataset returns the same view): callers must not modify it.
   */
  async read(start: number, end: number): Promise<Float32Array> {
    const stop = Math.min(end, this.o.count);
    const len = stop - start;
    // keep only this range and the next one (as long as this one)
    for (const k of [...this.cache.keys()]) if (k < start || k >= stop + len) this.cache.delete(k);
    const range = this.whole(start, stop) ?? this.request(start, stop);
    this.request(stop, Math.min(this.o.count, stop + len));
    const per = this.o.sampleSize;
    if (range) {
      for (let i = start; i < stop; i++) await this.cache.get(i)!.done; // the first failure in sample order
      return range.buf;
    }
    const out = new Float32Array(len * per);
    for (let i = start; i < stop; i++) {
      const e = this.cache.get(i)!;
      await e.done;
      const at = (i - e.range.first) * per;
      out.set(e.range.buf.subarray(at, at + per), (i - start) * per);
    }
    return out;
  }

  /** The range [start, stop) when all its samples are requested in one buffer of exactly that range. */
  private whole(start: number, stop: number): Range | undefined {
    const r = this.cache.get(start)?.range;
    if (!r || r.first !== start || r.n !== stop - start) return undefined;
    for (let i = start; i < stop; i++) if (this.cache.get(i)?.range !== r) return undefined;
    return r;
  }

  /**
   * Requests the samples of [start, stop) not held yet, into a new buffer for the range; returns
   * that range when it holds all of them (nothing was held before).
   */
  private request(start: number, stop: number): Range | undefined {
    let missing = 0;
    for (let i = start; i < stop; i++) if (!this.cache.has(i)) missing++;
    if (missing === 0) return undefined;
    const per = this.o.sampleSize;
    const range: Range = { first: start, n: stop - start, buf: new Float32Array((stop - start) * per) };
    for (let i = start; i < stop; i++) if (!this.cache.has(i)) this.requestOne(i, range, range.buf.subarray((i - start) * per, (i - start + 1) * per));
    this.maxHeld = Math.max(this.maxHeld, this.cache.size);
    return missing === stop - start ? range : undefined;
  }

  private requestOne(i: number, range: Range, out: Float32Array): void {
    let entry: Entry | undefined;
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push(() => {
        if (this.cache.get(i) !== entry) return false; // evicted before it started: not decoded at all
        this.running++;
        this.o
          .decode(i, out)
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
        return true;
      });
    });
    done.catch(() => undefined); // a prefetched sample that fails is reported when it is read, not as an unhandled rejection
    entry = { range, done };
    this.cache.set(i, entry);
    this.next();
  }

  private next(): void {
    while (this.running < (this.o.concurrency ?? 4) && this.queue.length) this.queue.shift()!();
  }
}
