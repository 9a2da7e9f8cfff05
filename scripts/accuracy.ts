/**
 * Full-dataset accuracy tables: every bundled model, ANN vs SNN at several T, for one or more
 * normalisation methods and initial potentials. Writes JSON and prints a markdown table.
 *
 *   npm run accuracy -- [--methods percentile:99.99,max] [--vinit 0.5,0] [--timesteps 8,...] [--limit N] [--models id,...] [--out FILE]
 *   npm run accuracy -- --calibration auto [--target T,...]   (auto calibration tuned for each T, default the smallest of --timesteps)
 */
import { writeFileSync } from 'node:fs';
import { loadDataset } from '../src/data/index.js';
import { compareAnnSnn } from '../src/eval/compare.js';
import { DEFAULT_METHOD, calibrate, convert, loadModel, resolveThresholds } from '../src/pipeline.js';
import { selectModels } from './models.js';
import { calibrateLayerwise } from '../calibration/layerwise.js';
import { finetuneNeurons } from '../calibration/finetune.js';
import { qifPolynomial } from '../src/snn/poly.js';
import type { SnnOptions } from '../src/snn/types.js';
import { scriptArgs } from './args.js';

const { values } = scriptArgs('accuracy', {
  options: {
    methods: { type: 'string', default: DEFAULT_METHOD },
    vinit: { type: 'string', default: '0.5' },
    timesteps: { type: 'string', default: '8,16,32,64,128,256' },
    limit: { type: 'string' },
    models: { type: 'string' },
    neuron: { type: 'string', default: 'if' },
    encoding: { type: 'string', default: 'current' },
    out: { type: 'string', default: 'accuracy.json' },
    // layer-wise calibration: comma list of T (bias) or mode:T (bias:16, potential:16); 'none' = off; one row per value
    layerwise: { type: 'string', default: 'none' },
    // polynomial neurons: --poly p0,p1,p2 (normalised, lowest degree first) or --qif a,u1,u2
    poly: { type: 'string' },
    qif: { type: 'string' },
    // burst neurons (Li & Zeng 2022): --burst Γ, the largest burst (sets the neuron to 'burst', θ = λ/Γ)
    burst: { type: 'string' },
    // fine-tune the polynomial neurons at this T on --finetune-samples calibration samples (0 = off)
    finetune: { type: 'string', default: '0' },
    'finetune-samples': { type: 'string', default: '256' },
    'finetune-epochs': { type: 'string', default: '3' },
    // 'auto': the auto calibration (src/pipeline.ts resolveThresholds) instead of --methods, one row per --target T
    calibration: { type: 'string', default: 'fixed' },
    target: { type: 'string' },
  },
});
const ts = values.timesteps!.split(',').map(Number);
const q = values.qif?.split(',').map(Number);
const polyOpts: Partial<SnnOptions> = values.burst
  ? { neuron: 'burst', burst: Number(values.burst) }
  : values.poly
    ? { neuron: 'poly', poly: values.poly.split(',').map(Number) }
    : q
      ? { neuron: 'poly', poly: qifPolynomial(q[0]!, q[1]!, q[2]!) }
      : {};
