/**
 * The report's charts, drawn from an evaluation record: accuracy and agreement vs T (log2 axis,
 * the ANN as a line), per-layer spike rate and correlation, one ANN-vs-SNN scatter per layer, a
 * spike raster of one sample, and synaptic operations vs MACs per layer.
 */
import { barChart, lineChart, rasterChart, scatterChart } from './svg.js';
import { PALETTE } from './svg-frame.js';
import type { EvalRecord } from './types.js';

export interface Chart {
  /** Stable id: file name stem for --plots, data-chart attribute in the HTML. */
  readonly id: string;
  readonly title: string;
  /** One sentence on how to read it. */
  readonly caption: string;
  readonly svg: string;
  /** For scatter charts: the layer. */
  readonly layer?: string;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60);

export function scatterId(index: number, name: string): string {
  return `scatter-${index + 1}-${slug(name)}`;
}

/** Accuracy and agreement with the ANN vs T. */
function timeCharts(charts: Chart[], r: EvalRecord): void {
  if (r.snn.length) {
    charts.push({
      id: 'accuracy',
      title: 'Accuracy vs time steps',
      caption: `SNN accuracy on ${r.samples} samples at each number of time steps T (log2 axis); the dashed line is the ANN.`,
      svg: lineChart({
        id: 'accuracy',
        title: 'Accuracy vs time steps',
        subtitle: `${r.samples} samples · ANN ${(100 * r.ann.accuracy).toFixed(2)}%`,
        xLabel: 'time steps T (log2)',
        yLabel: 'accuracy',
        xLog2: true,
        yPercent: true,
        series: [{ name: 'SNN', points: r.snn.map((s) => [s.timesteps, s.accuracy] as const) }],
        hlines: [{ y: r.ann.accuracy, label: 'ANN', color: PALETTE[1] }],
      }),
    });
    charts.push({
      id: 'agreement',
      title: 'Agreement with the ANN vs time steps',
      caption: 'Share of samples where the SNN predicts the same class as the ANN, at each T (log2 axis).',
      svg: lineChart({
        id: 'agreement',
        title: 'Agreement with the ANN vs time steps',
        subtitle: 'same predicted class as the ANN',
        xLabel: 'time steps T (log2)',
        yLabel: 'agreement',
        xLog2: true,
        yPercent: true,
        series: [{ name: 'SNN = ANN', points: r.snn.map((s) => [s.timesteps, s.agreement] as const), color: PALETTE[2] }],
      }),
    });
  }
}

/** Spike rate and ANN/SNN correlation per layer, the diagnosed layer shaded. */
function layerCharts(charts: Chart[], r: EvalRecord, T: number): void {
  const names = r.layers.map((l) => l.name);
  const failing = r.diagnosis?.layer ? names.indexOf(r.diagnosis.layer.name) : -1;
  if (r.layers.length) {
    charts.push({
      id: 'spike-rate',
      title: 'Mean spike rate per layer',
      caption: `Spikes per neuron per time step at T = ${T}, averaged over neurons and samples.`,
      svg: barChart({
        id: 'spike-rate',
        title: 'Mean spike rate per layer',
        subtitle: `spikes per neuron per step, T = ${T}`,
        yLabel: 'spike rate',
        categories: names,
        series: [{ name: 'spike rate', values: r.layers.map((l) => l.spikeRate), color: PALETTE[3] }],
        highlight: failing,
      }),
    });
    const minC = r.diagnosis?.minCorrelation ?? 0.95;
    const lo = Math.min(minC, ...r.layers.map((l) => l.correlation));
    charts.push({
      id: 'correlation',
      title: 'ANN/SNN correlation per layer',
      caption: `Pearson r between ANN activations and SNN rates × θ at T = ${T}; the dashed line is the diagnosis threshold ${minC}${failing >= 0 ? `, the shaded layer the first below it` : ''}.`,
      svg: barChart({
        id: 'correlation',
        title: 'ANN/SNN correlation per layer',
        subtitle: `Pearson r of ANN activation vs SNN rate·θ, T = ${T}`,
        yLabel: 'correlation',
        categories: names,
        // bars start at 0 (or below, for a negative correlation): a zoomed axis exaggerates small gaps
        yDomain: [Math.max(-1, Math.min(0, Math.floor(lo * 10) / 10)), 1],
        series: [{ name: 'correlation', values: r.layers.map((l) => l.correlation), color: PALETTE[0] }],
        hlines: [{ y: minC, label: `threshold ${minC}`, color: PALETTE[1] }],
        highlight: failing,
      }),
    });
  }
}

