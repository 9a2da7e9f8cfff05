/** Terminal rendering: colours only on a TTY without NO_COLOR, progress on stderr. */
import { Chalk } from 'chalk';
import type { ProgressEvent } from '../eval/progress.js';

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

/** Progress reporter: a bar redrawn in place on a TTY, a line every ~10 s otherwise; silent when quiet. */
export function progressReporter(quiet: boolean): (e: ProgressEvent) => void {
  if (quiet) return () => {};
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  const started = new Map<string, number>();
  return (e) => {
    const now = Date.now();
    if (!started.has(e.phase) || e.done === 0) started.set(e.phase, now);
    const done = e.done >= e.total;
    if (!tty) {
      // plain lines for logs: one every 10 s while a phase runs, and its end if it ran that long
      if (last === 0) last = now;
      if (now - last < 10_000) return;
      last = done ? 0 : now;
      process.stderr.write(`${e.phase}${e.detail ? ` ${e.detail}` : ''}: ${e.done}/${e.total}\n`);
      return;
    }
    if (now - last < 100 && !done) return;
    last = now;
    const width = 30;
    const f = e.total ? e.done / e.total : 1;
    const secs = (now - (started.get(e.phase) ?? now)) / 1000;
    const rate = secs > 0 ? `${(e.done / secs).toFixed(0)}/s` : '';
    const bar = '█'.repeat(Math.round(f * width)).padEnd(width, '░');
    process.stderr.write(`\r${e.phase}${e.detail ? ` ${e.detail}` : ''} ${bar} ${e.done}/${e.total} ${rate}   `);
    if (done) process.stderr.write('\r\x1b[K');
  };
}
