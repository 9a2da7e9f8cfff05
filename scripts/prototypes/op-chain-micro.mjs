// per-op cost in chains (intermediates from onnxruntime's arena, only the last value an output)
import { writeOnnx } from '../../dist/src/onnx/write.js';
import { float32 } from '../../dist/src/graph/tensor.js';
import ort from 'onnxruntime-node';
const dims = (process.argv[2] ?? '64,16,28,28').split(',').map(Number);
const threads = Number(process.argv[3] ?? 1), reps = 40, K = 16;
const [N, C, H, W] = dims, n = N * C * H * W;
const th = new Float32Array(C * H * W).map((_, i) => 0.5 + ((i * 7919) % 100) / 100);
const thc = new Float32Array(C).map((_, i) => 0.5 + i / C);
const inits = new Map([['th', float32([C, H, W], th)], ['thc', float32([C, 1, 1], thc)], ['zero', float32([], [0])], ['one', float32([], [1])], ['half', float32([], [0.5])]]);
const vi = (name, dtype = 'float32') => ({ name, dtype, shape: dims });
const I = (to) => ({ to: { kind: 'int', value: to } });
// one link: from float p to float q
const V = {
  add: (p, q) => [['Add', [p, 'y'], [q]]],
  sub: (p, q) => [['Sub', [p, 'y'], [q]]],
  mul_chan: (p, q) => [['Mul', [p, 'thc'], [q]]],
  mul_full: (p, q) => [['Mul', [p, 'th'], [q]]],
  relu: (p, q) => [['Relu', [p], [q]]],
  ge_where_full: (p, q) => [['GreaterOrEqual', [p, 'th'], [q + 's']], ['Where', [q + 's', 'th', 'zero'], [q]]],
  ge_where_chan: (p, q) => [['GreaterOrEqual', [p, 'thc'], [q + 's']], ['Where', [q + 's', 'thc', 'zero'], [q]]],
  ge_cast: (p, q) => [['GreaterOrEqual', [p, 'half'], [q + 's']], ['Cast', [q + 's'], [q], I(1)]],
  ge_cast_mul_chan: (p, q) => [['GreaterOrEqual', [p, 'thc'], [q + 's']], ['Cast', [q + 's'], [q + 'c'], I(1)], ['Mul', [q + 'c', 'thc'], [q]]],
  ge_where_s: (p, q) => [['GreaterOrEqual', [p, 'half'], [q + 's']], ['Where', [q + 's', 'one', 'zero'], [q]]],
  ge_where_x: (p, q) => [['GreaterOrEqual', [p, 'half'], [q + 's']], ['Where', [q + 's', p, 'zero'], [q]]],
};
const x = new Float32Array(n).map((_, i) => Math.fround(Math.sin(i) * 1.5));
const feeds = { x: new ort.Tensor('float32', x, dims), y: new ort.Tensor('float32', x.slice().reverse(), dims) };
const out = {};
const only = process.argv[4]?.split(',');
for (const [name, mk] of Object.entries(V)) {
  if (only && !only.includes(name)) continue;
  const nodes = []; let p = 'x';
  for (let i = 0; i < K; i++) { const q = `o${i}`; for (const [op, ins, os, a] of mk(p, q)) nodes.push({ name: `n${nodes.length}`, opType: op, domain: '', inputs: ins, outputs: os, attrs: a ?? {} }); p = q; }
  const used = new Set(nodes.flatMap((q) => q.inputs));
  const inputs = [vi('x'), vi('y')].filter((q) => used.has(q.name));
  const bytes = writeOnnx({ graph: { name: 'g', nodes, inputs, outputs: [vi(p)], initializers: new Map([...inits].filter(([k]) => used.has(k))), valueInfo: new Map() }, irVersion: 8, opset: 17, otherOpsets: {}, producerName: 'x', producerVersion: '1', metadata: {} });
  const sess = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const f = Object.fromEntries(inputs.map((q) => [q.name, feeds[q.name]]));
  await sess.run(f); await sess.run(f); const ts = [];
  for (let r = 0; r < reps; r++) { const t = performance.now(); await sess.run(f); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); out[name] = +(ts[reps >> 1] / K / n * 1e6).toFixed(3);
}
console.log(JSON.stringify({ dims, threads, nsPerElemPerLink: out }));
