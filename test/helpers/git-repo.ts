// A temporary git repository holding a manifests folder, driven with the real git binary.

import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gitArgs, writeBelow } from './git.js';
import { tempDir } from './tmp.js';

export interface GitRepo {
  root: string;
  manifests: string;
  write(rel: string, text: string): Promise<void>;
  remove(rel: string): Promise<void>;
  /** git add -A && git commit; returns the new HEAD. */
  commit(message: string): string;
  git(...args: string[]): string;
}

export async function gitRepo(): Promise<GitRepo> {
  const root = await tempDir('maracker-repo-');
  const manifests = join(root, 'manifests');
  await mkdir(manifests);
  const git = (...args: string[]): string => execFileSync('git', gitArgs(root, args), { encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  return {
    root,
    manifests,
    git,
    write: (rel, text) => writeBelow(manifests, rel, text),
    async remove(rel) {
      await rm(join(manifests, rel));
    },
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}
