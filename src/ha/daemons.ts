// maracker.daemons: one row per running daemon (instance, role, heartbeat), so a psql user
// can see who leads. Each daemon writes only its own row, every `heartbeatMs`, and deletes
// it when it stops; a row whose heartbeat is old belongs to a daemon that died.

import os from 'node:os';
import type pg from 'pg';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { Role } from '../model/status.js';
import { systemTimers, type Timers } from '../base/timers.js';
import { withTimeout } from '../postgres/connection.js';
import { SCHEMA } from '../postgres/names.js';

export interface DaemonRegistryOptions {
  pool: pg.Pool;
  instance: string;
  role: Role;
  logger: Logger;
  /** Default 5000 ms. */
  heartbeatMs?: number;
  timers?: Timers;
}

export class DaemonRegistry {
  readonly #o: DaemonRegistryOptions;
  readonly #timers: Timers;
  readonly #startedAt = new Date();
  #role: Role;
  #timer: unknown;
  #beating: Promise<void> | undefined;
  #stopped = false;

  constructor(options: DaemonRegistryOptions) {
    this.#o = options;
    this.#role = options.role;
    this.#timers = options.timers ?? systemTimers;
  }

  start(): void {
    void this.#beat();
  }

  /** Writes the row now (e.g. once the table exists). */
  refresh(): void {
    void this.#beat();
  }

  setRole(role: Role): void {
    if (role === this.#role) return;
    this.#role = role;
    void this.#beat();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    await this.#beating;
    await withTimeout(
      this.#o.pool.query(`DELETE FROM ${SCHEMA}.daemons WHERE instance = $1`, [this.#o.instance]),
      2_000,
      'daemons row delete',
      this.#timers,
    ).catch(() => undefined);
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = (this.#beating ?? Promise.resolve()).then(async () => {
      try {
        await this.#o.pool.query(
          `INSERT INTO ${SCHEMA}.daemons (instance, role, host, pid, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (instance) DO UPDATE SET role = EXCLUDED.role, host = EXCLUDED.host, pid = EXCLUDED.pid,
             started_at = EXCLUDED.started_at, heartbeat_at = now()`,
          [this.#o.instance, this.#role, os.hostname(), process.pid, this.#startedAt],
        );
      } catch (err) {
        // The table may not exist yet (migration pending) or the database be down: next beat.
        this.#o.logger.debug({ err: errorMessage(err) }, 'daemons heartbeat failed');
      }
    });
    this.#beating = run;
    await run;
    if (this.#beating === run) this.#beating = undefined;
    if (!this.#stopped && this.#timer === undefined) {
      this.#timer = this.#timers.setTimeout(() => {
        this.#timer = undefined;
        void this.#beat();
      }, this.#o.heartbeatMs ?? 5_000);
    }
  }
}
