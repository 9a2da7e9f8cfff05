/**
 * Break-even spike rate of the event-driven kernels on the machine at hand (`npm run bench`, entry
 * `--one breakeven`): one thread each, the event-driven Conv (assembly/events.ts) against
 * onnxruntime's dense Conv of the same layer on the same input, for input spike rates from 0.5 %
 * to 40 %; likewise a Gemm. The event time is fitted as a + b·rate (least squares) and the break-
 * even is the rate where it meets the dense time. Inputs are seeded Bernoulli spikes of value 1.
 */
import { A } from '../src/graph/attrs.js';
import { Kernels } from '../src/engine/events/kernels.js';
import { OrtSession } from '../src/engine/ort.js';
import type { Model, Node, Tensor } from '../src/graph/types.js';
import { mulberry32 } from '../src/util/random.js';

export interface RatePoint {
  readonly rate: number;
  /** Microseconds per sample and time step, one thread. */
  readonly eventsUs: number;
  readonly denseUs: number;
}

export interface BreakEvenLayer {
  readonly layer: string;
  readonly points: RatePoint[];
  /** Dense (onnxruntime, one thread) µs per sample-step. */
  readonly denseUs: number;
  /** Spike rate where the fitted event time equals the dense time. */
  readonly breakEven: number;
}

const RATES = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4];
const f32 = (dims: number[], data: Float32Array): Tensor => ({ dtype: 'float32', dims, data });

function oneNode(node: Node, inDims: number[], outDims: number[], inits: [string, Tensor][]): Model {
  return {
    graph: {
      name: 'bench',
      nodes: [node],
      inputs: [{ name: 'x', dtype: 'float32', shape: inDims }],
      outputs: [{ name: 'y', dtype: 'float32', shape: outDims }],
      initializers: new Map(inits),
      valueInfo: new Map(),
    },
    irVersion: 7,
    opset: 13,
    otherOpsets: {},
    producerName: 'onnx2snn-bench',
    producerVersion: '0',
    metadata: {},
  };
}

/** Milliseconds per call of f, repeated to at least `ms`. */
async function timeIt(f: () => unknown, ms = 300): Promise<number> {
  await f();
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await f();
    reps++;
  }
  return (performance.now() - t0) / reps;
}

function spikes(len: number, rate: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = r() < rate ? 1 : 0;
  return x;
}

function fit(points: readonly RatePoint[], denseUs: number): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.rate, 0) / n;
  const my = points.reduce((s, p) => s + p.eventsUs, 0) / n;
  const b = points.reduce((s, p) => s + (p.rate - mx) * (p.eventsUs - my), 0) / points.reduce((s, p) => s + (p.rate - mx) ** 2, 0);
  return (denseUs - (my - b * mx)) / b;
}

/** 3×3 Conv, C → M channels, H×W, pad 1 (the prototype layer: 16 → 16 on 28×28). */
async function convLayer(C: number, M: number, H: number, batch: number): Promise<BreakEvenLayer> {
  const rnd = mulberry32(1);
  const w = Float32Array.from({ length: M * C * 9 }, () => rnd() - 0.5);
  const node: Node = { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: A.ints([1, 1, 1, 1]) } };
  const ort = await OrtSession.create(oneNode(node, [batch, C, H, H], [batch, M, H, H], [['w', f32([M, C, 3, 3], w)]]), { threads: 1 });
  const k = new Kernels();
  const geom = k.alloc(15 * 4);
  const wp = k.alloc(M * C * 9 * 8);
  const x = k.alloc(batch * C * H * H * 4);
  const acc = k.alloc(H * H * M * 8);
  const out = k.alloc(batch * M * H * H * 4);
  k.seal();
  k.i32(geom, 15).set([batch, C, H, H, M, 3, 3, H, H, 1, 1, 1, 1, 1, 1]);
  const wt = k.f64(wp, M * C * 9);
  for (let m = 0; m < M; m++) for (let r = 0; r < C * 9; r++) wt[r * M + m] = w[m * C * 9 + r]!;
  const points: RatePoint[] = [];
  for (const [i, rate] of RATES.entries()) {
    const xs = spikes(batch * C * H * H, rate, 100 + i);
    k.f32(x, xs.length).set(xs);
    const ev = await timeIt(() => k.k.convEvents(x, wp, 0, acc, out, geom));
    const de = await timeIt(() => ort.run({ x: { data: xs, dims: [batch, C, H, H] } }));
    points.push({ rate, eventsUs: (ev * 1000) / batch, denseUs: (de * 1000) / batch });
  }
  await ort.release();
  const denseUs = points.reduce((s, p) => s + p.denseUs, 0) / points.length;
  return { layer: `Conv 3×3 ${C}→${M} on ${H}×${H}, pad 1`, points, denseUs, breakEven: fit(points, denseUs) };
}

/** Gemm K → J (the MLP's 256 → 256 hidden layer). */
async function gemmLayer(K: number, J: number, batch: number): Promise<BreakEvenLayer> {
  const rnd = mulberry32(2);
  const w = Float32Array.from({ length: K * J }, () => rnd() - 0.5);
  const node: Node = { name: 'gemm', opType: 'Gemm', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: {} };
  const ort = await OrtSession.create(oneNode(node, [batch, K], [batch, J], [['w', f32([K, J], w)]]), { threads: 1 });
  const k = new Kernels();
  const wp = k.alloc(K * J * 8);
  const x = k.alloc(batch * K * 4);
  const acc = k.alloc(J * 8);
  const out = k.alloc(batch * J * 4);
  k.seal();
  k.f64(wp, K * J).set(w);
  const points: RatePoint[] = [];
  for (const [i, rate] of RATES.entries()) {
    const xs = spikes(batch * K, rate, 200 + i);
    k.f32(x, xs.length).set(xs);
    const ev = await timeIt(() => k.k.gemmEvents(x, wp, 0, acc, out, batch, K, J, 1, 1));
    const de = await timeIt(() => ort.run({ x: { data: xs, dims: [batch, K] } }));
    points.push({ rate, eventsUs: (ev * 1000) / batch, denseUs: (de * 1000) / batch });
  }
  await ort.release();
  const denseUs = points.reduce((s, p) => s + p.denseUs, 0) / points.length;
  return { layer: `Gemm ${K}→${J}`, points, denseUs, breakEven: fit(points, denseUs) };
}

export async function benchBreakEven(batch: number): Promise<BreakEvenLayer[]> {
  return [await convLayer(16, 16, 28, batch), await convLayer(32, 32, 16, batch), await gemmLayer(256, 256, batch)];
}
