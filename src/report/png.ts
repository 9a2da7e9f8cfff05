/**
 * SVG → PNG with resvg (@resvg/resvg-js: a Rust SVG renderer shipped as a prebuilt binary inside
 * its npm package; no browser, no canvas). Text uses the system fonts (DejaVu Sans on Debian).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorCodes, Onnx2SnnError } from '../errors.js';

interface ResvgModule {
  Resvg: new (svg: string, opts?: Record<string, unknown>) => { render(): { asPng(): Uint8Array } };
}

let mod: ResvgModule | undefined;

function resvg(): ResvgModule {
  if (!mod) {
    try {
      mod = createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
    } catch (e) {
      throw new Onnx2SnnError(ErrorCodes.RUNTIME, `PNG output needs @resvg/resvg-js, which could not be loaded (${(e as Error).message})`, {
        package: '@resvg/resvg-js',
      });
    }
  }
  return mod;
}

const FONT_FILES = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'].filter((f) => existsSync(f));

/** Renders an SVG string to PNG bytes at `scale` × its size (default 2, for sharp text). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const { Resvg } = resvg();
  try {
    const r = new Resvg(svg, {
      background: '#ffffff',
      fitTo: { mode: 'zoom', value: scale },
      font: {
        loadSystemFonts: true,
        defaultFontFamily: 'DejaVu Sans',
        sansSerifFamily: 'DejaVu Sans',
        ...(FONT_FILES.length ? { fontFiles: FONT_FILES } : {}),
      },
    });
    return new Uint8Array(r.render().asPng());
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.RUNTIME, `cannot render a chart to PNG: ${(e as Error).message}`, {});
  }
}
