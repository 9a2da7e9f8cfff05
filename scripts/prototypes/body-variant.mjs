// time the default file against a body rewrite, both run by onnxruntime, alternating; counts compared
import ort from 'onnxruntime-node';
import { writeOnnx } from '../../dist/src/onnx/write.js';
import { loadDataset } from '../../dist/src/data/index.js';
import { calibrate, convert, loadModel } from '../../dist/src/pipeline.js';
import { emitOnnx } from '../../dist/src/snn/emit.js';
import { ALL_MODELS } from '../../dist/scripts/models.js';
const [id = 'own-fmnist-resnet20-bn', Ts = '64', ns = '32', ths = '1', which = 'castmul', kk = '4'] = process.argv.slice(2);
const T = +Ts, n = +ns;
const bm = ALL_MODELS.find((m) => m.id === id);
const model = loadModel(bm.file);
const { snn } = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 200 })), {});
const file = emitOnnx(snn, { stepsPerIteration: +kk });
const rewrite = (g) => {
  const nodes = [];
  for (const q of g.nodes) {
    if (which === 'castmul' && q.opType === 'Where' && q.inputs[2]?.startsWith('f_zero')) {
      nodes.push({ ...q, name: q.name + '_c', opType: 'Cast', inputs: [q.inputs[0]], outputs: [q.outputs[0] + '_f'], attrs: { to: { kind: 'int', value: 1 } } });
      nodes.push({ ...q, name: q.name + '_m', opType: 'Mul', inputs: [q.outputs[0] + '_f', q.inputs[1]], outputs: q.outputs, attrs: {} });
    } else if (q.opType === 'Loop') nodes.push({ ...q, attrs: { ...q.attrs, body: { kind: 'graph', value: rewrite(q.attrs.body.value) } } });
    else nodes.push(q);
  }
  return { ...g, nodes };
};
const alt = { ...file, graph: rewrite(file.graph) };
const opts = { intraOpNumThreads: +ths, interOpNumThreads: 1 };
const s0 = await ort.InferenceSession.create(writeOnnx(file), opts), s1 = await ort.InferenceSession.create(writeOnnx(alt), opts);
const ds = loadDataset(bm.test, { ...bm.pre, limit: n });
const feeds = { [file.graph.inputs[0].name]: new ort.Tensor('float32', ds.x.slice(0, n * ds.x.length / ds.count), [n, ...snn.inputDims]), timesteps: new ort.Tensor('int64', BigInt64Array.from([BigInt(T)]), []) };
const a = await s0.run(feeds), b = await s1.run(feeds);
let diff = 0; for (const k of s0.outputNames) { const x = a[k].data, y = b[k].data; for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++; }
const t0 = [], t1 = [];
for (let r = 0; r < 9; r++) { let t = performance.now(); await s0.run(feeds); t0.push(performance.now() - t); t = performance.now(); await s1.run(feeds); t1.push(performance.now() - t); }
const med = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
const rs = t1.map((x, i) => x / t0[i]);
console.log(JSON.stringify({ id, which, T, n, mismatches: diff, baseMs: med(t0).toFixed(1), altMs: med(t1).toFixed(1), pairedRatio: med(rs).toFixed(3) }));
