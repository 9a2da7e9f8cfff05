/**
 * The frame of every chart in the SVG kit (src/report/svg.ts): size and margins, title block,
 * scales (linear, log2, log10) with round ticks, axes, legend, escaping and 0.1 px rounding.
 */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'] as const;
export const FONT = "'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif";

export const W = 560;
export const H = 360;
export const M = { top: 62, right: 20, bottom: 52, left: 64 };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
export const r1 = (x: number): string => (Math.round(x * 10) / 10).toString();

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

export interface Frame {
  readonly id: string;
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

export function open(f: Frame, w: number, h: number): string[] {
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

export interface Scale {
  (v: number): number;
  readonly ticks: number[];
  readonly label: (v: number) => string;
}

export function linear(lo: number, hi: number, a: number, b: number, count = 5): Scale {
  const ticks = niceTicks(lo, hi, count);
  const l = Math.min(lo, ticks[0]!);
  const h = Math.max(hi, ticks[ticks.length - 1]!);
  const f = ((v: number) => a + ((v - l) / (h - l || 1)) * (b - a)) as Scale;
  return Object.assign(f, { ticks, label: tickLabeller(ticks) });
}

export function log2Scale(lo: number, hi: number, a: number, b: number): Scale {
  const l = Math.floor(Math.log2(lo));
  const h = Math.max(l + 1, Math.ceil(Math.log2(hi)));
  const f = ((v: number) => a + ((Math.log2(v) - l) / (h - l)) * (b - a)) as Scale;
  const ticks: number[] = [];
  for (let e = l; e <= h; e++) ticks.push(2 ** e);
  return Object.assign(f, { ticks, label: (v: number) => String(v) });
}

export function log10Scale(lo: number, hi: number, a: number, b: number): Scale {
  const l = Math.floor(Math.log10(Math.max(lo, 1e-12)));
  const h = Math.max(l + 1, Math.ceil(Math.log10(Math.max(hi, 1e-12))));
  const f = ((v: number) => a + ((Math.log10(Math.max(v, 10 ** l)) - l) / (h - l)) * (b - a)) as Scale;
  const ticks: number[] = [];
  for (let e = l; e <= h; e++) ticks.push(10 ** e);
  return Object.assign(f, { ticks, label: fmtTick });
}

/** Approximate width in px of `s` at 12 px in the chart font (for layout only). */
export const textWidth = (s: string): number => 6.8 * s.length;

export function axes(x: Scale | null, y: Scale, w: number, h: number, xCats?: { labels: string[]; centers: number[] }, yLabel?: string): string[] {
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
    out.push(
      `<text transform="translate(${r1(Math.max(10, x0 - 6 - widest - 8))} ${r1((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yLabel)}</text>`,
    );
  }
  out.push('</g>');
  return out;
}

export function legend(items: { name: string; color: string; dash?: boolean }[], w: number): string[] {
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
