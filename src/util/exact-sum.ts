/**
 * Exact floating-point summation (Shewchuk, "Adaptive precision floating-point arithmetic and fast
 * robust geometric predicates", 1997; the algorithm of Python's math.fsum). The running sum is a
 * list of non-overlapping doubles whose sum is exactly the sum of every value added; `value` rounds
 * it once, to nearest. The result therefore depends only on the multiset of values added, not on
 * their order or grouping: the sums of a run split into shards merge into exactly the figure one
 * process computes.
 */

/** The mergeable state of an ExactSum as JSON: the partials, and non-finite values summed plainly. */
export interface ExactSumJson {
  readonly p: number[];
  /** 'NaN', 'Infinity' or '-Infinity' when a non-finite value was added. */
  readonly s?: string;
}

export class ExactSum {
  private readonly partials: number[] = [];
  /** Sum of the non-finite values (NaN, ±Infinity); 0 when there were none. */
  private special = 0;

  add(value: number): void {
    if (!Number.isFinite(value)) {
      this.special += value;
      return;
    }
    const p = this.partials;
    let x = value;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  /** Adds every value held by another sum (exactly). */
  merge(other: ExactSum | ExactSumJson): this {
    const o = other instanceof ExactSum ? other.toJSON() : other;
    for (const v of o.p) this.add(v);
    if (o.s !== undefined) this.special += Number(o.s);
    return this;
  }

  /** The exact sum rounded to the nearest double (ties to even), as math.fsum. */
  value(): number {
    if (this.special !== 0 || Number.isNaN(this.special)) return this.special;
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // half-even rounding across partials: the rest below lo can push a tie the other way
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  toJSON(): ExactSumJson {
    return { p: [...this.partials], ...(this.special !== 0 || Number.isNaN(this.special) ? { s: String(this.special) } : {}) };
  }

  static from(json: ExactSumJson): ExactSum {
    return new ExactSum().merge(json);
  }
}