/** One ANN-vs-SNN scatter per layer that recorded one. */
function scatterCharts(charts: Chart[], r: EvalRecord, T: number): void {
  r.layers.forEach((l, i) => {
    if (!l.scatter) return;
    const id = scatterId(i, l.name);
    charts.push({
      id,
      layer: l.name,
      title: `ANN vs SNN, layer ${l.name}`,
      caption: `${l.scatter.ann.length} neurons sampled at random among the ${l.scatter.nonzero.toLocaleString('en-US')} (of ${l.scatter.total.toLocaleString('en-US')}) where the ANN or the SNN is non-zero; on the dashed line the SNN rate × θ equals the ANN activation.`,
      svg: scatterChart({
        id,
        title: `ANN vs SNN, layer ${l.name}`,
        subtitle: `r = ${l.correlation.toFixed(4)} · T = ${T} · θ = ${typeof l.threshold === 'number' ? Number(l.threshold.toPrecision(4)) : 'per channel'}`,
        xLabel: 'ANN activation',
        yLabel: 'SNN rate × θ',
        x: l.scatter.ann,
        y: l.scatter.snn,
        diagonal: true,
      }),
    });
  });
}

/** The spike raster of one sample. */
function rasterCharts(charts: Chart[], r: EvalRecord): void {
  if (r.raster && r.raster.layers.length) {
    const ra = r.raster;
    charts.push({
      id: 'raster',
      title: `Spike raster of sample ${ra.sample}`,
      caption: `Sample ${ra.sample} (label ${ra.label}, SNN prediction ${ra.prediction}) over ${ra.timesteps} steps, from the reference simulator; each row is one neuron, each tick one spike (up to ${Math.max(...ra.layers.map((l) => l.shown.length))} active neurons per layer, evenly spread).`,
      svg: rasterChart({
        id: 'raster',
        title: `Spike raster of sample ${ra.sample}`,
        subtitle: `label ${ra.label} · SNN prediction ${ra.prediction} · T = ${ra.timesteps}`,
        xLabel: 'time step',
        timesteps: ra.timesteps,
        panels: ra.layers.map((l) => ({
          name: l.name,
          subtitle: `${l.shown.length} of ${l.active} active neurons (${l.neurons} in the layer)`,
          rows: l.times,
        })),
      }),
    });
  }
}

/** Synaptic operations vs MACs per layer. */
function opsCharts(charts: Chart[], r: EvalRecord): void {
  if (r.ops && r.ops.layers.length) {
    const o = r.ops;
    charts.push({
      id: 'ops',
      title: 'Synaptic operations (SNN) vs MACs (ANN) per layer',
      caption: `Per sample, log scale. SNN: accumulates driven by spikes over T = ${o.timesteps} steps (layers with a static input do their MACs once). Energy estimate (not a measurement): ANN ${o.energy.annNj.toFixed(1)} nJ at ${o.energy.pjPerMac} pJ/MAC, SNN ${o.energy.snnNj.toFixed(1)} nJ at ${o.energy.pjPerAc} pJ/AC (45 nm, Horowitz 2014).`,
      svg: barChart({
        id: 'ops',
        title: 'Synaptic operations vs MACs per layer',
        subtitle: `per sample, log scale · estimated energy ANN ${o.energy.annNj.toFixed(1)} nJ vs SNN ${o.energy.snnNj.toFixed(1)} nJ (estimate)`,
        yLabel: 'operations per sample',
        yLog10: true,
        categories: o.layers.map((l) => l.name),
        series: [
          { name: 'ANN MACs', values: o.layers.map((l) => l.macs), color: PALETTE[1] },
          { name: `SNN ops (T=${o.timesteps})`, values: o.layers.map((l) => l.synops), color: PALETTE[0] },
        ],
      }),
    });
  }
}

export function reportCharts(r: EvalRecord): Chart[] {
  const charts: Chart[] = [];
  const T = r.snn.length ? Math.max(...r.snn.map((s) => s.timesteps)) : 0;
  timeCharts(charts, r);
  layerCharts(charts, r, T);
  scatterCharts(charts, r, T);
  rasterCharts(charts, r);
  opsCharts(charts, r);
  return charts;
}
