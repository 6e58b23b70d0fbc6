// Real PostgreSQL for tests. One embedded server per test file (started in beforeAll,
// stopped in afterAll), a fresh database per test; or the server at TEST_DATABASE_URL /
// DATABASE_URL when set (then outage tests, which stop the server, are skipped).

import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/postgres/embedded.js';
import { silentLogger } from '../../src/base/log.js';
import { freePort } from '../../src/net/free-ports.js';
import { withClient } from '../../src/postgres/connection.js';
import { TEST_SETTINGS } from './pg-settings.js';

export const PSQL = '/usr/bin/psql';

export interface TestPostgres {
  /** A URL of the server's `postgres` database (creating and dropping databases). */
  readonly adminUrl: string;
  /** False with an external server: the tests cannot stop it. */
  readonly canRestart: boolean;
  /** A new, empty database, dropped when the current test finishes. */
  database(): Promise<string>;
  /** A new, empty database the caller drops (for beforeAll). */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** Stops the server (fast shutdown: clients are disconnected). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /**
   * Pauses the server and all its backends (SIGSTOP): connections stay open but nothing
   * answers, as when its host vanishes. Returns the function that resumes it.
   */
  freeze(): Promise<() => void>;
}

export { freePort };

function childrenOf(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

function externalUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

let counter = 0;

/** Registers beforeAll/afterAll hooks for one server in this test file. */
export function usePostgres(): TestPostgres {
  let server: EmbeddedPostgres | undefined;
  let dir: string | undefined;
  let adminUrl = externalUrl();

  beforeAll(async () => {
    if (adminUrl) return;
    const dataDir = await mkdtemp(join(tmpdir(), 'maracker-pg-'));
    dir = dataDir;
    // A port free a moment ago can be taken before the postmaster binds it (by another test's
    // connection, its ephemeral port picked from the same range): then another port, twice.
    for (let attempt = 1; ; attempt++) {
      try {
        server = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: silentLogger(), settings: TEST_SETTINGS });
        break;
      } catch (err) {
        if (attempt >= 3 || !/Address already in use/.test(String((err as Error).message))) throw err;
      }
    }
    adminUrl = server.adminUrl;
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const withAdmin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(adminUrl as string, fn);

  const createDatabase = async (): Promise<{ url: string; drop(): Promise<void> }> => {
    if (!adminUrl) throw new Error('usePostgres(): the server is not started (call it at the top of the test file)');
    const name = `maracker_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
    await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return {
      url: u.toString(),
      drop: async () => {
        // WITH (FORCE) disconnects what a failed test left connected.
        await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
      },
    };
  };

  return {
    get adminUrl() {
      return adminUrl ?? '';
    },
    get canRestart() {
      return server !== undefined || externalUrl() === undefined;
    },
    createDatabase,
    async database() {
      const db = await createDatabase();
      onTestFinished(db.drop);
      return db.url;
    },
    async stop() {
      if (!server) throw new Error('cannot stop an external server');
      await server.stop();
    },
    async start() {
      if (!server) throw new Error('cannot start an external server');
      await server.restart();
    },
    async freeze() {
      if (!server) throw new Error('cannot freeze an external server');
      const postmaster = Number((await readFile(join(server.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
      const pids = [postmaster, ...childrenOf(postmaster)];
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
      let thawed = false;
      const thaw = (): void => {
        if (thawed) return;
        thawed = true;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // already gone
          }
        }
      };
      onTestFinished(thaw);
      return thaw;
    },
  };
}

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real psql binary: `psql URL -X -q -v ON_ERROR_STOP=1 -c SQL`. */
export function psql(url: string, sql: string, extra: readonly string[] = []): Promise<PsqlResult> {
  return new Promise((resolve) => {
    execFile(PSQL, [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...extra, '-c', sql], { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** psql that must succeed; returns unaligned, tuples-only output lines. */
export async function psqlRows(url: string, sql: string): Promise<string[]> {
  const r = await psql(url, sql, ['-A', '-t', '-F', '|']);
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

/** A connected client for the test's own queries, closed when the test finishes. */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  onTestFinished(async () => {
    await client.end().catch(() => undefined);
  });
  return client;
}

/** Polls until `cond` holds; throws after `ms` (a hang guard, not a timing assertion). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const VITE_NODE = join(import.meta.dirname, '..', '..', 'node_modules', 'vite-node', 'vite-node.mjs');

/** Runs a TypeScript file of the repository as a child process (vite-node), to completion. */
export function runTs(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<PsqlResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VITE_NODE, file, '--', ...args], { timeout: 60_000, env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The vite-node command line for a TypeScript file (for long-running children). */
export function tsCommand(file: string, args: readonly string[]): [string, string[]] {
  return [process.execPath, [VITE_NODE, file, '--', ...args]];
}
