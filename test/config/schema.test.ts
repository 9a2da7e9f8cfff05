/**
 * The one config schema: unknown keys rejected at every level with their path, bad values named by
 * path (file) or flag, defaults, precedence defaults < file < flags, and the committed JSON Schema
 * is what the zod schema produces.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { addConfigOptions, configFromCommand } from '../../src/cli/config-flags.js';
import { configLeaves, configSections, parseConfig, readConfigFile, resolveConfig } from '../../src/config/load.js';
import { configJsonSchema, ConfigSchema, type CommandName } from '../../src/config/schema.js';
import { isOnnx2SnnError } from '../../src/errors.js';
import { DEFAULT_SNN_OPTIONS } from '../../src/snn/types.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx2snn-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function optionError(f: () => unknown): { message: string; details: Record<string, unknown> } {
  try {
    f();
  } catch (e) {
    expect(isOnnx2SnnError(e), String(e)).toBe(true);
    if (isOnnx2SnnError(e)) {
      expect(e.code).toBe('E_OPTION');
      return { message: e.message, details: e.details };
    }
  }
  throw new Error('expected an E_OPTION error');
}

function setAt(path: readonly string[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let o = root;
  path.slice(0, -1).forEach((k) => (o = (o[k] = {}) as Record<string, unknown>));
  o[path[path.length - 1]!] = value;
  return root;
}

describe('config schema', () => {
  it('the committed JSON Schema is up to date (npm run schema)', () => {
    const committed = readFileSync('schema/onnx2snn.config.schema.json', 'utf8');
    expect(committed, 'run `npm run build && npm run schema` and commit schema/onnx2snn.config.schema.json').toBe(
      `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    );
  });

  it('the JSON Schema forbids unknown keys at every level and documents every leaf', () => {
    const js = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { description?: string }>; additionalProperties?: boolean }>;
      additionalProperties: boolean;
    };
    expect(js.additionalProperties).toBe(false);
    const sections = Object.entries(js.properties).filter(([, v]) => v.properties);
    expect(sections.map(([k]) => k)).toEqual(['data', 'calibration', 'conversion', 'evaluation', 'run', 'output', 'report']);
    for (const [k, v] of sections) {
      expect(v.additionalProperties, k).toBe(false);
      for (const [leaf, s] of Object.entries(v.properties!)) expect(s.description, `${k}.${leaf}`).toBeTruthy();
    }
  });

  const sections = configSections();
  it('has nested sections', () => expect(sections.length).toBeGreaterThanOrEqual(8));
  for (const path of sections) {
    const where = path.length ? path.join('.') : '(top level)';
    it(`an unknown key in ${where} is rejected with its path`, () => {
      const bad = path.length ? setAt(path, { bogusKey: 1 }) : { bogusKey: 1 };
      const e = optionError(() => parseConfig(bad, 'my.yaml'));
      const full = [...path, 'bogusKey'].join('.');
      expect(e.message).toContain(`"${full}"`);
      expect(e.message).toContain('my.yaml');
      expect(e.details['option']).toBe(full);
    });
  }

  it('unknown keys in a YAML and a JSON file name the file and the path', () => {
    const y = join(dir, 'bad.yaml');
    writeFileSync(y, 'conversion:\n  neuron: if\n  vinit: 0.25\n');
    const e = optionError(() => resolveConfig({ file: { path: y, value: readConfigFile(y) } }));
    expect(e.message).toContain(y);
    expect(e.message).toContain('"conversion.vinit"');
    const j = join(dir, 'bad.json');
    writeFileSync(j, JSON.stringify({ report: { sample: 3, colour: 'red' } }));
    const f = optionError(() => resolveConfig({ file: { path: j, value: readConfigFile(j) } }));
    expect(f.message).toContain('"report.colour"');
  });

  it('bad values name the key path and the value', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ conversion: { vInit: 2 } }, 'conversion.vInit', '2'],
      [{ conversion: { neuron: 'hh' } }, 'conversion.neuron', 'hh'],
      [{ evaluation: { timesteps: [8, 0] } }, 'evaluation.timesteps.1', '0'],
      [{ data: { limit: 2.5 } }, 'data.limit', '2.5'],
      [{ data: { scale: 'abc' } }, 'data.scale', 'abc'],
      [{ run: { device: 'tpu' } }, 'run.device', 'tpu'],
      [{ data: 'x.gz' }, 'data', 'x.gz'],
    ];
    for (const [value, path, shown] of cases) {
      const e = optionError(() => parseConfig(value, 'c.json'));
      expect(e.message, path).toContain(path);
      expect(e.message, path).toContain(shown);
    }
  });

  it('a file that is not JSON/YAML or not a mapping is E_OPTION naming the file; a missing one E_FILE', () => {
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{ "data": ');
    expect(optionError(() => readConfigFile(p)).message).toContain(p);
    const l = join(dir, 'list.yaml');
    writeFileSync(l, '- 1\n- 2\n');
    expect(optionError(() => readConfigFile(l)).message).toContain('object');
    try {
      readConfigFile(join(dir, 'nope.yaml'));
      expect.unreachable();
    } catch (e) {
      expect(isOnnx2SnnError(e) && e.code).toBe('E_FILE');
    }
  });

  it('defaults come from the schema and match the library defaults', () => {
    const c = parseConfig({});
    // neuron: absent, the network's default (signed with linear sites, IF otherwise: src/snn/build.ts snnDefaults)
    expect(c.conversion).toEqual({
      beta: DEFAULT_SNN_OPTIONS.beta,
      reset: DEFAULT_SNN_OPTIONS.reset,
      vInit: DEFAULT_SNN_OPTIONS.vInit,
      readout: DEFAULT_SNN_OPTIONS.readout,
      encoding: DEFAULT_SNN_OPTIONS.encoding,
      seed: DEFAULT_SNN_OPTIONS.seed,
      solve: DEFAULT_SNN_OPTIONS.solve,
      linear: DEFAULT_SNN_OPTIONS.linear,
    });
    expect(c.evaluation.timesteps).toEqual([8, 16, 32, 64, 128, 256]);
    expect(c.calibration.limit).toBe(1000);
    expect(c.data.layout).toBe('nchw');
    expect(c.run.device).toBe('cpu');
    expect(c.evaluation.minCorrelation).toBe(0.95);
    expect(ConfigSchema.safeParse(c).success).toBe(true);
  });

  it('every option leaf has a flag, each flag is unique within a command', () => {
    const leaves = configLeaves().filter((l) => l.path[0] !== '$schema' && l.path[0] !== 'model');
    for (const l of leaves) {
      const flag = l.meta?.flag;
      const flags = typeof flag === 'string' ? [flag] : Object.values(flag ?? {});
      expect(flags.length, `${l.path.join('.')} has a flag`).toBeGreaterThan(0);
      for (const f of flags) expect(f, l.path.join('.')).toMatch(/^(-[a-z], )?--[a-z][a-z0-9-]*( <[^>]+>)?$/);
    }
    for (const cmd of ['eval', 'convert', 'calibrate'] as CommandName[]) {
      const c = addConfigOptions(new Command(cmd), cmd);
      const longs = c.options.map((o) => o.long);
      expect(new Set(longs).size, cmd).toBe(longs.length);
    }
  });
});

describe('precedence: defaults < file < flags', () => {
  function parse(command: CommandName, args: string[]) {
    const program = new Command().exitOverride();
    const cmd = program.command(command).argument('[model]');
    addConfigOptions(cmd, command);
    let cfg: ReturnType<typeof configFromCommand> | undefined;
    cmd.action((m: string | undefined, o: Record<string, unknown>) => {
      cfg = configFromCommand(cmd, command, o, m);
    });
    program.parse(['node', 'onnx2snn', command, ...args]);
    return cfg!;
  }

  const yaml = join(dir, 'run.yaml');
  writeFileSync(
    yaml,
    [
      'model: from-file.onnx',
      'data:',
      '  file: test.gz',
      '  scale: 1/255',
      'conversion:',
      '  vInit: 0.25',
      '  reset: zero',
      'evaluation:',
      '  timesteps: [8, 16]',
      'run:',
      '  batchSize: 32',
      '',
    ].join('\n'),
  );

  it('without flags the file wins over the defaults', () => {
    const c = parse('eval', ['--config', yaml]);
    expect(c.model).toBe('from-file.onnx');
    expect(c.data.scale).toBe('1/255');
    expect(c.conversion.vInit).toBe(0.25);
    expect(c.conversion.reset).toBe('zero');
    expect(c.conversion.neuron).toBeUndefined(); // default: the network's (src/snn/build.ts snnDefaults)
    expect(c.evaluation.timesteps).toEqual([8, 16]);
    expect(c.run.batchSize).toBe(32);
  });

  it('flags win over the file, key by key; the positional model wins over "model"', () => {
    const c = parse('eval', ['cli.onnx', '--config', yaml, '--v-init', '0.1', '--timesteps', '32,64', '--scale', '0.5', '--neuron', 'lif']);
    expect(c.model).toBe('cli.onnx');
    expect(c.conversion.vInit).toBe(0.1);
    expect(c.conversion.reset).toBe('zero'); // still from the file
    expect(c.conversion.neuron).toBe('lif');
    expect(c.evaluation.timesteps).toEqual([32, 64]);
    expect(c.data.scale).toBe(0.5);
    expect(c.data.file).toBe('test.gz');
  });

  it('a bad flag value is named by its flag even when the file has a good one', () => {
    const e = optionError(() => parse('eval', ['--config', yaml, '--v-init', '1.5']));
    expect(e.message).toContain('--v-init');
    expect(e.message).toContain('1.5');
    expect(e.details['option']).toBe('--v-init');
  });

  it('the same file works for convert and calibrate (keys of other commands are known, not errors)', () => {
    const c = parse('convert', ['--config', yaml, '-o', 'x.snn.onnx', '--reset', 'subtract']);
    expect(c.output.snn).toBe('x.snn.onnx');
    expect(c.conversion.reset).toBe('subtract');
    expect(c.conversion.vInit).toBe(0.25);
    const k = parse('calibrate', ['--config', yaml, '-o', 't.json']);
    expect(k.output.thresholds).toBe('t.json');
  });
});
