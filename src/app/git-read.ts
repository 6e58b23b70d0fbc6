// `plan --git-url` and `validate --git-url`: the manifests of the commit a ref names, read as
// the daemon's git source reads them, from a clone made for this one command (in a temporary
// folder, removed after), so a branch can be checked and planned before it is merged.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../base/env.js';
import { silentLogger } from '../base/log.js';
import { gitSourceConfig } from '../config/daemon.js';
import type { OptionValues } from '../config/options.js';
import { gitEnvironment } from '../git/run.js';
import type { InputLimits } from '../manifest/limits.js';
import type { ManifestFileResult } from '../manifest/parse.js';
import type { TraefikGrammar } from '../manifest/types.js';
import type { GitCommit } from '../model/desired.js';
import { readGitOnce } from '../sources/git-repo.js';

export type GitRead = { ok: true; commit: GitCommit; files: ManifestFileResult[]; url: string } | { ok: false; reason: string };

/** Undefined without --git-url; pushes option problems to `problems` (nothing is fetched then). */
export function gitReadConfig(values: OptionValues, cwd: string, problems: string[]): ReturnType<typeof gitSourceConfig> | undefined {
  if (values['git-url'] === undefined) return undefined;
  return gitSourceConfig(values, cwd, problems);
}

export async function readFromGit(
  git: NonNullable<ReturnType<typeof gitSourceConfig>>,
  env: Env,
  o: { traefik: TraefikGrammar; limits: InputLimits },
): Promise<GitRead> {
  const dir = await mkdtemp(join(tmpdir(), 'maracker-git-'));
  try {
    const read = await readGitOnce({
      remote: git.remote,
      ref: git.ref,
      path: git.path,
      cloneDir: join(dir, 'clone.git'),
      env: gitEnvironment(env),
      translate: { traefik: o.traefik },
      limits: o.limits,
      logger: silentLogger(),
    });
    return read.ok ? { ...read, url: git.remote.display } : read;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
