/**
 * Break-even spike rate of the event-driven kernels on the machine at hand (`npm run bench`, entry
 * `--one breakeven`): one thread each, the event-driven Conv (assembly/events.ts) against
 * onnxruntime's dense Conv of the same layer on the same input, for input spike rates from 0.5 %
 * to 40 %; likewise a Gemm. Both sides alternate in short paired rounds (median ratio per rate);
 * the break-even is the rate where the ratio events / dense crosses 1, interpolated between the
 * measured rates. Inputs are seeded Bernoulli spikes of value 1.
 */
import { A } from '../src/graph/attrs.js';
import { execFileSync } from 'node:child_process';
import type { EventsRunResult } from '../src/engine/events/dataset.js';
import { Kernels } from '../src/engine/events/kernels.js';
import { OrtSession } from '../src/engine/ort.js';
import type { Model, Node, Tensor } from '../src/graph/types.js';
import { mulberry32 } from '../src/util/random.js';

export interface RatePoint {
  readonly rate: number;
  /** Microseconds per sample and time step, one thread. */
  readonly eventsUs: number;
  readonly denseUs: number;
  /** Median over paired rounds of events time / dense time. */
  readonly ratio: number;
}

export interface BreakEvenLayer {
  readonly layer: string;
  readonly points: RatePoint[];
  /** Dense (onnxruntime, one thread) µs per sample-step. */
  readonly denseUs: number;
  /** Spike rate where the measured ratio events / dense crosses 1 (interpolated). */
  readonly breakEven: number;
}

const RATES = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4];
const ROUNDS = 7;
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
async function timeIt(f: () => unknown, ms: number): Promise<number> {
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await f();
    reps++;
  }
  return (performance.now() - t0) / reps;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * Both sides in alternating short rounds (this machine's speed drifts within seconds): per round
 * the events time over the dense time; the medians of the times and of the per-round ratios.
 */
async function paired(rate: number, ev: () => unknown, de: () => unknown, batch: number): Promise<RatePoint> {
  await ev();
  await de();
  const e: number[] = [];
  const d: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    e.push(await timeIt(ev, 60));
    d.push(await timeIt(de, 60));
  }
  return { rate, eventsUs: (median(e) * 1000) / batch, denseUs: (median(d) * 1000) / batch, ratio: median(e.map((x, i) => x / d[i]!)) };
}

function spikes(len: number, rate: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = r() < rate ? 1 : 0;
  return x;
}

/** The rate where the ratio events / dense crosses 1, interpolated between the two measured rates around it (0: above 1 everywhere; the top rate: below everywhere). */
function crossing(points: readonly RatePoint[]): number {
  if (points[0]!.ratio >= 1) return 0;
  for (let i = 1; i < points.length; i++) {
    const [p, q] = [points[i - 1]!, points[i]!];
    if (q.ratio >= 1) return p.rate + ((1 - p.ratio) * (q.rate - p.rate)) / (q.ratio - p.ratio);
  }
  return points[points.length - 1]!.rate;
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
    points.push(
      await paired(
        rate,
        () => k.k.convEvents(x, wp, 0, acc, out, geom),
        () => ort.run({ x: { data: xs, dims: [batch, C, H, H] } }),
        batch,
      ),
    );
  }
  await ort.release();
  const denseUs = points.reduce((s, p) => s + p.denseUs, 0) / points.length;
  return { layer: `Conv 3×3 ${C}→${M} on ${H}×${H}, pad 1`, points, denseUs, breakEven: crossing(points) };
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
    points.push(
      await paired(
        rate,
        () => k.k.gemmEvents(x, wp, 0, acc, out, batch, K, J, 1, 1),
        () => ort.run({ x: { data: xs, dims: [batch, K] } }),
        batch,
      ),
    );
  }
  await ort.release();
  const denseUs = points.reduce((s, p) => s + p.denseUs, 0) / points.length;
  return { layer: `Gemm ${K}→${J}`, points, denseUs, breakEven: crossing(points) };
}

export async function benchBreakEven(batch: number): Promise<BreakEvenLayer[]> {
  return [await convLayer(16, 16, 28, batch), await convLayer(32, 32, 16, batch), await gemmLayer(256, 256, batch)];
}

/** The break-even entry run in a child process of the bench (`--one breakeven`), its layers logged to stderr. */
export function breakEvenChild(benchScript: string, batch: string): BreakEvenLayer[] {
  const args = [benchScript, '--one', 'breakeven', '--batch', batch];
  const layers = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as BreakEvenLayer[];
  for (const l of layers) process.stderr.write(`break-even ${l.layer}: ${(100 * l.breakEven).toFixed(1)} % spike rate\n`);
  return layers;
}

/** A bench row's extra fields for the events engine: its counted synops per sample and its kernel nodes' event rates. */
export function eventsFields(last: unknown, samples: number): { synopsPerSample?: number; eventRates?: EventsRunResult['rates'] } {
  const r = last as Partial<EventsRunResult> | undefined;
  return r?.rates && r.synops !== undefined ? { synopsPerSample: r.synops / samples, eventRates: r.rates } : {};
}
