// micro-bench: neuron step as Add,GE,Where,Sub (4 ops) vs Sum,LE,Where (3 ops, negated state)
import { writeOnnx } from '../../dist/src/onnx/write.js';
import { float32 } from '../../dist/src/graph/tensor.js';
import ort from 'onnxruntime-node';
const [N, C, H, W] = (process.argv[2] ?? '64,16,28,28').split(',').map(Number);
const K = 8, threads = Number(process.argv[3] ?? 2), reps = Number(process.argv[4] ?? 30), thetaMode = process.argv[5] ?? 'full';
const dims = [N, C, H, W], per = C * H * W;
const thDims = thetaMode === 'full' ? [C, H, W] : thetaMode === 'scalar' ? [] : thetaMode === 'n4' ? [1, C, 1, 1] : [C, 1, 1];
const thN = thDims.reduce((a, b) => a * b, 1);
const th = new Float32Array(thN).map((_, i) => 0.5 + ((i * 7919) % 100) / 100);
const inits = new Map([['th', float32(thDims, th)], ['nth', float32(thDims, th.map((x) => -x))], ['zero', float32([], [0])]]);
function model(variant) {
  const nodes = []; let k = 0;
  const node = (op, ins, outs) => nodes.push({ name: `n${k++}`, opType: op, domain: '', inputs: ins, outputs: outs, attrs: {} });
  let v = 'v', out = 'o0';
  for (let t = 0; t < K; t++) {
    if (variant === 'v0') {
      node('Add', [v, 'I'], [`v1_${t}`]); node('GreaterOrEqual', [`v1_${t}`, 'th'], [`s_${t}`]);
      node('Where', [`s_${t}`, 'th', 'zero'], [`out_${t}`]); node('Sub', [`v1_${t}`, `out_${t}`], [`v_${t}`]);
      v = `v_${t}`; out = `out_${t}`;
    } else {
      node('Sum', [v, out, 'I'], [`w_${t}`]); node('LessOrEqual', [`w_${t}`, 'nth'], [`s_${t}`]);
      node('Where', [`s_${t}`, 'th', 'zero'], [`out_${t}`]); v = `w_${t}`; out = `out_${t}`;
    }
  }
  const vi = (name) => ({ name, dtype: 'float32', shape: dims });
  return writeOnnx({ graph: { name: 'g', nodes, inputs: variant === 'v0' ? [vi('v'), vi('I')] : [vi('v'), vi('o0'), vi('I')], outputs: [ { ...vi(v), name: v }, { ...vi(out), name: out }], initializers: inits, valueInfo: new Map() }, irVersion: 8, opset: 17, otherOpsets: {}, producerName: 'x', producerVersion: '1', metadata: {} });
}
const n = N * per;
const v0 = new Float32Array(n).map((_, i) => Math.fround(Math.sin(i) * 0.3));
const I = new Float32Array(n).map((_, i) => Math.fround(Math.cos(i * 1.3) * 0.8));
const s0 = await ort.InferenceSession.create(model('v0'), { intraOpNumThreads: threads, interOpNumThreads: 1 });
const s1 = await ort.InferenceSession.create(model('v1'), { intraOpNumThreads: threads, interOpNumThreads: 1 });
const T = (d) => new ort.Tensor('float32', d, dims);
const f0 = { v: T(v0), I: T(I) };
const f1 = { v: T(v0.map((x) => -x)), o0: T(new Float32Array(n)), I: T(I.map((x) => -x)) };
const r0 = await s0.run(f0), r1 = await s1.run(f1);
const a = r0[s0.outputNames[0]].data, ow = r1[s1.outputNames[0]].data, oo = r1[s1.outputNames[1]].data;
let bad = 0; for (let i = 0; i < n; i++) if (a[i] !== -Math.fround(ow[i] + oo[i])) bad++;
const so0 = r0[s0.outputNames[1]].data; let bad2 = 0; for (let i = 0; i < n; i++) if (so0[i] !== oo[i]) bad2++;
const t0 = [], t1 = [];
for (let r = 0; r < reps; r++) {
  let t = performance.now(); await s0.run(f0); t0.push(performance.now() - t);
  t = performance.now(); await s1.run(f1); t1.push(performance.now() - t);
}
const med = (x) => x.sort((p, q) => p - q)[x.length >> 1];
console.log(JSON.stringify({ dims, threads, thetaMode, mismatchV: bad, mismatchOut: bad2, v0ms: med(t0) / K, v1ms: med(t1) / K, ratio: med(t1) / med(t0) }));
