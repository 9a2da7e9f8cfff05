/**
 * "Why this setting": what `--calibration auto` measured (calibration/auto.ts), as HTML for the
 * report and as text lines for the CLI.
 */
import type { AutoChoice } from '../../calibration/auto.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const kl = (x: number | undefined): string => (x === undefined ? '' : x.toFixed(4));
/** What a candidate had to beat plain by: the agreement margin, or the paired test on the readout divergence. */
const bar = (a: AutoChoice): string =>
  a.score === 'divergence' ? 'a significantly lower readout divergence (paired test)' : `${pct(a.margin)} more agreement`;
const esc = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** One sentence: what was chosen and by how much it won (or that plain was kept). */
export function autoSummary(a: AutoChoice): string {
  const plain = a.candidates[0]!;
  const chosen = a.candidates.find((c) => c.name === a.chosen) ?? plain;
  const head = `auto calibration for T = ${a.timesteps} (${a.candidates.length} candidates scored on ${a.heldOut} held-out calibration samples, ${a.seconds.toFixed(1)} s)`;
  if (chosen === plain) return `${head}: kept ${plain.name}, ANN/SNN agreement ${pct(plain.agreement)}; no candidate had ${bar(a)}`;
  const div = a.score === 'divergence' ? `readout divergence ${kl(chosen.divergence)} vs ${kl(plain.divergence)}, ` : '';
  return `${head}: ${chosen.name}, ${div}agreement ${pct(chosen.agreement)} vs ${pct(plain.agreement)} for ${plain.name}${chosen.guardAgreement !== undefined ? `; at T = ${a.guardTimesteps} ${pct(chosen.guardAgreement)} vs ${pct(plain.guardAgreement ?? NaN)}` : ''}${burstNote(chosen.maxSpikesPerStep)}`;
}

/** Layer-wise candidates left out over the budget (calibration/auto-budget.ts). */
export function skipNote(a: AutoChoice): string {
  const k = a.layerwiseSkipped;
  return k
    ? ` Layer-wise calibration not tried: one fit would cost ${k.macSteps.toExponential(1)} MAC·steps, over auto's budget of ${k.budget.toExponential(1)}.`
    : '';
}

/** Burst neurons, said plainly: more than one spike per step, every one counted. */
function burstNote(gamma: number | undefined): string {
  if (gamma === undefined) return '';
  return `; burst neurons (Li & Zeng 2022; signed bursts on a network with signed neurons): a neuron may emit up to ${gamma} spikes per step (θ = λ/${gamma}), and the spike counts, synaptic operations and energy count every spike of a burst — about ${gamma}× the spikes of IF at the same T`;
}

/** The report section: the sentence and every candidate with its scores. */
export function autoSection(a: AutoChoice): string {
  const out: string[] = ['<section id="why"><h2>Why this setting</h2>', `<p>${esc(autoSummary(a))}.</p>`];
  out.push(
    `<table><thead><tr><th>candidate</th><th>agreement T = ${a.timesteps}</th><th>accuracy T = ${a.timesteps}</th><th>readout divergence T = ${a.timesteps}</th><th>agreement T = ${a.guardTimesteps}</th><th>seconds</th><th></th></tr></thead><tbody>`,
  );
  for (const c of a.candidates) {
    const note =
      c.name === a.chosen ? 'chosen' : c.rejected === 'margin' ? `not ${bar(a)} than plain` : c.rejected === 'guard' ? `loses at T = ${a.guardTimesteps}` : '';
    out.push(
      `<tr><td>${esc(c.name)}${c.maxSpikesPerStep !== undefined ? ` (up to ${c.maxSpikesPerStep} spikes per step)` : ''}</td><td>${pct(c.agreement)}</td><td>${pct(c.accuracy)}</td><td>${kl(c.divergence)}</td><td>${c.guardAgreement !== undefined ? pct(c.guardAgreement) : ''}</td><td>${c.seconds.toFixed(1)}</td><td style="text-align:left">${esc(note)}</td></tr>`,
    );
  }
  out.push('</tbody></table>');
  out.push(
    `<p>Held-out split seed ${a.seed}; layer-wise calibrations fitted on ${a.fitSamples} other calibration samples.${skipNote(a)} <code>--calibration fixed</code> gives the fixed pipeline.</p></section>`,
  );
  return out.join('\n');
}
