/**
 * Streaming activation statistics with bounded memory, one `SiteStats` per "site" (a tensor: the
 * output of a Relu node, or the model input).
 *
 * Per site we keep: the number of values, of zeros, of negatives and of NaNs; the exact max; the
 * exact smallest positive value; the sum of the positive values (for their mean); and a histogram
 * of the POSITIVE values with log-spaced bins: BINS_PER_DECADE (100) bins per decade from 1e-8 to
 * 1e8, plus an underflow bin (0, 1e-8) and an overflow bin [1e8, ∞) (calibration/histogram.ts). Memory is fixed (1602
 * float64 counts) whatever the number of samples.
 *
 * Percentiles of the positive values are read from the histogram: the k-th smallest positive value
 * lies in a known bin; inside the bin the values are assumed geometrically spread, and the result
 * is clamped to the exact [smallest positive, max]. Both the estimate and the true value lie in
 * the same bin, so the relative error is at most one bin width, 10^(1/100) - 1 ≈ 2.33 %, for
 * percentiles that fall in [1e-8, 1e8) (in the under/overflow bins the result is only known to
 * lie between the bin edge and the exact smallest positive value / max); the 100th percentile is
 * the exact max and the 0th the exact smallest positive value. The percentile
 * definition is numpy's default ('linear'): position (n-1)·p/100 between the sorted values.
 *
 * With `channelwise`, the same is kept per channel — axis 1 of [N, C, ...] tensors; for rank-2
 * [N, F] tensors each feature is a channel — at channels × 1602 counts.
 *
 * Every statistic is additive over samples, so the results do not depend on how the data is cut
 * into batches (the positive sum is accumulated value by value in a single float64, in sample
 * order, so it is bit-identical too).
 */
import { ErrorCodes, Onnx2SnnError } from '../src/errors.js';
import { binIndex, checkPercentile, HISTOGRAM_BINS, histogramPercentile } from './histogram.js';

/** The key used for a percentile in JSON summaries: 99.9 → "p99_9", 99 → "p99". */
export function percentileKey(p: number): string {
  return `p${String(p).replace('.', '_')}`;
}

export interface SiteStatsOptions {
  /** Also keep per-channel max and histograms (axis 1). */
  readonly channelwise?: boolean;
  /** Record |x| instead of x (the model input: encoders need the range of |x|). */
  readonly abs?: boolean;
}

/** What `SiteStats.toJSON()` returns. */
export interface SiteStatsSummary {
  readonly count: number;
  readonly zeros: number;
  readonly negatives: number;
  readonly nans: number;
  readonly positives: number;
  readonly max: number;
  readonly minPositive: number;
  readonly meanPositive: number;
  readonly p99: number;
  readonly p99_9: number;
  readonly p99_99: number;
  /** Channels seen (axis 1), when channelwise. */
  readonly channels?: number;
}

export class SiteStats {
  readonly channelwise: boolean;
  readonly abs: boolean;
  /** Values seen (NaNs included). */
  count = 0;
  zeros = 0;
  negatives = 0;
  nans = 0;
  positives = 0;
  /** The largest value, or 0 when no value was positive (the max of max(x, 0)). */
  max = 0;
  /** The smallest positive value; Infinity when none. */
  minPositive = Infinity;
  /** Sum of the positive values (float64). */
  sumPositive = 0;
  /** Histogram of the positive values (HISTOGRAM_BINS counts). */
  readonly histogram = new Float64Array(HISTOGRAM_BINS);
  private ch = 0;
  private chMax = new Float64Array(0);
  private chMin = new Float64Array(0);
  private chPositives = new Float64Array(0);
  private chHist = new Float64Array(0);

  constructor(opts: SiteStatsOptions = {}) {
    this.channelwise = opts.channelwise ?? false;
    this.abs = opts.abs ?? false;
  }

  /** Channels (axis 1) seen so far; 0 before the first `add`, or when not channelwise. */
  get channels(): number {
    return this.ch;
  }

