/**
 * A small SVG chart kit: line, grouped bar, scatter and raster charts as standalone SVG strings
 * (no scripts, no external fonts or images), so that they inline into the HTML report, open in any
 * browser and rasterise to PNG with resvg. Deterministic output: numbers are rounded to 0.1 px.
 */

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'] as const;
export const FONT = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";

const W = 560;
const H = 360;
const M = { top: 62, right: 20, bottom: 52, left: 64 };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
const r1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** Round numbers (1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (hi <= lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** Decimals that write every multiple of `step` exactly (0.25 → 2, 2.5 → 1, 5 → 0). */
export function decimalsFor(step: number): number {
  for (let k = 0; k < 12; k++) {
    const s = step * 10 ** k;
    if (Math.abs(s - Math.round(s)) < 1e-6 * Math.max(1, s)) return k;
  }
  return 12;
}

/** Labels for a whole axis with one number of decimals (0.5, 1.0, 1.5 rather than 0.5, 1, 1.5); large or tiny values as fmtTick. */
export function tickLabeller(ticks: readonly number[], scale = 1, suffix = ''): (v: number) => string {
  const big = Math.max(...ticks.map((t) => Math.abs(t * scale)));
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) * scale : 0;
  if (!(step > 0) || big >= 1e4 || step < 1e-3) return (v) => `${fmtTick(v * scale)}${suffix}`;
  const d = decimalsFor(Number(step.toPrecision(6)));
  return (v) => `${(v * scale).toFixed(d)}${suffix}`;
}

export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}G`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  if (a < 1e-3) return v.toExponential(0);
  return Number(v.toPrecision(4)).toString();
}

interface Frame {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

function open(f: Frame, w: number, h: number): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(f.title)}" data-chart="${esc(f.id)}" font-family="${esc(FONT)}" font-size="12">`,
    `<title>${esc(f.title)}</title>`,
    `<rect width="${w}" height="${h}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="20" font-size="15" font-weight="bold" fill="#222">${esc(f.title)}</text>`,
  ];
  if (f.subtitle) out.push(`<text x="${M.left}" y="36" font-size="11" fill="#555">${esc(f.subtitle)}</text>`);
  if (f.xLabel) out.push(`<text x="${r1(M.left + (w - M.left - M.right) / 2)}" y="${h - 10}" text-anchor="middle" fill="#333">${esc(f.xLabel)}</text>`);
  return out;
}

interface Scale {
  (v: number): number;
  readonly ticks: number[];
  readonly label: (v: number) => string;
}

function linear(lo: number, hi: number, a: number, b: number, count = 5): Scale {
  const ticks = niceTicks(lo, hi, count);
  const l = Math.min(lo, ticks[0]!);
  const h = Math.max(hi, ticks[ticks.length - 1]!);
  const f = ((v: number) => a + ((v - l) / (h - l || 1)) * (b - a)) as Scale;
  return Object.assign(f, { ticks, label: tickLabeller(ticks) });
}

function log2Scale(lo: number, hi: number, a: number, b: number): Scale {
  const l = Math.floor(Math.log2(lo));
  const h = Math.max(l + 1, Math.ceil(Math.log2(hi)));
  const f = ((v: number) => a + ((Math.log2(v) - l) / (h - l)) * (b - a)) as Scale;
  const ticks: number[] = [];
  for (let e = l; e <= h; e++) ticks.push(2 ** e);
  return Object.assign(f, { ticks, label: (v: number) => String(v) });
}

function log10Scale(lo: number, hi: number, a: number, b: number): Scale {
  const l = Math.floor(Math.log10(Math.max(lo, 1e-12)));
  const h = Math.max(l + 1, Math.ceil(Math.log10(Math.max(hi, 1e-12))));
  const f = ((v: number) => a + ((Math.log10(Math.max(v, 10 ** l)) - l) / (h - l)) * (b - a)) as Scale;
  const ticks: number[] = [];
  for (let e = l; e <= h; e++) ticks.push(10 ** e);
  return Object.assign(f, { ticks, label: fmtTick });
}

/** Approximate width in px of `s` at 12 px in the chart font (for layout only). */
const textWidth = (s: string): number => 6.8 * s.length;

