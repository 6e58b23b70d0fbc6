// Finds the git repository a folder belongs to, the way maracker decides and not the way git
// would: walk up from the folder (itself, then each parent) and look only for an entry named
// `.git`, a folder or a gitfile (`gitdir: <path>`). Nothing else in a folder is ever taken
// for a repository: git itself also accepts a folder holding `HEAD`, `objects/` and `refs/`
// as a bare repository, and those are plain files anyone can commit to the manifests folder.
// A `.git` entry, by contrast, cannot come from a commit: git refuses to check out any path
// with a `.git` component.

import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { GitLocation } from './run.js';
import { codeOf } from '../base/errors.js';

export type Located =
  | ({ kind: 'found' /** The `.git` file that pointed to gitDir, if it was one. */; gitFile?: string } & GitLocation)
  | { kind: 'none' }
  /** A `.git` was found but cannot be used; `reason` says why (shown in status). */
  | { kind: 'unusable'; reason: string };

/** A gitfile is one short line; anything longer is not one. */
const MAX_GITFILE_BYTES = 4096;

/** The repository holding `dir`: from its real path up to the root, the first `.git` entry. */
export async function locateRepository(dir: string): Promise<Located> {
  let current: string;
  try {
    // git itself works on the physical path (getcwd), so a symlinked checkout resolves the same.
    current = await realpath(dir);
  } catch {
    return { kind: 'none' };
  }
  for (;;) {
    const entry = join(current, '.git');
    const info = await lstat(entry).catch(() => undefined);
    if (info?.isDirectory()) return repositoryAt(entry, current);
    if (info?.isFile()) return followGitFile(entry, current);
    if (info?.isSymbolicLink()) {
      // A linked .git (some checkout tools make one): use what it names, if it is a repository.
      const target = await realpath(entry).catch(() => undefined);
      const targetInfo = target === undefined ? undefined : await stat(target).catch(() => undefined);
      if (target !== undefined && targetInfo?.isDirectory()) return repositoryAt(target, current);
      return { kind: 'unusable', reason: `${entry} is a link to something that is not a git folder` };
    }
    const parent = dirname(current);
    if (parent === current) return { kind: 'none' };
    current = parent;
  }
}

/** `.git` as a file: "gitdir: <path>", relative to the folder holding the file (worktrees, submodules). */
async function followGitFile(file: string, workTree: string): Promise<Located> {
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_GITFILE_BYTES) return { kind: 'unusable', reason: `${file} is not a gitfile (${info.size} bytes)` };
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { kind: 'unusable', reason: `${file} cannot be read (${codeOf(err) ?? 'error'})` };
  }
  const m = /^gitdir: ?([^\r\n\0]+)\r?\n?$/.exec(text);
  const named = m?.[1]?.trim();
  if (!named) return { kind: 'unusable', reason: `${file} is not a gitfile (expected one line "gitdir: <path>")` };
  const target = isAbsolute(named) ? named : resolve(dirname(file), named);
  const real = await realpath(target).catch(() => undefined);
  if (real === undefined) return { kind: 'unusable', reason: `${file} names ${target}, which does not exist` };
  const found = await repositoryAt(real, workTree);
  return found.kind === 'found' ? { ...found, gitFile: file } : found;
}

/**
 * Whether `gitDir` looks like a repository: `HEAD`, plus `objects/` or (a linked worktree's
 * folder) a `commondir` file. Only names are checked: its configuration is never read here.
 */
async function repositoryAt(gitDir: string, workTree: string): Promise<Located> {
  const [head, objects, commondir] = await Promise.all(['HEAD', 'objects', 'commondir'].map((name) => stat(join(gitDir, name)).catch(() => undefined)));
  if (!head?.isFile() || !(objects?.isDirectory() || commondir?.isFile())) {
    return { kind: 'unusable', reason: `${gitDir} is not a git repository (no HEAD and objects)` };
  }
  return { kind: 'found', gitDir, workTree };
}
