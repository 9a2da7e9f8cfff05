/**
 * The HTML report: one self-contained file (inline CSS, inline SVG charts, the evaluation record
 * embedded as <script type="application/json" id="onnx2snn-data">, a few lines of inline script to
 * pick the scatter layer). A Content-Security-Policy forbids every network request.
 */
import { diagnosisText } from '../eval/diagnose.js';
import { reportCharts, type Chart } from './charts.js';
import { esc } from './svg-frame.js';
import type { EvalRecord } from './types.js';
import { autoSection } from './why.js';

export interface ReportOptions {
  /** Layer whose scatter is shown first (default: the diagnosed layer, else the least correlated). */
  readonly scatterLayer?: string;
  /** Version string for the footer. */
  readonly version?: string;
}

const CSS = `
:root { color-scheme: light; }
body { font-family: 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif; margin: 0; color: #222; background: #f4f5f7; }
header { background: #1f2a44; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: #cdd5e6; font-size: 13px; word-break: break-all; }
main { padding: 18px 28px 40px; max-width: 1400px; }
section { background: #fff; border-radius: 8px; padding: 14px 18px; margin: 0 0 18px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 17px; margin: 0 0 10px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.card b { display: block; font-size: 20px; }
.card span { font-size: 12px; color: #666; }
.diagnosis.ok { border-left: 6px solid #2ca02c; }
.diagnosis.bad { border-left: 6px solid #d62728; }
.diagnosis p { margin: 6px 0; line-height: 1.45; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px; background: #fff; overflow-x: auto; }
figure.wide { grid-column: 1 / -1; }
figure > svg { display: block; width: 100%; height: auto; }
figure.wide > svg { width: auto; max-width: 100%; }
figcaption { font-size: 12px; color: #555; margin-top: 6px; line-height: 1.4; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f2f6; }
tr.bad td { background: #fde8e8; }
.estimate { background: #fff7e0; border: 1px solid #f0d48a; border-radius: 6px; padding: 8px 12px; font-size: 13px; margin: 10px 0; }
pre { background: #f6f8fa; padding: 10px; border-radius: 6px; font-size: 12px; overflow-x: auto; }
select { font-size: 13px; margin-left: 8px; }
footer { color: #888; font-size: 12px; padding: 0 28px 24px; }
`;

const SCRIPT = `
(function () {
  var sel = document.getElementById('scatter-layer');
  if (!sel) return;
  function show() {
    var figs = document.querySelectorAll('figure[data-scatter]');
    for (var i = 0; i < figs.length; i++) figs[i].hidden = figs[i].getAttribute('data-scatter') !== sel.value;
  }
  sel.addEventListener('change', show);
  show();
})();
`;

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const num = (x: number, d = 4): string => (Number.isFinite(x) ? Number(x.toPrecision(d)).toLocaleString('en-US', { maximumFractionDigits: 6 }) : String(x));
const thr = (t: number | readonly number[]): string =>
  typeof t === 'number' ? num(t) : `${num(t.reduce((a, b) => a + b, 0) / t.length)} (mean of ${t.length})`;

