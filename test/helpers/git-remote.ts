// A remote for the git source: a work repository the test commits in, pushed to a bare
// repository that is served locally (path, file://, `git daemon`, `git http-backend` behind
// a tiny node HTTP server), all on 127.0.0.1 and removed when the test finishes.

import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { startGitDaemon, startGitHttpServer, type GitDaemonServer, type GitHttpServer } from '../../bench/git-http.js';
import { gitArgs, writeBelow } from './git.js';
import { tempDir } from './tmp.js';

export interface Upstream {
  /** Folder holding the bare repository `origin.git` (the base path servers serve). */
  base: string;
  /** The bare repository pushed to. */
  bare: string;
  work: string;
  write(rel: string, text: string): Promise<void>;
  remove(rel: string): Promise<void>;
  /** Commits everything and pushes it (forced) to origin's main; returns the commit. */
  commit(message: string): string;
  git(...args: string[]): string;
  /** Pushes `commit` to origin's main, forced (a history rewrite). */
  forcePush(commit: string): void;
}

export async function upstream(): Promise<Upstream> {
  const base = await tempDir('maracker-upstream-');
  const bare = join(base, 'origin.git');
  const work = join(base, 'work');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  const git = (...args: string[]): string => execFileSync('git', gitArgs(work, args), { encoding: 'utf8' }).trim();
  git('remote', 'add', 'origin', bare);
  return {
    base,
    bare,
    work,
    git,
    write: (rel, text) => writeBelow(work, rel, text),
    async remove(rel) {
      await rm(join(work, rel), { recursive: true });
    },
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      git('push', '-q', '--force', 'origin', 'HEAD:main');
      return git('rev-parse', 'HEAD');
    },
    forcePush(commit) {
      git('push', '-q', '--force', 'origin', `${commit}:main`);
    },
  };
}

/** `git daemon` serving `base` on 127.0.0.1 (the bench's), stopped when the test ends. */
export async function gitDaemon(base: string): Promise<GitDaemonServer> {
  const daemon = await startGitDaemon(base, { informativeErrors: true });
  onTestFinished(daemon.stop);
  return daemon;
}

export type HttpRemote = GitHttpServer;

/** `git http-backend` behind a node HTTP server on 127.0.0.1 (bench/git-http.ts), stopped when the test finishes. */
export async function gitHttpServer(base: string, basic?: { user: string; password: string }): Promise<HttpRemote> {
  const server = await startGitHttpServer(base, basic);
  onTestFinished(server.stop);
  return server;
}