function axes(x: Scale | null, y: Scale, w: number, h: number, xCats?: { labels: string[]; centers: number[] }, yLabel?: string): string[] {
  const out: string[] = ['<g fill="#444" stroke="none">'];
  const x0 = M.left;
  const x1 = w - M.right;
  const y0 = h - M.bottom;
  const y1 = M.top;
  for (const t of y.ticks) {
    const py = y(t);
    if (py < y1 - 0.5 || py > y0 + 0.5) continue;
    out.push(`<line x1="${x0}" x2="${x1}" y1="${r1(py)}" y2="${r1(py)}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${x0 - 6}" y="${r1(py + 4)}" text-anchor="end">${esc(y.label(t))}</text>`);
  }
  if (x) {
    for (const t of x.ticks) {
      const px = x(t);
      if (px < x0 - 0.5 || px > x1 + 0.5) continue;
      out.push(`<line x1="${r1(px)}" x2="${r1(px)}" y1="${y0}" y2="${y0 + 5}" stroke="#888"/>`);
      out.push(`<text x="${r1(px)}" y="${y0 + 18}" text-anchor="middle">${esc(x.label(t))}</text>`);
    }
  }
  if (xCats) {
    const rotate = xCats.labels.some((l) => l.length > 8) || xCats.labels.length > 8;
    xCats.labels.forEach((l, i) => {
      const px = xCats.centers[i]!;
      const text = l.length > 16 ? `${l.slice(0, 15)}…` : l;
      out.push(
        rotate
          ? `<text transform="translate(${r1(px + 3)} ${y0 + 12}) rotate(-30)" text-anchor="end" font-size="10">${esc(text)}</text>`
          : `<text x="${r1(px)}" y="${y0 + 18}" text-anchor="middle">${esc(text)}</text>`,
      );
    });
  }
  out.push(`<line x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}" stroke="#888"/>`);
  out.push(`<line x1="${x0}" x2="${x0}" y1="${y1}" y2="${y0}" stroke="#888"/>`);
  if (yLabel) {
    // the rotated title sits left of the widest tick label, never over it
    const widest = Math.max(0, ...y.ticks.filter((t) => y(t) >= y1 - 0.5 && y(t) <= y0 + 0.5).map((t) => textWidth(y.label(t))));
    out.push(`<text transform="translate(${r1(Math.max(10, x0 - 6 - widest - 8))} ${r1((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yLabel)}</text>`);
  }
  out.push('</g>');
  return out;
}

function legend(items: { name: string; color: string; dash?: boolean }[], w: number): string[] {
  const out: string[] = [];
  let x = w - M.right;
  for (const it of [...items].reverse()) {
    const tw = 7 * it.name.length + 26;
    x -= tw;
    out.push(`<line x1="${x}" x2="${x + 16}" y1="48" y2="48" stroke="${it.color}" stroke-width="3"${it.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(`<text x="${x + 20}" y="52" font-size="11" fill="#333">${esc(it.name)}</text>`);
  }
  return out;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color?: string;
}

export interface LineChart extends Frame {
  readonly series: readonly LineSeries[];
  /** Horizontal reference lines (e.g. the ANN). */
  readonly hlines?: readonly { y: number; label: string; color?: string }[];
  readonly xLog2?: boolean;
  readonly yDomain?: readonly [number, number];
  /** Format y tick labels as percentages of 1. */
  readonly yPercent?: boolean;
}

export function lineChart(c: LineChart): string {
  const w = c.width ?? W;
  const h = c.height ?? H;
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...c.series.flatMap((s) => s.points.map((p) => p[1])), ...(c.hlines ?? []).map((l) => l.y)];
  const xlo = Math.min(...xs);
  const xhi = Math.max(...xs);
  const x = c.xLog2 ? log2Scale(xlo, xhi, M.left + 10, w - M.right - 10) : linear(xlo, xhi, M.left + 10, w - M.right - 10);
  let [ylo, yhi] = c.yDomain ?? [Math.min(...ys), Math.max(...ys)];
  if (!c.yDomain) {
    const pad = (yhi - ylo) * 0.1 || Math.abs(yhi) * 0.01 || 0.01;
    ylo -= pad;
    yhi += pad;
    // a minimum span, so that one sample's difference never looks like a cliff (5 points of accuracy)
    const span = c.yPercent ? 0.05 : Math.abs(yhi) * 0.05;
    if (yhi - ylo < span) {
      const mid = (yhi + ylo) / 2;
      [ylo, yhi] = [mid - span / 2, mid + span / 2];
    }
    if (c.yPercent) {
      [ylo, yhi] = yhi > 1 ? [Math.max(0, ylo - (yhi - 1)), 1] : ylo < 0 ? [0, Math.min(1, yhi - ylo)] : [ylo, yhi];
      if (yhi <= ylo) yhi = ylo + 0.01;
    }
  }
  const yb = linear(ylo, yhi, h - M.bottom, M.top);
  const y: Scale = c.yPercent ? Object.assign((v: number) => yb(v), { ticks: yb.ticks, label: tickLabeller(yb.ticks, 100, '%') }) : yb;
  const out = open(c, w, h);
  out.push(...axes(x, y, w, h, undefined, c.yLabel));
  out.push(`<clipPath id="${esc(c.id)}-clip"><rect x="${M.left}" y="${M.top}" width="${w - M.left - M.right}" height="${h - M.top - M.bottom}"/></clipPath>`);
  out.push(`<g clip-path="url(#${esc(c.id)}-clip)">`);
  const items: { name: string; color: string; dash?: boolean }[] = [];
  (c.hlines ?? []).forEach((l) => {
    const color = l.color ?? '#555';
    out.push(`<line x1="${M.left}" x2="${w - M.right}" y1="${r1(y(l.y))}" y2="${r1(y(l.y))}" stroke="${color}" stroke-width="2" stroke-dasharray="6 4" data-series="${esc(l.label)}"/>`);
    items.push({ name: l.label, color, dash: true });
  });
  c.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${r1(x(p[0]))} ${r1(y(p[1]))}`).join('');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2.5" data-series="${esc(s.name)}"/>`);
    for (const p of s.points) out.push(`<circle cx="${r1(x(p[0]))}" cy="${r1(y(p[1]))}" r="3.5" fill="${color}"><title>${esc(`${s.name}: ${p[0]} → ${c.yPercent ? `${(100 * p[1]).toFixed(2)}%` : fmtTick(p[1])}`)}</title></circle>`);
    items.push({ name: s.name, color });
  });
  out.push('</g>');
  out.push(...legend(items, w));
  out.push('</svg>');
  return out.join('\n');
}

