// Traefik v3's published schema of its dynamic configuration (SchemaStore, vendored verbatim in
// test/fixtures/traefik-schema/ with its licence), as a validator.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

const SCHEMA_FILE = fileURLToPath(new URL('../fixtures/traefik-schema/traefik-v3-file-provider.json', import.meta.url));

// strict: false: the schema carries annotations ajv's strict mode does not know.
const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));

/** The schema's complaints about a dynamic configuration; empty when it conforms. */
export function traefikV3SchemaProblems(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