  /** Mean of the positive values; 0 when none. */
  get meanPositive(): number {
    return this.positives > 0 ? this.sumPositive / this.positives : 0;
  }

  /** Adds a batch: `data` holds prod(dims) values laid out as dims (row-major, batch first). */
  add(data: Float32Array | Float64Array, dims: readonly number[]): void {
    let size = 1;
    for (const d of dims) size *= d;
    if (size !== data.length) {
      throw new Onnx2SnnError(ErrorCodes.SHAPE, `activation statistics: ${data.length} values do not fill dims [${dims.join(',')}] (${size} values)`, {
        expected: size,
        actual: data.length,
      });
    }
    if (this.channelwise) this.addChannelwise(data, dims);
    else this.addFlat(data);
  }

  private addFlat(data: Float32Array | Float64Array): void {
    const hist = this.histogram;
    const abs = this.abs;
    let { zeros, negatives, nans, positives, max, minPositive, sumPositive } = this;
    for (let i = 0; i < data.length; i++) {
      let v = data[i]!;
      if (abs) v = Math.abs(v);
      if (v > 0) {
        hist[binIndex(v)]!++;
        positives++;
        sumPositive += v;
        if (v > max) max = v;
        if (v < minPositive) minPositive = v;
      } else if (v === 0) zeros++;
      else if (v < 0) negatives++;
      else nans++;
    }
    this.count += data.length;
    Object.assign(this, { zeros, negatives, nans, positives, max, minPositive, sumPositive });
  }

