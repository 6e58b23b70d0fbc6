// The cache and state folders (XDG_CACHE_HOME, XDG_STATE_HOME) of the daemons a test process
// starts: their git clones, parse caches and prune ledgers go to a temporary folder of this
// process, removed when it exits, never to the user's ~/.cache or ~/.local/state. One per
// process, so a daemon restarted over the same manifests finds the parse cache and the prune
// ledger its previous run wrote, as in production. Under vitest it is made inside the run's
// own temporary root (test/global-setup.ts), which is removed at the end of the run even
// when a test process is ended by a signal and never runs its 'exit' handlers.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_TMP_ENV } from '../global-setup.js';

let dir: string | undefined;

export function daemonCacheHome(): string {
  if (dir === undefined) {
    const made = mkdtempSync(join(process.env[TEST_TMP_ENV] ?? tmpdir(), 'maracker-cache-'));
    dir = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}

/** The daemons' XDG_STATE_HOME: beside their cache folder, gone with it. */
export function daemonStateHome(): string {
  const state = join(daemonCacheHome(), 'state');
  mkdirSync(state, { recursive: true, mode: 0o700 });
  return state;
}
