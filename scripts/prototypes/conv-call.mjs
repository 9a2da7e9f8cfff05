import { writeOnnx } from '../../dist/src/onnx/write.js';
import { float32 } from '../../dist/src/graph/tensor.js';
import ort from 'onnxruntime-node';
const [N, C, H] = (process.argv[2] ?? '32,8,28').split(',').map(Number);
const dims = [N, C, H, H];
const w = float32([C, C, 3, 3], new Float32Array(C * C * 9).map((_, i) => Math.sin(i) * 0.1));
const b = float32([C], new Float32Array(C).fill(0.01));
function model(K) {
  const nodes = []; let p = 'x';
  for (let i = 0; i < K; i++) { nodes.push({ name: `c${i}`, opType: 'Conv', domain: '', inputs: [p, 'w', 'b'], outputs: [`o${i}`], attrs: { pads: { kind: 'ints', value: [1, 1, 1, 1] } } }); p = `o${i}`; }
  return writeOnnx({ graph: { name: 'g', nodes, inputs: [{ name: 'x', dtype: 'float32', shape: dims }], outputs: [{ name: p, dtype: 'float32', shape: dims }], initializers: new Map([['w', w], ['b', b]]), valueInfo: new Map() }, irVersion: 8, opset: 17, otherOpsets: {}, producerName: 'x', producerVersion: '1', metadata: {} });
}
const n = dims.reduce((a, c) => a * c, 1);
const x = new ort.Tensor('float32', new Float32Array(n).map((_, i) => (Math.sin(i * 3.1) > 0.7 ? 1 : 0)), dims);
const s1 = await ort.InferenceSession.create(model(1), { intraOpNumThreads: 1 });
const s8 = await ort.InferenceSession.create(model(8), { intraOpNumThreads: 1 });
const pre = new ort.Tensor('float32', new Float32Array(n), dims);
const time = async (f, reps) => { await f(); const ts = []; for (let r = 0; r < reps; r++) { const t = performance.now(); await f(); ts.push(performance.now() - t); } ts.sort((a, c) => a - c); return ts[reps >> 1]; };
for (let r = 0; r < 3; r++) {
  const one = await time(() => s1.run({ x }), 50);
  const onePre = await time(() => s1.run({ x }, { o0: pre }), 50);
  const eight = await time(() => s8.run({ x }), 20);
  console.log(JSON.stringify({ dims, oneMs: one.toFixed(3), onePreallocMs: onePre.toFixed(3), perConvIn8Ms: (eight / 8).toFixed(3), overheadMs: (one - eight / 8).toFixed(3), overheadPreMs: (onePre - eight / 8).toFixed(3) }));
}