const neuronLabel = values.burst ? `burst(${values.burst})` : values.poly ? `poly(${values.poly})` : q ? `QIF(${values.qif})` : values.neuron!;
const rows: Record<string, unknown>[] = [];
const lines: string[] = [
  `| model | method | v0/θ | ANN | ${ts.map((t) => `T=${t}`).join(' | ')} | agreement T=${ts[ts.length - 1]} |`,
  `|---|---|---|---|${ts.map(() => '---').join('|')}|---|`,
];
for (const bm of selectModels(values.models)) {
  const model = loadModel(bm.file);
  const test = loadDataset(bm.test, { ...bm.pre, ...(values.limit ? { limit: Number(values.limit) } : {}) });
  const calib = loadDataset(bm.calib, { ...bm.pre, limit: 1000 });
  if (values.calibration === 'auto') {
    for (const target of (values.target ?? String(Math.min(...ts))).split(',').map(Number)) {
      const t0 = performance.now();
      const th = await resolveThresholds(model, { calib, targetTimesteps: target, modelPath: bm.file, snn: polyOpts });
      const calSecs = (performance.now() - t0) / 1000;
      const r = await compareAnnSnn(model, convert(model, th, polyOpts).onnx, test, { timesteps: ts });
      const p = (x: number) => (100 * x).toFixed(2);
      lines.push(
        `| ${bm.id} | auto@${target}: ${th.method} | 0.5 | ${p(r.ann.accuracy)} | ${r.snn.map((s) => p(s.accuracy)).join(' | ')} | ${p(r.snn[r.snn.length - 1]!.agreement)} |`,
      );
      rows.push({
        model: bm.id,
        samples: test.count,
        method: th.method,
        target,
        auto: th.auto,
        ann: r.ann.accuracy,
        snn: r.snn.map((s) => ({ timesteps: s.timesteps, accuracy: s.accuracy, agreement: s.agreement })),
        secondsCalibrate: calSecs,
      });
      process.stderr.write(`${lines[lines.length - 1]}  (calibration ${calSecs.toFixed(1)} s)\n`);
    }
    continue;
  }
  for (const method of values.methods!.split(',')) {
    const plain = await calibrate(model, calib, { method, modelPath: bm.file });
    for (const lw of values.layerwise!.split(','))
      for (const vInit of values.vinit!.split(',').map(Number)) {
        const [mode, lwT] = lw.includes(':') ? (lw.split(':') as ['bias' | 'potential', string]) : (['bias', lw] as const);
        let th = lw === 'none' ? plain : await calibrateLayerwise(model, plain, calib, { timesteps: Number(lwT), mode, snnOptions: { vInit, ...polyOpts } });
        if (Number(values.finetune) > 0) {
          const train = loadDataset(bm.calib, { ...bm.pre, limit: Number(values['finetune-samples']) });
          th = (
            await finetuneNeurons(
              model,
              th,
              train,
              { vInit, ...polyOpts },
              { timesteps: Number(values.finetune), epochs: Number(values['finetune-epochs']), seed: 0 },
            )
          ).thresholds;
        }
        const label = `${lw === 'none' && Number(values.finetune) === 0 ? method : th.method}${neuronLabel === 'if' ? '' : `, ${neuronLabel}`}`;
        const t0 = performance.now();
        const { onnx } = convert(model, th, { vInit, neuron: values.neuron as 'if' | 'lif', encoding: values.encoding as 'current' | 'poisson', ...polyOpts });
        const r = await compareAnnSnn(model, onnx, test, { timesteps: ts });
        const secs = (performance.now() - t0) / 1000;
        const p = (x: number) => (100 * x).toFixed(2);
        lines.push(
          `| ${bm.id} | ${label} | ${vInit} | ${p(r.ann.accuracy)} | ${r.snn.map((s) => p(s.accuracy)).join(' | ')} | ${p(r.snn[r.snn.length - 1]!.agreement)} |`,
        );
        rows.push({
          model: bm.id,
          samples: test.count,
          method: label,
          vInit,
          neuron: values.neuron,
          encoding: values.encoding,
          ann: r.ann.accuracy,
          snn: r.snn.map((s) => ({ timesteps: s.timesteps, accuracy: s.accuracy, agreement: s.agreement })),
          layers: r.layers.map((l) => ({ name: l.name, spikeRate: l.spikeRate, correlation: l.correlation })),
          seconds: secs,
        });
        process.stderr.write(`${lines[lines.length - 1]}  (${secs.toFixed(1)} s)\n`);
      }
  }
}
writeFileSync(values.out!, `${JSON.stringify({ date: new Date().toISOString(), results: rows }, null, 2)}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
