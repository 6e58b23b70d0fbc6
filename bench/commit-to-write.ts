// Scenario 4 (issue 5): database commit -> first Marathon write.
//
// 100 rows in maracker.apps (the same apps as the files of save-to-write, as `spec` JSON),
// the sandbox preloaded with them already deployed, the daemon in its own process with
// --database-url (database source, leader election, status table writer: everything
// `maracker run` starts with a database) and no manifests folder. Each commit changes one
// row's instances or mem (alternating), as a portal or psql does: BEGIN; UPDATE ... SET spec =
// jsonb_set(...); COMMIT on the bench's own connection. Rows are changed round-robin in a
// fixed shuffled order, 50 to 150 ms apart.
//
// Timer: starts when COMMIT returns to the bench, stops when the sandbox (same process)
// receives the write request for that app; both on performance.now(). 20 warm-up commits,
// then 200 measured. Correctness: exactly one write per commit, each answered 200, a scale
// for an instances change and a full update for a mem change.
//
// Run alone: npm run bench -- --only commit-to-write

import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { migrate } from '../src/postgres/migrations.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startBenchDaemon, untilReady, type BenchDaemon } from './daemon-process.js';
import { appSpec, fleet, translatedRow, type FleetApp } from './fleet.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import type { BenchRecord } from './record.js';
import { HOST_PORTS, ms, shuffled, sleep, summarize } from './util.js';
import { appWriteRequests, lastSeq, SandboxWatch, writeTarget } from './watch-sandbox.js';

const ROWS = 100;
const WARMUP = 20;
const COMMITS = 200;
const DEPLOYMENT_MS = 1000;

export async function benchCommitToWrite(): Promise<BenchRecord[]> {
  let postgres: BenchPostgres | undefined;
  let sandbox: Sandbox | undefined;
  let daemon: BenchDaemon | undefined;
  let watch: SandboxWatch | undefined;
  let client: pg.Client | undefined;
  try {
    postgres = await startBenchPostgres();
    client = new pg.Client({ connectionString: postgres.url, application_name: 'bench' });
    client.on('error', () => undefined);
    await client.connect();
    const c = client;
    await migrate(c);
    const apps = fleet(ROWS);
    for (const a of apps) await c.query('INSERT INTO maracker.apps (id, spec) VALUES ($1, $2)', [a.id, JSON.stringify(appSpec(a.index))]);

    sandbox = await startSandbox({ deploymentDurationMs: DEPLOYMENT_MS, hostPortRange: HOST_PORTS });
    sandbox.preload(apps.map((a) => translatedRow(a.index)));
    const sb = sandbox;
    watch = new SandboxWatch(sb);
    const w = watch;
    daemon = await startBenchDaemon(['--marathon', sb.url, '--manifests', 'none', '--database-url', postgres.url, '--instance', 'bench']);
    await untilReady(daemon, { leader: true });
    const startWrites = appWriteRequests(sb);
    if (startWrites.length > 0) throw new Error(`the daemon wrote at start over apps in sync: ${startWrites.map((e) => `${e.method} ${e.path}`).join(', ')}`);

    const since = lastSeq(sb);
    const order = shuffled(apps, 11);
    const state = new Map(apps.map((a) => [a.id, { instances: 1 + (a.index % 3), mem: 512 }]));
    const gaps = shuffled(
      Array.from({ length: WARMUP + COMMITS }, (_, i) => 50 + ((i * 37) % 101)),
      5,
    );
    const latencies: Array<{ change: 'instances' | 'mem'; ms: number }> = [];
    for (let s = 0; s < WARMUP + COMMITS; s++) {
      const app = order[s % order.length] as FleetApp;
      const v = state.get(app.id) as { instances: number; mem: number };
      const change = s % 2 === 0 ? 'instances' : 'mem';
      const value = change === 'instances' ? (v.instances === 1 + (app.index % 3) ? v.instances + 1 : v.instances - 1) : v.mem === 512 ? 768 : 512;
      v[change] = value;
      const arrival = w.nextWrite(app.id, 10_000);
      await c.query('BEGIN');
      await c.query(`UPDATE maracker.apps SET spec = jsonb_set(spec, $2::text[], to_jsonb($3::int)) WHERE id = $1`, [app.id, [change], value]);
      await c.query('COMMIT');
      const committed = performance.now();
      const a = await arrival;
      if (s >= WARMUP) latencies.push({ change, ms: a.at - committed });
      await sleep(gaps[s] as number);
    }
    await sleep(2_500);
    const writes = appWriteRequests(sb, since);
    const problems: string[] = [];
    if (writes.length !== WARMUP + COMMITS) problems.push(`${writes.length} writes for ${WARMUP + COMMITS} commits`);
    writes.forEach((e, i) => {
      if (e.status !== 200) problems.push(`${e.method} ${e.path} answered ${e.status}`);
      const id = (order[i % order.length] as FleetApp).id;
      if (writeTarget(e) !== id) problems.push(`write ${i} went to ${writeTarget(e)}, commit ${i} changed ${id}`);
      const isScale = JSON.stringify(Object.keys(e.body ?? {})) === '["instances"]';
      if (isScale !== (i % 2 === 0)) problems.push(`write ${i} to ${id}: expected ${i % 2 === 0 ? 'a scale' : 'a full update'}`);
    });
    if (problems.length > 0) throw new Error(`commit-to-write: ${problems.slice(0, 8).join('; ')}`);

    const all = summarize(latencies.map((l) => l.ms));
    const p50Of = (change: 'instances' | 'mem'): number => ms(summarize(latencies.filter((l) => l.change === change).map((l) => l.ms)).p50);
    const params = { commits: COMMITS, warmup: WARMUP, rows: ROWS, gap_ms: '50-150', deployment_ms: DEPLOYMENT_MS, postgres: postgres.kind };
    return [
      {
        name: 'commit_to_write.p50',
        value: ms(all.p50),
        unit: 'ms',
        params: { ...params, p50_scale_ms: p50Of('instances'), p50_update_ms: p50Of('mem') },
        goal: { op: '<=', value: 20 },
      },
      { name: 'commit_to_write.p99', value: ms(all.p99), unit: 'ms', params: { ...params, max_ms: ms(all.max) }, goal: { op: '<=', value: 100 } },
    ];
  } finally {
    watch?.close();
    await daemon?.stop();
    await sandbox?.close();
    await client?.end().catch(() => undefined);
    await postgres?.stop();
  }
}
