/**
 * Decoding + Resize + CenterCrop against torchvision on PIL images: the expected pixels were made
 * by Pillow 9.4 / torchvision 0.14 (fixtures/data/resize-reference/make_reference.py) from seeded
 * noise PNGs (RGB and greyscale; up- and downscaling, exact sizes, crops with odd halves and
 * crops larger than the image) and from bundled ImageNet JPEGs (Resize(256) + CenterCrop(224)).
 * Every case must match byte for byte.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/images/decode.js';
import { coefficients, cropOffset, resizeCrop, resizedSize } from '../../src/data/images/resize.js';

const DIR = 'fixtures/data/resize-reference';

interface Case {
  input: string;
  resize?: number[];
  crop?: number[];
  width: number;
  height: number;
  sha256: string;
  pixels?: number[];
}

const ref = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as { cases: Case[] };

describe('resize and centre crop: byte-exact with torchvision/Pillow', () => {
  it.each(ref.cases.map((c) => [`${c.input} resize ${c.resize?.join('x') ?? '-'} crop ${c.crop?.join('x') ?? '-'}`, c] as const))('%s', async (_, c) => {
    const img = await decodeImage(join(DIR, c.input));
    const out = resizeCrop(img, { ...(c.resize ? { resize: c.resize } : {}), ...(c.crop ? { crop: c.crop } : {}) });
    expect([out.width, out.height, out.channels]).toEqual([c.width, c.height, 3]);
    if (c.pixels) expect(Array.from(out.data)).toEqual(c.pixels);
    expect(createHash('sha256').update(out.data).digest('hex')).toBe(c.sha256);
  });

  it('every result owns its pixels: a later resize (the horizontal pass reuses a scratch buffer) leaves it unchanged', () => {
    const img = (w: number, h: number, seed: number) => ({
      width: w,
      height: h,
      channels: 3,
      data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7 + seed) % 256),
    });
    for (const geo of [{ resize: [20, 9] }, { resize: [9, 20] }, { resize: [10, 10] }, { resize: [8], crop: [6] }]) {
      const a = resizeCrop(img(20, 20, 1), geo);
      const before = Array.from(a.data);
      resizeCrop(img(20, 20, 99), geo);
      expect(Array.from(a.data), JSON.stringify(geo)).toEqual(before);
    }
  });

  it('output size: shorter side to s, the longer truncated; exact (h, w)', () => {
    expect(resizedSize(500, 375, [256])).toEqual([341, 256]);
    expect(resizedSize(375, 500, [256])).toEqual([256, 341]);
    expect(resizedSize(300, 300, [256])).toEqual([256, 256]);
    expect(resizedSize(500, 375, [10, 20])).toEqual([20, 10]);
    expect(resizedSize(500, 375, undefined)).toEqual([500, 375]);
  });

  it('crop offsets: round half to even (Python round), negative when padding', () => {
    expect(cropOffset(341, 224)).toBe(58); // 58.5 → 58
    expect(cropOffset(343, 224)).toBe(60); // 59.5 → 60
    expect(cropOffset(224, 224)).toBe(0);
    expect(cropOffset(20, 30)).toBe(-5);
    expect(cropOffset(21, 30)).toBe(-4); // (30 − 21) // 2 = 4 padded before
  });

  it('bilinear coefficients sum to 1 in fixed point and widen with the reduction factor', () => {
    for (const [inSize, outSize] of [
      [500, 256],
      [256, 500],
      [37, 16],
    ] as const) {
      const co = coefficients(inSize, outSize);
      for (let i = 0; i < outSize; i++) {
        let sum = 0;
        for (let k = 0; k < co.count[i]!; k++) sum += co.k[i * co.ksize + k]!;
        expect(Math.abs(sum - (1 << 22)), `${inSize}→${outSize} pixel ${i}`).toBeLessThanOrEqual(co.count[i]!);
      }
      expect(Math.max(...co.count)).toBeLessThanOrEqual(co.ksize);
      expect(Math.max(...co.count)).toBeGreaterThanOrEqual(inSize > outSize ? Math.floor((2 * inSize) / outSize) : 2);
    }
  });
});
