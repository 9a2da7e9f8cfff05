/**
 * Lazily decoded samples with bounded memory: a reader over `count` samples that decodes a
 * requested range on demand and, in the background, the range after it (one batch of prefetch).
 * It keeps only the current range and the prefetched one, so memory is at most two batches
 * whatever the dataset size; reading the current range again (the ANN pass after the SNN pass
 * of the same batch) costs nothing. At most `concurrency` samples decode at once.
 */

export interface PrefetchOptions {
  /** Decodes sample i (an index in the dataset) into `sampleSize` float32 values. */
  readonly decode: (i: number) => Promise<Float32Array>;
  readonly count: number;
  readonly sampleSize: number;
  /** Samples decoding at the same time (default 4). */
  readonly concurrency?: number;
}

export class PrefetchReader {
  private readonly cache = new Map<number, Promise<Float32Array>>();
  private readonly queue: (() => boolean)[] = [];
  private running = 0;
  /** Most samples held (decoded or decoding) at any time. */
  maxHeld = 0;

  constructor(private readonly o: PrefetchOptions) {}

  /** Samples held now (decoded or decoding). */
  get held(): number {
    return this.cache.size;
  }

  /** Samples [start, end) as one sample-major Float32Array (a fresh buffer). */
  async read(start: number, end: number): Promise<Float32Array> {
    const stop = Math.min(end, this.o.count);
    // keep only this range and the next one (as long as this one)
    for (const k of [...this.cache.keys()]) if (k < start || k >= stop + (stop - start)) this.cache.delete(k);
    for (let i = start; i < stop; i++) this.request(i);
    for (let i = stop; i < Math.min(this.o.count, stop + (stop - start)); i++) this.request(i);
    const out = new Float32Array((stop - start) * this.o.sampleSize);
    for (let i = start; i < stop; i++) out.set(await this.cache.get(i)!, (i - start) * this.o.sampleSize);
    return out;
  }

  private request(i: number): void {
    if (this.cache.has(i)) return;
    let task: Promise<Float32Array> | undefined;
    task = new Promise<Float32Array>((resolve, reject) => {
      this.queue.push(() => {
        if (this.cache.get(i) !== task) return false; // evicted before it started: not decoded at all
        this.running++;
        this.o
          .decode(i)
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
        return true;
      });
    });
    task.catch(() => undefined); // a prefetched sample that fails is reported when it is read, not as an unhandled rejection
    this.cache.set(i, task);
    this.maxHeld = Math.max(this.maxHeld, this.cache.size);
    this.next();
  }

  private next(): void {
    while (this.running < (this.o.concurrency ?? 4) && this.queue.length) this.queue.shift()!();
  }
}
