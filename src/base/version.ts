// maracker's version, from its package.json: one answer for `--version`, the User-Agent it
// sends Marathon and registries, and the status document.

import { readFileSync } from 'node:fs';

function readVersion(): string {
  // src/base/version.ts (tests) and dist/src/base/version.js (the build) sit at different
  // depths below the package.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'maracker' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: try the next depth
    }
  }
  return '0.0.0-unknown';
}

export const VERSION: string = readVersion();
