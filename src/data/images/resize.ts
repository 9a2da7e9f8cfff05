/**
 * torchvision's `Resize(size)` + `CenterCrop(crop)` on 8-bit RGB images, bit-exact with Pillow
 * (what torchvision runs on PIL images):
 *   - output size: `Resize(s)` scales the shorter side to s and the longer to ⌊s·long/short⌋;
 *     `Resize((h, w))` is exact;
 *   - bilinear resampling as Pillow's `Image.resize(size, BILINEAR)` (Resample.c): a triangle
 *     filter whose support grows with the reduction factor (so downscaling is antialiased),
 *     22-bit fixed-point coefficients, horizontal pass first into an 8-bit intermediate, then
 *     vertical, each rounded and clamped to 0..255; an axis whose size does not change is not
 *     resampled;
 *   - centre crop: top = round((H − h)/2) with Python's round-half-even, zero padding where the
 *     crop is larger than the image.
 * Only the pixels inside the crop are computed (the rows the vertical pass needs, the columns
 * of the crop), which gives the same values as resizing the whole image first.
 */

/** An 8-bit image, channels interleaved (HWC). */
export interface Rgb8 {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

export interface Geometry {
  /** [s]: shorter side to s; [h, w]: exact size. */
  readonly resize?: readonly number[];
  /** [s] or [h, w]. */
  readonly crop?: readonly number[];
}

const PRECISION_BITS = 22;

/** Output [width, height] of torchvision's Resize. */
export function resizedSize(width: number, height: number, resize: readonly number[] | undefined): [number, number] {
  if (!resize) return [width, height];
  if (resize.length >= 2) return [resize[1]!, resize[0]!];
  const s = resize[0]!;
  if (width <= height) return [s, Math.trunc((s * height) / width)];
  return [Math.trunc((s * width) / height), s];
}

/** Python's round(): half to even. */
function roundHalfEven(v: number): number {
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v);
}

/** Offset of the crop window in an axis of `size` pixels (negative: zero padding before). */
export function cropOffset(size: number, crop: number): number {
  return size >= crop ? roundHalfEven((size - crop) / 2) : -Math.floor((crop - size) / 2);
}

/** Pillow's precompute_coeffs for BILINEAR, normalised to fixed point: per output pixel its first input pixel, tap count and weights. */
export function coefficients(inSize: number, outSize: number): { min: Int32Array; count: Int32Array; k: Int32Array; ksize: number } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale; // the triangle filter's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const min = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      w[x] = t < 1 ? 1 - t : 0;
      ww += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    min[xx] = xmin;
    count[xx] = xmax;
  }
  return { min, count, k, ksize };
}

