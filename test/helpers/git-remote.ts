// A remote for the git source: a work repository the test commits in, pushed to a bare
// repository that is served locally (path, file://, `git daemon`, `git http-backend` behind
// a tiny node HTTP server), all on 127.0.0.1 and removed when the test finishes.

import { execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
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

export interface HttpRemote {
  url: (repo: string) => string;
  /** Requests received (method, path, whether they carried the expected credentials). */
  requests: Array<{ method: string; path: string; authorization: string | undefined }>;
  /** Stops answering (connections refused) until start() again. */
  stop: () => Promise<void>;
  start: () => Promise<void>;
}

/**
 * `git http-backend` (smart HTTP) behind a node HTTP server on 127.0.0.1. With `basic`, a
 * request without that user and password gets 401, as a forge would answer.
 */
export async function gitHttpServer(base: string, basic?: { user: string; password: string }): Promise<HttpRemote> {
  const requests: HttpRemote['requests'] = [];
  const expected = basic ? `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}` : undefined;
  const server = createServer((req, res) => {
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization });
    if (expected !== undefined && authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('unauthorized');
      return;
    }
    cgi(base, req, res);
  });
  let port = 0;
  const start = async (): Promise<void> => {
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async (): Promise<void> => {
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await start();
  onTestFinished(stop);
  return { url: (repo) => `http://127.0.0.1:${port}/${repo}`, requests, stop, start };
}

function cgi(base: string, req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://x');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: base,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: '127.0.0.1',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.on('close', () => {
    const out = Buffer.concat(chunks);
    const split = out.indexOf('\r\n\r\n');
    const headEnd = split >= 0 ? split : out.indexOf('\n\n');
    const sepLen = split >= 0 ? 4 : 2;
    if (headEnd < 0) {
      res.writeHead(500).end();
      return;
    }
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of out.subarray(0, headEnd).toString('utf8').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers).end(out.subarray(headEnd + sepLen));
  });
}