  private addChannelwise(data: Float32Array | Float64Array, dims: readonly number[]): void {
    const C = dims.length >= 2 ? dims[1]! : 1;
    const N = dims.length >= 2 ? dims[0]! : 1;
    let inner = 1;
    if (dims.length >= 2) for (let i = 2; i < dims.length; i++) inner *= dims[i]!;
    else inner = data.length;
    if (this.ch === 0) {
      this.ch = C;
      this.chMax = new Float64Array(C);
      this.chMin = new Float64Array(C).fill(Infinity);
      this.chPositives = new Float64Array(C);
      this.chHist = new Float64Array(C * HISTOGRAM_BINS);
    } else if (C !== this.ch) {
      throw new Onnx2SnnError(ErrorCodes.SHAPE, `activation statistics: a batch with ${C} channels (dims [${dims.join(',')}]) after batches with ${this.ch}`, {
        expected: this.ch,
        actual: C,
      });
    }
    const hist = this.histogram;
    const chHist = this.chHist;
    const abs = this.abs;
    let { zeros, negatives, nans, positives, max, minPositive, sumPositive } = this;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * inner;
        const hoff = c * HISTOGRAM_BINS;
        let cmax = this.chMax[c]!;
        let cmin = this.chMin[c]!;
        let cpos = 0;
        for (let j = 0; j < inner; j++) {
          let v = data[base + j]!;
          if (abs) v = Math.abs(v);
          if (v > 0) {
            const b = binIndex(v);
            hist[b]!++;
            chHist[hoff + b]!++;
            cpos++;
            sumPositive += v;
            if (v > cmax) cmax = v;
            if (v < cmin) cmin = v;
          } else if (v === 0) zeros++;
          else if (v < 0) negatives++;
          else nans++;
        }
        positives += cpos;
        this.chPositives[c]! += cpos;
        this.chMax[c] = cmax;
        this.chMin[c] = cmin;
        if (cmax > max) max = cmax;
        if (cmin < minPositive) minPositive = cmin;
      }
    }
    this.count += data.length;
    Object.assign(this, { zeros, negatives, nans, positives, max, minPositive, sumPositive });
  }

  /** Adds another SiteStats' counts (same options and channels). The positive sum may differ in its last bits from a single pass. */
  merge(other: SiteStats): this {
    if (other.channelwise !== this.channelwise || other.abs !== this.abs) {
      throw new Onnx2SnnError(ErrorCodes.OPTION, 'activation statistics: cannot merge statistics collected with different options', {});
    }
    if (this.channelwise && other.ch !== 0) {
      if (this.ch === 0) {
        this.ch = other.ch;
        this.chMax = new Float64Array(other.ch);
        this.chMin = new Float64Array(other.ch).fill(Infinity);
        this.chPositives = new Float64Array(other.ch);
        this.chHist = new Float64Array(other.ch * HISTOGRAM_BINS);
      } else if (this.ch !== other.ch) {
        throw new Onnx2SnnError(ErrorCodes.SHAPE, `activation statistics: cannot merge ${other.ch} channels into ${this.ch}`, {
          expected: this.ch,
          actual: other.ch,
        });
      }
      for (let c = 0; c < this.ch; c++) {
        this.chMax[c] = Math.max(this.chMax[c]!, other.chMax[c]!);
        this.chMin[c] = Math.min(this.chMin[c]!, other.chMin[c]!);
        this.chPositives[c]! += other.chPositives[c]!;
      }
      for (let i = 0; i < this.chHist.length; i++) this.chHist[i]! += other.chHist[i]!;
    }
    for (let i = 0; i < HISTOGRAM_BINS; i++) this.histogram[i]! += other.histogram[i]!;
    this.count += other.count;
    this.zeros += other.zeros;
    this.negatives += other.negatives;
    this.nans += other.nans;
    this.positives += other.positives;
    this.sumPositive += other.sumPositive;
    this.max = Math.max(this.max, other.max);
    this.minPositive = Math.min(this.minPositive, other.minPositive);
    return this;
  }

  /** The p-th percentile (0..100) of the positive values (≤ 2.33 % relative error; exact at 0 and 100); 0 when none was positive. */
  percentile(p: number): number {
    checkPercentile(p);
    return histogramPercentile(this.histogram, 0, this.positives, this.minPositive, this.max, p);
  }

  private requireChannels(what: string): void {
    if (!this.channelwise) {
      throw new Onnx2SnnError(ErrorCodes.OPTION, `activation statistics: ${what} needs per-channel statistics (collect them with channelwise: true)`, {
        option: 'channelwise',
      });
    }
  }

  /** Per-channel max (0 for channels that never fired). */
  channelMax(): Float64Array {
    this.requireChannels('channelMax');
    return Float64Array.from(this.chMax);
  }

  /** Per-channel number of positive values. */
  channelPositives(): Float64Array {
    this.requireChannels('channelPositives');
    return Float64Array.from(this.chPositives);
  }

  /** Per-channel p-th percentile of the positive values (0 for channels that never fired). */
  channelPercentile(p: number): Float64Array {
    this.requireChannels('channelPercentile');
    checkPercentile(p);
    const out = new Float64Array(this.ch);
    for (let c = 0; c < this.ch; c++) {
      out[c] = histogramPercentile(this.chHist, c * HISTOGRAM_BINS, this.chPositives[c]!, this.chMin[c]!, this.chMax[c]!, p);
    }
    return out;
  }

  /** The histogram of channel c's positive values (a view) with their count and exact range; the layer's when c is undefined. */
  channelHistogram(c?: number): { hist: Float64Array; n: number; min: number; max: number } {
    if (c === undefined) return { hist: this.histogram, n: this.positives, min: this.minPositive, max: this.max };
    this.requireChannels('channelHistogram');
    const hist = this.chHist.subarray(c * HISTOGRAM_BINS, (c + 1) * HISTOGRAM_BINS);
    return { hist, n: this.chPositives[c]!, min: this.chMin[c]!, max: this.chMax[c]! };
  }

  toJSON(): SiteStatsSummary {
    return {
      count: this.count,
      zeros: this.zeros,
      negatives: this.negatives,
      nans: this.nans,
      positives: this.positives,
      max: this.max,
      minPositive: this.positives > 0 ? this.minPositive : 0,
      meanPositive: this.meanPositive,
      p99: this.percentile(99),
      p99_9: this.percentile(99.9),
      p99_99: this.percentile(99.99),
      ...(this.channelwise ? { channels: this.ch } : {}),
    };
  }
}
