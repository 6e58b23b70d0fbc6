// The prune guard's deletion history in a real PostgreSQL: what a restarted daemon reads
// back, what the table keeps, and the guard counting across a restart through it.

import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { migrate } from '../../src/postgres/migrations.js';
import { DatabasePruneLedger } from '../../src/prune/ledger-postgres.js';
import { restartedGuardHolds } from './guard-restart.js';
import { flush } from '../helpers/manual-clock.js';
import { psqlRows, usePostgres } from '../helpers/postgres.js';

const server = usePostgres();
const HOUR = 3_600_000;

async function migratedPool(): Promise<{ url: string; pool: pg.Pool }> {
  const url = await server.database();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  onTestFinished(() => pool.end());
  await migrate(pool);
  return { url, pool };
}

describe('DatabasePruneLedger', () => {
  it('keeps each deletion with its time to the millisecond, instance and approval, and reads back those of the window', async () => {
    const { url, pool } = await migratedPool();
    const ledger = new DatabasePruneLedger({ pool, instance: 'mip-host-1', schemaReady: Promise.resolve({}) });
    const t0 = Date.parse('2026-03-02T08:00:00.123Z');
    await ledger.record({ id: '/a', at: t0, approvedBy: null, episode: null, managedBefore: 80 }, t0 - HOUR);
    await ledger.record({ id: '/b', at: t0 + 1, approvedBy: 'alice from 127.0.0.1', episode: '3b6f0c2d9a41', managedBefore: 79 }, t0 - HOUR);
    await ledger.record({ id: '/c', at: t0 + 30 * 60_000, approvedBy: null, episode: null, managedBefore: 0 }, t0 - HOUR);

    expect(await ledger.load(t0)).toEqual([
      { id: '/a', at: t0, approvedBy: null, episode: null, managedBefore: 80 },
      { id: '/b', at: t0 + 1, approvedBy: 'alice from 127.0.0.1', episode: '3b6f0c2d9a41', managedBefore: 79 },
      { id: '/c', at: t0 + 30 * 60_000, approvedBy: null, episode: null, managedBefore: 0 },
    ]);
    expect((await ledger.load(t0 + 2)).map((d) => d.id)).toEqual(['/c']);
    expect(
      await psqlRows(url, "SELECT app_id, instance, to_char(deleted_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') FROM maracker.prune_deletions ORDER BY seq"),
    ).toEqual(['/a|mip-host-1|08:00:00.123', '/b|mip-host-1|08:00:00.124', '/c|mip-host-1|08:30:00.123']);

    // Writing a deletion removes the rows that left the window.
    await ledger.record({ id: '/d', at: t0 + HOUR + 10, approvedBy: null, episode: null, managedBefore: null }, t0 + 10);
    expect(await psqlRows(url, 'SELECT app_id FROM maracker.prune_deletions ORDER BY seq')).toEqual(['/c', '/d']);
    // A count not known (a row from before migration 8 has none) reads back as null.
    expect((await ledger.load(t0 + HOUR)).map((d) => d.managedBefore)).toEqual([null]);
  });

  it('waits for the schema before reading, and gives up when the daemon stopped first', async () => {
    const { pool } = await migratedPool();
    let ready: (v: unknown) => void = () => undefined;
    const ledger = new DatabasePruneLedger({ pool, instance: 'x', schemaReady: new Promise((r) => (ready = r)) });
    let loaded: unknown;
    const loading = ledger.load(0).then((v) => (loaded = v));
    await flush();
    expect(loaded).toBeUndefined();
    ready({});
    await loading;
    expect(loaded).toEqual([]);
    await expect(new DatabasePruneLedger({ pool, instance: 'x', schemaReady: Promise.resolve(undefined) }).load(0)).rejects.toThrow(
      'stopped before the schema was migrated',
    );
  });

  it('lets a restarted guard count the deletions of the one before', async () => {
    const { pool } = await migratedPool();
    const { clock, second } = await restartedGuardHolds(() => new DatabasePruneLedger({ pool, instance: 'x', schemaReady: Promise.resolve({}) }));
    expect(second.status()).toMatchObject({ blocked: true, budget: { used: 5, limit: 5, history: 'database' } });

    clock.advance(40 * 60_000); // the first five leave the window
    second.observe(['/f'], 35);
    expect(second.decide('/f')).toEqual({ kind: 'delete' });
    await second.stop();
  });
});
