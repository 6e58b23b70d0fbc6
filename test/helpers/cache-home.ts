// The cache folder (XDG_CACHE_HOME) of the daemons a test process starts: their git clones and
// parse caches go to a temporary folder of this process, removed when it exits, never to the
// user's ~/.cache. One per process, so a daemon restarted over the same manifests finds the
// parse cache its previous run wrote, as in production.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;

export function daemonCacheHome(): string {
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'maracker-cache-'));
    dir = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}
