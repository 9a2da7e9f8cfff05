/**
 * Per-layer accumulation of an ANN-vs-SNN comparison, batch by batch: silent and saturated neuron
 * counts, the Pearson statistics of ANN activations against SNN rates·θ, and the scatter sample.
 * Everything is kept as counts and exact sums (src/eval/parts.ts), so the figures do not depend on
 * batch size or on a split of the data into shards.
 */
import type { LayerReport } from './compare.js';
import { layerShares, type LayerParts } from './parts.js';
import { Pearson } from './pearson.js';
import { BottomK } from './sample.js';

export class LayerAccumulator {
  private silent = 0;
  private saturated = 0;
  private readonly pearson = new Pearson();
  private readonly sample: BottomK;

  constructor(
    private readonly T: number,
    private readonly threshold: number | readonly number[],
    scatterPoints: number,
    /** The count of a saturated neuron: T, or Γ·T for burst neurons (up to Γ spikes per step). */
    private readonly saturatedAt = T,
  ) {
    this.sample = new BottomK(scatterPoints);
  }

  /**
   * One batch of n samples: `counts` are the layer's spike counts at T, `act` the ANN activations
   * (absent for the readout of --readout spikes); `first` is the index in the data file of the
   * batch's first sample (the global id of the scatter keys).
   */
  add(first: number, n: number, counts: Float32Array, act: ArrayLike<number> | undefined): void {
    const T = this.T;
    for (let j = 0; j < counts.length; j++) {
      if (counts[j] === 0) this.silent++;
      else if (counts[j]! >= this.saturatedAt) this.saturated++;
    }
    if (!act) return;
    // rate·θ per neuron: counts/T times the (per-channel) threshold
    const th = this.threshold;
    const scaled = new Float32Array(counts.length);
    if (typeof th === 'number') for (let j = 0; j < counts.length; j++) scaled[j] = (counts[j]! * th) / T;
    else {
      const inner = counts.length / n / th.length;
      for (let j = 0; j < counts.length; j++) scaled[j] = (counts[j]! * th[Math.floor(j / inner) % th.length]!) / T;
    }
    const per = counts.length / n;
    this.pearson.add(act, scaled, per);
    for (let s = 0; s < n; s++) {
      const base = (first + s) * per;
      for (let k = 0, j = s * per; k < per; k++, j++) if (act[j] !== 0 || scaled[j] !== 0) this.sample.offer(base + k, act[j]!, scaled[j]!);
    }
  }

  /** The layer's figures for `samples` samples of `neurons` neurons with `spikes` spikes in all, and their parts. */
  finish(l: { name: string; site: string }, spikes: number, neurons: number, samples: number): { report: LayerReport; parts: LayerParts } {
    const s = this.sample.sorted();
    const parts: LayerParts = { spikes, silent: this.silent, saturated: this.saturated, pearson: this.pearson.toJSON(), scatterKeys: s.keys };
    const report: LayerReport = {
      name: l.name,
      site: l.site,
      threshold: this.threshold,
      ...layerShares(parts, neurons, samples, this.T),
      correlation: this.pearson.r,
      neurons,
      scatter: { ann: s.ann, snn: s.snn, nonzero: this.sample.seen, total: neurons * samples },
    };
    return { report, parts };
  }
}
