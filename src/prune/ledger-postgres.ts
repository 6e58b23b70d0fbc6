// The prune guard's deletion history in maracker.prune_deletions, so that its budget counts
// the deletions of the last window across restarts and across a change of leader (the
// daemons of one database share it). Rows older than the window are removed as new ones
// are written.

import type pg from 'pg';
import type { PruneDeletion } from './budget.js';
import type { PruneLedger } from './ledger.js';
import { SCHEMA } from '../postgres/names.js';

export interface DatabasePruneLedgerOptions {
  pool: pg.Pool;
  /** This daemon's name, written with each deletion. */
  instance: string;
  /** Resolves once the schema is migrated (undefined: the daemon stopped first). */
  schemaReady: Promise<unknown>;
}

export class DatabasePruneLedger implements PruneLedger {
  readonly kind = 'database';
  readonly #o: DatabasePruneLedgerOptions;

  constructor(options: DatabasePruneLedgerOptions) {
    this.#o = options;
  }

  async load(since: number): Promise<PruneDeletion[]> {
    // Before the table exists there is nothing to read, and nothing may be deleted either:
    // the guard waits (its status says the history is not loaded).
    if ((await this.#o.schemaReady) === undefined) throw new Error('stopped before the schema was migrated');
    const r = await this.#o.pool.query<{ app_id: string; at: number; approved_by: string | null; episode: string | null; managed_before: number | null }>(
      `SELECT app_id, extract(epoch FROM deleted_at) * 1000 AS at, approved_by, episode, managed_before
         FROM ${SCHEMA}.prune_deletions WHERE deleted_at >= to_timestamp($1::float8 / 1000) ORDER BY deleted_at`,
      [since],
    );
    return r.rows.map((row) => ({
      id: row.app_id,
      at: Math.round(Number(row.at)),
      approvedBy: row.approved_by,
      episode: row.episode,
      managedBefore: row.managed_before === null ? null : Number(row.managed_before),
    }));
  }

  async record(d: PruneDeletion, dropBefore: number): Promise<void> {
    await this.#o.pool.query(
      `WITH old AS (DELETE FROM ${SCHEMA}.prune_deletions WHERE deleted_at < to_timestamp($5::float8 / 1000))
       INSERT INTO ${SCHEMA}.prune_deletions (app_id, deleted_at, instance, approved_by, episode, managed_before)
       VALUES ($1, to_timestamp($2::float8 / 1000), $3, $4, $6, $7)`,
      [d.id, d.at, this.#o.instance, d.approvedBy, dropBefore, d.episode, d.managedBefore],
    );
  }
}
