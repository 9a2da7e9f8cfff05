/**
 * The scripts' flags (scripts/args.ts): `--help` lists the options with their defaults and exits 0;
 * an unknown flag is one line naming it, exit status 2, no stack trace. Run on the built scripts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { usage } from '../../scripts/args.js';
import { OUT, builtPackage } from '../report/helpers.js';

const run = (script: string, args: string[]) => spawnSync(process.execPath, [join(OUT, 'scripts', script), ...args], { encoding: 'utf8', timeout: 60_000 });

it('usage lists each option, with its default where it has one', () => {
  const u = usage('bench', { timesteps: { type: 'string', default: '32,128' }, json: { type: 'boolean' } });
  expect(u).toMatch(/^usage: npm run bench -- \[options\]/);
  expect(u).toMatch(/--timesteps <value>\s+\(default: 32,128\)/);
  expect(u).toMatch(/--json\s*$/m);
});

it.each(['bench.js', 'accuracy.js', 'bench-levers.js'])('%s: --help exits 0; an unknown flag exits 2 in one line', async (script) => {
  await builtPackage();
  const help = run(script, ['--help']);
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^usage: npm run /);
  const bad = run(script, ['--no-such-flag']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/no-such-flag/);
  expect(bad.stderr).not.toMatch(/\n\s+at /);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
});
