/**
 * The chart kit's axes (src/report/svg.ts): one number of decimals per axis, a minimum span for
 * accuracy axes, the y title clear of the tick labels, bars from zero.
 */
import { describe, expect, it } from 'vitest';
import { barChart, decimalsFor, lineChart, tickLabeller } from '../../src/report/svg.js';

/** The y tick labels of a chart (right-aligned texts left of the axis at x = 58). */
const yLabels = (svg: string): string[] => [...svg.matchAll(/<text x="58" y="[\d.]+" text-anchor="end">([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('axes', () => {
  for (const [step, d] of [
    [5, 0],
    [2.5, 1],
    [0.25, 2],
    [0.002, 3],
    [20, 0],
  ] as const) {
    it(`a tick step of ${step} takes ${d} decimals`, () => expect(decimalsFor(step)).toBe(d));
  }

  it('every label of an axis has the same number of decimals', () => {
    const label = tickLabeller([0.5, 1, 1.5, 2]);
    expect([0.5, 1, 1.5, 2].map(label)).toEqual(['0.5', '1.0', '1.5', '2.0']);
    const pct = tickLabeller([0.975, 0.98, 0.985, 0.99], 100, '%');
    expect([0.975, 0.98, 0.985, 0.99].map(pct)).toEqual(['97.5%', '98.0%', '98.5%', '99.0%']);
    expect(tickLabeller([0, 20000, 40000])(20000)).toBe('20k');
  });

  it('an accuracy axis spans at least 5 points: one sample of 500 is not a cliff', () => {
    const svg = lineChart({
      id: 'acc',
      title: 'accuracy',
      yLabel: 'accuracy',
      yPercent: true,
      xLog2: true,
      series: [
        {
          name: 'SNN',
          points: [
            [8, 0.982],
            [16, 0.984],
            [32, 0.984],
          ],
        },
      ],
    });
    const values = yLabels(svg).map((l) => Number(l.replace('%', '')));
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThanOrEqual(4);
    expect(new Set(yLabels(svg).map((l) => l.split('.')[1]?.length ?? 0)).size).toBe(1);
  });

  it('the rotated y title sits left of the widest tick label', () => {
    const svg = lineChart({
      id: 'acc',
      title: 'accuracy',
      yLabel: 'accuracy',
      yPercent: true,
      series: [
        {
          name: 'SNN',
          points: [
            [8, 0.9825],
            [16, 0.9843],
          ],
        },
      ],
    });
    const widest = Math.max(...yLabels(svg).map((l) => l.length));
    const x = Number(/<text transform="translate\(([\d.]+) [\d.]+\) rotate\(-90\)"[^>]*>accuracy<\/text>/.exec(svg)![1]);
    // labels end at x = 58 and are about 6.8 px per character at 12 px; the title's glyphs reach ~6 px right of x
    expect(x + 6).toBeLessThanOrEqual(58 - 6.8 * widest);
  });

  it('bars start from 0 when given a domain from 0', () => {
    const svg = barChart({ id: 'c', title: 'correlation', categories: ['a', 'b'], yDomain: [0, 1], series: [{ name: 'r', values: [0.99, 0.999] }] });
    expect(yLabels(svg)[0]).toBe('0.0');
  });
});
