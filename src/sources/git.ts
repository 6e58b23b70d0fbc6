// The git revision of the manifests folder, for status: which commit Marathon is being
// converged to, and whether the work tree has uncommitted changes there. Reads only; runs
// the real `git` binary. A folder outside any work tree simply has no revision.

import { execFile } from 'node:child_process';

export interface GitRevision {
  commit: string;
  /** Uncommitted (or untracked) changes inside the manifests folder. */
  dirty: boolean;
}

function git(dir: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    // --no-optional-locks: `git status` would otherwise take index.lock to refresh the index
    // and could make the operator's own concurrent `git checkout` fail.
    execFile('git', ['--no-optional-locks', '-C', dir, ...args], { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      resolve(err ? undefined : stdout);
    });
  });
}

/** HEAD commit and dirtiness of `dir`, or undefined when it is not inside a git work tree. */
export async function readGitRevision(dir: string, timeoutMs = 5000): Promise<GitRevision | undefined> {
  const head = await git(dir, ['rev-parse', '--verify', '--quiet', 'HEAD'], timeoutMs);
  const commit = head?.trim();
  if (!commit) return undefined;
  const porcelain = await git(dir, ['status', '--porcelain', '--untracked-files=normal', '--', '.'], timeoutMs);
  return { commit, dirty: porcelain === undefined ? false : porcelain.trim().length > 0 };
}
