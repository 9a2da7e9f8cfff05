/**
 * Event-driven kernels of the `events` engine (src/engine/events/), in AssemblyScript, compiled to
 * WebAssembly with SIMD by scripts/build-wasm.mjs. No imports: the module runs the same in Node and
 * in a browser. All arguments are byte offsets into the module's one linear memory, laid out by the
 * caller (src/engine/events/memory.ts).
 *
 * Exactness: the reference simulator (src/snn/reference.ts) evaluates Conv, Gemm and MatMul with
 * converters/conv.ts and converters/gemm.ts, which accumulate w·x in float64, bias first (Conv) or
 * from 0 (Gemm), in the order (input channel, ky, kx) resp. k, and round to float32 once at the end.
 * An event adds w·x (float32 × float32: exact in float64) to every output it reaches, and events are
 * visited in NCHW order (c, iy, ix), which is (c, ky, kx) order for every output; zero inputs add
 * ±0, which leaves a float64 sum unchanged. So each output is the same float64 sum of the same
 * terms in the same order: the same float32 result bit for bit. Separate mul and add (no fused
 * multiply-add), as JavaScript does.
 */

/** Synaptic operations (accumulations) done since the last reset: counted, not estimated. */
let synops: f64 = 0;

export function synopsDone(): f64 {
  return synops;
}

export function resetSynops(): void {
  synops = 0;
}

/** First free byte after the module's static data: the caller lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * Event-driven 2-D Conv, group 1, for n samples. x: f32 NCHW input; w: f64 weights laid out
 * [C][KH][KW][M] (output channels innermost, so one event adds M/2 f64x2 vectors per tap); bias: f32
 * [M] or 0; acc: f64 scratch [OH][OW][M]; out: f32 NCHW. g: i32 geometry
 * [n, C, H, W, M, KH, KW, OH, OW, sh, sw, pt, pl, dh, dw]. Returns the number of events (non-zero inputs).
 */
export function convEvents(x: usize, w: usize, bias: usize, acc: usize, out: usize, g: usize): i32 {
  const N = load<i32>(g, 0);
  const C = load<i32>(g, 4);
  const H = load<i32>(g, 8);
  const W = load<i32>(g, 12);
  const M = load<i32>(g, 16);
  const KH = load<i32>(g, 20);
  const KW = load<i32>(g, 24);
  const OH = load<i32>(g, 28);
  const OW = load<i32>(g, 32);
  const sh = load<i32>(g, 36);
  const sw = load<i32>(g, 40);
  const pt = load<i32>(g, 44);
  const pl = load<i32>(g, 48);
  const dh = load<i32>(g, 52);
  const dw = load<i32>(g, 56);
  const plane = OH * OW;
  const M2 = M & ~1;
  let events = 0;
  let taps: i64 = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < plane; p++) {
      const a = acc + (<usize>(p * M) << 3);
      for (let m = 0; m < M; m++) store<f64>(a + (<usize>m << 3), bias != 0 ? <f64>load<f32>(bias + (<usize>m << 2)) : 0);
    }
    const xn = x + (<usize>(n * C * H * W) << 2);
    for (let c = 0; c < C; c++) {
      for (let iy = 0; iy < H; iy++) {
        const xrow = xn + (<usize>((c * H + iy) * W) << 2);
        for (let ix = 0; ix < W; ix++) {
          const xv = load<f32>(xrow + (<usize>ix << 2));
          if (xv == 0) continue;
          events++;
          const xd = <f64>xv;
          const xs = f64x2.splat(xd);
          for (let ky = 0; ky < KH; ky++) {
            const ty = iy + pt - ky * dh;
            if (ty < 0) break;
            if (ty % sh != 0) continue;
            const oy = ty / sh;
            if (oy >= OH) continue;
            for (let kx = 0; kx < KW; kx++) {
              const tx = ix + pl - kx * dw;
              if (tx < 0) break;
              if (tx % sw != 0) continue;
              const ox = tx / sw;
              if (ox >= OW) continue;
              taps++;
              const a = acc + (<usize>((oy * OW + ox) * M) << 3);
              const wp = w + (<usize>(((c * KH + ky) * KW + kx) * M) << 3);
              let m = 0;
              for (; m < M2; m += 2) {
                const o = <usize>m << 3;
                v128.store(a + o, f64x2.add(v128.load(a + o), f64x2.mul(xs, v128.load(wp + o))));
              }
              if (m < M) {
                const o = <usize>m << 3;
                store<f64>(a + o, load<f64>(a + o) + xd * load<f64>(wp + o));
              }
            }
          }
        }
      }
    }
    const on = out + (<usize>(n * M * plane) << 2);
    for (let p = 0; p < plane; p++) {
      const a = acc + (<usize>(p * M) << 3);
      for (let m = 0; m < M; m++) store<f32>(on + (<usize>(m * plane + p) << 2), <f32>load<f64>(a + (<usize>m << 3)));
    }
  }
  synops += <f64>taps * <f64>M;
  return events;
}

/**
 * Event-driven Gemm / MatMul for n rows: out[i][j] = f32(alpha·Σ_k a[i][k]·b[k][j] + beta·c[j]),
 * the sum in float64 from 0 in k order (converters/gemm.ts). a: f32 [n][K]; b: f64 [K][J]; c: f32
 * [J] or 0; acc: f64 scratch [J]; out: f32 [n][J]. Returns the number of events.
 */
