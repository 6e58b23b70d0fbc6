// The installation a daemon is, when no --installation is given and there is no database to
// store a generated name in (with one, src/app/installation-store.ts). The name must be stable
// (a new name makes every app of the installation look like another's: all Conflict, nothing
// written) and must differ between installations sharing a Marathon (a shared name is the
// tug of war installations exist to prevent). Nothing derivable is both, so the daemon logs
// the derived name with a recommendation to set it.
//
// Derived from the manifests folder's absolute path and the Marathon URL:
// - the path as configured (resolved against the working directory), not its real path: a
//   symlink re-pointed at each deployment (current -> releases/42) must not rename the
//   installation, and the folder may not exist yet at start (mounted or cloned later);
// - the Marathon URL, normalised: two daemons reaching one Marathon through different URLs
//   with the same folder path (containers mount /manifests) stay apart, while a daemon that
//   moves to another URL only stops writing (Conflict) until it is given its old name;
// - never the host name or the process id: containers get new ones at every start.
// A git source's remote URL stands for the folder (a daemon following a repository has no
// folder): taken as written, never resolved against the working directory, which would make
// the name change with the directory the daemon is started from.

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Installation } from '../model/installation.js';

/** A name no option and no database gave: `auto-` and 12 hex digits of a hash of the folder (or remote) and the URL. */
export function derivedInstallation(manifests: string, marathonUrl: string): Installation {
  const remote = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(manifests) || /^[^/]*@[^/]*:/.test(manifests);
  const hash = createHash('sha256')
    .update(`${remote ? manifests : resolve(manifests)}\n${normalizedUrl(marathonUrl)}`)
    .digest('hex');
  return { name: `auto-${hash.slice(0, 12)}`, origin: 'derived' };
}

/** Scheme and host lower-cased, default port dropped, no trailing slash (what URL parsing gives). */
export function normalizedUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return raw;
  }
}
