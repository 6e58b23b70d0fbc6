import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/postgres/migration-list.js';
import { startDatabase, type DatabaseOptions, type DatabaseWiring } from '../../src/app/database.js';
import { createLogger, silentLogger } from '../../src/base/log.js';
import { StatusStore } from '../../src/status/store.js';
import { connect, psql, psqlRows, until, usePostgres } from '../helpers/postgres.js';
import { appStatus } from '../status/fixtures.js';

const server = usePostgres();

const running: Array<{ db: DatabaseWiring }> = [];
afterEach(async () => {
  while (running.length > 0) {
    const r = running.pop();
    await r?.db.source.stop();
    await r?.db.onStop();
  }
});

const FAST: Partial<DatabaseOptions> = {
  leader: { retryMs: 200, heartbeatMs: 500 },
  statusWriter: { flushMs: 20 },
  migrationBackoff: { baseMs: 100, maxMs: 500, factor: 2, jitter: 0 },
  heartbeatMs: 200,
};

/** startDatabase, the source started as the controller would, the daemon attached. */
async function daemon(url: string, instance: string) {
  const db = await startDatabase(url, { logger: silentLogger(), instance, ...FAST });
  running.push({ db });
  const status = new StatusStore({ instance, marathonUrl: 'http://127.0.0.1:8080', role: db.role });
  // What the controller hears (it resyncs on gaining leadership: test/reconcile/controller.test.ts).
  const leadership: boolean[] = [];
  db.leadership.subscribe?.((leader) => leadership.push(leader));
  await db.sources[0]?.start(() => undefined);
  db.attach({ status });
  return { db, status, leadership };
}

describe('startDatabase', () => {
  it('migrates, reads the table, takes the lock, writes app_status and registers the daemon', async () => {
    const url = await server.database();
    const { db, status } = await daemon(url, 'solo');
    expect((await db.migrated)?.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.source.snapshot().state).toBe('Ready');
    await until(() => db.election.isLeader, 'leadership');
    expect(db.role).toBe('leader');
    expect(status.role).toBe('leader');
    status.setApp(appStatus({ id: '/demo/web' }));
    await until(async () => (await psqlRows(url, 'SELECT id FROM maracker.app_status')).length === 1, 'the status row');
    await until(async () => (await psqlRows(url, 'SELECT instance, role FROM maracker.daemons')).join() === 'solo|leader', 'the daemons row');
    await db.onStop();
    expect(await psqlRows(url, 'SELECT count(*) FROM maracker.daemons')).toEqual(['0']);
  });

  it('with two daemons: one leads and writes app_status, the other follows; when the leader stops the follower takes over, rewrites the table and tells the controller', async () => {
    const url = await server.database();
    const a = await daemon(url, 'a');
    await until(() => a.db.election.isLeader, 'a to lead');
    const b = await daemon(url, 'b');
    expect(b.status.role).toBe('follower');
    a.status.setApp(appStatus({ id: '/from/a' }));
    b.status.setApp(appStatus({ id: '/from/b' }));
    await until(async () => (await psqlRows(url, 'SELECT id FROM maracker.app_status')).join() === '/from/a', "a's status");
    await new Promise((r) => setTimeout(r, 200));
    expect(await psqlRows(url, 'SELECT id, instance FROM maracker.app_status')).toEqual(['/from/a|a']);
    await until(
      async () => (await psqlRows(url, 'SELECT instance, role FROM maracker.daemons ORDER BY instance')).join() === 'a|leader,b|follower',
      'both daemons registered',
    );

    await a.db.source.stop();
    await a.db.onStop();
    running.splice(
      running.findIndex((r) => r.db === a.db),
      1,
    );
    await until(() => b.status.role === 'leader', 'b to lead', 15_000);
    await until(async () => (await psqlRows(url, 'SELECT id, instance FROM maracker.app_status')).join() === '/from/b|b', "b's status, rewritten");
    expect(b.leadership).toEqual([true]);
  });

  it('returns at once and stays a follower while the database is down, then migrates, reads and leads when it comes back', async ({ skip }) => {
    if (!server.canRestart) skip();
    const url = await server.database();
    await server.stop();
    let d: Awaited<ReturnType<typeof daemon>>;
    try {
      d = await daemon(url, 'patient');
      expect(d.db.source.snapshot().state).toBe('Unknown');
      expect(d.status.role).toBe('follower');
      expect(await d.db.leadership.canWrite()).toBe(false);
    } finally {
      await server.start();
    }
    expect((await d.db.migrated)?.version).toBe(MIGRATIONS.at(-1)?.version);
    await until(() => d.db.source.snapshot().state === 'Ready', 'the source', 20_000);
    await until(() => d.status.role === 'leader', 'leadership', 15_000);
    const client = await connect(url);
    await client.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '{"cmd": "true"}')`);
    await until(() => d.db.source.snapshot().apps.has('/demo/web'), 'a row inserted afterwards');
  });

  it('gives every daemon sharing the database the same installation, generated once and kept across restarts', async () => {
    const url = await server.database();
    const a = await daemon(url, 'a');
    const b = await daemon(url, 'b');
    const [ia, ib] = await Promise.all([a.db.installation, b.db.installation]);
    expect(ia).toEqual({ name: expect.stringMatching(/^db-[0-9a-f]{12}$/), origin: 'database' });
    expect(ib).toEqual(ia);
    expect(await psqlRows(url, 'SELECT name FROM maracker.installation')).toEqual([ia?.name]);
    const again = await daemon(url, 'c');
    expect(await again.db.installation).toEqual(ia);
    // One row only, and only names Marathon selectors take unescaped.
    expect((await psql(url, "INSERT INTO maracker.installation (name) VALUES ('second')")).code).not.toBe(0);
    expect((await psql(url, "UPDATE maracker.installation SET name = 'a b'")).code).not.toBe(0);
  });

  it('waits, never inventing a new name, while the stored installation is missing', async () => {
    const url = await server.database();
    const first = await daemon(url, 'first');
    await first.db.installation;
    expect((await psql(url, 'DELETE FROM maracker.installation')).code).toBe(0);
    const logged: string[] = [];
    const logger = createLogger({ level: 'error', destination: new Writable({ write: (chunk: Buffer, _e, done) => (logged.push(chunk.toString()), done()) }) });
    const late = await startDatabase(url, { ...FAST, logger, instance: 'late' });
    running.push({ db: late });
    let resolved = false;
    void late.installation.then(() => (resolved = true));
    await until(() => logged.some((l) => l.includes('MRK_DB_INSTALLATION_MISSING') || l.includes('is empty')), 'the failed read logged');
    expect(resolved).toBe(false);
    expect(await psqlRows(url, 'SELECT count(*) FROM maracker.installation')).toEqual(['0']);
    expect((await psql(url, "INSERT INTO maracker.installation (name) VALUES ('mip-prod')")).code).toBe(0);
    expect(await late.installation).toEqual({ name: 'mip-prod', origin: 'database' });
  });
});