export function gemmEvents(a: usize, b: usize, c: usize, acc: usize, out: usize, n: i32, K: i32, J: i32, alpha: f64, beta: f64): i32 {
  const J2 = J & ~1;
  let events = 0;
  for (let i = 0; i < n; i++) {
    memory.fill(acc, 0, <usize>J << 3);
    const ar = a + (<usize>(i * K) << 2);
    for (let k = 0; k < K; k++) {
      const av = load<f32>(ar + (<usize>k << 2));
      if (av == 0) continue;
      events++;
      const ad = <f64>av;
      const as = f64x2.splat(ad);
      const br = b + (<usize>(k * J) << 3);
      let j = 0;
      for (; j < J2; j += 2) {
        const o = <usize>j << 3;
        v128.store(acc + o, f64x2.add(v128.load(acc + o), f64x2.mul(as, v128.load(br + o))));
      }
      if (j < J) {
        const o = <usize>j << 3;
        store<f64>(acc + o, load<f64>(acc + o) + ad * load<f64>(br + o));
      }
    }
    const orow = out + (<usize>(i * J) << 2);
    for (let j = 0; j < J; j++) {
      let v = alpha * load<f64>(acc + (<usize>j << 3));
      if (c != 0) v += beta * <f64>load<f32>(c + (<usize>j << 2));
      store<f32>(orow + (<usize>j << 2), <f32>v);
    }
  }
  synops += <f64>events * <f64>J;
  return events;
}

/**
 * Fused integrate-and-fire step for `len` neurons (n samples × per), float32 as the reference
 * (converters/neurons/integrate-and-fire.ts, if.ts, fire.ts): input = I (+ extra), x = v + input,
 * s = [x ≥ θ], v ← x − θ (sub = 1) or 0 (sub = 0) if s else x, out = θ·s, count += s. extra: f32
 * [per] or 0. Returns the number of spikes.
 */
export function ifStep(v: usize, current: usize, theta: usize, extra: usize, out: usize, counts: usize, len: i32, per: i32, sub: i32): i32 {
  let spikes = 0;
  let e = 0;
  for (let j = 0; j < len; j++) {
    const o = <usize>j << 2;
    const eo = <usize>e << 2;
    let input = load<f32>(current + o);
    if (extra != 0) input = input + load<f32>(extra + eo);
    const x = load<f32>(v + o) + input;
    const th = load<f32>(theta + eo);
    if (x >= th) {
      store<f32>(v + o, sub != 0 ? x - th : 0);
      store<f32>(out + o, th);
      store<f32>(counts + o, load<f32>(counts + o) + 1);
      spikes++;
    } else {
      store<f32>(v + o, x);
      store<f32>(out + o, 0);
    }
    if (++e == per) e = 0;
  }
  return spikes;
}

/**
 * Closed-form constant-current IF step t for `len` neurons (converters/neurons/closed-form.ts):
 * n_t = ⌊fl(b + fl(t·a))⌋ in float32, out = fl((n_t − n_{t−1})·θ), count = n_t. a: f32 rates
 * [len]; b, theta: f32 [per]. Returns the number of spikes.
 */
export function closedFormStep(a: usize, b: usize, theta: usize, out: usize, counts: usize, len: i32, per: i32, t: f32): i32 {
  let spikes = 0;
  let e = 0;
  for (let j = 0; j < len; j++) {
    const o = <usize>j << 2;
    const eo = <usize>e << 2;
    const nt = Mathf.floor(load<f32>(b + eo) + t * load<f32>(a + o));
    const prev = load<f32>(counts + o);
    if (nt != prev) spikes++;
    store<f32>(out + o, (nt - prev) * load<f32>(theta + eo));
    store<f32>(counts + o, nt);
    if (++e == per) e = 0;
  }
  return spikes;
}

/**
 * Spiking max pool over a neuron layer (converters/spiking-pool.ts): per window the input of the
 * element with the largest key 2·count − s (count after this step, s = [x > 0]), the first in
 * scan order among equals. x, counts: f32 [n][inPer]; starts: i32 [outPer + 1] into offs: i32
 * (each window's element offsets in scan order); out: f32 [n][outPer].
 */
export function spikingPool(x: usize, counts: usize, starts: usize, offs: usize, out: usize, n: i32, inPer: i32, outPer: i32): void {
  for (let b = 0; b < n; b++) {
    const xb = x + (<usize>(b * inPer) << 2);
    const cb = counts + (<usize>(b * inPer) << 2);
    const ob = out + (<usize>(b * outPer) << 2);
    for (let o = 0; o < outPer; o++) {
      const s = load<i32>(starts + (<usize>o << 2));
      const e = load<i32>(starts + (<usize>(o + 1) << 2));
      let best = load<i32>(offs + (<usize>s << 2));
      let bk: f32 = 2 * load<f32>(cb + (<usize>best << 2)) - (load<f32>(xb + (<usize>best << 2)) > 0 ? 1 : 0);
      for (let k = s + 1; k < e; k++) {
        const i = load<i32>(offs + (<usize>k << 2));
        const kk: f32 = 2 * load<f32>(cb + (<usize>i << 2)) - (load<f32>(xb + (<usize>i << 2)) > 0 ? 1 : 0);
        if (kk > bk) {
          bk = kk;
          best = i;
        }
      }
      store<f32>(ob + (<usize>o << 2), load<f32>(xb + (<usize>best << 2)));
    }
  }
}
