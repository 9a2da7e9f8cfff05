/**
 * What the commands that evaluate print and write: the comparison tables, the report files
 * (HTML, charts) of a record, and the outputs with the resolved config next to them.
 */
import { join } from 'node:path';
import { type Config, diagnosisText, type EvalRecord, renderReport, reportCharts, svgToPng } from '../index.js';
import { cleanPath, writeFileAtomic } from './io.js';
import { optionError } from './options.js';
import { c, pct, table } from './render.js';

export function fmtThreshold(t: number | readonly number[]): string {
  if (typeof t === 'number') return t.toPrecision(4);
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  return `${mean.toPrecision(4)} (mean of ${t.length})`;
}

const fmtOps = (n: number): string =>
  n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);

/** The eval tables: accuracy/agreement vs T, the layers (the diagnosed one marked), operations, the diagnosis. */
export function renderComparison(r: Pick<EvalRecord, 'ann' | 'snn' | 'layers' | 'ops' | 'diagnosis'>): string {
  const lines: string[] = [];
  const T = Math.max(...r.snn.map((s) => s.timesteps));
  lines.push(`${c.bold('Accuracy by time steps T')} ${c.dim("(agreement: share of samples where the SNN predicts the ANN's class)")}`);
  lines.push(
    table(
      ['', 'T', 'accuracy', 'agreement'],
      [['ANN', '', pct(r.ann.accuracy), ''], ...r.snn.map((s) => ['SNN', String(s.timesteps), pct(s.accuracy), pct(s.agreement)])],
    ),
  );
  lines.push('');
  const bad = r.diagnosis?.layer?.name;
  const min = r.diagnosis?.minCorrelation ?? 0.95;
  lines.push(
    `${c.bold('Neuron layers')} ${c.dim(`(spike rate: spikes per neuron per step at T = ${T}; corr(ANN, SNN): Pearson's r between the ANN's activations and the SNN's rates × threshold, 1 when the layer is reproduced)`)}`,
  );
  lines.push(
    table(
      ['layer', 'threshold', 'spike rate', 'corr(ANN, SNN)', ''],
      r.layers.map((l) => [
        l.name === bad ? c.red(l.name) : l.name,
        fmtThreshold(l.threshold),
        l.spikeRate.toFixed(4),
        l.correlation < min ? c.yellow(l.correlation.toFixed(4)) : l.correlation.toFixed(4),
        l.name === bad ? c.red(`← first below ${min}`) : '',
      ]),
      ['l', 'r', 'r', 'r', 'l'],
    ),
  );
  if (r.ops) {
    const o = r.ops;
    lines.push('');
    lines.push(`${c.bold('Operations per sample')} ${c.dim('(AC: an addition per spike; MAC: a multiply-accumulate)')}`);
    lines.push(
      table(
        ['layer', 'ANN MACs', `SNN ops (T=${o.timesteps})`, 'kind'],
        o.layers.map((l) => [
          l.name,
          fmtOps(l.macs),
          `${fmtOps(l.synops)}${l.approximate ? ' *' : ''}`,
          l.kind === 'ac' ? 'AC' : l.kind === 'mac-once' ? 'MAC, once' : 'MAC, every step',
        ]),
        ['l', 'r', 'r', 'l'],
      ),
    );
    lines.push(
      `energy per sample (estimate, ${o.energy.pjPerMac} pJ/MAC, ${o.energy.pjPerAc} pJ/AC, 45 nm, Horowitz 2014): ANN ${o.energy.annNj.toFixed(1)} nJ, SNN ${o.energy.snnNj.toFixed(1)} nJ${o.layers.some((l) => l.approximate) ? ' (* events behind a max/average pool estimated)' : ''}`,
    );
    // an SNN is only cheaper when spikes are sparse enough: say so when the estimate says it is not
    if (o.energy.snnNj > o.energy.annNj) {
      lines.push(
        c.yellow(
          `  the SNN estimate is ${(o.energy.snnNj / o.energy.annNj).toFixed(1)}× the ANN's at T = ${o.timesteps}: each spike costs an addition, so fewer time steps or sparser spiking would lower it`,
        ),
      );
    }
  }
  if (r.diagnosis) {
    lines.push('');
    const d = r.diagnosis;
    const text = diagnosisText(d);
    lines.push(`${c.bold('diagnosis')}: ${d.ok ? c.green(text[0]!) : c.red(text[0]!)}`);
    for (const t of text.slice(1)) lines.push(`  ${t}`);
  }
  return lines.join('\n');
}

/** Writes each output (already rendered) and, when asked (--save-config), the resolved config. */
export function writeOutputs(files: readonly { path: string; data: string | Uint8Array }[], cfg: Config): void {
  const all = [...files];
  if (cfg.output.config) all.push({ path: cfg.output.config, data: `${JSON.stringify(cfg, null, 2)}\n` });
  for (const f of all) writeFileAtomic(f.path, f.data);
}

const VERSION = '0.1.0';

/**
 * Renders the report outputs of a record (nothing is written here): the HTML file and, for
 * --plots DIR, every chart as DIR/<id>.svg and DIR/<id>.png.
 */
export function reportOutputs(
  r: EvalRecord,
  o: { html?: string; plots?: string; scatterLayer?: string },
): { files: { path: string; data: string | Uint8Array }[]; summary: string[] } {
  if (o.scatterLayer && !r.layers.some((l) => l.name === o.scatterLayer)) {
    throw optionError(
      '--scatter-layer',
      `no layer "${o.scatterLayer}"; the layers are ${r.layers.map((l) => l.name).join(', ')}`,
      o.scatterLayer,
      r.layers.map((l) => l.name),
    );
  }
  const files: { path: string; data: string | Uint8Array }[] = [];
  const summary: string[] = [];
  if (o.html) {
    const html = renderReport(r, { version: VERSION, ...(o.scatterLayer ? { scatterLayer: o.scatterLayer } : {}) });
    files.push({ path: o.html, data: html });
    summary.push(`${c.bold('report')} → ${o.html} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)`);
  }
  if (o.plots) {
    const charts = reportCharts(r);
    for (const ch of charts) {
      files.push({ path: join(o.plots, `${ch.id}.svg`), data: `<?xml version="1.0" encoding="UTF-8"?>\n${ch.svg}\n` });
      files.push({ path: join(o.plots, `${ch.id}.png`), data: svgToPng(ch.svg) });
    }
    summary.push(`${c.bold('plots')} → ${cleanPath(o.plots)}/ (${charts.length} charts as SVG and PNG)`);
  }
  return { files, summary };
}
