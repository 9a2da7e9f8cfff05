/**
 * Layers point one way: every relative import in src/, converters/ and calibration/ goes to the
 * same layer or one below it (README "Architecture"). A module imported from a higher layer fails
 * here with the importing file, the imported one and both layers named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Bottom first; a path takes the first layer whose prefix it starts with (files before folders). */
const LAYERS: readonly { readonly name: string; readonly prefixes: readonly string[] }[] = [
  // base utilities: typed errors, progress events, metrics, seeded random, exact sums; NIR's plain data types
  { name: 'base', prefixes: ['src/errors.ts', 'src/util/', 'src/nir/types.ts'] },
  { name: 'data', prefixes: ['src/data/'] },
  // the IR and the op table know each other by design: the graph asks the registry for per-op facts
  { name: 'ir', prefixes: ['src/graph/', 'converters/', 'src/onnx/'] },
  { name: 'snn', prefixes: ['src/snn/'] },
  { name: 'engine', prefixes: ['src/engine/'] },
  { name: 'calibration', prefixes: ['calibration/'] },
  { name: 'eval', prefixes: ['src/eval/'] },
  { name: 'orchestration', prefixes: ['src/pipeline.ts', 'src/report/', 'src/nir/', 'src/config/'] },
  { name: 'distributed', prefixes: ['src/distributed/', 'src/queue.ts'] },
  { name: 'public API', prefixes: ['src/index.ts'] },
  { name: 'cli', prefixes: ['src/cli/'] },
];

function layerOf(file: string): number {
  const i = LAYERS.findIndex((l) => l.prefixes.some((p) => file === p || (p.endsWith('/') && file.startsWith(p))));
  if (i < 0) throw new Error(`${file} is in no layer: add it to LAYERS in test/architecture.test.ts`);
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of a file, as repository paths of the imported .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => relative('.', resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
}

const FILES = ['src', 'converters', 'calibration'].flatMap(sources).map((f) => relative('.', f));

describe('import direction', () => {
  it('finds the sources and their imports', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(importsOf('src/pipeline.ts')).toContain('src/graph/infer.ts');
  });

  it('no module imports a higher layer', () => {
    const upward: string[] = [];
    for (const f of FILES) {
      const from = layerOf(f);
      for (const target of importsOf(f)) {
        const to = layerOf(target);
        if (to > from) upward.push(`${f} (${LAYERS[from]!.name}) imports ${target} (${LAYERS[to]!.name})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the CLI uses only the public API (src/index.ts, src/queue.ts) and its own modules', () => {
    const internal = FILES.filter((f) => f.startsWith('src/cli/')).flatMap((f) =>
      importsOf(f)
        .filter((t) => !t.startsWith('src/cli/') && t !== 'src/index.ts' && t !== 'src/queue.ts')
        .map((t) => `${f} imports ${t}`),
    );
    expect(internal).toEqual([]);
  });

  it('a lower layer importing a higher one is caught', () => {
    expect(layerOf('src/snn/build.ts')).toBeLessThan(layerOf('src/eval/compare.ts'));
    expect(layerOf('src/util/progress.ts')).toBe(0);
    expect(() => layerOf('elsewhere/x.ts')).toThrow(/no layer/);
  });
});
