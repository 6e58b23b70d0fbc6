// Keeps maracker.app_status equal to the status store, for psql users. It never blocks the
// reconciler: a store change only records the id; a timer flushes what changed since the
// last flush in one transaction (multi-row upsert, one delete). After a failure, and when
// this daemon becomes the writer, the whole table is rewritten from the store, so nothing
// missed while the database was down or another daemon wrote stays wrong.
//
// Only the writing daemon writes (the leader; followers must not fight over the table):
// `setWriting()` switches it, and `canWrite` (the leader's lock check) is confirmed before
// every flush, so a leader that lost its lock while paused does not overwrite its successor.

import type pg from 'pg';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { AppId } from '../model/app-id.js';
import { BACKOFF, backoffDelay, type BackoffOptions } from '../base/backoff.js';
import { systemTimers, type Timers } from '../base/timers.js';
import type { AppStatus } from './model.js';
import type { StatusStore } from './store.js';
import { withTimeout } from '../postgres/connection.js';
import { SCHEMA } from '../postgres/names.js';
import { statusRow, type StatusRow } from './table-row.js';
import { checkInteger } from '../base/options.js';

export interface StatusWriterOptions {
  pool: pg.Pool;
  status: StatusStore;
  /** Written in the `instance` column. */
  instance: string;
  logger: Logger;
  /** Confirmed before each flush. Default: always true. */
  canWrite?: () => Promise<boolean>;
  /** Write from the start (standalone). Default false: wait for setWriting(true). */
  writing?: boolean;
  /** Changes are collected this long before a flush. Default 100 ms. */
  flushMs?: number;
  /** Rows per upsert statement. Default 500. */
  chunkSize?: number;
  /** Retries after a failed flush. Default 250 ms doubling to 10 s. */
  backoff?: BackoffOptions;
  timers?: Timers;
  random?: () => number;
}

const UPSERT = `
INSERT INTO ${SCHEMA}.app_status AS s
  (id, sync, health, desired, running, healthy, url, message, code, source, source_commit, last_applied_at, pending_changes, problems, instance, updated_at)
SELECT r.id, r.sync, r.health, r.desired, r.running, r.healthy, r.url, r.message, r.code, r.source, r.source_commit, r.last_applied_at,
       ARRAY(SELECT jsonb_array_elements_text(r.pending_changes)), r.problems, r.instance, now()
FROM jsonb_to_recordset($1::jsonb) AS r(id text, sync text, health text, desired integer, running integer, healthy integer,
  url text, message text, code text, source text, source_commit text, last_applied_at timestamptz, pending_changes jsonb, problems jsonb, instance text)
ON CONFLICT (id) DO UPDATE SET
  sync = EXCLUDED.sync, health = EXCLUDED.health, desired = EXCLUDED.desired, running = EXCLUDED.running,
  healthy = EXCLUDED.healthy, url = EXCLUDED.url, message = EXCLUDED.message, code = EXCLUDED.code,
  source = EXCLUDED.source, source_commit = EXCLUDED.source_commit, last_applied_at = EXCLUDED.last_applied_at, pending_changes = EXCLUDED.pending_changes, problems = EXCLUDED.problems,
  instance = EXCLUDED.instance, updated_at = now()`;

export class StatusWriter {
  readonly #o: StatusWriterOptions;
  readonly #log: Logger;
  readonly #timers: Timers;
  readonly #random: () => number;
  /** Ids changed since the last flush. */
  readonly #dirty = new Set<AppId>();
  /** The row each app's record last made: a change the table has no column for writes nothing. */
  readonly #rows = new Map<AppId, string>();
  #full = true;
  #writing: boolean;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;
  /** Statements sent (upserts and deletes), for tests and metrics. */
  statements = 0;
  /** Flushes that committed. */
  flushes = 0;

  constructor(options: StatusWriterOptions) {
    const chunk = options.chunkSize ?? 500;
    checkInteger('chunkSize', chunk, 1);
    this.#o = options;
    this.#log = options.logger.child({ component: 'status-writer' });
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#writing = options.writing ?? false;
  }

