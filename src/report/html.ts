/**
 * The HTML report: one self-contained file (inline CSS, inline SVG charts, the evaluation record
 * embedded as <script type="application/json" id="onnx2snn-data">, a few lines of inline script to
 * pick the scatter layer). A Content-Security-Policy forbids every network request.
 */
import { reportCharts } from './charts.js';
import { chartsSection, diagnosisSection, layersSection, opsSection, settingsSection, summarySection } from './html-sections.js';
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

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderReport(r: EvalRecord, opts: ReportOptions = {}): string {
  const charts = reportCharts(r);
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
  out.push(...summarySection(r));
  if (d) out.push(...diagnosisSection(d));
  out.push(...chartsSection(charts, chosen));
  out.push(...layersSection(r));
  if (r.ops) out.push(...opsSection(r.ops));
  if (r.conversion.auto) out.push(autoSection(r.conversion.auto));
  out.push(...settingsSection(r));
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
