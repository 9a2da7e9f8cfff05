/**
 * src/cli/io.ts: output locations are checked before any work, and a failed write leaves no
 * temporary file behind.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputPath, checkOutputs, cleanPath, writeFileAtomic } from '../../src/cli/io.js';
import { expectError } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx2snn-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'folder'));
writeFileSync(join(dir, 'file.txt'), 'x');

describe('checkOutputPath', () => {
  const cases: readonly [string, string, boolean, string | undefined][] = [
    ['a new file in an existing folder', 'new.json', false, undefined],
    ['a new file in folders still to create', 'a/b/new.json', false, undefined],
    ['an existing file (overwritten)', 'file.txt', false, undefined],
    ['an existing folder as a file', 'folder', false, 'it is a folder'],
    ['a file below a file', 'file.txt/new.json', false, 'is a file, not a folder'],
    ['a folder of outputs that exists', 'folder', true, undefined],
    ['a folder of outputs that is a file', 'file.txt', true, 'it is a file, not a folder'],
    ['a folder of outputs still to create', 'plots/', true, undefined],
  ];
  for (const [what, rel, isDir, error] of cases) {
    it(`${what}: ${error ? `E_FILE (${error})` : 'accepted'}`, () => {
      const p = join(dir, rel);
      if (error) expectError(() => checkOutputPath(p, '--json', isDir), 'E_FILE', '--json', p, error);
      else expect(() => checkOutputPath(p, '--json', isDir)).not.toThrow();
    });
  }

  it.skipIf(process.getuid?.() === 0)('a folder that is not writable: E_FILE', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    expectError(() => checkOutputPath(join(ro, 'x.json')), 'E_FILE', 'not writable');
    chmodSync(ro, 0o755);
  });

  it('checkOutputs names the flag of the offending output', () => {
    expectError(() => checkOutputs({ json: join(dir, 'ok.json'), plots: join(dir, 'file.txt') }, 'eval'), 'E_FILE', '--plots');
    expectError(() => checkOutputs({ thresholds: join(dir, 'folder') }, 'calibrate'), 'E_FILE', '-o');
    expectError(() => checkOutputs({ thresholds: join(dir, 'folder') }, 'convert'), 'E_FILE', '--thresholds-out');
  });

  it('cleanPath drops trailing slashes', () => {
    expect(cleanPath('plots/')).toBe('plots');
    expect(cleanPath('plots//')).toBe('plots');
    expect(cleanPath('/')).toBe('/');
  });
});

describe('writeFileAtomic', () => {
  it('writes the file, creating folders, and leaves nothing else', () => {
    const p = join(dir, 'w', 'deep', 'out.json');
    writeFileAtomic(p, '{}\n');
    expect(readFileSync(p, 'utf8')).toBe('{}\n');
    expect(readdirSync(join(dir, 'w', 'deep'))).toEqual(['out.json']);
  });

  it('onto an existing folder: E_FILE and no temporary file left', () => {
    const target = join(dir, 'w', 'taken');
    mkdirSync(target);
    expectError(() => writeFileAtomic(target, 'data'), 'E_FILE', 'it is a folder');
    expect(readdirSync(join(dir, 'w')).sort()).toEqual(['deep', 'taken']);
  });
});
