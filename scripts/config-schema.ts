/**
 * Writes the published JSON Schema of config files, derived from the zod schema
 * (src/config/schema.ts): `npm run schema` → schema/onnx2snn.config.schema.json.
 * test/config/schema.test.ts fails when the committed file is out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/schema.js';

export const SCHEMA_FILE = 'schema/onnx2snn.config.schema.json';

export function schemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

const out = process.argv[2] ?? SCHEMA_FILE;
mkdirSync(out.replace(/\/[^/]*$/, '') || '.', { recursive: true });
writeFileSync(out, schemaText());
process.stdout.write(`wrote ${out}\n`);
