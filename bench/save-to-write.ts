// Scenario 3 (issue 4): file save -> first Marathon write.
//
// A manifests folder of 100 files (one app each, in group folders), the sandbox preloaded
// with those apps already deployed, the daemon in its own process with its production
// defaults (events on, resync every 30 s). Each save changes one app's instances or its mem
// (alternating, so half the writes are scales and half rolling updates), in place (truncate
// and write, like VS Code or git) or by renaming a temporary file over it (like vim),
// alternating too. Saves go round-robin over the 100 apps in a fixed shuffled order, 50 to
// 150 ms apart, so a save never finds its app still deploying the previous change.
//
// An atomic save is applied at once; a file written in place is applied once it has been left
// alone for the daemon's settle window (--settle-ms, default 250 ms), since a file being
// written in place may be half-written. The two are reported apart.
//
// Timer: starts when writeFile (in place) or rename (atomic) resolves in the bench process,
// stops when the sandbox, in the same process, receives the write request for that app
// (bench/watch-sandbox.ts); both on performance.now(). 20 warm-up saves, then 200 measured.
// Correctness: after the run the sandbox must have received exactly one write per save, each
// answered 200, a scale for an instances change and a full update for a mem change.
//
// Run alone: npm run bench -- --only save-to-write

import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startBenchDaemon, untilReady, type BenchDaemon } from './daemon-process.js';
import { fleet, saveManifest, translatedFolder, writeManifests, type FleetApp, type Variant } from './fleet.js';
import { median, type BenchRecord } from './record.js';
import { HOST_PORTS, ms, shuffled, sleep, summarize, tempDir } from './util.js';
import { appWriteRequests, lastSeq, SandboxWatch, writeTarget } from './watch-sandbox.js';

const FILES = 100;
const WARMUP = 20;
const SAVES = 200;
const DEPLOYMENT_MS = 1000;
/** The daemon's default --settle-ms. */
const SETTLE_MS = 250;

type Mode = 'in-place' | 'rename';

interface Save {
  app: FleetApp;
  change: 'instances' | 'mem';
  mode: Mode;
  latencyMs: number;
}

