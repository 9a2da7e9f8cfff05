/**
 * The robustness fuzz in small (scripts/fuzz.ts runs long campaigns): seeded mutations of two
 * bundled models through every stage. Every case must end in success or a typed error, each
 * within a time limit; a case that fails here is reproduced by `npm run fuzz -- --seed S --from I --cases 1 --models …`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readOnnx } from '../../src/onnx/read.js';
import { fuzzCase, fuzzDataset, runCase } from '../../scripts/fuzz/case.js';

const MODELS = ['fixtures/models/onnx-zoo-mnist-12.onnx', 'fixtures/models/vnncomp21-verivital-convnet_maxpool.onnx'];
const SEED = 20261202;
const CASES = 300;
/** Generous on a loaded 2-core machine: a typical case takes tens of milliseconds. */
const LIMIT_MS = 10_000;

describe(`fuzz: ${CASES} seeded mutations of ${MODELS.length} models`, () => {
  it('only success or typed errors, each case within the time limit', async () => {
    const originals = MODELS.map((f) => new Uint8Array(readFileSync(f)));
    const datasets = originals.map((b, k) => fuzzDataset(readOnnx(b, MODELS[k])));
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const c = fuzzCase(originals, SEED, i);
      const t0 = performance.now();
      const r = await runCase(c.bytes, datasets[c.model]!);
      const ms = performance.now() - t0;
      expect(r.outcome, `case ${i} (${c.kinds.join('+')} of ${MODELS[c.model]}) at ${r.stage}: ${r.message}`).not.toBe('untyped');
      expect(ms, `case ${i} took ${ms.toFixed(0)} ms`).toBeLessThan(LIMIT_MS);
      outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
    }
    // the mutations reach past the parser: some cases convert and run, some fail validation
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('E_GRAPH') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('E_ONNX_PARSE') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
