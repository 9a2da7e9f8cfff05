export function heapBase(): usize { return __heap_base; }
// fused IF step (reset by subtraction), θ [per] repeated over n samples, as the emitted file's Add, GreaterOrEqual, Where, Sub:
// x = v + I; s = x >= θ; out = s ? θ : 0; v = x - out. Returns spikes.
export function ifStep(v: usize, cur: usize, theta: usize, out: usize, counts: usize, n: i32, per: i32): i32 {
  let spikes: i32 = 0;
  const one = f32x4.splat(1);
  for (let b = 0; b < n; b++) {
    const base = <usize>(b * per) << 2;
    let j = 0;
    for (; j + 4 <= per; j += 4) {
      const o = base + (<usize>j << 2);
      const th = v128.load(theta + (<usize>j << 2));
      const x = f32x4.add(v128.load(v + o), v128.load(cur + o));
      const m = f32x4.ge(x, th);
      const sp = v128.and(m, th);
      v128.store(out + o, sp);
      v128.store(v + o, f32x4.sub(x, sp));
      v128.store(counts + o, f32x4.add(v128.load(counts + o), v128.and(m, one)));
    }
    for (; j < per; j++) {
      const o = base + (<usize>j << 2);
      const th = load<f32>(theta + (<usize>j << 2));
      const x = load<f32>(v + o) + load<f32>(cur + o);
      const sp: f32 = x >= th ? th : 0;
      store<f32>(out + o, sp);
      store<f32>(v + o, x - sp);
      if (x >= th) store<f32>(counts + o, load<f32>(counts + o) + 1);
    }
  }
  return spikes;
}
// closed form as the file: n = floor(b + t*a); out = (n - nprev) * θ[j % per]; nprev = n
export function cfStep(a: usize, nprev: usize, theta: usize, out: usize, len: i32, per: i32, t: f32, bconst: f32): void {
  let e = 0;
  for (let j = 0; j < len; j++) {
    const o = <usize>j << 2;
    const nt = Mathf.floor(bconst + t * load<f32>(a + o));
    store<f32>(out + o, (nt - load<f32>(nprev + o)) * load<f32>(theta + (<usize>e << 2)));
    store<f32>(nprev + o, nt);
    if (++e == per) e = 0;
  }
}
