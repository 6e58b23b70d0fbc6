// maracker's own Marathon labels. Everything under RESERVED_LABEL_PREFIX belongs to
// maracker: users cannot set such labels in a manifest or a row, so an app can only carry
// the ownership label because maracker wrote it.
//
// Marathon's label selector (`GET /v2/apps?label=...`) accepts keys made of letters,
// digits, '-', '_' and '.', so the keys stay within that alphabet.

export const RESERVED_LABEL_PREFIX = 'maracker.';

/** Present (value MANAGED_BY_VALUE) on every app maracker created or adopted. */
export const LABEL_MANAGED_BY = 'maracker.managed-by';
export const MANAGED_BY_VALUE = 'maracker';

/** Which source declared the app: `file:<path relative to the manifests folder>` or `database`. */
export const LABEL_SOURCE = 'maracker.source';

/**
 * Hash of the desired definition (without `instances` and without this label), written with
 * every create/update. Informational: it identifies which spec revision was applied; the
 * plan compares normalised definitions, never hashes, so hand edits are still seen.
 */
export const LABEL_SPEC_HASH = 'maracker.spec-hash';

/** The selector that lists exactly the apps maracker owns. */
export const OWNERSHIP_SELECTOR = `${LABEL_MANAGED_BY}==${MANAGED_BY_VALUE}`;

export function isReservedLabel(key: string): boolean {
  return key.startsWith(RESERVED_LABEL_PREFIX);
}

export function isManaged(labels: Record<string, string> | undefined): boolean {
  return labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE;
}

export function fileSourceLabel(relativePath: string): string {
  return `file:${relativePath}`;
}

export const DATABASE_SOURCE_LABEL = 'database';
