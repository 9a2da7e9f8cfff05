/** Test helpers for image folders: a minimal PNG encoder (any colour type, 8 or 16 bits) and JPEGs made with sharp. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** PNG colour types: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA. `samples`: row-major, interleaved, one number per sample. */
export function png(width: number, height: number, colourType: 0 | 2 | 4 | 6, depth: 8 | 16, samples: ArrayLike<number>): Buffer {
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType];
  const bytes = depth / 8;
  const row = width * channels * bytes;
  const raw = Buffer.alloc(height * (row + 1));
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * channels; i++) {
      const v = samples[y * width * channels + i]!;
      const at = y * (row + 1) + 1 + i * bytes;
      if (depth === 16) raw.writeUInt16BE(v, at);
      else raw[at] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** An 8-bit RGB PNG whose pixel p, channel c is (seed + 7p + 50c) mod 256. */
export function rgbPng(width: number, height: number, seed = 0): Buffer {
  return png(
    width,
    height,
    2,
    8,
    Array.from({ length: width * height * 3 }, (_, i) => (seed + 7 * Math.floor(i / 3) + 50 * (i % 3)) % 256),
  );
}

/** A JPEG of an RGB image (or a CMYK JPEG). */
export async function jpeg(width: number, height: number, opts: { cmyk?: boolean } = {}): Promise<Buffer> {
  const raw = Buffer.from(Array.from({ length: width * height * 3 }, (_, i) => (i * 13) % 256));
  const s = sharp(raw, { raw: { width, height, channels: 3 } });
  return (opts.cmyk ? s.toColourspace('cmyk') : s).jpeg({ quality: 95 }).toBuffer();
}

export function put(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