export interface BarSeries {
  readonly name: string;
  readonly values: readonly number[];
  readonly color?: string;
}

export interface BarChart extends Frame {
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly yLog10?: boolean;
  readonly yDomain?: readonly [number, number];
  readonly hlines?: readonly { y: number; label: string; color?: string }[];
  /** Index of a category to highlight (e.g. the diagnosed layer). */
  readonly highlight?: number;
}

export function barChart(c: BarChart): string {
  const n = c.categories.length;
  const w = Math.max(c.width ?? W, M.left + M.right + n * (12 + 14 * c.series.length));
  const h = c.height ?? H;
  const vals = [...c.series.flatMap((s) => s.values), ...(c.hlines ?? []).map((l) => l.y)].filter((v) => Number.isFinite(v));
  const pos = vals.filter((v) => v > 0);
  const y = c.yLog10
    ? log10Scale(pos.length ? Math.min(...pos) : 1, pos.length ? Math.max(...pos) : 10, h - M.bottom, M.top)
    : linear(c.yDomain?.[0] ?? Math.min(0, ...vals), c.yDomain?.[1] ?? Math.max(...vals, 1e-9) * 1.05, h - M.bottom, M.top);
  const band = (w - M.left - M.right) / Math.max(1, n);
  const centers = c.categories.map((_, i) => M.left + band * (i + 0.5));
  const out = open(c, w, h);
  out.push(...axes(null, y, w, h, { labels: [...c.categories], centers }, c.yLabel));
  if (c.highlight !== undefined && c.highlight >= 0) out.push(`<rect x="${r1(M.left + band * c.highlight)}" y="${M.top}" width="${r1(band)}" height="${h - M.top - M.bottom}" fill="#fde8e8" data-highlight="${esc(c.categories[c.highlight] ?? '')}"/>`);
  const bw = Math.min(40, (band * 0.8) / Math.max(1, c.series.length));
  const base = y(c.yLog10 ? y.ticks[0]! : Math.max(0, y.ticks[0]!));
  c.series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    out.push(`<g fill="${color}" data-series="${esc(s.name)}">`);
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const px = centers[i]! - (bw * c.series.length) / 2 + bw * si;
      const py = c.yLog10 && v <= 0 ? base : y(v);
      out.push(`<rect x="${r1(px)}" y="${r1(Math.min(py, base))}" width="${r1(bw - 1)}" height="${r1(Math.abs(base - py))}"><title>${esc(`${c.categories[i]} · ${s.name}: ${fmtTick(v)}`)}</title></rect>`);
    });
    out.push('</g>');
  });
  const items: { name: string; color: string; dash?: boolean }[] = c.series.length > 1 ? c.series.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length]! })) : [];
  (c.hlines ?? []).forEach((l) => {
    const color = l.color ?? '#555';
    out.push(`<line x1="${M.left}" x2="${w - M.right}" y1="${r1(y(l.y))}" y2="${r1(y(l.y))}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4" data-series="${esc(l.label)}"/>`);
    items.push({ name: l.label, color, dash: true });
  });
  out.push(...legend(items, w));
  out.push('</svg>');
  return out.join('\n');
}

