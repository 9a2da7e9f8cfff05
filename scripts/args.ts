/**
 * The scripts' command-line parsing: node:util's parseArgs, with `--help` listing the options and a
 * bad flag reported in one line with exit status 2 (parseArgs throws, and an uncaught throw would
 * print Node's stack trace to the user).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One line per option: `--name <value>` (or the bare flag) and its default. */
export function usage(script: string, options: Options): string {
  const lines = Object.entries(options).map(([name, o]) => {
    const flag = o.type === 'boolean' ? `--${name}` : `--${name} <value>`;
    return `  ${flag.padEnd(28)}${o.default !== undefined ? ` (default: ${String(o.default)})` : ''}`;
  });
  return `usage: npm run ${script} -- [options]\n${lines.join('\n')}\n`;
}

/** parseArgs(config) for a script: prints the usage and exits 0 on --help, exits 2 with one line on a bad flag. */
export function scriptArgs<T extends ParseArgsConfig>(script: string, config: T): ReturnType<typeof parseArgs<T>> {
  const argv = config.args ?? process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write(usage(script, config.options ?? {}));
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (e) {
    process.stderr.write(`${script}: ${(e as Error).message} (--help lists the options)\n`);
    process.exit(2);
  }
}
