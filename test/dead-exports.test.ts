/**
 * No dead code behind an export: every exported function, constant or class of src/, converters/
 * and calibration/ is used somewhere — in another source, a script, a test or the README's
 * examples — or at least inside its own file (an op table entry registered there, say).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const DECL = /^export (?:async )?(?:function\*?|const|let|class) ([A-Za-z_$][\w$]*)/gm;
const OWN = ['src', 'converters', 'calibration'].flatMap(sources);
const ALL = [...OWN, ...['scripts', 'test'].flatMap(sources)];
const TEXT = new Map(ALL.map((f) => [f, readFileSync(f, 'utf8')]));
const README = readFileSync('README.md', 'utf8');

/** Exported names that appear nowhere but at their own declaration. */
function deadExports(): string[] {
  const dead: string[] = [];
  for (const f of OWN) {
    for (const m of TEXT.get(f)!.matchAll(DECL)) {
      const word = new RegExp(`\\b${m[1]!.replace(/\$/g, '\\$')}\\b`, 'g');
      const elsewhere = ALL.some((g) => g !== f && word.test(TEXT.get(g)!)) || word.test(README);
      if (!elsewhere && TEXT.get(f)!.match(word)!.length === 1) dead.push(`${f}: ${m[1]}`);
    }
  }
  return dead;
}

describe('exports', () => {
  it('finds the exported declarations', () => {
    expect([...TEXT.get('src/pipeline.ts')!.matchAll(DECL)].map((m) => m[1])).toContain('loadModel');
  });
  it('every exported function, constant and class is used', () => {
    expect(deadExports()).toEqual([]);
  });
});
