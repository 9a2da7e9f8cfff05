/**
 * Progress rendering (src/cli/render.ts): a bar with rates, batch number and time left on a
 * terminal; plain periodic lines otherwise; nothing when quiet.
 */
import { describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../src/cli/render.js';

describe('progress', () => {
  it('quiet: nothing', () => {
    const out: string[] = [];
    const p = progressReporter(true, { tty: true, write: (s) => void out.push(s) });
    p({ phase: 'simulate', done: 10, total: 20 });
    expect(out).toEqual([]);
  });

  it('terminal: a bar redrawn in place with samples/s, sample-steps/s, batch i/n and time left', () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const p = progressReporter(false, { tty: true, write: (s) => void out.push(s) });
      vi.setSystemTime(0);
      p({ phase: 'simulate', done: 0, total: 256, detail: 'T=128' });
      vi.setSystemTime(2000);
      p({ phase: 'simulate', done: 64, total: 256, detail: 'T=128' });
      vi.setSystemTime(4000);
      p({ phase: 'simulate', done: 128, total: 256, detail: 'T=128' });
      const line = out[out.length - 1]!;
      expect(line.startsWith('\r')).toBe(true);
      expect(line).toContain('simulate T=128');
      expect(line).toContain('128/256 samples');
      expect(line).toContain('32.0 samples/s');
      expect(line).toContain('4096 sample-steps/s');
      expect(line).toContain('batch 2/4');
      expect(line).toContain('4s left');
      vi.setSystemTime(8000);
      p({ phase: 'simulate', done: 256, total: 256, detail: 'T=128' });
      expect(out[out.length - 1]).toBe('\r\x1b[K');
    } finally {
      vi.useRealTimers();
    }
  });

  it('the batch total counts a short last batch (1000 samples in batches of 64: 16)', () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const p = progressReporter(false, { tty: true, write: (s) => void out.push(s) });
      for (let k = 0, done = 0; done < 1000; k++) {
        vi.setSystemTime(1000 * (k + 1));
        done = Math.min(1000, done + 64);
        p({ phase: 'simulate', done, total: 1000, detail: 'T=8' });
        if (done < 1000) expect(out[out.length - 1]).toContain(`batch ${k + 1}/16`);
      }
      // the short last batch (40 samples) is drawn as the 16th of 16, then the bar is cleared
      expect(out[out.length - 2]).toContain('batch 16/16');
    } finally {
      vi.useRealTimers();
    }
  });

  it('not a terminal: a plain line every interval and at the end, no escape codes', () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const p = progressReporter(false, { tty: false, write: (s) => void out.push(s), interval: 10_000 });
      vi.setSystemTime(0);
      p({ phase: 'calibrate', done: 64, total: 1000 });
      vi.setSystemTime(5000);
      p({ phase: 'calibrate', done: 300, total: 1000 });
      expect(out).toEqual([]);
      vi.setSystemTime(11_000);
      p({ phase: 'calibrate', done: 700, total: 1000 });
      vi.setSystemTime(15_000);
      p({ phase: 'calibrate', done: 1000, total: 1000 });
      expect(out).toHaveLength(2);
      expect(out[0]).toMatch(/^calibrate: 700\/1000 samples, [\d.]+ samples\/s.*left\n$/);
      expect(out[1]).toMatch(/^calibrate: 1000\/1000 samples.*\(15s\)\n$/);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no ANSI escape codes in piped output
      expect(out.join('')).not.toMatch(/\x1b/);
      // a short phase prints its end, once
      p({ phase: 'ann', done: 10, total: 20 });
      p({ phase: 'ann', done: 20, total: 20 });
      p({ phase: 'ann', done: 20, total: 20 });
      expect(out).toHaveLength(3);
      expect(out[2]).toMatch(/^ann: 20\/20 samples.*\(\d+s\)\n$/);
    } finally {
      vi.useRealTimers();
    }
  });
});
