// `git http-backend` (smart HTTP) behind a small node HTTP server on 127.0.0.1: the remote
// the git-push scenario pushes to and the daemon fetches from, and the one the tests use
// (test/helpers/git-remote.ts). Each request starts `git http-backend` as a CGI, as a forge
// running it behind a web server would. Also `git daemon` (git://) on 127.0.0.1, the
// scenario's second transport. Free of vitest: the bench runs it outside tests.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';

export interface GitHttpServer {
  url: (repo: string) => string;
  /** Requests received (method, path, the Authorization header they carried). */
  requests: Array<{ method: string; path: string; authorization: string | undefined }>;
  /** Stops answering (connections refused) until start() again. */
  stop: () => Promise<void>;
  start: () => Promise<void>;
}

/**
 * Serves the repositories below `base`. With `basic`, a request without that user and
 * password gets 401, as a forge would answer. `basic` is read at every request: a test may
 * change the password (a token rotated by the forge).
 */
export async function startGitHttpServer(base: string, basic?: { user: string; password: string }): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server = createServer((req, res) => {
    const expected = basic ? `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}` : undefined;
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
  return { url: (repo) => `http://127.0.0.1:${port}/${repo}`, requests, stop, start };
}

function cgi(base: string, req: IncomingMessage, res: ServerResponse): void {
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

export interface GitDaemonServer {
  url: (repo: string) => string;
  stop: () => Promise<void>;
}

/**
 * `git daemon` serving the repositories below `base` on 127.0.0.1 (a free port), as a forge
 * or sidecar would on the same host; resolves once it accepts connections.
 */
export async function startGitDaemon(base: string, o: { informativeErrors?: boolean } = {}): Promise<GitDaemonServer> {
  const probe = createTcpServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const informative = o.informativeErrors ? ['--informative-errors'] : [];
  const child = spawn('git', ['daemon', '--reuseaddr', '--export-all', ...informative, `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base], {
    env: { PATH: process.env.PATH ?? '', GIT_CONFIG_NOSYSTEM: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let said = '';
  child.stderr.on('data', (c: Buffer) => {
    if (said.length < 4096) said += c.toString('utf8');
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`git daemon did not start on 127.0.0.1:${port}: ${said.trim() || `exit ${child.exitCode}`}`);
    }
    await new Promise((r) => setTimeout(r, 20));
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
