// What the entries of a commit's tree stand for, decided on the listing alone (pure): a
// symbolic link is resolved inside the commit's tree, never on a disk. Used by the git source
// (./git-repo.ts).

import { posix } from 'node:path';
import type { TreeEntry } from '../git/mirror.js';
import { FILE_CODES } from '../manifest/file-read.js';

/** Links followed from one manifest before it is called a loop. */
const MAX_LINK_HOPS = 8;
/** A link's target is a path: longer than this, it is not one git made. */
export const MAX_LINK_BYTES = 4096;

/**
 * The blob a link in the commit stands for, if it stays inside the manifests folder of the
 * same commit: links are resolved within the tree (never on any disk), hop by hop.
 */
export function resolveLink(
  link: TreeEntry,
  byPath: ReadonlyMap<string, TreeEntry>,
  targets: ReadonlyMap<string, Buffer>,
): TreeEntry | { code: string; message: string } {
  let at = link;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const target = targets.get(at.oid)?.toString('utf8');
    if (target === undefined) return { code: FILE_CODES.unreadable, message: 'cannot read file (a symbolic link whose target is not in the clone)' };
    const joined = posix.normalize(posix.join(posix.dirname(at.path), target));
    if (posix.isAbsolute(target) || joined === '..' || joined.startsWith('../'))
      return { code: FILE_CODES.linkOutside, message: 'symbolic link to a place outside the manifests folder; not read' };
    const next = byPath.get(joined);
    if (next === undefined)
      return { code: FILE_CODES.unreadable, message: `cannot read file (a symbolic link to ${joined}, which is not a file of this commit)` };
    if (next.type !== 'blob') return { code: FILE_CODES.notAFile, message: `a symbolic link to ${joined}, which is not a file; not read` };
    if (next.mode !== '120000') return next;
    // A link to a link: its target must have been read too (it is read only if it is a manifest).
    if (!targets.has(next.oid)) return { code: FILE_CODES.linkLoop, message: 'a symbolic link to a symbolic link that is not a manifest; not followed' };
    at = next;
  }
  return { code: FILE_CODES.linkLoop, message: 'symbolic link loop; not followed' };
}
