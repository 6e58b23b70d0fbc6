// Connections to PostgreSQL: one place that decides names, timeouts and keepalives, so
// every connection maracker opens fails fast instead of hanging on a dead server, and shows
// up in pg_stat_activity under a name that says what it is for.

import pg from 'pg';
import type { Logger } from '../base/log.js';
import type { Timers } from '../base/timers.js';
import { redactCredentials } from '../secrets/url.js';
import { DatabaseTimeoutError } from './errors.js';

export interface ConnectionTuning {
  /** Give up connecting after this long. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Client-side limit on one query (a half-open socket never answers). Default 15000 ms. */
  queryTimeoutMs?: number;
  /** Server-side `statement_timeout`. Default 10000 ms. */
  statementTimeoutMs?: number;
}

/** What a connection is for; shown as `application_name` (e.g. "maracker/listen web-1"). */
export type ConnectionPurpose = 'listen' | 'read' | 'status' | 'lock' | 'migrate' | 'heartbeat';

export function applicationName(purpose: ConnectionPurpose, instance?: string): string {
  // application_name is cut at 63 bytes by the server.
  return `maracker/${purpose}${instance ? ` ${instance}` : ''}`.slice(0, 63);
}

export function clientConfig(url: string, purpose: ConnectionPurpose, instance?: string, tuning: ConnectionTuning = {}): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: applicationName(purpose, instance),
    connectionTimeoutMillis: tuning.connectTimeoutMs ?? 5_000,
    query_timeout: tuning.queryTimeoutMs ?? 15_000,
    statement_timeout: tuning.statementTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

export interface PoolOptions extends ConnectionTuning {
  purpose: ConnectionPurpose;
  instance?: string;
  /** Default 4. */
  max?: number;
  logger: Logger;
}

export function createPool(url: string, o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url, o.purpose, o.instance, o), max: o.max ?? 4, idleTimeoutMillis: 10_000 });
  // An idle pooled connection the server dropped (restart, pg_terminate_backend) emits
  // 'error' on the pool; unhandled, it would crash the daemon. The pool replaces it.
  pool.on('error', (err) => o.logger.debug({ err: err.message, purpose: o.purpose }, 'idle database connection lost'));
  // A checked-out client has no listener of the pool's (it is removed on checkout): an error
  // that arrives between two queries (a shutdown or pg_terminate_backend in the middle of a
  // migration or a status transaction) would be uncaught and end the process. The next query
  // fails instead, and its caller releases the client as broken.
  pool.on('connect', (client) =>
    client.on('error', (err) => o.logger.debug({ err: err.message, purpose: o.purpose }, 'database connection lost while in use')),
  );
  return pool;
}

/** "postgresql://user:[redacted]@host:port/db": safe for logs and messages, parseable or not. */
export function redactUrl(url: string): string {
  return redactCredentials(url);
}

/** Rejects with MRK_DB_TIMEOUT when `work` takes longer than `ms`. */
export function withTimeout<T>(work: Promise<T>, ms: number, operation: string, timers: Timers): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const handle = timers.setTimeout(() => reject(new DatabaseTimeoutError(operation, ms)), ms);
    work.then(
      (v) => {
        timers.clearTimeout(handle);
        resolve(v);
      },
      (err: unknown) => {
        timers.clearTimeout(handle);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Ends a client without waiting on a socket that may never answer (half-open). */
export function abandonClient(client: pg.Client, timers: Timers, graceMs = 1_000): Promise<void> {
  return new Promise<void>((resolve) => {
    const handle = timers.setTimeout(() => {
      // `end()` waits for the server; a dead peer never answers: cut the socket instead.
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      resolve();
    }, graceMs);
    client.end().then(
      () => {
        timers.clearTimeout(handle);
        resolve();
      },
      () => {
        timers.clearTimeout(handle);
        resolve();
      },
    );
  });
}

/**
 * Runs `fn` with a client of its own, connected to `url`, and always ends it: for one-off
 * work such as creating a database. Errors the server sends while idle are ignored (the
 * client is short-lived); errors of `fn` and of connecting are the caller's.
 */
export async function withClient<T>(config: string | pg.ClientConfig, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(typeof config === 'string' ? { connectionString: config } : config);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
