import { it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
import { toNir, simulateNir, NIR_NODE_ORIGIN_KEY, NIR_SEMANTICS } from '../../src/nir/index.js';
import { simulateReference } from '../../src/snn/reference.js';
it('dump', async () => {
  const m = BUNDLED_MODELS.find((b) => b.id === 'vnncomp21-mnistfc-256x2')!;
  const model = loadModel(m.file);
  const th = await calibrate(model, loadDataset(m.calib, { ...m.pre, limit: 100 }));
  const ds = loadDataset(m.test, { ...m.pre, limit: 8 });
  const T = 16;
  for (const [label, opts, sem] of [['zero/v0', { reset: 'zero', vInit: 0 }, NIR_SEMANTICS], ['lif.9', { neuron: 'lif', beta: 0.9 }, undefined], ['lif.99', { neuron: 'lif', beta: 0.99 }, undefined], ['default-strictNIR', {}, NIR_SEMANTICS]] as const) {
    const { snn } = convert(model, th, opts as any);
    const ref = simulateReference(snn, ds.x, 8, { timesteps: T });
    for (const fold of [false, true]) {
      const g = toNir(snn, { foldScales: fold });
      const r = simulateNir(g, ds.x, 8, { timesteps: T, ...(sem ? { semantics: sem } : {}) });
      const origin = JSON.parse(String(g.metadata[NIR_NODE_ORIGIN_KEY]));
      const inv = new Map(Object.entries(origin).filter(([k]) => r.spikes.has(k)).map(([k, v]) => [v, k]));
      let diff = 0, tot = 0, neur = 0;
      snn.layers.forEach((l, i) => { const a = ref.counts[i]!; const b = r.spikes.get(inv.get(l.name)!)!; for (let j = 0; j < a.length; j++) { tot += a[j]!; diff += Math.abs(a[j]! - b[j]!); if (a[j] !== b[j]) neur++; } });
      const ro = ref.readouts.get(T)!;
      let md = 0; for (let j = 0; j < ro.length; j++) md = Math.max(md, Math.abs(ro[j]! - r.output[j]!));
      console.log(label, 'fold', fold, 'spike diff', diff, 'neurons', neur, 'of', tot, 'readout maxdiff', md);
    }
  }
});
