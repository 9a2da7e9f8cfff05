/**
 * The one schema of every `eval` / `convert` / `calibrate` option (zod). From it come:
 *   - the validation of config files (JSON or YAML, `--config FILE`): unknown keys are rejected at
 *     every level, with their path;
 *   - the command-line flags (each leaf carries its flag, the commands that have it and its help);
 *   - the defaults (zod defaults, shown in --help);
 *   - the published JSON Schema (schema/onnx2snn.config.schema.json, `npm run schema`).
 * Flags override the file; the file overrides the defaults. The sections are in input-options.ts,
 * snn-options.ts and run-options.ts; the CLI metadata and its registry in meta.ts.
 */
import * as z from 'zod';
import { calibrationSchema, dataSchema } from './input-options.js';
import { outputSchema, reportSchema, runSchema } from './run-options.js';
import { conversionSchema, evaluationSchema } from './snn-options.js';

export type { CommandName } from './meta.js';

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('path or URL of this JSON Schema (for editors)'),
    model: z.string().min(1).optional().describe('the ONNX model (the positional argument overrides it)'),
    data: dataSchema.prefault({}),
    calibration: calibrationSchema.prefault({}),
    conversion: conversionSchema.prefault({}),
    evaluation: evaluationSchema.prefault({}),
    run: runSchema.prefault({}),
    output: outputSchema.prefault({}),
    report: reportSchema.prefault({}),
  })
  .describe('onnx2snn configuration: every option of `onnx2snn eval`, `convert` and `calibrate`.');

/** A resolved configuration: defaults applied. */
export type Config = z.output<typeof ConfigSchema>;
/** What a config file may contain. */
export type ConfigInput = z.input<typeof ConfigSchema>;

/** The published JSON Schema (draft 2020-12) of config files. */
export function configJsonSchema(): Record<string, unknown> {
  const js = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema: js['$schema'], title: 'onnx2snn configuration', ...js };
}
