// Applies the schema migrations. Each runs in its own transaction that first takes a
// transaction-level advisory lock: two daemons starting together serialise, and the second
// finds the version already recorded and skips it. A failed migration rolls back whole, so
// the schema is always at some recorded version.

import type pg from 'pg';
import { MigrationError } from './errors.js';
import { MIGRATIONS, type Migration } from './migration-list.js';
import { LOCK_NAMESPACE, MIGRATION_LOCK, SCHEMA } from './names.js';

export interface MigrationReport {
  /** Migrations this call applied, in order. */
  applied: Migration[];
  /** Highest version recorded in the database afterwards. */
  version: number;
  /** Versions recorded in the database that this maracker does not know (a newer daemon ran). */
  unknown: number[];
}

const BOOTSTRAP = `
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);`;

async function recordedVersions(client: pg.ClientBase): Promise<number[]> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('${SCHEMA}.schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const r = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_migrations ORDER BY version`);
  return r.rows.map((x) => x.version);
}

/** Applies one migration unless another process already did. Returns whether it applied it. */
async function applyOne(client: pg.ClientBase, m: Migration): Promise<boolean> {
  await client.query('BEGIN');
  try {
    // A long migration must not be cut by the pool's statement_timeout.
    await client.query("SET LOCAL statement_timeout = '5min'");
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, MIGRATION_LOCK]);
    await client.query(BOOTSTRAP);
    const done = await client.query(`SELECT 1 FROM ${SCHEMA}.schema_migrations WHERE version = $1`, [m.version]);
    if (done.rowCount !== 0) {
      await client.query('COMMIT');
      return false;
    }
    await client.query(m.sql);
    await client.query(`INSERT INTO ${SCHEMA}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(m.version, m.name, err);
  }
}

/**
 * Brings the schema up to date. `db` is a pool or a connected client; connection errors
 * are thrown as they come (the caller decides whether to retry), a failing migration as
 * MRK_DB_MIGRATION_FAILED.
 */
export async function migrate(db: pg.Pool | pg.ClientBase, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  const pooled = 'totalCount' in db;
  const client: pg.ClientBase = pooled ? await (db as pg.Pool).connect() : (db as pg.ClientBase);
  let broken: unknown;
  try {
    const before = new Set(await recordedVersions(client));
    const applied: Migration[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (before.has(m.version)) continue;
      if (await applyOne(client, m)) applied.push(m);
    }
    const after = await recordedVersions(client);
    const known = new Set(migrations.map((m) => m.version));
    return { applied, version: Math.max(0, ...after), unknown: after.filter((v) => !known.has(v)) };
  } catch (err) {
    broken = err;
    throw err;
  } finally {
    // A connection that failed mid-migration is discarded, not returned to the pool.
    if (pooled) (client as pg.PoolClient).release(broken instanceof Error && !(broken instanceof MigrationError) ? broken : undefined);
  }
}
