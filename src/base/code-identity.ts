// Which code is running, as one hash: every module of maracker's source tree (the build's
// .js, or the .ts sources under a test runner), the manifest schemas, maracker's version
// and Node's. What a cache of computed results keys on, so that an upgrade, a patched build
// or a different Node never reads results another code made (src/manifest/parse-cache.ts).

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from './version.js';

let computed: string | undefined;

/** sha256 (hex) of the running code; read from disk once per process. */
export function codeIdentity(): string {
  computed ??= hashCode(fileURLToPath(new URL('..', import.meta.url)));
  return computed;
}

/** `srcRoot`: the folder holding base/, manifest/... (src/ or dist/src/). */
export function hashCode(srcRoot: string): string {
  const hash = createHash('sha256').update(`maracker ${VERSION}\0node ${process.version}\0`);
  const roots = [srcRoot, ...schemaFolders(srcRoot)];
  for (const root of roots) {
    for (const file of filesUnder(root)) {
      hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** schemas/ beside src/ (tests) or two levels up from dist/src/ (the build), whichever exists. */
function schemaFolders(srcRoot: string): string[] {
  for (const up of ['../schemas', '../../schemas']) {
    const dir = join(srcRoot, up);
    try {
      readdirSync(dir);
      return [dir];
    } catch {
      // not there
    }
  }
  return [];
}

/** Code and schema files below dir, sorted, so the hash is the same wherever the tree is. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile() && /\.(js|ts|json)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}