function figure(c: Chart, extra = ''): string {
  const wide = c.id === 'raster' || c.id === 'ops';
  return `<figure id="chart-${esc(c.id)}" class="chart${wide ? ' wide' : ''}"${extra}>\n${c.svg}\n<figcaption>${esc(c.caption)}</figcaption>\n</figure>`;
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderReport(r: EvalRecord, opts: ReportOptions = {}): string {
  const charts = reportCharts(r);
  const T = r.snn.length ? Math.max(...r.snn.map((s) => s.timesteps)) : 0;
  const last = r.snn.find((s) => s.timesteps === T);
  const d = r.diagnosis;
  const scatters = charts.filter((c) => c.layer !== undefined);
  const least = [...r.layers].sort((a, b) => a.correlation - b.correlation)[0]?.name;
  let chosen = opts.scatterLayer ?? d?.layer?.name ?? least;
  if (!scatters.some((c) => c.layer === chosen)) chosen = scatters[0]?.layer;
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en">');
  out.push('<head>');
  out.push('<meta charset="utf-8">');
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`);
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>onnx2snn report: ${esc(r.model)}</title>`);
  out.push(`<style>${CSS}</style>`);
  out.push('</head>');
  out.push('<body>');
  out.push('<header>');
  out.push('<h1>onnx2snn report</h1>');
  out.push(`<p>model <b>${esc(r.model)}</b></p>`);
  out.push(`<p>data ${esc(r.dataset)} · ${r.samples} samples · ${esc(r.engine)} on ${esc(r.device)}</p>`);
  out.push('</header>');
  out.push('<main>');

  // summary
  out.push('<section id="summary"><h2>Summary</h2><div class="cards">');
  out.push(`<div class="card"><span>ANN accuracy</span><b>${pct(r.ann.accuracy)}</b></div>`);
  if (last) {
    out.push(`<div class="card"><span>SNN accuracy, T = ${T}</span><b>${pct(last.accuracy)}</b></div>`);
    out.push(`<div class="card"><span>agreement with the ANN, T = ${T}</span><b>${pct(last.agreement)}</b></div>`);
  }
  const best = [...r.snn].filter((s) => s.accuracy >= r.ann.accuracy - 0.005).sort((a, b) => a.timesteps - b.timesteps)[0];
  if (best) out.push(`<div class="card"><span>fewest steps within 0.5 pt of the ANN</span><b>T = ${best.timesteps}</b></div>`);
  if (r.ops)
    out.push(
      `<div class="card"><span>estimated energy per sample, SNN vs ANN</span><b>${r.ops.energy.snnNj.toFixed(1)} vs ${r.ops.energy.annNj.toFixed(1)} nJ</b></div>`,
    );
  out.push('</div></section>');

  // diagnosis
  if (d) {
    const lines = diagnosisText(d);
    out.push(`<section id="diagnosis" class="diagnosis ${d.ok ? 'ok' : 'bad'}"><h2>Diagnosis</h2>`);
    for (const l of lines) out.push(`<p>${esc(l)}</p>`);
    out.push('</section>');
  }

  // charts
  out.push('<section id="charts"><h2>Charts</h2><div class="grid">');
  for (const c of charts) {
    if (c.layer !== undefined) continue;
    if (c.id === 'correlation' && scatters.length) {
      out.push(figure(c));
      const options = scatters.map((s) => `<option value="${esc(s.layer!)}"${s.layer === chosen ? ' selected' : ''}>${esc(s.layer!)}</option>`).join('');
      out.push(`<div class="scatter-box"><label for="scatter-layer">Scatter for layer</label><select id="scatter-layer">${options}</select>`);
      for (const s of scatters) out.push(figure(s, ` data-scatter="${esc(s.layer!)}"${s.layer === chosen ? '' : ' hidden'}`));
      out.push('</div>');
      continue;
    }
    out.push(figure(c));
  }
  out.push('</div></section>');

  // layers table
  out.push(
    '<section id="layers"><h2>Layers</h2><table><thead><tr><th>layer</th><th>from</th><th>neurons</th><th>threshold θ</th><th>calib. max</th><th>p99.9</th><th>spike rate</th><th>silent</th><th>saturated</th><th>correlation</th></tr></thead><tbody>',
  );
  for (const l of r.layers) {
    const bad = d?.layer?.name === l.name;
    out.push(
      `<tr${bad ? ' class="bad"' : ''}><td>${esc(l.name)}</td><td>${esc(l.from ? `${l.from}${l.residual ? ' (residual)' : ''}` : '')}</td><td>${l.neurons ?? ''}</td><td>${thr(l.threshold)}</td><td>${l.stats ? num(l.stats.max) : ''}</td><td>${l.stats ? num(l.stats.p99_9) : ''}</td><td>${num(l.spikeRate)}</td><td>${l.silent !== undefined ? pct(l.silent) : ''}</td><td>${l.saturated !== undefined ? pct(l.saturated) : ''}</td><td>${num(l.correlation)}</td></tr>`,
    );
  }
  out.push('</tbody></table></section>');

  // operations and energy
  if (r.ops) {
    const o = r.ops;
    out.push('<section id="ops"><h2>Operations and energy (estimate)</h2>');
    out.push('<table><thead><tr><th>layer</th><th>op</th><th>ANN MACs</th><th>SNN ops</th><th>SNN op kind</th><th>SNN / ANN</th></tr></thead><tbody>');
    const kind = (k: string) => (k === 'ac' ? 'accumulates, spike-driven' : k === 'mac-once' ? 'MACs once (static input)' : 'MACs every step');
    for (const l of o.layers) {
      out.push(
        `<tr><td>${esc(l.name)}</td><td>${esc(l.opType)}</td><td>${Math.round(l.macs).toLocaleString('en-US')}</td><td>${Math.round(l.synops).toLocaleString('en-US')}${l.approximate ? ' *' : ''}</td><td>${kind(l.kind)}</td><td>${l.macs ? num(l.synops / l.macs, 3) : ''}</td></tr>`,
      );
    }
    out.push(
      `<tr><td><b>total</b></td><td></td><td><b>${Math.round(o.totals.macs).toLocaleString('en-US')}</b></td><td><b>${Math.round(o.totals.synops + o.totals.snnMacs).toLocaleString('en-US')}</b></td><td></td><td></td></tr>`,
    );
    out.push('</tbody></table>');
    out.push(
      `<div class="estimate"><b>Energy estimate, not a measurement.</b> ANN: ${Math.round(o.totals.macs).toLocaleString('en-US')} MACs × ${o.energy.pjPerMac} pJ = ${o.energy.annNj.toFixed(1)} nJ per sample. SNN at T = ${o.timesteps}: ${Math.round(o.totals.synops).toLocaleString('en-US')} accumulates × ${o.energy.pjPerAc} pJ + ${Math.round(o.totals.snnMacs).toLocaleString('en-US')} MACs × ${o.energy.pjPerMac} pJ = ${o.energy.snnNj.toFixed(1)} nJ per sample (ratio ANN/SNN ${num(o.energy.ratio, 3)}). Energies per operation: ${esc(o.energy.source)}. ${esc(o.energy.note)}${o.layers.some((l) => l.approximate) ? ' * behind a spiking max pool or an average pool the number of events is estimated (see the README).' : ''}</div>`,
    );
    out.push('</section>');
  }

  if (r.conversion.auto) out.push(autoSection(r.conversion.auto));

  // settings
  const c = r.conversion;
  out.push('<section id="settings"><h2>Conversion settings</h2><table><tbody>');
  const rows: [string, string][] = [
    ['normalisation method', c.method],
    ['calibration', `${c.calibration.data} (${c.calibration.samples} samples)`],
    ...(c.thresholds ? ([['thresholds file', c.thresholds]] as [string, string][]) : []),
    [
      'neuron',
      c.neuron === 'lif'
        ? `LIF, β = ${c.beta}`
        : c.neuron === 'signed'
          ? 'signed IF (negative spikes, Wang et al. 2022)'
          : c.neuron === 'poly'
            ? 'polynomial'
            : c.neuron === 'burst'
              ? `burst IF (up to Γ = ${c.burst ?? 2} spikes per step, θ = λ/Γ, Li & Zeng 2022; every spike of a burst is counted)`
              : 'IF',
    ],
    ['linear sites', c.linear === 'bipolar' ? 'bipolar neurons' : 'analog'],
    ['reset', c.reset],
    ['initial potential v₀', `${c.vInit}·θ`],
    [
      'input encoding',
      c.encoding === 'poisson' ? `Poisson (seed ${c.seed}${c.inputMax !== undefined ? `, xmax ${num(c.inputMax)}` : ''})` : 'constant current',
    ],
    ['readout', c.readout],
    ['time steps', r.snn.map((s) => s.timesteps).join(', ')],
  ];
  for (const [k, v] of rows) out.push(`<tr><td>${esc(k)}</td><td style="text-align:left">${esc(v)}</td></tr>`);
  out.push('</tbody></table>');
  out.push('<h2 style="margin-top:14px">Thresholds θ</h2><table><thead><tr><th>layer</th><th>site</th><th>θ</th></tr></thead><tbody>');
  for (const l of r.layers)
    out.push(
      `<tr><td>${esc(l.name)}</td><td>${esc(l.site)}</td><td>${typeof l.threshold === 'number' ? num(l.threshold, 6) : esc(l.threshold.map((t) => num(t)).join(', '))}</td></tr>`,
    );
  out.push('</tbody></table>');
  if (r.config !== undefined) out.push(`<h2 style="margin-top:14px">Resolved configuration</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre>`);
  out.push('</section>');
  out.push('</main>');
  out.push(
    `<footer>Generated by onnx2snn${opts.version ? ` ${esc(opts.version)}` : ''}. The data behind every chart is embedded in this file (script#onnx2snn-data).</footer>`,
  );
  out.push(`<script type="application/json" id="onnx2snn-data">${scriptJson(r)}</script>`);
  out.push(`<script>${SCRIPT}</script>`);
  out.push('</body>');
  out.push('</html>');
  return `${out.join('\n')}\n`;
}
