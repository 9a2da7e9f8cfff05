/**
 * The CLI side of the config schema: which commands have an option, its flag spelling and how a
 * flag string is parsed. Each leaf of the schema registers its CliMeta in `cli` (src/config/schema.ts).
 */
import * as z from 'zod';

export type CommandName = 'eval' | 'convert' | 'calibrate' | 'simulate';

export interface CliMeta {
  /** Commander flag spelling, e.g. '--v-init <f>'; per command where it differs. */
  readonly flag: string | Partial<Record<CommandName, string>>;
  /** Commands that have this option. */
  readonly commands: readonly CommandName[];
  /** How a flag string becomes a value: a number, a comma-separated list of numbers, a boolean switch, or as is. */
  readonly parse?: 'number' | 'numbers' | 'switch' | 'scale' | 'string';
  /** Help text default shown when the default is not in the schema (e.g. depends on the command). */
  readonly defaultText?: string;
}

/** Registry of the CLI metadata of each leaf. */
export const cli = z.registry<CliMeta>();

export const ALL: readonly CommandName[] = ['eval', 'convert', 'calibrate'];
export const SNN: readonly CommandName[] = ['eval', 'convert'];
export const EVAL: readonly CommandName[] = ['eval'];
/** What `simulate` shares: the test data and its preprocessing, time steps, run settings, --json. */
export const WITH_SIM: readonly CommandName[] = [...ALL, 'simulate'];
export const EVAL_SIM: readonly CommandName[] = ['eval', 'simulate'];

export const FRACTION = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*\/\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
