/** The sections of the HTML report (html.ts puts them together), each as lines of HTML. */
import { diagnosisText } from '../eval/diagnose.js';
import type { Chart } from './charts.js';
import { esc } from './svg-frame.js';
import type { EvalRecord } from './types.js';

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const num = (x: number, d = 4): string => (Number.isFinite(x) ? Number(x.toPrecision(d)).toLocaleString('en-US', { maximumFractionDigits: 6 }) : String(x));
const thr = (t: number | readonly number[]): string =>
  typeof t === 'number' ? num(t) : `${num(t.reduce((a, b) => a + b, 0) / t.length)} (mean of ${t.length})`;

function figure(c: Chart, extra = ''): string {
  const wide = c.id === 'raster' || c.id === 'ops';
  return `<figure id="chart-${esc(c.id)}" class="chart${wide ? ' wide' : ''}"${extra}>\n${c.svg}\n<figcaption>${esc(c.caption)}</figcaption>\n</figure>`;
}

/** The headline figures: accuracies, agreement at the largest T, the fewest steps near the ANN, energy. */
export function summarySection(r: EvalRecord): string[] {
  const out: string[] = [];
  const T = r.snn.length ? Math.max(...r.snn.map((s) => s.timesteps)) : 0;
  const last = r.snn.find((s) => s.timesteps === T);
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
  return out;
}

/** The diagnosis as paragraphs; nothing when the record has none. */
export function diagnosisSection(d: EvalRecord['diagnosis']): string[] {
  const out: string[] = [];
  const lines = diagnosisText(d);
  out.push(`<section id="diagnosis" class="diagnosis ${d.ok ? 'ok' : 'bad'}"><h2>Diagnosis</h2>`);
  for (const l of lines) out.push(`<p>${esc(l)}</p>`);
  out.push('</section>');
  return out;
}

/** Every chart; the per-layer scatters behind a layer selector after the correlation chart, `chosen` shown first. */
export function chartsSection(charts: readonly Chart[], chosen: string | undefined): string[] {
  const out: string[] = [];
  const scatters = charts.filter((c) => c.layer !== undefined);
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
  return out;
}

/** One row per neuron layer; the diagnosed one marked. */
export function layersSection(r: EvalRecord): string[] {
  const out: string[] = [];
  const d = r.diagnosis;
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
  return out;
}

/** Operations per layer and the energy estimate; nothing without ops counts. */
export function opsSection(o: NonNullable<EvalRecord['ops']>): string[] {
  const out: string[] = [];
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
  return out;
}

/** The conversion settings, the thresholds and the resolved configuration. */
export function settingsSection(r: EvalRecord): string[] {
  const out: string[] = [];
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
          ? `signed IF (negative spikes, Wang et al. 2022${(c.burst ?? 1) > 1 ? `; bursts of up to Γ = ${c.burst} spikes of either sign per step, θ = λ/Γ, at ReLU and linear sites` : ''})`
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
  return out;
}