function clip8(v: number): number {
  if (v >= 1 << (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

const mul = Math.imul;

type Coeffs = ReturnType<typeof coefficients>;

/**
 * The same filter with a fixed number of taps per output pixel: each window is moved inside the
 * input (start ≤ Pillow's first pixel) and padded with zero weights. Adding d·0 = 0 changes no
 * sum, so the results stay Pillow's, and the loops below need no per-pixel tap count (the common
 * reductions, 1–2×, have 5 taps: unrolled). The sums are int32 as in Pillow (weights ≥ 0 summing
 * to 2^22 + at most taps/2 of rounding, samples ≤ 255: below 2^31), so Math.imul is exact and
 * about twice as fast as float64 arithmetic here.
 */
interface Taps {
  readonly start: Int32Array;
  /** outSize × taps weights (22-bit fixed point). */
  readonly k: Int32Array;
  readonly taps: number;
}

function fixedTaps(co: Coeffs, inSize: number): Taps {
  const outSize = co.min.length;
  const taps = Math.min(co.ksize, inSize);
  const start = new Int32Array(outSize);
  const k = new Int32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const s = Math.min(co.min[i]!, inSize - taps);
    const off = co.min[i]! - s;
    for (let j = 0; j < co.count[i]!; j++) k[i * taps + off + j] = co.k[i * co.ksize + j]!;
    start[i] = s;
  }
  return { start, k, taps };
}

/** Coefficient tables by (input size, output size): images of one size share them. */
const tapCache = new Map<string, Taps>();

function tapsFor(inSize: number, outSize: number): Taps {
  const key = `${inSize}:${outSize}`;
  let t = tapCache.get(key);
  if (!t) {
    if (tapCache.size >= 64) tapCache.clear(); // bounded: a folder of many sizes recomputes (cheap)
    t = fixedTaps(coefficients(inSize, outSize), inSize);
    tapCache.set(key, t);
  }
  return t;
}

const HALF = 1 << (PRECISION_BITS - 1);

/**
 * The horizontal pass's output, reused from image to image (the vertical pass reads it at once;
 * `resizeCrop` is synchronous, so no two images share it): no allocation, zeroing and page
 * faults for ≈ 200 KB per image.
 */
let scratchBuf = new Uint8Array(0);

function scratch(n: number): Uint8Array {
  if (scratchBuf.length < n) scratchBuf = new Uint8Array(n);
  return scratchBuf.subarray(0, n);
}

/** Horizontal pass over rows [r0, r1) of `img`, for output columns [c0, c1): an 8-bit image of (r1 − r0) × (c1 − c0) (in the scratch buffer unless `final`). */
function horizontal(img: Rgb8, co: Taps, r0: number, r1: number, c0: number, c1: number, final: boolean): Rgb8 {
  const C = img.channels;
  const W = c1 - c0;
  const out = final ? new Uint8Array((r1 - r0) * W * C) : scratch((r1 - r0) * W * C);
  const { data } = img;
  const { k, start, taps } = co;
  const rgb5 = C === 3 && taps === 5;
  let o = 0;
  for (let y = r0; y < r1; y++) {
    const row = y * img.width * C;
    for (let xx = c0; xx < c1; xx++) {
      const kb = xx * taps;
      const p = row + start[xx]! * C;
      if (rgb5) {
        // the three channels share the weights; five taps unrolled
        const k0 = k[kb]!;
        const k1 = k[kb + 1]!;
        const k2 = k[kb + 2]!;
        const k3 = k[kb + 3]!;
        const k4 = k[kb + 4]!;
        out[o++] = clip8((HALF + mul(data[p]!, k0) + mul(data[p + 3]!, k1) + mul(data[p + 6]!, k2) + mul(data[p + 9]!, k3) + mul(data[p + 12]!, k4)) | 0);
        out[o++] = clip8((HALF + mul(data[p + 1]!, k0) + mul(data[p + 4]!, k1) + mul(data[p + 7]!, k2) + mul(data[p + 10]!, k3) + mul(data[p + 13]!, k4)) | 0);
        out[o++] = clip8((HALF + mul(data[p + 2]!, k0) + mul(data[p + 5]!, k1) + mul(data[p + 8]!, k2) + mul(data[p + 11]!, k3) + mul(data[p + 14]!, k4)) | 0);
        continue;
      }
      for (let c = 0; c < C; c++) {
        let ss = HALF;
        for (let x = 0; x < taps; x++) ss = (ss + mul(data[p + x * C + c]!, k[kb + x]!)) | 0;
        out[o++] = clip8(ss);
      }
    }
  }
  return { width: W, height: r1 - r0, channels: C, data: out };
}

/** Vertical pass for output rows [r0, r1) over all columns of `img`, whose first row is input row `first`. */
function vertical(img: Rgb8, co: Taps, first: number, r0: number, r1: number): Rgb8 {
  const rowLen = img.width * img.channels;
  const out = new Uint8Array((r1 - r0) * rowLen);
  const { data } = img;
  const { k, start, taps } = co;
  let o = 0;
  for (let yy = r0; yy < r1; yy++) {
    const kb = yy * taps;
    const p = (start[yy]! - first) * rowLen;
    if (taps === 5) {
      // one output value per input column from five rows: the sum stays in registers
      const k0 = k[kb]!;
      const k1 = k[kb + 1]!;
      const k2 = k[kb + 2]!;
      const k3 = k[kb + 3]!;
      const k4 = k[kb + 4]!;
      const p1 = p + rowLen;
      const p2 = p1 + rowLen;
      const p3 = p2 + rowLen;
      const p4 = p3 + rowLen;
      for (let i = 0; i < rowLen; i++) {
        out[o++] = clip8(
          (HALF + mul(data[p + i]!, k0) + mul(data[p1 + i]!, k1) + mul(data[p2 + i]!, k2) + mul(data[p3 + i]!, k3) + mul(data[p4 + i]!, k4)) | 0,
        );
      }
      continue;
    }
    for (let i = 0; i < rowLen; i++) {
      let ss = HALF;
      for (let t = 0, q = p + i; t < taps; t++, q += rowLen) ss = (ss + mul(data[q]!, k[kb + t]!)) | 0;
      out[o++] = clip8(ss);
    }
  }
  return { width: img.width, height: r1 - r0, channels: img.channels, data: out };
}

/** The rows [r0, r1) × columns [c0, c1) of the image resized to outW × outH (Pillow's two passes). */
function resizedWindow(img: Rgb8, outW: number, outH: number, r0: number, r1: number, c0: number, c1: number): Rgb8 {
  const needH = outW !== img.width;
  const needV = outH !== img.height;
  const cv = needV ? tapsFor(img.height, outH) : undefined;
  // input rows the vertical pass reads (all of them for rows [r0, r1)): the horizontal pass
  // computes only these rows and only the crop's columns
  const first = cv ? cv.start[r0]! : r0;
  const last = cv ? cv.start[r1 - 1]! + cv.taps : r1;
  const rows = needH ? horizontal(img, tapsFor(img.width, outW), first, last, c0, c1, !cv) : sliceWindow(img, first, last, c0, c1);
  return cv ? vertical(rows, cv, first, r0, r1) : rows;
}

function sliceWindow(img: Rgb8, r0: number, r1: number, c0: number, c1: number): Rgb8 {
  const C = img.channels;
  const W = c1 - c0;
  const out = new Uint8Array((r1 - r0) * W * C);
  for (let y = r0; y < r1; y++) out.set(img.data.subarray((y * img.width + c0) * C, (y * img.width + c1) * C), (y - r0) * W * C);
  return { width: W, height: r1 - r0, channels: C, data: out };
}

/** Resize then centre-crop (each optional), as torchvision on a PIL image. */
export function resizeCrop(img: Rgb8, geo: Geometry): Rgb8 {
  const [W, H] = resizedSize(img.width, img.height, geo.resize);
  const ch = geo.crop ? geo.crop[0]! : H;
  const cw = geo.crop ? (geo.crop[1] ?? geo.crop[0]!) : W;
  const top = cropOffset(H, ch);
  const left = cropOffset(W, cw);
  // the part of the crop window inside the resized image
  const r0 = Math.max(top, 0);
  const r1 = Math.min(top + ch, H);
  const c0 = Math.max(left, 0);
  const c1 = Math.min(left + cw, W);
  const inside = resizedWindow(img, W, H, r0, r1, c0, c1);
  if (r0 - top === 0 && c0 - left === 0 && inside.width === cw && inside.height === ch) return inside;
  const C = img.channels;
  const out = new Uint8Array(ch * cw * C); // zero padding
  for (let y = 0; y < inside.height; y++) {
    out.set(inside.data.subarray(y * inside.width * C, (y + 1) * inside.width * C), ((y + r0 - top) * cw + (c0 - left)) * C);
  }
  return { width: cw, height: ch, channels: C, data: out };
}
