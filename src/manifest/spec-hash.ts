// The spec hash written to the maracker.spec-hash label: which revision of a spec was
// applied. It must not depend on key order (YAML and JSON rows order keys as they like)
// and must not change when only `instances` changes (scaling is not a new revision).

import { createHash } from 'node:crypto';
import { LABEL_SPEC_HASH } from '../model/labels.js';
import type { MarathonAppDefinition } from '../model/marathon.js';

/** JSON with object keys sorted at every level; undefined members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const SPEC_HASH_LENGTH = 16;

/** sha256 (hex, first 16 characters) of the definition without instances and without the hash label. */
export function specHash(definition: MarathonAppDefinition): string {
  const { instances: _instances, labels, ...rest } = definition;
  const otherLabels = { ...(labels ?? {}) };
  delete otherLabels[LABEL_SPEC_HASH];
  const hashed = labels === undefined ? rest : { ...rest, labels: otherLabels };
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex').slice(0, SPEC_HASH_LENGTH);
}
