// Shared by the doc checks: reading a doc, its generated sections, and the repository paths
// it names (so a renamed or removed file cannot leave a doc pointing at nothing).

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function docPath(name: string): string {
  return join(REPO_ROOT, 'docs', name);
}

export function readDoc(name: string): Promise<string> {
  return readFile(docPath(name), 'utf8');
}

/** Paths of the repository a doc names in backticks: `src/...`, `test/...`, `deploy/...`... */
export function namedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/`((?:src|test|docs|deploy|schemas|examples|manifests|bench)\/[A-Za-z0-9_./*-]+)`/g)) {
    found.add(m[1] as string);
  }
  return [...found].sort();
}

/** Named paths that do not exist (a `*` stands for "some file here": its folder must exist). */
export function missingPaths(text: string): string[] {
  return namedPaths(text).filter((p) => !existsSync(join(REPO_ROOT, p.includes('*') ? p.slice(0, p.indexOf('*')) : p)));
}

/**
 * Replaces the text between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`.
 * Throws when the markers are missing, so a doc cannot silently lose its generated part.
 */
export function replaceGenerated(text: string, name: string, body: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers for the generated section "${name}" are missing`);
  return `${text.slice(0, from + begin.length)}\n${body.trimEnd()}\n${text.slice(to)}`;
}

/** Compares a doc with what it should be; with UPDATE_DOCS=1, rewrites it instead. */
export async function checkOrUpdate(name: string, actual: string, expected: string, assertEqual: (a: string, e: string) => void): Promise<void> {
  if (process.env.UPDATE_DOCS === '1') {
    if (actual !== expected) await writeFile(docPath(name), expected);
    return;
  }
  assertEqual(actual, expected);
}