  get writing(): boolean {
    return this.#writing;
  }

  start(): void {
    this.#unsubscribe ??= this.#o.status.onAppChange((id, status) => {
      // Records change with what the table does not show (where the tasks listen, the Traefik
      // v3 route): only a change of the row is written. Every row seen is written, waiting to
      // be, or covered by the full rewrite that follows a failed write or a new writer role.
      const row = status ? JSON.stringify(statusRow(status, this.#o.instance)) : undefined;
      if (row !== undefined && this.#rows.get(id) === row) return;
      if (row === undefined) this.#rows.delete(id);
      else this.#rows.set(id, row);
      this.#dirty.add(id);
      this.#schedule(this.#o.flushMs ?? 100);
    });
    if (this.#writing) this.#schedule(0);
  }

  /** This daemon writes the table (leader, standalone) or not (follower). Gaining it rewrites the whole table. */
  setWriting(on: boolean): void {
    if (on === this.#writing) return;
    this.#writing = on;
    this.#full = true;
    this.#dirty.clear();
    if (on) this.#schedule(0);
  }

  /** Flushes now and waits (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#run();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    // A last flush, bounded: a database that is down must not hold the daemon's shutdown.
    if (this.#writing && (this.#full || this.#dirty.size > 0)) await withTimeout(this.flush(), 2_000, 'last status flush', this.#timers).catch(() => undefined);
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined || this.#stopped || !this.#writing) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, ms);
  }

  /** One flush at a time; a request meanwhile runs once more after. */
  #run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#flushOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #flushOnce(): Promise<void> {
    if (!this.#writing || (!this.#full && this.#dirty.size === 0)) return;
    const allowed = this.#o.canWrite ? await this.#o.canWrite().catch(() => false) : true;
    if (!allowed) {
      // Another daemon writes the table; when this one writes again it starts with a full rewrite.
      this.#full = true;
      this.#dirty.clear();
      return;
    }
    const full = this.#full;
    const ids = full ? this.#o.status.appIds() : [...this.#dirty];
    this.#full = false;
    this.#dirty.clear();
    const upserts: StatusRow[] = [];
    const deletes: AppId[] = [];
    for (const id of ids) {
      const s: AppStatus | undefined = this.#o.status.getApp(id);
      if (s) upserts.push(statusRow(s, this.#o.instance));
      else deletes.push(id);
    }
    try {
      await this.#write(upserts, deletes, full);
      this.#failures = 0;
      this.flushes++;
    } catch (err) {
      // Which of those rows made it is unknown: rewrite everything on the retry.
      this.#full = true;
      this.#failures++;
      const delay = backoffDelay(this.#failures, this.#o.backoff ?? BACKOFF.database, this.#random);
      if (this.#failures === 1)
        this.#log.warn({ err: errorMessage(err), retryInMs: delay }, 'cannot write maracker.app_status; will rewrite it when the database answers');
      this.#schedule(delay);
    }
  }

  async #write(upserts: StatusRow[], deletes: AppId[], full: boolean): Promise<void> {
    const client = await this.#o.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const chunk = this.#o.chunkSize ?? 500;
      for (let i = 0; i < upserts.length; i += chunk) {
        this.statements++;
        await client.query(UPSERT, [JSON.stringify(upserts.slice(i, i + chunk))]);
      }
      if (full) {
        this.statements++;
        await client.query(`DELETE FROM ${SCHEMA}.app_status WHERE id <> ALL($1::text[])`, [upserts.map((r) => r.id)]);
      } else if (deletes.length > 0) {
        this.statements++;
        await client.query(`DELETE FROM ${SCHEMA}.app_status WHERE id = ANY($1::text[])`, [deletes]);
      }
      await client.query('COMMIT');
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      await client.query('ROLLBACK').catch(() => undefined);
      throw broken;
    } finally {
      client.release(broken);
    }
  }
}
