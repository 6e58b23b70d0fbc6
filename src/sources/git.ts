// The git revision of the manifests folder, for status: which commit Marathon is being
// converged to, and whether the work tree has uncommitted changes there. Reads only, through
// the hardened git of src/git/run.ts, on the repository src/git/locate.ts finds (never one
// git discovers: see there why). A folder outside any work tree simply has no revision; a
// repository that cannot be used (git refuses its owner, git is missing) has none either,
// and says why.

import { locateRepository } from '../git/locate.js';
import { checkOwnership } from '../git/ownership.js';
import { runGit } from '../git/run.js';

export type GitRevision =
  | { kind: 'revision'; commit: string /** Uncommitted (or untracked) changes inside the manifests folder. */; dirty: boolean }
  /** Not inside a git work tree, or no commit yet. */
  | { kind: 'none' }
  /** Inside a work tree maracker cannot read; `reason` is for status and the log. */
  | { kind: 'unavailable'; reason: string };

export interface GitRevisionOptions {
  /** The environment git runs with: gitEnvironment() of src/git/run.ts. */
  env: Readonly<Record<string, string>>;
  /** The user maracker runs as (process.geteuid()); undefined skips the ownership rule. */
  uid: number | undefined;
  /** Per git command. Default 5000 ms. */
  timeoutMs?: number;
}

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** HEAD commit and dirtiness of the work tree holding `dir`. */
export async function readGitRevision(dir: string, o: GitRevisionOptions): Promise<GitRevision> {
  const located = await locateRepository(dir);
  if (located.kind === 'none') return located;
  if (located.kind === 'unusable') return { kind: 'unavailable', reason: located.reason };
  const owner = await checkOwnership(located, o.uid, o.env);
  if (!owner.ok) return { kind: 'unavailable', reason: owner.reason };

  const run = { cwd: dir, env: o.env, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}) };
  const head = await runGit(located, ['rev-parse', '--verify', '--quiet', 'HEAD'], run);
  if (!head.ok) {
    // --quiet: exit 1 without a word is "no commit yet" (a fresh `git init`).
    if (head.exitCode === 1 && head.said === '') return { kind: 'none' };
    return { kind: 'unavailable', reason: head.reason };
  }
  const commit = head.stdout.trim();
  if (!COMMIT.test(commit)) return { kind: 'unavailable', reason: 'git rev-parse HEAD did not answer a commit id' };
  const porcelain = await runGit(located, ['status', '--porcelain', '--untracked-files=normal', '--ignore-submodules=all', '--', '.'], run);
  return { kind: 'revision', commit, dirty: porcelain.ok && porcelain.stdout.trim().length > 0 };
}
