// prototype: onnxruntime for the stateless parts of the Loop body on k stacked steps, WebAssembly for IF neurons
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { writeOnnx } from '../../dist/src/onnx/write.js';
import { loadDataset } from '../../dist/src/data/index.js';
import { calibrate, convert, loadModel } from '../../dist/src/pipeline.js';
import { emitOnnx } from '../../dist/src/snn/emit.js';
import { ALL_MODELS } from '../../dist/scripts/models.js';
const [id = 'own-fmnist-resnet20-bn', Ts = '32', ns = '32', ks = '8', ths = '1'] = process.argv.slice(2);
const T = +Ts, n = +ns, K = +ks, threads = +ths;
const bm = ALL_MODELS.find((m) => m.id === id);
const model = loadModel(bm.file);
const { snn } = convert(model, await calibrate(model, loadDataset(bm.calib, { ...bm.pre, limit: 200 })), {});
const file = emitOnnx(snn, { stepsPerIteration: 1 });
const ds = loadDataset(bm.test, { ...bm.pre, limit: n });
const g = file.graph, loop = g.nodes.find((x) => x.opType === 'Loop'), body = loop.attrs.body.value;
const mk = (nodes, inputs, outputs, inits) => writeOnnx({ ...file, metadata: {}, graph: { name: 'g', nodes, inputs, outputs, initializers: inits, valueInfo: new Map() } });
const opts = { intraOpNumThreads: threads, interOpNumThreads: 1 };
// --- the file itself, for the reference readout and timing
const fileSess = await ort.InferenceSession.create(writeOnnx(file), opts);
const inName = g.inputs[0].name;
const x = new ort.Tensor('float32', ds.x.slice(0, n * ds.x.length / ds.count), [n, ...snn.inputDims]);
const tt = new ort.Tensor('int64', BigInt64Array.from([BigInt(T)]), []);
// --- pre: outer nodes before the Loop
const pre = g.nodes.slice(0, g.nodes.indexOf(loop));
const bodyDefined = new Set([...body.nodes.flatMap((q) => q.outputs), ...body.inputs.map((i) => i.name), ...body.initializers.keys()]);
const outerRefs = [...new Set(body.nodes.flatMap((q) => q.inputs).filter((i) => i && !bodyDefined.has(i)))];
const preOuts = [...new Set([...loop.inputs.slice(2).filter(Boolean), ...outerRefs])].filter((q) => !g.initializers.has(q));
const preSess = await ort.InferenceSession.create(mk(pre, g.inputs, preOuts.map((name) => ({ name, dtype: 'float32' })), g.initializers), opts);
const outerInit = (q) => g.initializers.get(q);
// --- classify body nodes
const carriedIn = body.inputs.slice(2).map((i) => i.name), carriedOut = body.outputs.slice(1, 1 + carriedIn.length).map((o) => o.name);
const prodOf = new Map(); body.nodes.forEach((q) => q.outputs.forEach((o) => prodOf.set(o, q)));
const users = (t) => body.nodes.filter((q) => q.inputs.includes(t));
const groups = []; const taken = new Set();
for (const q of body.nodes) {
  if (taken.has(q)) continue;
  if (q.opType === 'Add' && carriedIn.includes(q.inputs[0]) && q.inputs[0].startsWith('v_')) {
    const ge = users(q.outputs[0]).find((u) => u.opType === 'GreaterOrEqual'), wh = users(ge.outputs[0])[0], sub = users(q.outputs[0]).find((u) => u.opType === 'Sub');
    [q, ge, wh, sub].forEach((u) => taken.add(u));
    groups.push({ kind: 'if', vIn: q.inputs[0], cur: q.inputs[1], theta: ge.inputs[1], out: wh.outputs[0], vOut: sub.outputs[0], nodes: [q, ge, wh, sub] });
  } else if (q.opType === 'Add' && q.inputs[0] === 't_in') { taken.add(q); groups.push({ kind: 't' }); }
  else if (q.opType === 'Mul' && q.inputs[0] === 't_out') {
    const add = users(q.outputs[0])[0], fl = users(add.outputs[0])[0], sub = users(fl.outputs[0]).find((u) => u.opType === 'Sub'), mul = users(sub.outputs[0])[0];
    [q, add, fl, sub, mul].forEach((u) => taken.add(u));
    groups.push({ kind: 'cf', rate: q.inputs[1], b: add.inputs[0], nIn: sub.inputs[1], nOut: fl.outputs[0], theta: mul.inputs[1], out: mul.outputs[0] });
  } else if (q.opType === 'Add' && q.inputs[0] === 'readout_in') { taken.add(q); groups.push({ kind: 'readout', y: q.inputs[1] }); }
  else if (q.opType === 'Identity') taken.add(q);
  else { taken.add(q); const last = groups[groups.length - 1]; if (last?.kind === 'seg') last.nodes.push(q); else groups.push({ kind: 'seg', nodes: [q] }); }
}
console.error(groups.map((q) => q.kind + (q.nodes ? q.nodes.length : '')).join(' '));
// --- per-sample sizes of body tensors: from snn.dims where known, else run the file's body once? use snn.dims by name
const perOf = (t) => { const d = snn.dims.get(t); if (!d) throw new Error('no dims for ' + t); return d.reduce((a, b) => a * b, 1); };
const dimsOf = (t) => snn.dims.get(t);
// --- wasm memory layout
const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(process.env.HYBRID_WASM ?? '/tmp/hybrid.wasm')), {}).exports;
let top = (wasm.heapBase() + 63) & ~63; const allocs = [];
const alloc = (len) => { const p = top; top = (top + len * 4 + 63) & ~63; return p; };
const chunk = new Map(); // tensor -> ptr of [K][n][per]
const chunkBuf = (t) => { if (!chunk.has(t)) chunk.set(t, alloc(K * n * perOf(t))); return chunk.get(t); };
const segs = groups.filter((q) => q.kind === 'seg');
const bodyInits = body.initializers;
const needStatic = new Map();
for (const s of segs) {
  const inside = new Set(s.nodes.flatMap((q) => q.outputs));
  s.ins = [...new Set(s.nodes.flatMap((q) => q.inputs).filter((i) => i && !inside.has(i) && !bodyInits.has(i) && !outerInit(i)))];
  s.outs = [...inside].filter((o) => body.nodes.some((u) => !s.nodes.includes(u) && u.inputs.includes(o)));
  const inits = new Map([...s.nodes.flatMap((q) => q.inputs)].filter((i) => bodyInits.has(i) || outerInit(i)).map((i) => [i, bodyInits.get(i) ?? outerInit(i)]));
  s.sess = await ort.InferenceSession.create(mk(s.nodes, s.ins.map((name) => ({ name, dtype: 'float32', shape: [K * n, ...dimsOf(name)] })), s.outs.map((name) => ({ name, dtype: 'float32' })), inits), opts);
  for (const i of s.ins) if (preOuts.includes(i)) needStatic.set(i, true);
}
for (const s of segs) { s.ins.forEach(chunkBuf); s.outs.forEach(chunkBuf); }
const ifs = groups.filter((q) => q.kind === 'if'), cfs = groups.filter((q) => q.kind === 'cf');
for (const q of ifs) { q.v = alloc(n * perOf(q.out)); q.th = alloc(perOf(q.out)); q.cnt = alloc(n * perOf(q.out)); chunkBuf(q.out); chunkBuf(q.cur); }
for (const q of cfs) { q.a = alloc(n * perOf(q.out)); q.np = alloc(n * perOf(q.out)); q.th = alloc(perOf(q.out)); chunkBuf(q.out); }
const need = Math.ceil(top / 65536) - wasm.memory.buffer.byteLength / 65536; if (need > 0) wasm.memory.grow(need);
const F = (p, l) => new Float32Array(wasm.memory.buffer, p, l);
const view = (t, k0, k1) => F(chunk.get(t) + k0 * n * perOf(t) * 4, (k1 - k0) * n * perOf(t));
for (const s of segs) {
  s.feeds = Object.fromEntries(s.ins.map((i) => [i, new ort.Tensor('float32', view(i, 0, K), [K * n, ...dimsOf(i)])]));
  s.fetches = Object.fromEntries(s.outs.map((o) => [o, new ort.Tensor('float32', view(o, 0, K), [K * n, ...dimsOf(o)])]));
}
const constOf = (name) => (bodyInits.get(name) ?? outerInit(name)).data;
const prof = {};
async function runHybrid() {
  const pv = await preSess.run({ [inName]: x, timesteps: tt });
  for (const i of needStatic.keys()) { const d = pv[i].data; for (let k = 0; k < K; k++) view(i, k, k + 1).set(d); }
  for (const q of ifs) { F(q.v, n * perOf(q.out)).set(pv[loop.inputs[2 + carriedIn.indexOf(q.vIn)]].data); F(q.th, perOf(q.out)).set(constOf(q.theta)); F(q.cnt, n * perOf(q.out)).fill(0); }
  for (const q of cfs) { F(q.a, n * perOf(q.out)).set(pv[q.rate].data); F(q.np, n * perOf(q.out)).set(pv[loop.inputs[2 + carriedIn.indexOf(q.nIn)]].data); F(q.th, perOf(q.out)).set(constOf(q.theta)); q.bc = constOf(q.b)[0]; }
  const ro = groups.find((q) => q.kind === 'readout'); const readout = new Float32Array(n * perOf(ro.y));
  let t = 0;
  for (let t0 = 0; t0 < T; t0 += K) {
    const k = Math.min(K, T - t0);
    for (const q of groups) {
      const _t = performance.now();
      if (q.kind === 'seg') {
        if (k === K) await q.sess.run(q.feeds, q.fetches);
        else await q.sess.run(Object.fromEntries(q.ins.map((i) => [i, new ort.Tensor('float32', view(i, 0, k), [k * n, ...dimsOf(i)])])), Object.fromEntries(q.outs.map((o) => [o, new ort.Tensor('float32', view(o, 0, k), [k * n, ...dimsOf(o)])])));
      } else if (q.kind === 'if') { const per = perOf(q.out), sz = n * per * 4; for (let j = 0; j < k; j++) wasm.ifStep(q.v, chunk.get(q.cur) + j * sz, q.th, chunk.get(q.out) + j * sz, q.cnt, n, per); }
      else if (q.kind === 'cf') { const per = perOf(q.out), sz = n * per * 4; for (let j = 0; j < k; j++) wasm.cfStep(q.a, q.np, q.th, chunk.get(q.out) + j * sz, n * per, constOf(q.theta).length, t0 + j + 1, q.bc); }
      else if (q.kind === 'readout') { const per = perOf(q.y); for (let j = 0; j < k; j++) { const y = view(q.y, j, j + 1); for (let i = 0; i < readout.length; i++) readout[i] = Math.fround(readout[i] + y[i]); } }
      prof[q.kind] = (prof[q.kind] ?? 0) + performance.now() - _t;
    }
  }
  return readout;
}
const rf = await fileSess.run({ [inName]: x, timesteps: tt });
const r0 = rf.readout.data;
const r1 = await runHybrid();
let diff = 0, md = 0; for (let i = 0; i < r0.length; i++) { if (r0[i] !== r1[i]) diff++; md = Math.max(md, Math.abs(r0[i] - r1[i])); } console.log('max readout diff', md, r0.slice(0, 4), r1.slice(0, 4));
const vdiff = ifs.map((q) => { const a = rf[loop.outputs[carriedOut.indexOf(q.vOut)]]?.data; if (!a) return -1; const b = F(q.v, a.length); let d = 0; for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++; return d; });
const cdiff = ifs.map((q) => { const li = q.vIn.match(/v_(\d+)_in/)[1]; const a = rf['spikes.' + li].data; const b = F(q.cnt, a.length); let d = 0; for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++; return d; });
console.log('count mismatches', cdiff.join(','));
console.log('readout mismatches', diff, 'of', r0.length, 'v mismatches', vdiff.join(','));
const tm = async (f) => { const ts = []; for (let r = 0; r < 5; r++) { const s = performance.now(); await f(); ts.push(performance.now() - s); } ts.sort((a, b) => a - b); return ts[2]; };
for (let r = 0; r < 2; r++) {
  const a = await tm(() => fileSess.run({ [inName]: x, timesteps: tt })), b = await tm(runHybrid);
  console.log(JSON.stringify(Object.fromEntries(Object.entries(prof).map(([a, b]) => [a, (b / 5).toFixed(1)])))); for (const k in prof) prof[k] = 0;
  console.log(JSON.stringify({ id, T, n, K, threads, fileMs: a.toFixed(1), hybridMs: b.toFixed(1), ratio: (b / a).toFixed(3) }));
}
