/**
 * How well auto's held-out scores rank its candidates: runs `--calibration auto` on one model at
 * one target T, then scores EVERY candidate it built on the test images at several T, so the
 * held-out agreement and readout divergence (calibration/auto-score.ts) can be compared with what
 * each candidate really does. Writes JSON and prints a markdown table.
 *
 *   node dist/scripts/auto-study.js --model ID --target T [--score agreement|divergence] [--timesteps 8,16,32,64] [--limit 1000] [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { autoCalibrate, autoMethodsFor, type AutoScore } from '../calibration/auto.js';
import type { ThresholdsFile } from '../calibration/thresholds.js';
import { loadDataset } from '../src/data/index.js';
import { compareAnnSnn } from '../src/eval/compare.js';
import { calibrate, convert, loadModel } from '../src/pipeline.js';
import { selectModels } from './models.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('auto-study', {
  options: {
    model: { type: 'string' },
    target: { type: 'string', default: '16' },
    score: { type: 'string', default: 'agreement' },
    timesteps: { type: 'string', default: '8,16,32,64' },
    limit: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'auto-study.json' },
  },
});
const bm = selectModels(values.model)[0]!;
const T = Number(values.target);
const ts = values.timesteps!.split(',').map(Number);
const model = loadModel(bm.file);
const calib = loadDataset(bm.calib, { ...bm.pre, limit: 1000 });
const test = loadDataset(bm.test, { ...bm.pre, limit: Number(values.limit) });
const built = new Map<string, ThresholdsFile>();
const methods = new Map<string, ThresholdsFile>();
const ctx = {
  thresholdsFor: (m: string): ThresholdsFile => methods.get(m)!,
  toOnnx: (th: ThresholdsFile) => {
    built.set(th.method, th);
    return convert(model, th).onnx;
  },
};
for (const m of autoMethodsFor(T)) methods.set(m, await calibrate(model, calib, { method: m, modelPath: bm.file }));
const t0 = performance.now();
const { choice } = await autoCalibrate(model, calib, ctx, { timesteps: T, score: values.score as AutoScore, batchSize: 64 });
const seconds = (performance.now() - t0) / 1000;
const p = (x: number) => (100 * x).toFixed(2);
const lines = [
  `| ${bm.id} @${T} (${values.score}) | held-out agreement | held-out divergence | ${ts.map((t) => `test T=${t}`).join(' | ')} |`,
  `|---|---|---|${ts.map(() => '---').join('|')}|`,
];
const rows = [];
for (const c of choice.candidates) {
  const r = await compareAnnSnn(model, convert(model, built.get(c.name)!).onnx, test, { timesteps: ts });
  const mark = c.name === choice.chosen ? ' **(chosen)**' : c.rejected ? ` (${c.rejected})` : '';
  lines.push(`| ${c.name}${mark} | ${p(c.agreement)} | ${c.divergence!.toFixed(4)} | ${r.snn.map((s) => p(s.accuracy)).join(' | ')} |`);
  rows.push({ ...c, test: r.snn.map((s) => ({ timesteps: s.timesteps, accuracy: s.accuracy, agreement: s.agreement })), ann: r.ann.accuracy });
  process.stderr.write(`${lines[lines.length - 1]}\n`);
}
writeFileSync(values.out!, `${JSON.stringify({ model: bm.id, target: T, score: values.score, chosen: choice.chosen, seconds, candidates: rows }, null, 2)}\n`);
process.stdout.write(`${lines.join('\n')}\n(auto search ${seconds.toFixed(1)} s)\n`);
