import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/db/migration-list.js';
import { startDatabase, type DatabaseOptions, type DatabaseWiring } from '../../src/db/wiring.js';
import { silentLogger } from '../../src/log.js';
import { StatusStore } from '../../src/status/store.js';
import { connect, psqlRows, until, usePostgres } from '../helpers/postgres.js';
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
    await until(async () => (await psqlRows(url, 'SELECT instance, role FROM maracker.daemons ORDER BY instance')).join() === 'a|leader,b|follower', 'both daemons registered');

    await a.db.source.stop();
    await a.db.onStop();
    running.splice(running.findIndex((r) => r.db === a.db), 1);
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
    await client.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '{"cmd": "x"}')`);
    await until(() => d.db.source.snapshot().apps.has('/demo/web'), 'a row inserted afterwards');
  });
});