export async function benchSaveToWrite(): Promise<BenchRecord[]> {
  const folder = await tempDir('save');
  let sandbox: Sandbox | undefined;
  let daemon: BenchDaemon | undefined;
  let watch: SandboxWatch | undefined;
  try {
    const apps = fleet(FILES);
    await writeManifests(folder.path, apps);
    sandbox = await startSandbox({ deploymentDurationMs: DEPLOYMENT_MS, hostPortRange: HOST_PORTS });
    sandbox.preload((await translatedFolder(folder.path)).map((d) => d.definition));
    const sb = sandbox;
    watch = new SandboxWatch(sb);
    const w = watch;
    daemon = await startBenchDaemon(['--marathon', sb.url, '--manifests', folder.path]);
    await untilReady(daemon);
    const startWrites = appWriteRequests(sb);
    if (startWrites.length > 0) throw new Error(`the daemon wrote at start over apps in sync: ${startWrites.map((e) => `${e.method} ${e.path}`).join(', ')}`);

    const since = lastSeq(sb);
    const order = shuffled(apps, 7);
    const state = new Map<string, Required<Variant>>(apps.map((a) => [a.id, { instances: 1 + (a.index % 3), mem: 512 }]));
    const gaps = shuffled(
      Array.from({ length: WARMUP + SAVES }, (_, i) => 50 + ((i * 37) % 101)),
      3,
    );
    const saves: Save[] = [];
    for (let s = 0; s < WARMUP + SAVES; s++) {
      const app = order[s % order.length] as FleetApp;
      const v = state.get(app.id) as Required<Variant>;
      const change = s % 2 === 0 ? 'instances' : 'mem';
      const next =
        change === 'instances'
          ? { ...v, instances: v.instances === 1 + (app.index % 3) ? v.instances + 1 : v.instances - 1 }
          : { ...v, mem: v.mem === 512 ? 768 : 512 };
      state.set(app.id, next);
      const mode: Mode = Math.floor(s / 2) % 2 === 0 ? 'rename' : 'in-place';
      const arrival = w.nextWrite(app.id, 10_000);
      await saveManifest(folder.path, app, next, mode);
      const saved = performance.now();
      const a = await arrival;
      if (s >= WARMUP) saves.push({ app, change, mode, latencyMs: a.at - saved });
      await sleep(gaps[s] as number);
    }
    // Late or repeated writes would show up here.
    await sleep(2_500);
    const writes = appWriteRequests(sb, since);
    const problems: string[] = [];
    if (writes.length !== WARMUP + SAVES) problems.push(`${writes.length} writes for ${WARMUP + SAVES} saves`);
    for (const e of writes) if (e.status !== 200) problems.push(`${e.method} ${e.path} answered ${e.status}`);
    const expected = [...Array(WARMUP + SAVES).keys()].map((s) => ({ id: (order[s % order.length] as FleetApp).id, scale: s % 2 === 0 }));
    writes.forEach((e, i) => {
      const want = expected[i];
      if (!want) return;
      if (writeTarget(e) !== want.id) problems.push(`write ${i} went to ${writeTarget(e)}, save ${i} changed ${want.id}`);
      const isScale = JSON.stringify(Object.keys(e.body ?? {})) === '["instances"]';
      if (isScale !== want.scale)
        problems.push(
          `write ${i} to ${want.id}: expected ${want.scale ? 'a scale' : 'a full update'}, got ${JSON.stringify(e.query)} ${JSON.stringify(e.body).slice(0, 60)}`,
        );
    });
    if (problems.length > 0) throw new Error(`save-to-write: ${problems.slice(0, 8).join('; ')}`);
    const peak = (await daemon.state()).deploymentsPeak;

    const atomic = saves.filter((s) => s.mode === 'rename');
    const inPlace = saves.filter((s) => s.mode === 'in-place');
    const a = summarize(atomic.map((s) => s.latencyMs));
    const p = summarize(inPlace.map((s) => s.latencyMs));
    const byChange = (list: Save[], c: Save['change']): number => ms(median(list.filter((s) => s.change === c).map((s) => s.latencyMs)));
    const params = {
      saves: SAVES,
      warmup: WARMUP,
      files: FILES,
      apps: FILES,
      gap_ms: '50-150',
      deployment_ms: DEPLOYMENT_MS,
      events: true,
      settle_ms: SETTLE_MS,
      daemon_deployments_peak: peak,
    };
    return [
      {
        name: 'save_to_write.p50',
        value: ms(a.p50),
        unit: 'ms',
        params: {
          ...params,
          mode: 'atomic (rename)',
          measured: atomic.length,
          p50_scale_ms: byChange(atomic, 'instances'),
          p50_update_ms: byChange(atomic, 'mem'),
        },
        goal: { op: '<=', value: 50 },
      },
      {
        name: 'save_to_write.p99',
        value: ms(a.p99),
        unit: 'ms',
        params: { ...params, mode: 'atomic (rename)', measured: atomic.length, max_ms: ms(a.max) },
        goal: { op: '<=', value: 300 },
      },
      // In place: the settle window plus the same path as an atomic save.
      {
        name: 'save_to_write.in_place.p50',
        value: ms(p.p50),
        unit: 'ms',
        params: {
          ...params,
          mode: 'in place (truncate and write)',
          measured: inPlace.length,
          p50_scale_ms: byChange(inPlace, 'instances'),
          p50_update_ms: byChange(inPlace, 'mem'),
        },
        goal: { op: '<=', value: SETTLE_MS + 50 },
      },
      {
        name: 'save_to_write.in_place.p99',
        value: ms(p.p99),
        unit: 'ms',
        params: { ...params, mode: 'in place (truncate and write)', measured: inPlace.length, max_ms: ms(p.max) },
        goal: { op: '<=', value: SETTLE_MS + 300 },
      },
    ];
  } finally {
    watch?.close();
    await daemon?.stop();
    await sandbox?.close();
    await folder.remove();
  }
}
