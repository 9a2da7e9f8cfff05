/**
 * The scatter sample of a layer: a uniform random sample, without replacement, of k (ANN activation,
 * SNN rate·θ) pairs, chosen by bottom-k sampling (Cohen & Kaplan, PODC 2007): every pair gets a key
 * that is a fixed pseudo-random permutation of its global id (sample index in the data file ×
 * neurons + neuron), and the k pairs with the smallest keys are kept. The sample is therefore the
 * same whatever the batch size, the order of the batches or the split of the data into shards, and
 * the samples of two shards merge exactly: the k smallest keys of their union.
 */

const MASK26 = 0x3ffffff;
const TWO26 = 0x4000000;
const ROUND_KEYS = [0x9e3779b9, 0x7f4a7c15, 0x85ebca6b, 0xc2b2ae35];

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A fixed permutation of [0, 2^52): a four-round Feistel network on two 26-bit halves (a bijection
 * whatever its round function), so distinct ids get distinct keys. Ids ≥ 2^52 wrap around.
 */
export function permute52(id: number): number {
  let l = Math.floor(id / TWO26) & MASK26;
  let r = id % TWO26;
  for (const k of ROUND_KEYS) {
    const f = fmix32((r ^ k) >>> 0) & MASK26;
    const t = r;
    r = (l ^ f) & MASK26;
    l = t;
  }
  return l * TWO26 + r;
}

/** The k pairs with the smallest keys among those offered (a max-heap on the key). */
export class BottomK {
  private readonly keys: number[] = [];
  private readonly ann: number[] = [];
  private readonly snn: number[] = [];
  /** Pairs offered. */
  seen = 0;

  constructor(readonly size: number) {}

  /** Offers the pair with global id `id`. */
  offer(id: number, a: number, b: number): void {
    this.seen++;
    if (this.size <= 0) return;
    this.insert(permute52(id), a, b);
  }

  /** Inserts a pair with a known key (merging samples). */
  insert(key: number, a: number, b: number): void {
    const h = this.keys;
    if (h.length < this.size) {
      h.push(key);
      this.ann.push(a);
      this.snn.push(b);
      this.siftUp(h.length - 1);
    } else if (key < h[0]!) {
      h[0] = key;
      this.ann[0] = a;
      this.snn[0] = b;
      this.siftDown(0);
    }
  }

  /** The sample in key order: what the record holds (ann, snn) and what merging needs (keys). */
  sorted(): { keys: number[]; ann: number[]; snn: number[] } {
    const order = this.keys.map((_, i) => i).sort((i, j) => this.keys[i]! - this.keys[j]!);
    return { keys: order.map((i) => this.keys[i]!), ann: order.map((i) => this.ann[i]!), snn: order.map((i) => this.snn[i]!) };
  }

  private swap(i: number, j: number): void {
    for (const a of [this.keys, this.ann, this.snn]) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! >= this.keys[i]!) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const n = this.keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.keys[l]! > this.keys[m]!) m = l;
      if (r < n && this.keys[r]! > this.keys[m]!) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
