import { describe, expect, it } from 'vitest';
import type { AutoChoice } from '../../calibration/auto.js';
import { autoSection, autoSummary } from '../../src/report/why.js';

const base = { timesteps: 16, guardTimesteps: 64, seed: 0, heldOut: 250, fitSamples: 256, margin: 0.01, seconds: 12.5 };
const plain = { name: 'percentile:99.9', agreement: 0.884, accuracy: 0.712, guardAgreement: 0.944, seconds: 1 };

describe('why this setting', () => {
  it('a chosen candidate: its score against plain, at T and at the guard T; the rejected ones say why', () => {
    const a: AutoChoice = {
      ...base,
      chosen: 'channel-percentile:99.9+potential@16',
      candidates: [
        plain,
        { name: 'channel-percentile:99.9+bias@16', agreement: 0.95, accuracy: 0.75, guardAgreement: 0.9, seconds: 3, rejected: 'guard' },
        { name: 'channel-percentile:99.9+potential@16', agreement: 0.94, accuracy: 0.748, guardAgreement: 0.968, seconds: 4 },
      ],
    };
    expect(autoSummary(a)).toContain('channel-percentile:99.9+potential@16, agreement 94.0 % vs 88.4 % for percentile:99.9; at T = 64 96.8 % vs 94.4 %');
    const html = autoSection(a);
    expect(html).toContain(
      '<td>channel-percentile:99.9+potential@16</td><td>94.0 %</td><td>74.8 %</td><td></td><td>96.8 %</td><td>4.0</td><td style="text-align:left">chosen</td>',
    );
    expect(html).toContain('loses at T = 64');
  });

  it('a burst candidate says plainly that a neuron may emit up to Γ spikes per step, every one counted', () => {
    const burst = { name: 'burst2:percentile:99.9', agreement: 0.95, accuracy: 0.75, guardAgreement: 0.97, seconds: 2, maxSpikesPerStep: 2 };
    const a: AutoChoice = { ...base, chosen: burst.name, candidates: [plain, burst] };
    expect(autoSummary(a)).toContain(
      'a neuron may emit up to 2 spikes per step (θ = λ/2), and the spike counts, synaptic operations and energy count every spike',
    );
    expect(autoSection(a)).toContain('<td>burst2:percentile:99.9 (up to 2 spikes per step)</td>');
    // IF candidates say nothing of bursts
    expect(autoSummary({ ...a, chosen: plain.name })).not.toContain('burst');
  });

  it('says when the layer-wise candidates were over the budget, and nothing otherwise', () => {
    const a: AutoChoice = { ...base, chosen: plain.name, candidates: [plain] };
    expect(autoSection({ ...a, layerwiseSkipped: { macSteps: 7.8e13, budget: 1e13 } })).toContain(
      "Layer-wise calibration not tried: one fit would cost 7.8e+13 MAC·steps, over auto's budget of 1.0e+13.",
    );
    expect(autoSection(a)).not.toContain('Layer-wise calibration not tried');
  });

  it('plain kept', () => {
    const a: AutoChoice = { ...base, chosen: 'percentile:99.9', candidates: [{ ...plain, agreement: 0.996 }] };
    expect(autoSummary(a)).toContain('kept percentile:99.9, ANN/SNN agreement 99.6 %; no candidate had 1.0 % more agreement');
    expect(autoSection(a)).toContain('<td>percentile:99.9</td><td>99.6 %</td>');
  });

  it('ranked by readout divergence: the summary and table give it, and say what plain had to be beaten by', () => {
    const a: AutoChoice = {
      ...base,
      score: 'divergence',
      chosen: 'channel-calerr:16+potential@16',
      candidates: [
        { ...plain, divergence: 0.036 },
        { name: 'channel-calerr:16', agreement: 0.896, accuracy: 0.7, divergence: 0.0223, seconds: 1, rejected: 'margin' },
        { name: 'channel-calerr:16+potential@16', agreement: 0.944, accuracy: 0.72, divergence: 0.0137, guardAgreement: 0.964, seconds: 4 },
      ],
    };
    expect(autoSummary(a)).toContain('channel-calerr:16+potential@16, readout divergence 0.0137 vs 0.0360, agreement 94.4 % vs 88.4 %');
    const html = autoSection(a);
    expect(html).toContain('<td>channel-calerr:16</td><td>89.6 %</td><td>70.0 %</td><td>0.0223</td>');
    expect(html).toContain('not a significantly lower readout divergence (paired test) than plain');
  });

  it('escapes names', () => {
    const a: AutoChoice = { ...base, chosen: 'x', candidates: [{ ...plain, name: '<b>' }] };
    expect(autoSection(a)).toContain('&lt;b&gt;');
  });
});
