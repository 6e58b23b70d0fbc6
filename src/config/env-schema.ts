// A JSON Schema of the environment variables a set of options reads, derived from the
// option specs themselves. Deployment files (compose.yaml, the Dockerfile) are checked
// against it, so they cannot pass a misspelt MARACKER_ variable or a value the daemon
// would refuse.

import type { OptionSpec } from './options.js';

const BOOLEAN_VALUES = ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'];

function valueSchema(spec: OptionSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'boolean':
      return { type: 'string', enum: BOOLEAN_VALUES, description: spec.description };
    case 'number':
      return { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$', description: spec.description, ...(spec.min !== undefined ? { 'x-minimum': spec.min } : {}) };
    case 'list':
      return { type: 'string', description: spec.description };
    case 'string':
      return spec.choices
        ? { type: 'string', enum: [...spec.choices], description: spec.description }
        : { type: 'string', minLength: 1, description: spec.description };
  }
}

/**
 * Object schema: known variables typed; any other MARACKER_* variable is an error (a typo
 * would otherwise be silently ignored); other variables (PATH, TZ…) pass.
 */
export function envSchema(specs: readonly OptionSpec[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const s of specs) {
    for (const name of [s.env, ...(s.envAliases ?? [])]) if (name) properties[name] = valueSchema(s);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties,
    propertyNames: { anyOf: [{ enum: Object.keys(properties) }, { not: { pattern: '^MARACKER_' } }] },
  };
}
