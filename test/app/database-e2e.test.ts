// The daemon, the Marathon sandbox and PostgreSQL together: what a psql user does and sees.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { startDaemon, type Daemon } from '../../src/app/daemon.js';
import { startDatabase } from '../../src/app/database.js';
import { silentLogger } from '../../src/base/log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { manifestYaml } from '../helpers/manifests.js';
import { psql, psqlRows, until, usePostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { watchInvariants } from '../harness/watch.js';

const server = usePostgres();

interface Stack {
  url: string;
  sb: Sandbox;
  daemon: Daemon;
  manifests: string;
}

/** Sandbox, database and daemon (folder and database sources), stopped when the test ends. */
async function stack(): Promise<Stack> {
  const url = await server.database();
  const sb = await startSandbox({ deploymentDurationMs: 30 });
  onTestFinished(() => sb.close());
  const dir = await tempDir();
  const manifests = join(dir, 'manifests');
  await mkdir(manifests);
  await watchInvariants({ sandbox: sb, manifests, databaseUrl: url });
  const { config } = loadDaemonConfig(
    [
      '--marathon',
      sb.url,
      '--manifests',
      manifests,
      '--database-url',
      url,
      '--listen',
      '127.0.0.1:0',
      '--resync-interval',
      '3',
      '--log-level',
      'silent',
      '--no-image-metadata',
    ],
    {},
    dir,
  );
  const logger = silentLogger();
  const db = await startDatabase(url, {
    logger,
    instance: config.instance,
    translate: { traefik: config.traefik },
    leader: { retryMs: 200 },
    statusWriter: { flushMs: 20 },
  });
  const daemon = await startDaemon(config, {
    logger,
    sources: db.sources,
    leadership: db.leadership,
    role: db.role,
    installation: db.installation,
    onStop: db.onStop,
  });
  db.attach({ status: daemon.status });
  onTestFinished(() => daemon.stop());
  return { url, sb, daemon, manifests };
}

async function sql(url: string, statement: string): Promise<void> {
  const r = await psql(url, statement);
  if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

/** `id|sync|health|desired|running|healthy|message` of one app, as psql prints it. */
async function statusOf(url: string, id: string): Promise<string | undefined> {
  const rows = await psqlRows(url, `SELECT id, sync, health, desired, running, healthy, message FROM maracker.app_status WHERE id = '${id}'`);
  return rows[0];
}

const WEB = `'{"cmd": "python3 -m http.server $PORT0", "instances": 1, "cpus": 0.1, "mem": 64}'`;

describe('psql deploys apps through a running daemon', () => {
  it('insert creates the app, update scales it, instances 0 suspends it, delete removes it; app_status follows each step', async () => {
    const { url, sb } = await stack();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', ${WEB})`);
    await until(() => sb.app('/demo/web') !== undefined, 'the app in Marathon', 20_000);
    await until(async () => (await statusOf(url, '/demo/web')) === '/demo/web|Synced|Healthy|1|1|1|', 'Synced/Healthy in app_status', 20_000);
    expect(sb.app('/demo/web')?.labels?.['maracker.source']).toBe('database');

    await sql(url, `UPDATE maracker.apps SET spec = jsonb_set(spec, '{instances}', '3') WHERE id = '/demo/web'`);
    await until(async () => (await statusOf(url, '/demo/web')) === '/demo/web|Synced|Healthy|3|3|3|', 'scaled to 3', 20_000);
    expect(sb.app('/demo/web')?.instances).toBe(3);

    await sql(url, `UPDATE maracker.apps SET spec = jsonb_set(spec, '{instances}', '0') WHERE id = '/demo/web'`);
    await until(async () => (await statusOf(url, '/demo/web')) === '/demo/web|Synced|Suspended|0|0|0|', 'Suspended', 20_000);

    await sql(url, `DELETE FROM maracker.apps WHERE id = '/demo/web'`);
    await until(() => sb.app('/demo/web') === undefined, 'the app removed from Marathon', 20_000);
    await until(async () => (await statusOf(url, '/demo/web')) === undefined, 'the status row removed', 20_000);
  });

  it('reports an invalid spec in app_status with its JSON path and leaves the running app untouched', async () => {
    const { url, sb } = await stack();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', ${WEB})`);
    await until(async () => (await statusOf(url, '/demo/web'))?.startsWith('/demo/web|Synced|Healthy') === true, 'the app running', 20_000);
    const version = sb.app('/demo/web')?.version;
    await sql(url, `UPDATE maracker.apps SET spec = jsonb_set(spec, '{instances}', '-1') WHERE id = '/demo/web'`);
    await until(async () => (await statusOf(url, '/demo/web'))?.includes('|Invalid|') === true, 'Invalid in app_status', 20_000);
    const [message] = await psqlRows(url, "SELECT message FROM maracker.app_status WHERE id = '/demo/web'");
    expect(message).toMatch(/^spec\.instances: .*>= 0/);
    expect(sb.app('/demo/web')?.version).toBe(version);
    expect(sb.app('/demo/web')?.instances).toBe(1);
  });

  it('reports Conflict when a file and a row declare the same id, and applies neither', async () => {
    const { url, sb, manifests } = await stack();
    await writeFile(join(manifests, 'web.yaml'), manifestYaml({ name: 'web', group: 'demo', instances: 2 }));
    await until(() => sb.app('/demo/web')?.instances === 2, 'the file app deployed', 20_000);
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', ${WEB})`);
    await until(async () => (await statusOf(url, '/demo/web'))?.includes('|Conflict|') === true, 'Conflict in app_status', 20_000);
    const [row] = await psqlRows(url, "SELECT message, source FROM maracker.app_status WHERE id = '/demo/web'");
    expect(row).toContain('declared more than once');
    expect(row).toContain('web.yaml');
    expect(row).toContain('database row /demo/web');
    expect(sb.app('/demo/web')?.instances).toBe(2);
  });

  it('says Degraded within 5 s when the database goes down, deletes nothing, and converges when it is back', async ({ skip }) => {
    if (!server.canRestart) skip();
    const { url, sb, daemon } = await stack();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', ${WEB})`);
    await until(async () => (await statusOf(url, '/demo/web'))?.startsWith('/demo/web|Synced|Healthy') === true, 'the app running', 20_000);
    await server.stop();
    try {
      await until(() => daemon.status.snapshot().phase === 'Degraded', 'phase Degraded', 5_000);
      expect(daemon.status.snapshot().sources.find((s) => s.name === 'database')?.state).toBe('Unknown');
      // Longer than a resync and the prune settle time: nothing the database declared is deleted.
      await new Promise((r) => setTimeout(r, 4_000));
      expect(sb.app('/demo/web')).toBeDefined();
    } finally {
      await server.start();
    }
    await until(() => daemon.status.snapshot().sources.find((s) => s.name === 'database')?.state === 'Ready', 'the source Ready again', 20_000);
    await sql(url, `UPDATE maracker.apps SET spec = jsonb_set(spec, '{instances}', '2') WHERE id = '/demo/web'`);
    await until(async () => (await statusOf(url, '/demo/web')) === '/demo/web|Synced|Healthy|2|2|2|', 'a change after the outage applied', 20_000);
  });
});
