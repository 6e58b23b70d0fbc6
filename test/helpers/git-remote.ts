// A remote for the git source: a work repository the test commits in, pushed to a bare
// repository that is served locally (path, file://, `git daemon`, `git http-backend` behind
// a tiny node HTTP server), all on 127.0.0.1 and removed when the test finishes.

import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { startGitHttpServer, type GitHttpServer } from '../../bench/git-http.js';
import { gitArgs, writeBelow } from './git.js';
import { freePort } from './ports.js';
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

/** `git daemon` serving `base` on 127.0.0.1; resolves once it accepts connections. */
export async function gitDaemon(base: string): Promise<{ url: (repo: string) => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', '--informative-errors', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base],
    {
      stdio: 'ignore',
    },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  onTestFinished(stop);
  for (let i = 0; i < 200; i++) {
    if (await accepts(port)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: (repo) => `git://127.0.0.1:${port}/${repo}`, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export type HttpRemote = GitHttpServer;

/** `git http-backend` behind a node HTTP server on 127.0.0.1 (bench/git-http.ts), stopped when the test finishes. */
export async function gitHttpServer(base: string, basic?: { user: string; password: string }): Promise<HttpRemote> {
  const server = await startGitHttpServer(base, basic);
  onTestFinished(server.stop);
  return server;
}
