/**
 * Command-line flags derived from the config schema: each leaf that a command has becomes a
 * commander option (its spelling, help text and default from the schema), `--config FILE` reads a
 * JSON or YAML file, and the flags given override the file.
 */
import { Option, type Command } from 'commander';
import { type CommandName, type Config, configLeaves, ErrorCodes, type Leaf, Onnx2SnnError, readConfigFile, resolveConfig } from '../index.js';

interface Registered {
  readonly leaf: Leaf;
  readonly attribute: string;
  readonly flag: string;
}

const REGISTERED = new WeakMap<Command, Registered[]>();

function showDefault(leaf: Leaf): string | undefined {
  if (leaf.meta?.defaultText) return leaf.meta.defaultText;
  if (leaf.default === undefined || leaf.default === false) return undefined;
  return Array.isArray(leaf.default) ? leaf.default.join(',') : String(leaf.default);
}

/** Adds `--config FILE` and every schema option of `command` to `cmd`. */
export function addConfigOptions(cmd: Command, command: CommandName): Command {
  const regs: Registered[] = [];
  for (const leaf of configLeaves()) {
    const m = leaf.meta;
    if (!m || !m.commands.includes(command)) continue;
    const spelling = typeof m.flag === 'string' ? m.flag : m.flag[command];
    if (!spelling) continue;
    const dflt = showDefault(leaf);
    const help = `${leaf.description ?? ''}${dflt !== undefined ? ` (default: ${dflt})` : ''} [config: ${leaf.path.join('.')}]`;
    const opt = new Option(spelling, help);
    cmd.addOption(opt);
    regs.push({ leaf, attribute: opt.attributeName(), flag: opt.long ?? opt.short ?? spelling });
  }
  cmd.option('--config <file>', 'read options from a JSON or YAML file (flags override it; schema: schema/onnx2snn.config.schema.json)');
  REGISTERED.set(cmd, regs);
  return cmd;
}

function fromText(leaf: Leaf, text: unknown): unknown {
  if (typeof text !== 'string') return text;
  const num = (s: string): number | string => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);
  switch (leaf.meta?.parse) {
    case 'number':
      return num(text);
    case 'scale':
      return num(text);
    case 'numbers':
      return text.split(',').map((s) => num(s.trim()));
    default:
      return text;
  }
}

/**
 * The resolved config of a command invocation: defaults < `--config` file < flags. `model` is
 * the positional argument (it overrides the file's `model`).
 */
export function configFromCommand(cmd: Command, command: CommandName, opts: Record<string, unknown>, model?: string): Config {
  const regs = REGISTERED.get(cmd);
  if (!regs) throw new Onnx2SnnError(ErrorCodes.OPTION, `internal: no config options registered for ${command}`, {});
  const flags: Record<string, unknown> = {};
  const flagText = new Map<string, { flag: string; text: string }>();
  for (const r of regs) {
    const v = opts[r.attribute];
    if (v === undefined) continue;
    let o = flags;
    for (const k of r.leaf.path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[r.leaf.path[r.leaf.path.length - 1]!] = fromText(r.leaf, v);
    flagText.set(r.leaf.path.join('.'), { flag: r.flag, text: String(v) });
  }
  if (model !== undefined) flags['model'] = model;
  const configPath = opts['config'] as string | undefined;
  const file = configPath ? { path: configPath, value: readConfigFile(configPath) } : undefined;
  return resolveConfig({ ...(file ? { file } : {}), flags, flagText });
}
