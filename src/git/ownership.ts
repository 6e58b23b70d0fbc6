// git's own ownership rule (safe.directory), applied by maracker because it names the
// repository explicitly: git checks ownership only when it *discovers* a repository, and
// maracker never lets it discover one. The rule, as git has it since 2.35.2: the work tree,
// the repository folder and the `.git` file (if any) must belong to the user running git,
// unless `safe.directory` in the user's own (global) configuration names the work tree, or
// is `*`. Repository configuration never counts (it would vouch for itself), and the system
// configuration is not read (GIT_CONFIG_NOSYSTEM, see ./run.ts).

import { realpath, stat } from 'node:fs/promises';
import type { Located } from './locate.js';
import { runGit, type GitLocation } from './run.js';

export interface Owned {
  path: string;
  uid: number;
}

export type OwnershipVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Pure: whether paths owned as `owned` may be used by `uid`, given the `safe.directory`
 * values (in order; an empty value clears the ones before it) and the work tree's real path.
 */
export function judgeOwnership(owned: readonly Owned[], uid: number, safeDirectories: readonly string[], workTree: string): OwnershipVerdict {
  const foreign = owned.find((o) => o.uid !== uid);
  if (foreign === undefined) return { ok: true };
  let safe = false;
  for (const value of safeDirectories) {
    if (value === '') safe = false;
    else if (value === '*' || matches(value, workTree)) safe = true;
  }
  if (safe) return { ok: true };
  return {
    ok: false,
    reason:
      `git refuses ${workTree}: ${foreign.path} belongs to uid ${foreign.uid} and maracker runs as uid ${uid} (git's "dubious ownership"). ` +
      `Run maracker as the owner of the checkout, or trust this one path: git config --global --add safe.directory ${workTree}`,
  };
}

/** `/srv/repo` matches itself; `/srv/*` (git 2.46 and later) everything below /srv/. */
function matches(value: string, workTree: string): boolean {
  const v = stripSlashes(value);
  if (v.endsWith('/*')) return workTree.startsWith(v.slice(0, -1));
  return v === stripSlashes(workTree);
}

function stripSlashes(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** The impure half: owners of the repository's paths and the user's safe.directory values. */
export async function checkOwnership(
  found: Extract<Located, { kind: 'found' }>,
  uid: number | undefined,
  env: Readonly<Record<string, string>>,
): Promise<OwnershipVerdict> {
  // No uids (Windows): git has a rule of its own there; nothing to compare here.
  if (uid === undefined) return { ok: true };
  const paths = [found.workTree, found.gitDir, ...(found.gitFile ? [found.gitFile] : [])];
  const owned: Owned[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) return { ok: false, reason: `${path} cannot be read` };
    owned.push({ path, uid: info.uid });
  }
  if (owned.every((o) => o.uid === uid)) return { ok: true };
  return judgeOwnership(owned, uid, await safeDirectories(found, env), found.workTree);
}

/** `safe.directory` from the user's global configuration only (`~` expanded, paths made real). */
async function safeDirectories(at: GitLocation, env: Readonly<Record<string, string>>): Promise<string[]> {
  const out = await runGit(at, ['config', '--global', '--type=path', '--get-all', 'safe.directory'], { cwd: at.gitDir, env });
  // Exit 1: not set. Anything else: unreadable, which trusts nothing.
  if (!out.ok) return [];
  const values = out.stdout.split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
  return Promise.all(values.map(async (v) => (v === '' || v === '*' || v.endsWith('/*') ? v : ((await realpath(v).catch(() => v)) as string))));
}