export interface ScatterChart extends Frame {
  readonly x: readonly number[];
  readonly y: readonly number[];
  /** Draw y = x. */
  readonly diagonal?: boolean;
  readonly color?: string;
}

export function scatterChart(c: ScatterChart): string {
  const w = c.width ?? W;
  const h = c.height ?? H;
  const all = [...c.x, ...c.y];
  const hi = all.length ? Math.max(...all) : 1;
  const lo = all.length ? Math.min(0, ...all) : 0;
  const x = linear(lo, hi, M.left, w - M.right);
  const y = linear(lo, hi, h - M.bottom, M.top);
  const out = open(c, w, h);
  out.push(...axes(x, y, w, h, undefined, c.yLabel));
  if (c.diagonal) {
    const a = Math.max(x.ticks[0]!, y.ticks[0]!);
    const b = Math.min(x.ticks[x.ticks.length - 1]!, y.ticks[y.ticks.length - 1]!);
    out.push(`<line x1="${r1(x(a))}" y1="${r1(y(a))}" x2="${r1(x(b))}" y2="${r1(y(b))}" stroke="#999" stroke-dasharray="5 4" data-series="y = x"/>`);
  }
  out.push(`<g fill="${c.color ?? PALETTE[0]}" fill-opacity="0.45" data-series="neurons">`);
  for (let i = 0; i < c.x.length; i++) out.push(`<circle cx="${r1(x(c.x[i]!))}" cy="${r1(y(c.y[i]!))}" r="2.5"/>`);
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}

export interface RasterPanel {
  readonly name: string;
  readonly subtitle?: string;
  /** One row per neuron: the steps (1-based) at which it fires. */
  readonly rows: readonly (readonly number[])[];
}

export interface RasterChart extends Frame {
  readonly timesteps: number;
  readonly panels: readonly RasterPanel[];
}

export function rasterChart(c: RasterChart): string {
  const w = c.width ?? W;
  const panelH = 150;
  const gap = 34;
  const h = M.top + c.panels.length * (panelH + gap) + 30;
  const out = open({ id: c.id, title: c.title, ...(c.subtitle ? { subtitle: c.subtitle } : {}) }, w, h);
  const x = linear(0, c.timesteps, M.left, w - M.right, 8);
  c.panels.forEach((p, pi) => {
    const top = M.top + 14 + pi * (panelH + gap);
    const bottom = top + panelH;
    out.push(`<g data-panel="${esc(p.name)}">`);
    out.push(`<text x="${M.left}" y="${top - 5}" font-size="12" font-weight="bold" fill="#333">${esc(p.name)}${p.subtitle ? `<tspan font-weight="normal" fill="#666"> · ${esc(p.subtitle)}</tspan>` : ''}</text>`);
    out.push(`<rect x="${M.left}" y="${top}" width="${w - M.left - M.right}" height="${panelH}" fill="#fafafa" stroke="#ccc"/>`);
    const rowH = panelH / Math.max(1, p.rows.length);
    const tick = Math.max(1, Math.min(rowH * 0.8, 6));
    let d = '';
    p.rows.forEach((times, ri) => {
      const py = top + rowH * ri + (rowH - tick) / 2;
      for (const t of times) d += `M${r1(x(t - 0.5))} ${r1(py)}v${r1(tick)}`;
    });
    out.push(`<path d="${d}" stroke="${PALETTE[pi % PALETTE.length]}" stroke-width="1.2" fill="none"/>`);
    out.push(`<text transform="translate(${M.left - 8} ${r1((top + bottom) / 2)}) rotate(-90)" text-anchor="middle" font-size="10" fill="#555">neuron</text>`);
    for (const t of x.ticks) {
      if (t > c.timesteps) continue;
      out.push(`<line x1="${r1(x(t))}" x2="${r1(x(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="#888"/><text x="${r1(x(t))}" y="${bottom + 15}" text-anchor="middle" font-size="10" fill="#444">${fmtTick(t)}</text>`);
    }
    out.push('</g>');
  });
  out.push(`<text x="${r1(M.left + (w - M.left - M.right) / 2)}" y="${h - 8}" text-anchor="middle" fill="#333">${esc(c.xLabel ?? 'time step')}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
