/**
 * Streaming Pearson correlation whose sufficient statistics (n, Σx, Σy, Σx², Σy², Σxy) are summed in
 * float64 within one sample and exactly across samples (src/util/exact-sum.ts): r depends only on
 * the set of samples, not on the batch size, the batch order or a split into shards, and the
 * statistics of shards merge into exactly those of one run.
 */
import { ExactSum, type ExactSumJson } from '../util/exact-sum.js';

/** The mergeable state of a Pearson accumulator. */
export interface PearsonJson {
  readonly n: number;
  readonly sx: ExactSumJson;
  readonly sy: ExactSumJson;
  readonly sxx: ExactSumJson;
  readonly syy: ExactSumJson;
  readonly sxy: ExactSumJson;
}

/** r from the sums; 1 when both sides are constant, 0 when one is. */
export function pearsonR(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number {
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : vx === 0 && vy === 0 ? 1 : 0;
}

export class Pearson {
  n = 0;
  private readonly s = { sx: new ExactSum(), sy: new ExactSum(), sxx: new ExactSum(), syy: new ExactSum(), sxy: new ExactSum() };

  /** Adds aligned values, `per` of them per sample (default: all of them are one sample). */
  add(x: ArrayLike<number>, y: ArrayLike<number>, per = x.length): void {
    for (let start = 0; start < x.length; start += per) {
      const end = Math.min(x.length, start + per);
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let i = start; i < end; i++) {
        const a = x[i]!;
        const b = y[i]!;
        sx += a;
        sy += b;
        sxx += a * a;
        syy += b * b;
        sxy += a * b;
      }
      this.n += end - start;
      this.s.sx.add(sx);
      this.s.sy.add(sy);
      this.s.sxx.add(sxx);
      this.s.syy.add(syy);
      this.s.sxy.add(sxy);
    }
  }

  get r(): number {
    const s = this.s;
    return pearsonR(this.n, s.sx.value(), s.sy.value(), s.sxx.value(), s.syy.value(), s.sxy.value());
  }

  merge(o: PearsonJson): this {
    this.n += o.n;
    this.s.sx.merge(o.sx);
    this.s.sy.merge(o.sy);
    this.s.sxx.merge(o.sxx);
    this.s.syy.merge(o.syy);
    this.s.sxy.merge(o.sxy);
    return this;
  }

  toJSON(): PearsonJson {
    const s = this.s;
    return { n: this.n, sx: s.sx.toJSON(), sy: s.sy.toJSON(), sxx: s.sxx.toJSON(), syy: s.syy.toJSON(), sxy: s.sxy.toJSON() };
  }
}
