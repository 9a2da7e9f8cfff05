import { it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { calibrate, convert, loadModel } from '../../src/pipeline.js';
import { BUNDLED_MODELS } from '../../scripts/models.js';
it('dump', async () => {
  for (const m of BUNDLED_MODELS) {
    const model = loadModel(m.file);
    const th = await calibrate(model, loadDataset(m.calib, { ...m.pre, limit: 50 }));
    let snn;
    try { snn = convert(model, th).snn; } catch (e) { console.log(m.id, String(e)); continue; }
    const lines = [m.id, `input ${snn.inputName} ${JSON.stringify(snn.inputDims)} readout ${snn.readout}`];
    for (const n of snn.nodes) {
      const attrs = Object.fromEntries(Object.entries(n.attrs).map(([k, v]) => [k, v.kind === 'tensor' ? `tensor${JSON.stringify(v.value.dims)}` : v.value]));
      const ins = n.inputs.map((i) => { const t = model.graph.initializers.get(i); return t ? `${i}:init${JSON.stringify(t.dims)}` : `${i}${snn.dynamic.has(i) ? '*' : ''}${JSON.stringify(snn.dims.get(i))}`; });
      lines.push(`  ${n.opType} ${n.name} [${ins.join(', ')}] -> ${n.outputs.join(',')}${JSON.stringify(snn.dims.get(n.outputs[0]!))} ${JSON.stringify(attrs)}`);
    }
    for (const l of snn.layers) lines.push(`  layer ${l.name} ${JSON.stringify(l.dims)} th=${JSON.stringify(l.threshold)}`);
    console.log(lines.join('\n'));
  }
});
