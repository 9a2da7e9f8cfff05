/**
 * The operation-count report (src/eval/ops.ts counts): per weighted layer, the totals and the
 * energy estimate — 0.9 pJ per accumulate and 4.6 pJ per multiply-accumulate (32-bit float, 45 nm;
 * Horowitz, ISSCC 2014).
 */
import type { ExactSum } from '../util/exact-sum.js';

/** Energy per operation, picojoules (45 nm, 32-bit float; Horowitz 2014). */
export const ENERGY_PJ = { ac: 0.9, mac: 4.6 } as const;
export const ENERGY_SOURCE = 'Horowitz, "Computing\'s energy problem", ISSCC 2014: 32-bit float add 0.9 pJ, multiply-add 4.6 pJ (45 nm)';

/** How a weighted layer's work is done in the SNN. */
export type OpsKind =
  /** Spike-driven accumulates (AC), counted per event. */
  | 'ac'
  /** Static input: MACs once, outside the time loop. */
  | 'mac-once'
  /** Analog input that changes every step: MACs every step. */
  | 'mac-per-step';

export interface LayerOps {
  /** The weighted node's name. */
  readonly name: string;
  readonly opType: string;
  /** ANN multiply-accumulates per sample. */
  readonly macs: number;
  /** SNN operations per sample over the largest T: accumulates for 'ac', MACs otherwise. */
  readonly synops: number;
  readonly kind: OpsKind;
  /** True where the event count passes a spiking max pool or an average pool (see the file comment). */
  readonly approximate: boolean;
}

export interface OpsReport {
  /** Time steps the SNN counts are for. */
  readonly timesteps: number;
  readonly layers: LayerOps[];
  readonly totals: { readonly macs: number; readonly synops: number; readonly snnMacs: number };
  readonly energy: EnergyEstimate;
  /**
   * Synaptic operations per sample counted while simulating, by an engine that does them one by
   * one (`--engine events`: every accumulation of its event-driven Conv/Gemm kernels), next to the
   * structural count `totals.synops` (equal on the bundled models, tested).
   */
  readonly counted?: { readonly engine: string; readonly synops: number };
}

export interface EnergyEstimate {
  /** Always true: this is an estimate from operation counts. */
  readonly estimate: true;
  readonly pjPerAc: number;
  readonly pjPerMac: number;
  /** ANN energy per sample, nanojoules. */
  readonly annNj: number;
  /** SNN energy per sample (over the largest T), nanojoules. */
  readonly snnNj: number;
  /** annNj / snnNj. */
  readonly ratio: number;
  readonly source: string;
  readonly note: string;
}

/** The report from per-layer totals over `samples` samples (one run's, or the merged totals of shards). */
export function opsFromTotals(layers: readonly Omit<LayerOps, 'synops'>[], totals: readonly ExactSum[], samples: number, timesteps: number): OpsReport {
  const N = Math.max(samples, 1);
  return opsReport(
    layers.map((l, i) => ({ name: l.name, opType: l.opType, macs: l.macs, synops: totals[i]!.value() / N, kind: l.kind, approximate: l.approximate })),
    timesteps,
  );
}

/** Totals and the energy estimate for per-layer counts. */
export function opsReport(layers: LayerOps[], timesteps: number): OpsReport {
  const macs = layers.reduce((a, l) => a + l.macs, 0);
  const synops = layers.filter((l) => l.kind === 'ac').reduce((a, l) => a + l.synops, 0);
  const snnMacs = layers.filter((l) => l.kind !== 'ac').reduce((a, l) => a + l.synops, 0);
  const annNj = (macs * ENERGY_PJ.mac) / 1000;
  const snnNj = (synops * ENERGY_PJ.ac + snnMacs * ENERGY_PJ.mac) / 1000;
  return {
    timesteps,
    layers,
    totals: { macs, synops, snnMacs },
    energy: {
      estimate: true,
      pjPerAc: ENERGY_PJ.ac,
      pjPerMac: ENERGY_PJ.mac,
      annNj,
      snnNj,
      ratio: snnNj > 0 ? annNj / snnNj : 0,
      source: ENERGY_SOURCE,
      note: 'Estimate from operation counts only: memory access, neuron updates and per-step bias additions are not included.',
    },
  };
}
