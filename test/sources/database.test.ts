import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/postgres/migrations.js';
import { silentLogger } from '../../src/base/log.js';
import { INLINE_PARSER, type InputParser } from '../../src/manifest/input-parser.js';
import { DEFAULT_INPUT_LIMITS } from '../../src/manifest/limits.js';
import { ParsePool } from '../../src/manifest/parse-pool.js';
import { DatabaseSource, type DatabaseSourceOptions } from '../../src/sources/database.js';
import type { SourceChange } from '../../src/sources/source.js';
import { connect, freePort, psql, until, usePostgres } from '../helpers/postgres.js';

const server = usePostgres();

const sources: DatabaseSource[] = [];
afterEach(async () => {
  while (sources.length > 0) await sources.pop()?.stop();
});

/** A fresh database with schema maracker. */
async function migrated(): Promise<string> {
  const url = await server.database();
  const client = await connect(url);
  await migrate(client);
  return url;
}

async function started(url: string, options: Partial<DatabaseSourceOptions> = {}) {
  const changes: SourceChange[] = [];
  const source = new DatabaseSource({ url, logger: silentLogger(), ...options });
  sources.push(source);
  await source.start((c) => changes.push(c));
  return { source, changes };
}

/** A row's spec, as a psql user writes it. */
function spec(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ cmd: 'python3 -m http.server $PORT0', instances: 1, cpus: 0.1, mem: 64, ...fields });
}

async function sql(url: string, statement: string): Promise<void> {
  const r = await psql(url, statement);
  if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

async function listenerPid(client: pg.Client): Promise<number | undefined> {
  const r = await client.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'maracker/listen%'",
  );
  return r.rows[0]?.pid;
}

const idsIn = (changes: SourceChange[]) => changes.flatMap((c) => ('ids' in c ? [...c.ids] : ['*']));

