/**
 * Image decoding with sharp (libvips with libjpeg-turbo / libpng; its native parts install from
 * the npm registry as @img/sharp-* packages). Chosen by measurement (README "Image folders"): on
 * the 100 bundled ImageNet JPEGs it decodes every pixel exactly as Pillow does (torchvision's
 * decoder) and several times faster than the pure-JS jpeg-js, which differs by up to 53 levels.
 *
 * Settings that keep Pillow's pixels: embedded ICC profiles are ignored (Pillow does not apply
 * them), no EXIF rotation, no shrink-on-load. Greyscale becomes RGB by repeating the channel,
 * alpha is dropped, 16-bit samples keep their high byte. Sequential read (top to bottom, no
 * random access to tiles): the same pixels, ≈ 10 % less CPU. Files that are not JPEG/PNG, CMYK
 * JPEGs, truncated files (header.ts: no end marker; or libvips finds the data cut short) and
 * corrupt ones are refused with E_DATA_FORMAT naming the file.
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';
import { imageHeader } from './header.js';
import type { Rgb8 } from './resize.js';

type SharpModule = typeof import('sharp');
let sharpModule: Promise<SharpModule['default']> | undefined;

/** sharp, loaded on first use (E_OPTION when its native package is missing for this platform). */
export function loadSharp(): Promise<SharpModule['default']> {
  sharpModule ??= import('sharp').then(
    (m) => {
      // images decode in parallel, one per libuv thread: libvips' own threads per image and its
      // operation cache (each image is decoded once) would only cost time and memory
      m.default.concurrency(1);
      m.default.cache(false);
      return m.default;
    },
    (e: unknown) => {
      sharpModule = undefined;
      throw new Onnx2SnnError(
        ErrorCodes.OPTION,
        `image folders need the npm package sharp, which failed to load: ${(e as Error).message.split('\n')[0]}. Reinstall with \`npm install sharp\``,
        {
          option: '--data',
          package: 'sharp',
        },
      );
    },
  );
  return sharpModule;
}

export function badImage(file: string, reason: string): Onnx2SnnError {
  return new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${file}: ${reason} (pass --skip-bad to leave such files out)`, { file, reason });
}

/** Interleaved 8-bit samples with `channels` per pixel (1–4, 8 or 16 bits) → 3-channel RGB. */
function toRgb(data: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const n = width * height;
  const bytes = data.length / (n * channels); // 1, or 2 for 16-bit samples (native byte order)
  const hi = bytes === 2 ? 1 : 0; // the high byte of a little-endian uint16
  if (channels === 3 && bytes === 1) return data;
  const out = new Uint8Array(n * 3);
  const colour = channels >= 3;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) out[p * 3 + c] = data[(p * channels + (colour ? c : 0)) * bytes + hi]!;
  }
  return out;
}

/** Decodes a JPEG or PNG file into 8-bit RGB. */
export async function decodeImage(file: string): Promise<Rgb8> {
  const sharp = await loadSharp();
  let bytes: Buffer;
  try {
    // synchronous: one small file, read at a third of the CPU of fs.promises' open/stat/read/close hops
    bytes = readFileSync(file);
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  // the same checks as --skip-bad's look at each file (format, CMYK, end marker), then libvips
  const h = imageHeader(bytes);
  if (!h.ok) throw badImage(file, h.reason);
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated', ignoreIcc: true, sequentialRead: true }).raw().toBuffer({ resolveWithObject: true });
    const u8 = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { width: info.width, height: info.height, channels: 3, data: toRgb(u8, info.width, info.height, info.channels) };
  } catch (e) {
    if (e instanceof Onnx2SnnError) throw e;
    const msg = (e as Error).message.split('\n')[0] ?? '';
    const what = /unsupported image format/i.test(msg)
      ? 'not a JPEG or PNG image'
      : /premature end|truncated|end of file/i.test(msg)
        ? 'truncated image'
        : 'corrupt image';
    throw badImage(file, `${what} (${msg})`);
  }
}
