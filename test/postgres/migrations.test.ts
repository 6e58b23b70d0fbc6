import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/postgres/errors.js';
import { MIGRATIONS } from '../../src/postgres/migration-list.js';
import { migrate } from '../../src/postgres/migrations.js';
import { connect, freePort, psql, psqlRows, runTs, usePostgres } from '../helpers/postgres.js';

const server = usePostgres();

function pool(url: string): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max: 2 });
  p.on('error', () => undefined);
  return p;
}

describe('migrate', () => {
  it('creates schema maracker and records every migration once', async () => {
    const url = await server.database();
    const p = pool(url);
    try {
      const first = await migrate(p);
      expect(first.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(first.version).toBe(MIGRATIONS.at(-1)?.version);
      const again = await migrate(p);
      expect(again.applied).toEqual([]);
      expect(again.version).toBe(first.version);
    } finally {
      await p.end();
    }
    const rows = await psqlRows(url, 'SELECT version FROM maracker.schema_migrations ORDER BY version');
    expect(rows).toEqual(MIGRATIONS.map((m) => String(m.version)));
  });

  it('runs concurrently from several pools without error, each migration applied by exactly one', async () => {
    const url = await server.database();
    const pools = [pool(url), pool(url), pool(url)];
    try {
      const reports = await Promise.all(pools.map((p) => migrate(p)));
      const applied = reports.flatMap((r) => r.applied.map((m) => m.version)).sort();
      expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
      for (const r of reports) expect(r.version).toBe(MIGRATIONS.at(-1)?.version);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('runs concurrently from two processes (maracker db migrate), both exiting 0 and saying what they did', async () => {
    const url = await server.database();
    const script = join(import.meta.dirname, 'fixtures', 'db-command.ts');
    const [a, b] = await Promise.all([runTs(script, ['migrate', '--database-url', url]), runTs(script, ['migrate'], { MARACKER_DATABASE_URL: url })]);
    expect([a?.code, b?.code]).toEqual([0, 0]);
    const applied = [a, b].flatMap((r) => (r?.stdout ?? '').split('\n').filter((l) => l.startsWith('applied ')));
    expect(applied.sort()).toEqual(MIGRATIONS.map((m) => `applied ${m.version} ${m.name}`).sort());
    const again = await runTs(script, ['migrate'], { DATABASE_URL: url });
    expect(again).toMatchObject({ code: 0, stdout: `schema maracker is up to date (version ${MIGRATIONS.at(-1)?.version})\n` });
  });

  it('db migrate exits 2 with the reason when the database cannot be reached, and 1 without a subcommand', async () => {
    const script = join(import.meta.dirname, 'fixtures', 'db-command.ts');
    const down = await runTs(script, ['migrate', '--database-url', `postgresql://maracker:secret@127.0.0.1:${await freePort()}/x`]);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot connect to postgresql://maracker:[redacted]@127.0.0.1');
    expect(down.stderr).not.toContain('secret');
    const usage = await runTs(script, ['--database-url', 'postgresql://x@127.0.0.1/x']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('usage: maracker db migrate');
  });

  it('rolls a failing migration back whole and reports it with its version', async () => {
    const url = await server.database();
    const p = pool(url);
    try {
      const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE maracker.half (x int); SELECT no_such_function();' }];
      const err = await migrate(p, broken).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as MigrationError).code).toBe('MRK_DB_MIGRATION_FAILED');
      expect((err as MigrationError).version).toBe(99);
    } finally {
      await p.end();
    }
    expect(await psqlRows(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'maracker' AND tablename = 'half'")).toEqual(['0']);
    expect(await psqlRows(url, 'SELECT max(version) FROM maracker.schema_migrations')).toEqual([String(MIGRATIONS.at(-1)?.version)]);
  });

  it('lets a psql user insert an app with the plain statement of the docs, and refuses a non-object spec by a readable name', async () => {
    const url = await server.database();
    const client = await connect(url);
    await migrate(client);
    const ok = await psql(
      url,
      `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '{"cmd": "python3 -m http.server $PORT0", "instances": 1, "cpus": 0.1, "mem": 64}')`,
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const bad = await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/bad', '"cmd: x"')`);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec must be a JSON object');
    // An invalid spec that is an object is accepted: the daemon reports why it is invalid.
    const invalid = await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/neg', '{"cmd": "x", "instances": -1}')`);
    expect(invalid.code).toBe(0);
  });

  it('keeps created_at, bumps updated_at and revision on every update', async () => {
    const url = await server.database();
    const client = await connect(url);
    await migrate(client);
    await client.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/a', '{"cmd":"x"}')`);
    const before = (await client.query('SELECT revision, created_at, updated_at FROM maracker.apps')).rows[0];
    await client.query(`UPDATE maracker.apps SET spec = '{"cmd":"y"}', created_at = '2000-01-01', revision = 0`);
    const after = (await client.query('SELECT revision, created_at, updated_at FROM maracker.apps')).rows[0];
    expect(BigInt(after.revision)).toBeGreaterThan(BigInt(before.revision));
    expect(after.created_at).toEqual(before.created_at);
    expect(after.updated_at.getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
  });
});