describe('DatabaseSource', () => {
  it('reads the whole table at start and reports the highest revision it read', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}'), ('/demo/api', '${spec({ instances: 2 })}')`);
    const { source, changes } = await started(url);
    const snap = source.snapshot();
    expect(snap.state).toBe('Ready');
    expect([...snap.apps.keys()].sort()).toEqual(['/demo/api', '/demo/web']);
    expect(snap.apps.get('/demo/web')?.source).toEqual({ kind: 'database', row: '/demo/web' });
    expect(snap.revision).toBe('2');
    expect(changes).toEqual([{ all: true }]);
  });

  it('sees a psql insert through its notification and names the id it changed', async () => {
    const url = await migrated();
    const { source, changes } = await started(url);
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
    await until(() => source.snapshot().apps.has('/demo/web'), 'the inserted app');
    expect(source.snapshot().apps.get('/demo/web')?.definition).toMatchObject({ id: '/demo/web', instances: 1, cpus: 0.1, mem: 64 });
    expect(changes.at(-1)).toEqual({ ids: new Set(['/demo/web']) });
  });

  it('follows an update and a delete', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}'), ('/demo/other', '${spec()}')`);
    const { source, changes } = await started(url);
    await sql(url, `UPDATE maracker.apps SET spec = jsonb_set(spec, '{instances}', '3') WHERE id = '/demo/web'`);
    await until(() => source.snapshot().apps.get('/demo/web')?.definition.instances === 3, 'the update');
    await sql(url, `DELETE FROM maracker.apps WHERE id = '/demo/web'`);
    await until(() => !source.snapshot().apps.has('/demo/web'), 'the delete');
    expect(source.snapshot().apps.has('/demo/other')).toBe(true);
    expect(idsIn(changes.slice(1))).toEqual(['/demo/web', '/demo/web']);
  });

  it('follows a row renamed by UPDATE of its id: the old id is gone, the new one declared', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/old', '${spec()}')`);
    const { source } = await started(url);
    await sql(url, `UPDATE maracker.apps SET id = '/demo/new' WHERE id = '/demo/old'`);
    await until(() => source.snapshot().apps.has('/demo/new'), 'the new id');
    expect(source.snapshot().apps.has('/demo/old')).toBe(false);
  });

  it('reports an invalid spec with its row and JSON path, leaving the other rows alone', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/other', '${spec()}')`);
    const { source } = await started(url);
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec({ instances: -1 })}')`);
    await until(() => source.snapshot().invalid.has('/demo/web'), 'the invalid row');
    const snap = source.snapshot();
    expect(snap.state).toBe('Ready');
    expect(snap.apps.has('/demo/web')).toBe(false);
    expect(snap.apps.has('/demo/other')).toBe(true);
    const [problem] = snap.invalid.get('/demo/web') ?? [];
    expect(problem?.location).toEqual({ row: '/demo/web', jsonPath: 'spec.instances' });
    expect(problem?.message).toMatch(/>= 0/);
    expect(snap.lastError).toEqual({ message: `spec.instances: ${problem?.message}`, row: '/demo/web' });
  });

  it('at start-up, makes a row nested 10,000 levels deep and a 10 MB row invalid and applies every other row', async () => {
    const url = await migrated();
    await sql(
      url,
      `INSERT INTO maracker.apps (id, spec) VALUES
        ('/a/before', '${spec()}'),
        ('/b/deep', jsonb_build_object('cmd', 'x', 'marathon', jsonb_build_object('check', (repeat('{"a":', 10000) || '1' || repeat('}', 10000))::jsonb))),
        ('/c/huge', jsonb_build_object('cmd', repeat('x', 10 * 1024 * 1024))),
        ('/d/after', '${spec()}')`,
    );
    // Reading 10 MB can outlast the 3 s a start waits for by default on a busy machine.
    const { source } = await started(url, { startTimeoutMs: 60_000 });
    const snap = source.snapshot();
    expect(snap.state).toBe('Ready');
    expect([...snap.apps.keys()].sort()).toEqual(['/a/before', '/d/after']);
    expect(snap.invalid.get('/b/deep')?.map((p) => [p.code, p.location.jsonPath, p.message])).toEqual([
      ['limit-exceeded', 'spec', 'nested deeper than 64 levels (--max-row-depth); not read'],
    ]);
    expect(snap.invalid.get('/c/huge')?.map((p) => [p.code, p.message])).toEqual([
      ['limit-exceeded', 'spec and labels are larger than 262144 bytes as JSON text (--max-row-bytes); not read'],
    ]);
  });

  it('makes a hostile row notified with others invalid alone: the rows of its batch and of later ones are applied', async () => {
    const url = await migrated();
    const { source } = await started(url);
    await sql(
      url,
      `INSERT INTO maracker.apps (id, spec) VALUES ('/a/one', '${spec()}'),
        ('/b/deep', jsonb_build_object('cmd', 'x', 'marathon', jsonb_build_object('check', (repeat('[', 10000) || repeat(']', 10000))::jsonb))),
        ('/c/two', '${spec()}')`,
    );
    await until(() => source.snapshot().apps.has('/c/two') && source.snapshot().invalid.has('/b/deep'), 'the batch');
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/d/later', '${spec()}')`);
    await until(() => source.snapshot().apps.has('/d/later'), 'a later row');
    expect(source.snapshot().apps.has('/a/one')).toBe(true);
  });

  it("the same with the daemon's parser (worker threads): a row too deep to copy to a worker is refused before, and holds no row behind it", async () => {
    const url = await migrated();
    // As launch.ts makes it, with one worker: rows of 8 KiB and more go to it.
    const parser = new ParsePool({ size: 1, jobTimeoutMs: 600_000 });
    try {
      // The worker started and warm first: on a busy machine its start (loading the schemas)
      // alone can take seconds, which is not what this test is about.
      const pad = { cmd: 'sleep 1000', env: { PAD: 'p'.repeat(9000) } };
      expect((await parser.translateRow({ id: '/warm/up', spec: pad, labels: null, bytes: 9100 }, {})).problems).toEqual([]);
      const { source } = await started(url, { parser });
      const deep = `jsonb_build_object('cmd', 'x', 'env', (repeat('[', 10000) || repeat(']', 10000))::jsonb)`;
      const large = `jsonb_build_object('cmd', 'sleep 1000', 'cpus', 0.1, 'mem', 64, 'env', jsonb_build_object('PAD', repeat('p', 9000)))`;
      await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/b/deep', ${deep}), ('/c/large', ${large}), ('/d/small', '${spec()}')`);
      // Before, the deep row was sent to the worker, which it could not reach, and the slot stayed
      // taken until the job timeout (here 10 minutes), holding the large row behind it.
      await until(
        () => source.snapshot().invalid.has('/b/deep') && source.snapshot().apps.has('/c/large') && source.snapshot().apps.has('/d/small'),
        'the batch',
        30_000,
      );
      expect(
        source
          .snapshot()
          .invalid.get('/b/deep')
          ?.map((p) => [p.code, p.message, p.location.jsonPath]),
      ).toEqual([['limit-exceeded', 'nested deeper than 64 levels (--max-row-depth); not read', 'spec']]);
      expect(parser.counts).toMatchObject({ inWorker: 2, workerFailures: 0 });
    } finally {
      await parser.stop();
    }
  });

  it('translates a row again at the next read when maracker failed on it, although its revision did not change', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
    let failures = 1;
    const flaky: InputParser = {
      ...INLINE_PARSER,
      translateRow: (row, opts) =>
        failures-- > 0
          ? Promise.resolve({ problems: [{ code: 'internal-error', message: 'failed', location: { row: row.id } }] })
          : INLINE_PARSER.translateRow(row, opts),
    };
    const { source } = await started(url, { parser: flaky });
    expect(
      source
        .snapshot()
        .invalid.get('/demo/web')
        ?.map((p) => p.code),
    ).toEqual(['internal-error']);
    await source.resync();
    expect(source.snapshot().apps.has('/demo/web')).toBe(true);
  });

  it('holds back the rows beyond --max-row-apps in id order, and applies them once rows go', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) SELECT '/quota/app' || i, '${spec()}' FROM generate_series(1, 5) i`);
    const { source, changes } = await started(url, { limits: { ...DEFAULT_INPUT_LIMITS, maxRowApps: 3 } });
    expect([...source.snapshot().apps.keys()].sort()).toEqual(['/quota/app1', '/quota/app2', '/quota/app3']);
    expect([...source.snapshot().invalid.keys()].sort()).toEqual(['/quota/app4', '/quota/app5']);
    expect(source.snapshot().invalid.get('/quota/app4')?.[0]).toMatchObject({ code: 'limit-exceeded', location: { row: '/quota/app4' } });
    changes.length = 0;
    await sql(url, "DELETE FROM maracker.apps WHERE id IN ('/quota/app1', '/quota/app2')");
    await until(() => source.snapshot().apps.size === 3 && source.snapshot().apps.has('/quota/app5'), 'the held-back rows applied');
    expect(source.snapshot().invalid.size).toBe(0);
    // The freed rows are named as changed, though no notification named them: the controller looks at them at once.
    expect(new Set(idsIn(changes))).toEqual(new Set(['/quota/app1', '/quota/app2', '/quota/app4', '/quota/app5']));
    // An insert that sorts first holds back the last row again, and names it.
    changes.length = 0;
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/quota/a0', '${spec()}')`);
    await until(() => source.snapshot().invalid.has('/quota/app5'), 'the last row held back again');
    expect(new Set(idsIn(changes))).toEqual(new Set(['/quota/a0', '/quota/app5']));
  });

  it('reports a row whose id is not a Marathon app id', async () => {
    const url = await migrated();
    const { source } = await started(url);
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/Demo/Web_1', '${spec()}')`);
    await until(() => source.snapshot().invalid.has('/Demo/Web_1'), 'the invalid id');
    expect(
      source
        .snapshot()
        .invalid.get('/Demo/Web_1')
        ?.map((p) => [p.code, p.location.jsonPath]),
    ).toEqual([['invalid-id', 'id']]);
  });

  it('takes labels and adopt from their columns', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec, labels, adopt) VALUES ('/demo/web', '${spec()}', '{"team": "mip"}', true)`);
    const { source } = await started(url);
    const app = source.snapshot().apps.get('/demo/web');
    expect(app?.definition.labels?.team).toBe('mip');
    expect(app?.adopt).toBe(true);
  });

  it('re-reads everything after TRUNCATE', async () => {
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/a', '${spec()}'), ('/b', '${spec()}')`);
    const { source, changes } = await started(url);
    const before = changes.length;
    await sql(url, 'TRUNCATE maracker.apps');
    await until(() => source.snapshot().apps.size === 0, 'the truncate');
    expect(source.snapshot().state).toBe('Ready');
    expect(changes.slice(before)).toEqual([{ all: true }]);
  });

  it('reads 10,000 rows changed in one transaction with a few batched queries, not one per row', async () => {
    const url = await migrated();
    const client = await connect(url);
    await client.query(`INSERT INTO maracker.apps (id, spec) SELECT '/bulk/app' || i, '${spec()}' FROM generate_series(1, 10000) i`);
    // start() stops waiting after its start timeout; on a busy machine the first read of
    // 10,000 rows may finish after it.
    const { source } = await started(url);
    await until(() => source.snapshot().apps.size === 10_000, 'the first read', 30_000);
    const before = source.rowQueries;
    await client.query(`UPDATE maracker.apps SET spec = jsonb_set(spec, '{instances}', '2')`);
    await until(() => [...source.snapshot().apps.values()].every((a) => a.definition.instances === 2), 'the bulk update', 30_000);
    const queries = source.rowQueries - before;
    expect(queries).toBeGreaterThan(0);
    expect(queries).toBeLessThanOrEqual(20);
  });

  it('loses none of 3,000 inserts while its listening connection is terminated twice', async () => {
    const url = await migrated();
    const client = await connect(url);
    const { source } = await started(url);
    const admin = await connect(url);
    for (let i = 1; i <= 3000; i++) {
      await client.query('INSERT INTO maracker.apps (id, spec) VALUES ($1, $2)', [`/load/app${i}`, spec()]);
      if (i === 700 || i === 2100) {
        const pid = await listenerPid(admin);
        expect(pid).toBeDefined();
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      }
    }
    await until(() => source.snapshot().apps.size === 3000, 'all 3,000 rows', 30_000);
    expect(source.listener.connections).toBeGreaterThanOrEqual(3);
  });

  it('answers Unknown, never empty, while the database is down, and reads everything again when it is back', async ({ skip }) => {
    if (!server.canRestart) skip();
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
    const { source, changes } = await started(url);
    expect(source.snapshot().state).toBe('Ready');
    await server.stop();
    try {
      await until(() => source.snapshot().state === 'Unknown', 'state Unknown', 5_000);
      expect(source.snapshot().lastError?.message).toBeTruthy();
      expect([...(source.snapshot().lastKnownIds ?? [])]).toEqual(['/demo/web']);
      // pg-listen gives up after ~3 s down; the supervisor replaces it.
      await until(() => source.listener.subscribers >= 2, 'a new subscriber', 15_000);
    } finally {
      await server.start();
    }
    const before = changes.length;
    await until(() => source.snapshot().state === 'Ready', 'state Ready again', 20_000);
    expect(source.snapshot().apps.has('/demo/web')).toBe(true);
    expect(changes.slice(before)).toContainEqual({ all: true });
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/after', '${spec()}')`);
    await until(() => source.snapshot().apps.has('/demo/after'), 'a change after the outage');
  });

  it('becomes Unknown within 5 s when the database stops answering without closing connections (host gone), and Ready when it answers again', async ({
    skip,
  }) => {
    if (!server.canRestart) skip();
    const url = await migrated();
    await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
    const { source } = await started(url);
    const thaw = await server.freeze();
    try {
      await until(() => source.snapshot().state === 'Unknown', 'state Unknown', 5_000);
    } finally {
      thaw();
    }
    await until(() => source.snapshot().state === 'Ready', 'state Ready again', 30_000);
    expect(source.snapshot().apps.has('/demo/web')).toBe(true);
  });

  describe('confirm (asked before each write)', () => {
    it('probes a table not read within the age asked, and is Unknown before it resolves once the table was renamed away', async () => {
      const url = await migrated();
      await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
      const { source, changes } = await started(url, { probeEveryMs: 0 });
      // Read at start just now: no probe.
      await source.confirm(60_000);
      expect(source.probes).toBe(0);
      await source.confirm(0);
      expect(source.probes).toBe(1);
      expect(source.snapshot().state).toBe('Ready');
      // No notification says this.
      await sql(url, 'ALTER TABLE maracker.apps RENAME TO apps_away');
      const before = changes.length;
      await source.confirm(0);
      const snap = source.snapshot();
      expect(snap.state).toBe('Unknown');
      expect(snap.lastError?.message).toBe('cannot read maracker.apps: relation "maracker.apps" does not exist');
      expect([...(snap.lastKnownIds ?? [])]).toEqual(['/demo/web']);
      expect(changes.slice(before)).toEqual([{ all: true }]);
      // Unknown holds everything back already: nothing more to confirm.
      await source.confirm(0);
      expect(source.probes).toBe(2);
      await sql(url, 'ALTER TABLE maracker.apps_away RENAME TO apps');
      await until(() => source.snapshot().state === 'Ready', 'the table read again');
      expect([...source.snapshot().apps.keys()]).toEqual(['/demo/web']);
    });

    it('confirms itself every probeEveryMs, so that status says Unknown with no write asking', async () => {
      const url = await migrated();
      await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
      const { source } = await started(url, { probeEveryMs: 100 });
      await until(() => source.probes > 0, 'a probe');
      expect(source.snapshot().state).toBe('Ready');
      await sql(url, 'ALTER TABLE maracker.apps RENAME TO apps_away');
      await until(() => source.snapshot().state === 'Unknown', 'the source Unknown');
      expect([...(source.snapshot().lastKnownIds ?? [])]).toEqual(['/demo/web']);
    });

    it('is Unknown before it resolves once the right to select from the table was revoked', async () => {
      const url = await migrated();
      await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
      const role = `reader_${process.pid}_${Date.now().toString(36)}`;
      await sql(url, `CREATE ROLE ${role} LOGIN PASSWORD 'reader'; GRANT USAGE ON SCHEMA maracker TO ${role}; GRANT SELECT ON maracker.apps TO ${role}`);
      try {
        const asReader = new URL(url);
        asReader.username = role;
        asReader.password = 'reader';
        const { source } = await started(asReader.toString(), { probeEveryMs: 0 });
        expect(source.snapshot().state).toBe('Ready');
        await sql(url, `REVOKE SELECT ON maracker.apps FROM ${role}`);
        await source.confirm(0);
        expect(source.snapshot().state).toBe('Unknown');
        expect(source.snapshot().lastError?.message).toBe('cannot read maracker.apps: permission denied for table apps');
        expect([...(source.snapshot().lastKnownIds ?? [])]).toEqual(['/demo/web']);
        await source.stop();
      } finally {
        await sql(url, `DROP OWNED BY ${role}; DROP ROLE ${role}`);
      }
    });

    it('sends one probe for the writes that ask at once', async () => {
      const url = await migrated();
      const { source } = await started(url, { probeEveryMs: 0 });
      await Promise.all([source.confirm(0), source.confirm(0), source.confirm(0)]);
      expect(source.probes).toBe(1);
    });

    it('counts a notified read as a confirmation', async () => {
      const url = await migrated();
      const { source } = await started(url, { probeEveryMs: 0 });
      await source.confirm(0);
      await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
      await until(() => source.snapshot().apps.has('/demo/web'), 'the inserted app');
      await source.confirm(5_000);
      expect(source.probes).toBe(1);
    });
  });

  it('starts Unknown without blocking when the database cannot be reached', async () => {
    const port = await freePort();
    const { source, changes } = await started(`postgresql://maracker:x@127.0.0.1:${port}/none`);
    expect(source.snapshot().state).toBe('Unknown');
    expect(source.snapshot().apps.size).toBe(0);
    expect(source.snapshot().lastError?.message).toContain('ECONNREFUSED');
    expect(changes).toEqual([{ all: true }]);
  });

  it('waits for the schema: Unknown while maracker.apps is missing, Ready once it is migrated', async () => {
    const url = await server.database();
    const { source } = await started(url, { backoff: { baseMs: 50, maxMs: 200, factor: 2, jitter: 0 } });
    expect(source.snapshot().state).toBe('Unknown');
    expect(source.snapshot().lastError?.message).toContain('maracker.apps');
    const client = await connect(url);
    await migrate(client);
    await until(() => source.snapshot().state === 'Ready', 'the schema');
  });

  it('replaces a listening connection that stops answering (half-open) and misses nothing', async ({ skip }) => {
    if (!server.canRestart) skip();
    const url = await migrated();
    const { source } = await started(url, { healthIntervalMs: 500, healthTimeoutMs: 500 });
    const admin = await connect(url);
    const pid = await listenerPid(admin);
    expect(pid).toBeDefined();
    // A stopped backend keeps its socket open but never answers: what a vanished peer looks like.
    process.kill(pid as number, 'SIGSTOP');
    try {
      await sql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/web', '${spec()}')`);
      await until(() => source.listener.connections >= 2, 'a new listening connection', 10_000);
      await until(() => source.snapshot().apps.has('/demo/web'), 'the row inserted meanwhile');
    } finally {
      process.kill(pid as number, 'SIGCONT');
    }
  });
});
