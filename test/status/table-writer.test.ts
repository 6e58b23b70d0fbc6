import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool } from '../../src/postgres/connection.js';
import { migrate } from '../../src/postgres/migrations.js';
import { statusMessage } from '../../src/status/table-row.js';
import { StatusWriter, type StatusWriterOptions } from '../../src/status/table-writer.js';
import { silentLogger } from '../../src/base/log.js';
import type { StatusStore } from '../../src/status/store.js';
import { connect, psqlRows, until, usePostgres } from '../helpers/postgres.js';
import { appStatus, statusStore } from './fixtures.js';

const server = usePostgres();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(options: Partial<StatusWriterOptions> = {}) {
  const url = await server.database();
  const admin = await connect(url);
  await migrate(admin);
  const pool = createPool(url, { purpose: 'status', logger: silentLogger() });
  const status = statusStore();
  const writer = new StatusWriter({
    pool,
    status,
    instance: 'test-1',
    logger: silentLogger(),
    writing: true,
    flushMs: 20,
    backoff: { baseMs: 50, maxMs: 200, factor: 2, jitter: 0 },
    ...options,
  });
  writer.start();
  cleanups.push(async () => {
    await writer.stop();
    await pool.end();
  });
  return { url, admin, pool, status, writer };
}

/** The table's rows as "id|sync|health|desired|running|healthy|message". */
async function table(url: string): Promise<string[]> {
  return psqlRows(url, 'SELECT id, sync, health, desired, running, healthy, message FROM maracker.app_status ORDER BY id');
}

async function tableEqualsStore(admin: pg.Client, status: StatusStore): Promise<boolean> {
  const r = await admin.query<{ id: string; sync: string; health: string }>('SELECT id, sync, health FROM maracker.app_status ORDER BY id');
  const want = status
    .appIds()
    .sort()
    .map((id) => `${id} ${status.getApp(id)?.sync} ${status.getApp(id)?.health}`);
  return JSON.stringify(r.rows.map((x) => `${x.id} ${x.sync} ${x.health}`)) === JSON.stringify(want);
}

