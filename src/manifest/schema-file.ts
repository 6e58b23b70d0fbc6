// Finds schemas/app.schema.json at run time. The schema lives at the package root, outside
// the compiled tree, so the same lookup must work from src/manifest (vitest runs the
// TypeScript sources) and from dist/src/manifest (the compiled CLI): walk up to the
// directory that holds package.json.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaUnavailableError } from './errors.js';

export const SCHEMA_RELATIVE_PATH = join('schemas', 'app.schema.json');

/** The package root above `fromDir`: the nearest directory holding a package.json. */
export function findPackageRoot(fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function findSchemaFile(fromDir: string = dirname(fileURLToPath(import.meta.url))): string {
  const root = findPackageRoot(fromDir);
  if (root === undefined) {
    throw new SchemaUnavailableError(fromDir, `no package.json above ${fromDir}: cannot locate ${SCHEMA_RELATIVE_PATH}`);
  }
  const file = join(root, SCHEMA_RELATIVE_PATH);
  if (!existsSync(file)) throw new SchemaUnavailableError(file, `manifest schema missing: ${file}`);
  return file;
}
