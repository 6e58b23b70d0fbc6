// maracker's own Marathon labels. Everything under RESERVED_LABEL_PREFIX belongs to
// maracker: users cannot set such labels in a manifest or a row, so an app can only carry
// the ownership label because maracker wrote it.
//
// Marathon's label selector (`GET /v2/apps?label=...`) accepts keys made of letters,
// digits, '-', '_' and '.', so the keys, and the values maracker selects on, stay within
// that alphabet (no escaping, which Marathon 0.x did not know).

export const RESERVED_LABEL_PREFIX = 'maracker.';

/**
 * Who owns the app: `maracker.<installation>` for the maracker installation that created or
 * adopted it. Several installations (teams, a staging daemon pointed at production by
 * mistake) can share one Marathon; each changes and deletes only apps carrying its own value.
 * The installation is in the value, not in a label of its own, so that one selector can list
 * exactly the apps an installation may act on, including LEGACY_MANAGED_BY ones (Marathon's
 * selectors cannot say "this label is absent"), and so that an app has exactly one owner.
 */
export const LABEL_MANAGED_BY = 'maracker.managed-by';

/**
 * The value that names no installation: what maracker wrote before installations existed, and
 * what the manifest translator writes until the reconciler claims the app for its installation
 * (`claim` in plan/claim.ts). Such an app might be any installation's: it is accepted as ours
 * only while one of our sources declares it, and never deleted.
 */
export const LEGACY_MANAGED_BY = 'maracker';

/**
 * Which source declared the app: `file:<path relative to the manifests folder>`,
 * `git:<path relative to --git-path>` or `database`.
 */
export const LABEL_SOURCE = 'maracker.source';

/**
 * Hash of the desired definition (without `instances` and without this label), written with
 * every create/update. Informational: it identifies which spec revision was applied; the
 * plan compares normalised definitions, never hashes, so hand edits are still seen.
 */
export const LABEL_SPEC_HASH = 'maracker.spec-hash';

/** The ownership label value of an installation. */
export function managedByValue(installation: string): string {
  return `${LEGACY_MANAGED_BY}.${installation}`;
}

/** The installation an ownership value names; undefined for the legacy value and for values maracker never writes. */
export function installationOf(value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith(`${LEGACY_MANAGED_BY}.`)) return undefined;
  const name = value.slice(LEGACY_MANAGED_BY.length + 1);
  return name === '' ? undefined : name;
}

/**
 * How an app in Marathon relates to one installation:
 * - `ours`: it carries this installation's value: changed, and deleted when undeclared;
 * - `legacy`: LEGACY_MANAGED_BY, owner unknown: ours only while one of our sources declares it;
 * - `foreign`: another installation's: never written, reported;
 * - `unmanaged`: no maracker ownership at all (taken over only with `adopt`).
 */
export type Ownership = { kind: 'ours' } | { kind: 'legacy' } | { kind: 'foreign'; installation: string } | { kind: 'unmanaged' };

const OURS: Ownership = Object.freeze({ kind: 'ours' });
const DOT = 0x2e;
const LEGACY: Ownership = Object.freeze({ kind: 'legacy' });
const UNMANAGED: Ownership = Object.freeze({ kind: 'unmanaged' });

export function ownershipOf(labels: Readonly<Record<string, string>> | undefined, installation: string): Ownership {
  const value = labels?.[LABEL_MANAGED_BY];
  if (value === LEGACY_MANAGED_BY) return LEGACY;
  // This installation's own value, without taking the name out of it: asked of every app,
  // several times a pass.
  if (
    value !== undefined &&
    installation !== '' &&
    value.length === LEGACY_MANAGED_BY.length + 1 + installation.length &&
    value.startsWith(LEGACY_MANAGED_BY) &&
    value.charCodeAt(LEGACY_MANAGED_BY.length) === DOT &&
    value.endsWith(installation)
  ) {
    return OURS;
  }
  const owner = installationOf(value);
  if (owner === undefined) return UNMANAGED;
  return owner === installation ? OURS : { kind: 'foreign', installation: owner };
}

/** The app carries maracker's ownership label, of any installation or of none. */
export function isMarackerApp(labels: Readonly<Record<string, string>> | undefined): boolean {
  return ownershipOf(labels, '').kind !== 'unmanaged';
}

/** Lists exactly the apps an installation may act on: its own and the legacy ones. */
export function ownershipSelector(installation: string): string {
  return `${LABEL_MANAGED_BY} in (${LEGACY_MANAGED_BY},${managedByValue(installation)})`;
}

/** Lists the apps other installations own (and any other value of the label), for reporting only. */
export function othersSelector(installation: string): string {
  return `${LABEL_MANAGED_BY} notin (${LEGACY_MANAGED_BY},${managedByValue(installation)})`;
}

export function isReservedLabel(key: string): boolean {
  return key.startsWith(RESERVED_LABEL_PREFIX);
}

/** How `maracker.source` names a file: one of the manifests folder, or one of a git commit's tree. */
export type FileLabelScheme = 'file' | 'git';

export function fileSourceLabel(relativePath: string, scheme: FileLabelScheme = 'file'): string {
  return `${scheme}:${relativePath}`;
}

/**
 * Every `maracker.source` value an app declared in this file may carry in Marathon. Before
 * the git source named its files `git:`, it wrote `file:` like the folder: an app created
 * then keeps that label until its next real change (a different label alone is no change,
 * plan/diff.ts), and must stay protected by it while its file is broken.
 */
export function fileSourceLabels(relativePath: string, scheme: FileLabelScheme = 'file'): string[] {
  return scheme === 'file' ? [fileSourceLabel(relativePath)] : [fileSourceLabel(relativePath, scheme), fileSourceLabel(relativePath)];
}

export const DATABASE_SOURCE_LABEL = 'database';
