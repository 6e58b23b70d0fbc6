// An installation: one maracker deployment (a daemon, or the daemons of one HA group sharing
// a database) with its own sources. Several can share one Marathon; each owns the apps whose
// ownership label names it (labels.ts) and never writes another's.

/** Where the name came from. */
export type InstallationOrigin =
  /** `--installation` / MARACKER_INSTALLATION. */
  | 'option'
  /** Generated once and stored in the database (maracker.installation), shared by an HA group. */
  | 'database'
  /** Without a database: derived from the manifests folder's path and the Marathon URL. */
  | 'derived';

export interface Installation {
  name: string;
  origin: InstallationOrigin;
}

/**
 * What an installation name may be: a label value every Marathon selector takes unescaped
 * ([-A-Za-z0-9_.], see marathon/selector.ts), kept short enough to read in Marathon's UI.
 */
export const INSTALLATION_PATTERN = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Why `name` cannot name an installation, or undefined when it can. */
export function installationProblem(name: string): string | undefined {
  if (INSTALLATION_PATTERN.test(name)) return undefined;
  return `expected 1 to 63 letters, digits, "-", "_" or "." (starting and ending with a letter or digit), got ${JSON.stringify(name)}`;
}
