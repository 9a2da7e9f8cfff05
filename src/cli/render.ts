/** Terminal rendering: colours only on a TTY without NO_COLOR, progress on stderr. */
import { Chalk } from 'chalk';
import { type ProgressEvent } from '../index.js';

const colourFor = (stream: NodeJS.WriteStream): boolean => Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
/** Colours for stdout. */
export const c = new Chalk({ level: colourFor(process.stdout) ? 1 : 0 });
/** Colours for stderr (errors): decided on stderr itself, so `2> log` never gets escape codes. */
export const ce = new Chalk({ level: colourFor(process.stderr) ? 1 : 0 });

export function pct(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/** Left/right aligned plain-text table (ANSI codes are not counted in widths). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string {
  // eslint-disable-next-line no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
  const w = header.map((h, i) => Math.max(strip(h).length, ...rows.map((r) => strip(r[i] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(w[i]! - strip(cell).length);
        return (align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? cell + pad : pad + cell;
      })
      .join('  ');
  return [c.bold(fmt(header)), fmt(header.map((_, i) => '─'.repeat(w[i]!))), ...rows.map(fmt)].join('\n');
}

const UNITS: Record<string, string> = { raster: 'steps', 'auto-calibration': 'candidates', 'layer-calibration': 'passes' };

function fmtSecs(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '';
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/**
 * Progress reporter: on a TTY a bar redrawn in place on stderr with the rate (samples/s; for the
 * SNN also sample-steps/s and the batch number) and the time left; otherwise a plain line every
 * ~10 s while a phase runs, and one when it ends (so a log shows every phase); silent when quiet.
 */
export function progressReporter(quiet: boolean, opts: { tty?: boolean; write?: (s: string) => void; interval?: number } = {}): (e: ProgressEvent) => void {
  if (quiet) return () => {};
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const write = opts.write ?? ((s: string) => void process.stderr.write(s));
  const interval = opts.interval ?? 10_000;
  let last = 0;
  const phases = new Map<string, { start: number; first: number; batches: number; lastDone: number; size: number; ended: boolean }>();
  return (e) => {
    const now = Date.now();
    let p = phases.get(e.phase);
    if (!p || e.done < p.lastDone) {
      p = { start: now, first: e.done, batches: 0, lastDone: 0, size: 0, ended: false };
      phases.set(e.phase, p);
      if (!tty) last = now;
    }
    if (e.done > p.lastDone) p.batches++;
    const step = p.lastDone === 0 ? e.done : e.done - p.lastDone;
    p.lastDone = e.done;
    // the batch size is the largest step: the last batch may be short
    p.size = Math.max(p.size, step);
    const done = e.done >= e.total;
    const secs = (now - p.start) / 1000;
    const unit = UNITS[e.phase] ?? 'samples';
    // measured from the first event of the phase (which may already count a batch)
    const rate = secs > 0 ? (e.done - p.first) / secs : 0;
    const T = /T=(\d+)/.exec(e.detail ?? '')?.[1];
    const batches = p.size > 0 && e.phase !== 'raster' ? Math.ceil(e.total / p.size) : 0;
    const parts = [
      `${e.done}/${e.total} ${unit}`,
      ...(rate > 0 ? [`${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} ${unit}/s`] : []),
      ...(T && rate > 0 ? [`${(rate * Number(T)).toFixed(0)} sample-steps/s`] : []),
      ...(batches > 1 ? [`batch ${p.batches}/${Math.max(batches, p.batches)}`] : []),
      ...(!done && rate > 0 ? [`${fmtSecs((e.total - e.done) / rate)} left`] : []),
    ];
    const label = `${e.phase}${e.detail ? ` ${e.detail}` : ''}`;
    if (!tty) {
      // plain lines for logs: one every ~10 s while a phase runs, and one at its end
      if (done ? p.ended : now - last < interval) return;
      last = now;
      p.ended = done;
      write(`${label}: ${parts.join(', ')}${done ? ` (${fmtSecs(secs)})` : ''}\n`);
      return;
    }
    if (now - last < 100 && !done) return;
    last = now;
    const width = 30;
    const f = e.total ? e.done / e.total : 1;
    const bar = '█'.repeat(Math.round(f * width)).padEnd(width, '░');
    write(`\r${label} ${bar} ${parts.join(' · ')}   `);
    if (done) write('\r\x1b[K');
  };
}

/** Drops a message repeated within `ms` (a lost Redis connection is reported on every retry). */
export function withoutRepeats(write: (m: string) => void, ms = 30_000): (m: string) => void {
  const last = new Map<string, number>();
  return (m) => {
    const now = Date.now();
    if (now - (last.get(m) ?? -Infinity) < ms) return;
    last.set(m, now);
    write(m);
  };
}
