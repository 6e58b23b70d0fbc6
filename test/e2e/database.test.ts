// End-to-end proofs of the database source with real daemon processes: nothing lost while
// the listening connection is killed, nothing deleted while the database is down, and one
// writer among several daemons with failover when it dies.

import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { eventually, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo } from '../helpers/git-repo.js';
import { manifestYaml } from '../helpers/manifests.js';
import { connect, psql, usePostgres } from '../helpers/postgres.js';
import { appWrites, sandbox } from '../helpers/sandbox.js';
import { HARNESS_MARK } from '../harness/history.js';

const server = usePostgres();

const spec = (instances = 1) => JSON.stringify({ cmd: 'sleep 3600', instances, cpus: 0.01, mem: 16 });

async function sql(url: string, statement: string): Promise<void> {
  const r = await psql(url, statement, ['-v', 'ON_ERROR_STOP=1']);
  if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

function daemon(marathon: Sandbox, url: string, instance: string, args: string[] = []): Promise<DaemonProcess> {
  return startDaemonProcess({ marathonUrl: marathon.url, databaseUrl: url, args: ['--instance', instance, '--resync-interval', '5', ...args] });
}

/** Waits for the daemon's listening connection to exist, then terminates it; returns how many. */
async function terminateListener(url: string): Promise<number> {
  const count = async (q: string) => Number((await psql(url, q, ['-At'])).stdout.trim());
  await eventually(
    async () => (await count("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'maracker/listen%'")) > 0,
    'a listening connection',
  );
  return count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'maracker/listen%'");
}

describe('database source, end to end', () => {
  it('applies all 3,000 inserted rows although its listening connection is terminated twice meanwhile', async () => {
    const url = await server.database();
    // One port per task: the default agent range (1,001 ports) cannot hold 3,000 tasks.
    const marathon = await sandbox({ deploymentDurationMs: 10, hostPortRange: { min: 20000, max: 40000 } });
    const d = await daemon(marathon, url, 'e2e-3000', ['--write-rate', '2000', '--max-deployments', '500', '--concurrency', '16', '--log-level', 'info']);
    await eventually(async () => (await d.status()).ready, 'first sync');
    const client = await connect(url);
    let terminated = 0;
    for (let batch = 0; batch < 30; batch++) {
      const values = Array.from({ length: 100 }, (_, i) => `('/load/app-${batch * 100 + i}', '${spec()}')`).join(',');
      await client.query(`INSERT INTO maracker.apps (id, spec) VALUES ${values}`);
      if (batch === 8 || batch === 19) terminated += await terminateListener(url);
    }
    expect(terminated).toBeGreaterThanOrEqual(2);
    await eventually(() => marathon.apps().length === 3000, '3,000 apps in Marathon', 240_000);
    const creates = appWrites(marathon).filter((e) => e.method === 'POST');
    expect(creates.filter((e) => e.status === 409)).toEqual([]);
    expect(new Set(marathon.apps().map((a) => a.id)).size).toBe(3000);
  }, 300_000);

  it('writes nothing while the database is down for 30 s (leadership cannot be confirmed), says Degraded, and converges when it is back', async ({ skip }) => {
    if (!server.canRestart) skip();
    const url = await server.database();
    const marathon = await sandbox();
    const repo = await gitRepo();
    await repo.write('web.yaml', manifestYaml({ name: 'web', group: 'files' }));
    repo.commit('web');
    await sql(url, 'SELECT 1');
    const d = await startDaemonProcess({
      marathonUrl: marathon.url,
      databaseUrl: url,
      manifests: repo.manifests,
      args: ['--instance', 'e2e-outage', '--resync-interval', '2'],
    });
    await eventually(async () => (await d.status()).ready, 'first sync');
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/db/a', '${spec()}'), ('/db/b', '${spec()}')`);
    await eventually(() => marathon.app('/db/a') && marathon.app('/db/b') && marathon.app('/files/web'), 'all three apps');
    const since = marathon.requestLog().at(-1)?.seq ?? 0;

    await server.stop();
    let stoppedFor = 0;
    try {
      const down = Date.now();
      const degraded = await eventually(
        async () => {
          const s = await d.status();
          return s.phase === 'Degraded' ? s : undefined;
        },
        'phase Degraded',
        10_000,
      );
      expect(degraded.sources.find((s) => s.name === 'database')).toMatchObject({ state: 'Unknown' });
      // The leader lock lives in the database: without it no daemon may write, not even for
      // the folder, since another daemon may hold the lock on the other side of a partition.
      await repo.write('web.yaml', manifestYaml({ name: 'web', group: 'files', instances: 2 }));
      await eventually(async () => (await d.status()).role === 'follower', 'leadership given up');
      // A timer may fire a millisecond early against Date.now(): wait until 30 s have passed.
      while (Date.now() - down < 30_000) await new Promise((r) => setTimeout(r, 30_000 - (Date.now() - down)));
      stoppedFor = Date.now() - down;
      expect(appWrites(marathon, undefined, since)).toEqual([]);
      expect(marathon.app('/db/a')).toBeDefined();
      expect(marathon.app('/db/b')).toBeDefined();
      expect((await d.app('/db/a'))?.sync).toBe('Unknown');
    } finally {
      await server.start();
    }
    expect(stoppedFor).toBeGreaterThanOrEqual(30_000);
    await eventually(async () => (await d.status()).sources.find((s) => s.name === 'database')?.state === 'Ready', 'the database source Ready again', 30_000);
    await sql(url, `UPDATE maracker.apps SET spec = '${spec(3)}' WHERE id = '/db/a'; DELETE FROM maracker.apps WHERE id = '/db/b'`);
    await eventually(() => marathon.app('/db/a')?.instances === 3 && marathon.app('/db/b') === undefined, 'row changes applied after the outage', 30_000);
    await eventually(() => marathon.app('/files/web')?.instances === 2, 'the folder change made during the outage applied');
    await eventually(async () => (await d.status()).phase === 'Ready', 'phase Ready', 30_000);
  }, 120_000);

  it('repairs no app of a row once maracker.apps is renamed away, though nothing notifies it: the write probes the table first', async () => {
    const url = await server.database();
    const marathon = await sandbox({ deploymentDurationMs: 10 });
    const d = await startDaemonProcess({ marathonUrl: marathon.url, databaseUrl: url, args: ['--instance', 'e2e-renamed', '--resync-interval', '3600'] });
    await eventually(async () => (await d.status()).ready, 'first sync');
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/db/a', '${spec()}')`);
    await eventually(async () => (await d.app('/db/a'))?.sync === 'Synced' && marathon.deployments().length === 0, '/db/a running');
    await sql(url, 'ALTER TABLE maracker.apps RENAME TO apps_away');
    // The daemon's view of the table is older than a write may rely on (a second) once this passes.
    await new Promise((r) => setTimeout(r, 1_200));
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    const res = await fetch(`${marathon.url}/v2/apps/db/a?${HARNESS_MARK}=1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: 3 }),
    });
    expect(res.status).toBe(200);
    // The repair the event asks for probes the table first, and finds it gone.
    const database = await eventually(async () => {
      const s = (await d.status()).sources.find((x) => x.name === 'database');
      return s?.state === 'Unknown' ? s : undefined;
    }, 'the database source Unknown');
    expect(database.lastError?.message).toBe('cannot read maracker.apps: relation "maracker.apps" does not exist');
    await eventually(async () => (await d.app('/db/a'))?.sync === 'Unknown', '/db/a Unknown');
    expect(appWrites(marathon, '/db/a', since).map((e) => [e.method, e.body])).toEqual([['PUT', { instances: 3 }]]);
    // The table back: read again, and the hand edit repaired.
    await sql(url, 'ALTER TABLE maracker.apps_away RENAME TO apps');
    await eventually(() => marathon.app('/db/a')?.instances === 1, 'the hand edit repaired', 30_000);
    expect(appWrites(marathon, '/db/a', since).map((e) => [e.method, e.body])).toEqual([
      ['PUT', { instances: 3 }],
      ['PUT', { instances: 1 }],
    ]);
  }, 60_000);

  it('lets exactly one of two daemons write, and hands over when that one is killed', async () => {
    const url = await server.database();
    const marathon = await sandbox();
    const a = await daemon(marathon, url, 'e2e-a');
    await eventually(async () => (await a.status()).role === 'leader', 'a leads');
    const b = await daemon(marathon, url, 'e2e-b');
    await eventually(async () => (await b.status()).ready, 'b synced');
    expect((await b.status()).role).toBe('follower');

    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ${Array.from({ length: 10 }, (_, i) => `('/ha/app-${i}', '${spec()}')`).join(',')}`);
    await eventually(() => marathon.apps().length === 10, 'ten apps created');
    // Followers keep status current too.
    await eventually(async () => (await b.status()).apps.filter((x) => x.sync === 'Synced').length === 10, 'the follower sees them Synced');
    await new Promise((r) => setTimeout(r, 2000));
    const posts = appWrites(marathon).filter((e) => e.method === 'POST');
    expect(posts.map((e) => e.status)).toEqual(Array(10).fill(201));

    const killedAt = Date.now();
    a.kill();
    await eventually(async () => (await b.status()).role === 'leader', 'b takes over', 60_000);
    const handover = Date.now() - killedAt;
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/ha/after', '${spec()}')`);
    await eventually(() => marathon.app('/ha/after') !== undefined, 'the new leader applies a new row');
    // One installation, stored in the database: the new leader owns what the old one created.
    const installation = (await b.status()).installation;
    const label = marathon.app('/ha/app-0')?.labels?.['maracker.managed-by'];
    expect(installation).toMatchObject({ name: expect.stringMatching(/^db-[0-9a-f]{12}$/), origin: 'database', foreign: { count: 0 } });
    expect(label).toBe(`maracker.${installation.name}`);
    expect(marathon.app('/ha/after')?.labels?.['maracker.managed-by']).toBe(label);
    expect((await b.status()).apps.filter((x) => x.sync === 'Conflict')).toEqual([]);
    console.log(`leader handover after SIGKILL: ${handover} ms`);
  }, 120_000);
});