describe('StatusWriter', () => {
  it('mirrors the status store into maracker.app_status: insert, update, delete, as psql shows it', async () => {
    const { url, admin, status } = await setup();
    status.setApp(appStatus({ id: '/demo/web', sync: 'OutOfSync', health: 'Progressing', instances: { desired: 2, running: 0, healthy: 0 } }));
    status.setApp(appStatus({ id: '/demo/api' }));
    await until(() => tableEqualsStore(admin, status), 'the inserts');
    expect(await table(url)).toEqual(['/demo/api|Synced|Healthy|1|1|1|', '/demo/web|OutOfSync|Progressing|2|0|0|']);

    status.setApp(
      appStatus({ id: '/demo/web', sync: 'Synced', health: 'Healthy', instances: { desired: 2, running: 2, healthy: 2 }, url: 'http://web.localhost' }),
    );
    status.removeApp('/demo/api');
    await until(() => tableEqualsStore(admin, status), 'the update and the delete');
    expect(await psqlRows(url, 'SELECT id, sync, health, running, url, instance FROM maracker.app_status')).toEqual([
      '/demo/web|Synced|Healthy|2|http://web.localhost|test-1',
    ]);
  });

  it('writes the error with its JSON path for a row and file:line:column for a file', async () => {
    const { url, admin, status } = await setup();
    status.setApp(
      appStatus({
        id: '/demo/web',
        source: 'database row /demo/web',
        sync: 'Invalid',
        lastError: { message: 'must be >= 0', code: 'schema', row: '/demo/web', jsonPath: 'spec.instances' },
      }),
    );
    status.setApp(
      appStatus({ id: '/demo/file', sync: 'Invalid', lastError: { message: 'unknown field', code: 'schema', file: 'manifests/web.yaml', line: 3, column: 5 } }),
    );
    await until(() => tableEqualsStore(admin, status), 'the rows');
    expect(await psqlRows(url, 'SELECT id, sync, message, code, source FROM maracker.app_status ORDER BY id')).toEqual([
      '/demo/file|Invalid|manifests/web.yaml:3:5: unknown field|schema|web.yaml:1',
      '/demo/web|Invalid|spec.instances: must be >= 0|schema|database row /demo/web',
    ]);
  });

  it('writes every problem of an invalid declaration: all in message, each in problems', async () => {
    const { url, admin, status } = await setup();
    const problems = [
      { message: 'must be >= 0', code: 'schema', row: '/demo/web', jsonPath: 'spec.instances' },
      { message: 'must be >= 0.01', code: 'schema', row: '/demo/web', jsonPath: 'spec.cpus' },
    ];
    status.setApp(appStatus({ id: '/demo/web', source: 'database row /demo/web', sync: 'Invalid', lastError: problems[0] ?? null, problems }));
    await until(() => tableEqualsStore(admin, status), 'the row');
    expect(await psqlRows(url, "SELECT message, jsonb_array_length(problems), problems->1->>'jsonPath' FROM maracker.app_status")).toEqual([
      'spec.instances: must be >= 0; spec.cpus: must be >= 0.01|2|spec.cpus',
    ]);
  });

  it('writes, for an app of a git source, the commit that last changed its manifest', async () => {
    const { url, admin, status } = await setup();
    const commit = '4f1c2e0d9b7a8c6e5f4a3b2c1d0e9f8a7b6c5d4e';
    status.setApp(appStatus({ id: '/demo/web', source: 'web.yaml:1', commit }));
    status.setApp(appStatus({ id: '/demo/row', source: 'database row /demo/row' }));
    await until(() => tableEqualsStore(admin, status), 'the rows');
    expect(await psqlRows(url, 'SELECT id, source_commit FROM maracker.app_status ORDER BY id')).toEqual(['/demo/row|', `/demo/web|${commit}`]);
  });

  it('coalesces a burst of changes into one flush of a few statements', async () => {
    const { admin, status, writer } = await setup({ flushMs: 50, chunkSize: 500 });
    await writer.flush();
    const before = writer.statements;
    for (let i = 0; i < 1000; i++) status.setApp(appStatus({ id: `/bulk/app${i}` }));
    for (let i = 0; i < 1000; i++) status.setApp(appStatus({ id: `/bulk/app${i}`, health: 'Progressing' }));
    await until(() => tableEqualsStore(admin, status), 'the burst');
    expect(writer.statements - before).toBeLessThanOrEqual(4);
  });

  it('writes nothing for a change the table has no column for (where the tasks listen)', async () => {
    const { admin, status, writer } = await setup();
    status.setApp(appStatus({ id: '/demo/web' }));
    await until(() => tableEqualsStore(admin, status), 'the insert');
    await writer.flush();
    const before = writer.statements;
    const task = { id: 'demo_web.1', state: 'TASK_RUNNING', healthy: true, host: 'agent-1', ports: [31000], address: 'agent-1:31000', ready: true };
    status.setApp(appStatus({ id: '/demo/web', tasks: [task] }));
    await writer.flush();
    expect(writer.statements).toBe(before);
    status.setApp(appStatus({ id: '/demo/web', tasks: [task], health: 'Degraded' }));
    await until(async () => (await admin.query('SELECT health FROM maracker.app_status')).rows[0]?.health === 'Degraded', 'the row changed');
  });

  it('writes nothing while it is not the writer, and rewrites the whole table when it becomes one', async () => {
    const { url, admin, status, writer } = await setup({ writing: false });
    await admin.query(`INSERT INTO maracker.app_status (id, sync, health, desired, running, healthy) VALUES ('/gone', 'Synced', 'Healthy', 1, 1, 1)`);
    status.setApp(appStatus({ id: '/demo/web' }));
    await new Promise((r) => setTimeout(r, 100));
    await writer.flush();
    expect(await table(url)).toEqual(['/gone|Synced|Healthy|1|1|1|']);
    writer.setWriting(true);
    await until(() => tableEqualsStore(admin, status), 'the full rewrite');
    expect(await table(url)).toEqual(['/demo/web|Synced|Healthy|1|1|1|']);
  });

  it('asks canWrite before every flush and writes nothing when it answers false', async () => {
    let allowed = false;
    const { url, admin, status, writer } = await setup({ canWrite: async () => allowed });
    status.setApp(appStatus({ id: '/demo/web' }));
    await writer.flush();
    expect(await table(url)).toEqual([]);
    allowed = true;
    status.setApp(appStatus({ id: '/demo/api' }));
    await until(() => tableEqualsStore(admin, status), 'both apps, after a full rewrite');
  });

  it('catches up with a full rewrite after the database was down', async ({ skip }) => {
    if (!server.canRestart) skip();
    const { admin, status, url } = await setup();
    status.setApp(appStatus({ id: '/demo/web' }));
    await until(() => tableEqualsStore(admin, status), 'the first write');
    await server.stop();
    try {
      status.setApp(appStatus({ id: '/demo/web', health: 'Degraded' }));
      status.setApp(appStatus({ id: '/demo/api' }));
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await server.start();
    }
    const fresh = await connect(url);
    await until(() => tableEqualsStore(fresh, status), 'the rewrite after the outage', 20_000);
  });
});

describe('statusMessage', () => {
  it('says where: JSON path for a row, file:line:column for a file, the message alone otherwise', () => {
    expect(statusMessage({ message: 'must be >= 0', row: '/a', jsonPath: 'spec.instances' })).toBe('spec.instances: must be >= 0');
    expect(statusMessage({ message: 'bad', file: 'web.yaml', line: 2 })).toBe('web.yaml:2:1: bad');
    expect(statusMessage({ message: 'Marathon cannot be read' })).toBe('Marathon cannot be read');
    expect(statusMessage(null)).toBeNull();
  });
});
