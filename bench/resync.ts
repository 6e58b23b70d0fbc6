// Scenarios 5, 6 and 7: a daemon owning 10,000 apps (`resync`), and the same at 30,000 apps
// (`resync-30k`), to show how each figure grows with the fleet.
//
// Setup: 10,000 manifests, one app per file in 50 group folders; the sandbox preloaded with
// the definitions maracker's own translator produces from them (ownership labels included),
// so the daemon starts with everything in sync and must write nothing. The daemon runs in
// its own process (bench/daemon-child.ts) with --no-events and a one-hour resync period:
// hand edits are found by the pass itself (as after an event-stream outage), and no pass
// runs but the ones the bench starts.
//
// - Full resync pass, 1 % drifted: 100 apps edited by hand in the sandbox (a third scaled,
//   a third given more memory, a third relabelled), then one pass: sources re-read, owned
//   apps listed once, every id looked at (reconciled, or left out of the queue as unchanged:
//   the controller's `unchanged` hook names those). The daemon's CPU time (process.cpuUsage
//   inside the daemon: user + system, all threads) from the resync call until all 10,000 ids
//   were looked at and the queue is empty; peak RSS during the pass (VmHWM reset before it);
//   the writes the sandbox received, which must be exactly one per drifted app (else the
//   scenario throws). Median of 3 passes, after 3 warm-up passes.
// - 100 passes with nothing to do: writes must be 0 (a phantom diff would show here, also on
//   the apps maracker just repaired). They run back to back: the listing barely changes
//   between them (a task's health results move once per check interval, 60 s here).
// - 10 more with 30 s of the sandbox's time before each (its clock runs ahead by what the
//   bench adds; `noop_aged.*`): as between two passes of a real cluster at the default resync
//   interval, about half the tasks' `lastSuccess` moved since the last listing, and every app
//   holding one of them has bytes that differ and is parsed again. Writes must be 0 here too.
// - Status latency: a separate prober process polls GET /status/apps/{id} every 20 ms and
//   GET /status every 250 ms, while the daemon is idle and during a fourth drifted pass.
//
// resync-30k: the same scenario over 30,000 apps (fleet apps 0-29,999), with what differs:
// - the drift stays at 100 apps per pass (not 1 %), so that only the number of apps changes
//   between the two figures of a pair; the writes a pass makes are the same;
// - 20 passes with nothing to do instead of 100, to keep the scenario near 6 minutes (7.7 on a
//   loaded 2-core machine);
// - the sandbox assigns service ports from 10000-65000 (about 51,000 are needed) and runs the
//   tasks on 3 simulated agents (about 102,000 host ports, more than one agent has);
// - timeouts scale with the app count.
// Its figures are the resync figures prefixed `resync_30k.` (resync_30k.noop.pass_cpu_ms...).
// When `resync` ran earlier in the same invocation (`npm run bench`, or --only resync,resync-30k),
// each figure also gets `resync_30k.growth.<figure>`: its value at 30,000 apps divided by its
// value at 10,000 apps, the two measured minutes apart on the same machine (3.0 is linear).
// Counts (writes) are checked, not compared. Without `resync` in the same run there are no
// ratios: figures from another run, build or machine would not compare.
//
// Run alone: npm run bench -- --only resync   (or --only resync,resync-30k for the ratios)

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { MarathonApp } from '../src/model/marathon.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/sandbox.js';
import { type Clock, systemClock } from '../src/sandbox/time.js';
import { startBenchDaemon, until, untilReady, type BenchDaemon } from './daemon-process.js';
import type { PassResult } from './daemon-child.js';
import { fleet, translatedFolder, writeManifests, type FleetApp } from './fleet.js';
import { median, type BenchRecord } from './record.js';
import type { ProbeSamples } from './status-prober.js';
import { benchCacheHome, benchScript, HOST_PORTS, ms, round1, shuffled, sleep, startProber, summarize, tempDir } from './util.js';
import { appWriteRequests, lastSeq, writeTarget } from './watch-sandbox.js';

const DRIFTED = 100;
const WARMUP_PASSES = 3;
const MEASURED_PASSES = 3;
const PROBE = { appEveryMs: 20, statusEveryMs: 250 };
const IDLE_PROBE_MS = 6_000;
const execFileAsync = promisify(execFile);
const FOLDER_RESCANS = 15;
/** Idle passes with a resync interval of sandbox time before each (health checks age meanwhile). */
const AGED_PASSES = 10;
const AGED_INTERVAL_MS = 30_000;

/** What differs between the 10,000-app scenario and its larger twin. */
interface ResyncSize {
  apps: number;
  noopPasses: number;
  /** Why noopPasses differs from resync's, in the noop figures' parameters. */
  noopPassesWhy?: string;
  /** Prefix of the figure names ('' for the 10,000-app scenario, whose names stay as they were). */
  prefix: string;
  sandbox: Pick<SandboxOptions, 'servicePortRange' | 'agents' | 'maxTasks'>;
}

const RESYNC_10K: ResyncSize = {
  apps: 10_000,
  noopPasses: 100,
  prefix: '',
  // 17,000 service ports and about 34,000 host ports: wider ranges than Marathon's defaults.
  sandbox: { servicePortRange: { min: 10_000, max: 40_000 } },
};

const RESYNC_30K: ResyncSize = {
  apps: 30_000,
  noopPasses: 20,
  noopPassesWhy: '20, not 100 as at 10,000 apps, to keep the scenario near 6 minutes',
  prefix: 'resync_30k.',
  // about 51,000 service ports, and 102,000 host ports spread over three agents; more tasks
  // than the sandbox holds by default (50,000, so that one runaway app cannot take its
  // process): the drifted apps' new tasks would wait for room forever
  sandbox: { servicePortRange: { min: 10_000, max: 65_000 }, agents: 3, maxTasks: 200_000 },
};

type Drift = 'scale' | 'mem' | 'label';

/** The first five of a list of writes, for an error message. */
function firstFive(writes: ReadonlyArray<{ method: string; path: string }>): string {
  return writes
    .slice(0, 5)
    .map((w) => `${w.method} ${w.path}`)
    .join(', ');
}

async function put(sandbox: Sandbox, id: string, body: unknown): Promise<void> {
  const res = await fetch(`${sandbox.url}/v2/apps${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`hand edit of ${id} refused: ${res.status} ${await res.text()}`);
}

/** Edits apps by hand, as an operator with curl would, and waits for Marathon to deploy the edits. */
async function driftByHand(sandbox: Sandbox, apps: readonly FleetApp[]): Promise<Map<string, { kind: Drift; want: MarathonApp }>> {
  const drifted = new Map<string, { kind: Drift; want: MarathonApp }>();
  for (const [k, a] of apps.entries()) {
    const current = sandbox.app(a.id);
    if (!current) throw new Error(`${a.id} missing from the sandbox`);
    const kind: Drift = (['scale', 'mem', 'label'] as const)[k % 3] as Drift;
    if (kind === 'scale') await put(sandbox, a.id, { instances: (current.instances ?? 1) + 1 });
    else if (kind === 'mem') await put(sandbox, a.id, { mem: (current.mem ?? 128) * 2 });
    else await put(sandbox, a.id, { labels: { ...current.labels, team: 'someone-else' } });
    drifted.set(a.id, { kind, want: current });
  }
  await sandbox.waitForDeployments(60_000);
  return drifted;
}

function restored(sandbox: Sandbox, drifted: Map<string, { kind: Drift; want: MarathonApp }>): boolean {
  for (const [id, { want }] of drifted) {
    const now = sandbox.app(id);
    if (!now || now.instances !== want.instances || now.mem !== want.mem || now.labels?.team !== want.labels?.team) return false;
    if ((now.tasksHealthy ?? 0) < (want.instances ?? 1)) return false;
  }
  return sandbox.deployments().length === 0;
}

/** The writes since `since` must be exactly one per drifted app: a scale for a scale, a full update otherwise. */
function checkRepairWrites(sandbox: Sandbox, since: number, drifted: Map<string, { kind: Drift }>, when: string): void {
  const writes = appWriteRequests(sandbox, since);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const w of writes) {
    const id = writeTarget(w);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const d = drifted.get(id);
    if (!d) problems.push(`unexpected write ${w.method} ${w.path}`);
    else if (w.status !== 200) problems.push(`${w.method} ${w.path} answered ${w.status}`);
    else if (d.kind === 'scale' && JSON.stringify(Object.keys(w.body ?? {})) !== '["instances"]')
      problems.push(`${id}: expected a scale, got ${JSON.stringify(w.body).slice(0, 80)}`);
    else if (d.kind !== 'scale' && w.query.partialUpdate?.[0] !== 'false') problems.push(`${id}: expected a full update, got ${w.method} ${w.path}`);
  }
  for (const id of drifted.keys()) if ((seen.get(id) ?? 0) !== 1) problems.push(`${id}: ${seen.get(id) ?? 0} writes`);
  if (problems.length > 0 || writes.length !== drifted.size) {
    throw new Error(`resync ${when}: ${writes.length} writes for ${drifted.size} drifted apps: ${problems.slice(0, 8).join('; ')}`);
  }
}

/** CPU of the folder source alone rescanning the same files (in this process, watch off). */
/** The CPU of each of FOLDER_RESCANS resyncs of `dir`, nothing changed, in a process of its own (bench/rescan-child.ts). */
async function folderRescanCpu(dir: string): Promise<number[]> {
  const { stdout } = await execFileAsync(process.execPath, [benchScript('rescan-child.js'), dir, String(FOLDER_RESCANS)], { timeout: 300_000 });
  const samples = JSON.parse(stdout) as unknown;
  if (!Array.isArray(samples) || samples.length !== FOLDER_RESCANS || !samples.every((n) => typeof n === 'number')) {
    throw new Error(`rescan-child printed ${stdout.slice(0, 200)}`);
  }
  return samples as number[];
}

export function benchResync(): Promise<BenchRecord[]> {
  return runResync(RESYNC_10K);
}

/** resync at 30,000 apps; with the figures of `resync` from the same run, their growth ratios too. */
export async function benchResync30k(earlier: readonly BenchRecord[] = []): Promise<BenchRecord[]> {
  const records = await runResync(RESYNC_30K);
  return [...records, ...resyncGrowth(records, earlier)];
}

/** `resync_30k.growth.<figure>`: value at 30,000 / value at 10,000, for figures measured in this run at both sizes. */
export function resyncGrowth(large: readonly BenchRecord[], earlier: readonly BenchRecord[]): BenchRecord[] {
  const small = new Map(earlier.map((r) => [r.name, r]));
  const out: BenchRecord[] = [];
  for (const r of large) {
    const name = r.name.slice(RESYNC_30K.prefix.length);
    const base = small.get(name);
    // counts are correctness checks (0 writes, one per drifted app), not costs that grow
    if (!base || r.unit === 'count' || base.value <= 0) continue;
    out.push({
      name: `${RESYNC_30K.prefix}growth.${name}`,
      value: Math.round((r.value / base.value) * 100) / 100,
      unit: 'ratio',
      params: {
        what: `${name} at ${RESYNC_30K.apps} apps / at ${RESYNC_10K.apps} apps, same run (${RESYNC_30K.apps / RESYNC_10K.apps} is linear)`,
        at_10k: base.value,
        at_30k: r.value,
        unit: r.unit,
      },
    });
  }
  return out;
}

async function runResync(size: ResyncSize): Promise<BenchRecord[]> {
  const { apps: APPS, noopPasses: NOOP_PASSES, prefix } = size;
  /** Timeouts grow with the fleet. */
  const scaled = (ms: number): number => Math.round(ms * Math.max(1, APPS / RESYNC_10K.apps));
  const folder = await tempDir(prefix === '' ? 'resync' : 'resync-30k');
  let sandbox: Sandbox | undefined;
  let daemon: BenchDaemon | undefined;
  try {
    const apps = fleet(APPS);
    await writeManifests(folder.path, apps);
    const desired = await translatedFolder(folder.path);
    if (desired.length !== APPS) throw new Error(`translated ${desired.length} apps, expected ${APPS}`);
    // The sandbox's clock runs ahead by what the bench adds: idle passes with a resync interval
    // of sandbox time between them (health checks re-stamp lastSuccess meanwhile, as in a real
    // cluster whose passes are 30 s apart) without waiting 30 s of real time each.
    let ahead = 0;
    const clock: Clock = { ...systemClock, now: () => Date.now() + ahead };
    sandbox = await startSandbox({ deploymentDurationMs: 100, hostPortRange: HOST_PORTS, clock, ...size.sandbox });
    sandbox.preload(desired.map((d) => d.definition));
    const sb = sandbox;

    const startedAt = performance.now();
    // --expose-gc: the live heap after the first and the last pass with nothing to do is read
    // after a full collection (only then: no other pass is changed by it).
    // The parse cache is on, as by default (the child's configuration sees no HOME, so it is
    // named): this first start finds none and writes it once every file was read.
    const cacheArgs = ['--manifest-cache', join(benchCacheHome(), `${prefix}resync.cache`)];
    daemon = await startBenchDaemon(['--marathon', sb.url, '--manifests', folder.path, '--no-events', '--resync-interval', '3600', ...cacheArgs], {
      nodeArgs: ['--expose-gc'],
    });
    await untilReady(daemon, { ms: scaled(180_000) });
    const startupWallMs = performance.now() - startedAt;
    const startup = await daemon.counters();
    const startWrites = appWriteRequests(sb);
    if (startWrites.length > 0) throw new Error(`the daemon wrote at start over apps in sync: ${firstFive(startWrites)}`);
    const d = daemon;

    const probeIds = shuffled(apps.map((a) => a.id)).slice(0, 500);
    const prober = await startProber(d.statusUrl, probeIds);
    let idle: ProbeSamples | undefined;
    let during: ProbeSamples | undefined;
    const passes: PassResult[] = [];
    let duringPass: PassResult | undefined;
    const repairWrites: number[] = [];
    const noop: PassResult[] = [];
    const aged: PassResult[] = [];
    let noopWriteCount = -1;
    let liveHeapFirst: number | null = null;
    let liveHeapLast: number | null = null;
    try {
      await prober.start(PROBE);
      await sleep(IDLE_PROBE_MS);
      idle = await prober.stop();

      for (let i = 0; i < WARMUP_PASSES; i++) await d.pass(APPS);
      const warmWrites = appWriteRequests(sb);
      if (warmWrites.length > 0) throw new Error(`writes during passes with nothing to do: ${firstFive(warmWrites)}`);

      const order = shuffled(apps);
      for (let p = 0; p <= MEASURED_PASSES; p++) {
        const drifted = await driftByHand(sb, order.slice(p * DRIFTED, (p + 1) * DRIFTED));
        const since = lastSeq(sb);
        const probing = p === MEASURED_PASSES;
        if (probing) await prober.start(PROBE);
        const result = await d.pass(APPS, DRIFTED, scaled(180_000));
        if (probing) during = await prober.stop();
        await until(() => restored(sb, drifted), 'the drifted apps repaired', scaled(120_000), 50);
        checkRepairWrites(sb, since, drifted, 'pass');
        // Follow-up looks (1 s after each write) must not write again.
        await sleep(2_500);
        checkRepairWrites(sb, since, drifted, 'pass, 2.5 s later');
        repairWrites.push(appWriteRequests(sb, since).length);
        if (probing) duringPass = result;
        else passes.push(result);
      }

      const noopSince = lastSeq(sb);
      for (let i = 0; i < NOOP_PASSES; i++) {
        noop.push(await d.pass(APPS));
        if (i === 0) liveHeapFirst = await d.liveHeapMiB();
      }
      liveHeapLast = await d.liveHeapMiB();
      for (let i = 0; i < AGED_PASSES; i++) {
        ahead += AGED_INTERVAL_MS;
        aged.push(await d.pass(APPS));
      }
      const noopWrites = appWriteRequests(sb, noopSince);
      noopWriteCount = noopWrites.length;
      if (noopWrites.length > 0) throw new Error(`${noopWrites.length} writes during ${NOOP_PASSES} passes with nothing to do: ${firstFive(noopWrites)}`);
    } finally {
      await prober.close();
    }
    const lifetime = await d.counters();
    await d.stop();
    daemon = undefined;

    // A restart over the same manifests, nothing changed meanwhile: the parse cache the run
    // above wrote (--manifest-cache, on by default) spares parsing; reading, listing and
    // reconciling every app remain. It must write nothing either.
    const restartSince = lastSeq(sb);
    const restartedAt = performance.now();
    daemon = await startBenchDaemon(['--marathon', sb.url, '--manifests', folder.path, '--no-events', '--resync-interval', '3600', ...cacheArgs]);
    await untilReady(daemon, { ms: scaled(180_000) });
    const restartWallMs = performance.now() - restartedAt;
    const restart = await daemon.counters();
    const restartWrites = appWriteRequests(sb, restartSince);
    const fromCache = /"hits":(\d+),"misses":(\d+)/.exec(daemon.logLines(/first read of the sources/)[0] ?? '');
    await daemon.stop();
    daemon = undefined;
    if (restartWrites.length > 0) throw new Error(`the daemon wrote at restart over apps in sync: ${firstFive(restartWrites)}`);
    if (!fromCache || Number(fromCache[1]) !== APPS)
      throw new Error(`the restart did not take every file from the parse cache: ${fromCache?.[0] ?? 'no count logged'}`);
    await sb.close();
    sandbox = undefined;

    const rescan = await folderRescanCpu(folder.path);

    const base = {
      apps: APPS,
      files: APPS,
      events: false,
      concurrency: 8,
      max_deployments: 20,
      write_rate: 20,
      deployment_ms: 100,
      ...(size.sandbox.agents !== undefined ? { sandbox_agents: size.sandbox.agents } : {}),
    };
    const pass = { ...base, drifted: DRIFTED, runs: MEASURED_PASSES, warmup: WARMUP_PASSES };
    const noopWhy: Record<string, string> = size.noopPassesWhy !== undefined ? { passes_why: size.noopPassesWhy } : {};
    if (!idle || !during || !duringPass) throw new Error('resync scenario incomplete');
    const idleApp = summarize(idle.app);
    const idleStatus = summarize(idle.status);
    const passApp = summarize(during.app);
    const passStatus = summarize(during.status);
    const probeParams = (s: { n: number; max: number }, every: number): BenchRecord['params'] => ({
      apps: APPS,
      samples: s.n,
      every_ms: every,
      max_ms: ms(s.max),
      prober: 'own processes, one per loop',
      status_mib: round1(idle.statusBytes / 1048576),
    });
    if (idle.errors.length + during.errors.length > 0) throw new Error(`status prober errors: ${[...idle.errors, ...during.errors].slice(0, 5).join('; ')}`);
    const records: BenchRecord[] = [
      { name: 'startup.wall_ms', value: Math.round(startupWallMs), unit: 'ms', params: { ...base, what: 'spawn to first full sync done' } },
      { name: 'startup.cpu_ms', value: Math.round(startup.cpuMs), unit: 'ms', params: { ...base, what: 'daemon CPU until first full sync done' } },
      { name: 'startup.peak_rss_mib', value: startup.peakRssMiB, unit: 'MiB', params: { ...base, what: 'peak resident set until first full sync done' } },
      {
        name: 'restart.wall_ms',
        value: Math.round(restartWallMs),
        unit: 'ms',
        params: { ...base, what: 'spawn to first full sync done, restarted over the same files: every one taken from the parse cache', from_cache: APPS },
      },
      { name: 'restart.cpu_ms', value: Math.round(restart.cpuMs), unit: 'ms', params: { ...base, what: 'daemon CPU until first full sync done, restarted' } },
      {
        name: 'restart.peak_rss_mib',
        value: restart.peakRssMiB,
        unit: 'MiB',
        params: { ...base, what: 'peak resident set until first full sync done, restarted' },
      },
      {
        name: 'restart.writes',
        value: restartWrites.length,
        unit: 'count',
        params: { ...base, what: 'writes at a restart over apps in sync' },
        goal: { op: '==', value: 0 },
      },
      {
        name: 'startup.writes',
        value: startWrites.length,
        unit: 'count',
        params: { ...base, what: 'writes over apps already in sync' },
        goal: { op: '==', value: 0 },
      },
      {
        name: 'resync.pass_cpu_ms',
        value: ms(median(passes.map((r) => r.cpuMs))),
        unit: 'ms',
        params: { ...pass, max_ms: ms(Math.max(...passes.map((r) => r.cpuMs))) },
      },
      {
        name: 'resync.pass_wall_ms',
        value: Math.round(median(passes.map((r) => r.wallMs))),
        unit: 'ms',
        params: {
          ...pass,
          list_wall_ms: Math.round(median(passes.map((r) => r.listWallMs))),
          what: 'includes waiting for deployment slots (20) and the write rate (20/s)',
        },
      },
      {
        name: 'resync.event_loop_block_max_ms',
        value: ms(median(passes.map((r) => r.loopDelayMaxMs))),
        unit: 'ms',
        params: {
          ...pass,
          what: "longest the daemon's event loop was blocked in a pass (median over passes)",
          p99_ms: ms(median(passes.map((r) => r.loopDelayP99Ms))),
        },
      },
      {
        name: 'resync.peak_rss_mib',
        value: Math.max(...passes.map((r) => r.peakRssMiB)),
        unit: 'MiB',
        params: {
          ...pass,
          scope: passes[0]?.peakRssScope ?? 'pass',
          heap_used_mib: Math.max(...passes.map((r) => r.heapUsedMiB)),
          process_peak_mib: lifetime.peakRssMiB,
        },
      },
      {
        name: 'resync.writes',
        value: Math.max(...repairWrites),
        unit: 'count',
        params: { ...pass, every_pass: repairWrites.join(','), checked: 'one write per drifted app, none to others, none 2.5 s later' },
        goal: { op: '==', value: DRIFTED },
      },
      {
        name: 'resync.folder_rescan_cpu_ms',
        value: ms(median(rescan)),
        unit: 'ms',
        params: { files: APPS, runs: FOLDER_RESCANS, what: 'FolderSource.resync alone, nothing changed, in a process of its own' },
      },
      {
        name: 'noop.pass_cpu_ms',
        value: ms(median(noop.map((r) => r.cpuMs))),
        unit: 'ms',
        params: {
          ...base,
          passes: NOOP_PASSES,
          ...noopWhy,
          max_ms: ms(Math.max(...noop.map((r) => r.cpuMs))),
          wall_p50_ms: Math.round(median(noop.map((r) => r.wallMs))),
          event_loop_block_max_ms: ms(median(noop.map((r) => r.loopDelayMaxMs))),
        },
      },
      {
        name: 'noop_aged.pass_cpu_ms',
        value: ms(median(aged.map((r) => r.cpuMs))),
        unit: 'ms',
        params: {
          ...base,
          passes: AGED_PASSES,
          what: `passes with nothing to do, ${AGED_INTERVAL_MS / 1000} s of the sandbox's time before each: every task's health results re-stamped at its check interval meanwhile, as between two passes of a real cluster`,
          max_ms: ms(Math.max(...aged.map((r) => r.cpuMs))),
          wall_p50_ms: Math.round(median(aged.map((r) => r.wallMs))),
          event_loop_block_max_ms: ms(Math.max(...aged.map((r) => r.loopDelayMaxMs))),
        },
      },
      {
        name: 'noop.peak_rss_mib',
        value: Math.max(...noop.map((r) => r.peakRssMiB)),
        unit: 'MiB',
        params: {
          ...base,
          passes: NOOP_PASSES,
          ...noopWhy,
          rss_after_first_mib: noop[0]?.rssMiB ?? -1,
          rss_after_last_mib: noop.at(-1)?.rssMiB ?? -1,
          heap_after_first_mib: noop[0]?.heapUsedMiB ?? -1,
          heap_after_last_mib: noop.at(-1)?.heapUsedMiB ?? -1,
          live_heap_after_first_mib: liveHeapFirst ?? -1,
          live_heap_after_last_mib: liveHeapLast ?? -1,
        },
      },
      { name: 'noop.writes', value: noopWriteCount, unit: 'count', params: { ...base, passes: NOOP_PASSES, ...noopWhy }, goal: { op: '==', value: 0 } },
      { name: 'status.app.idle.p99', value: ms(idleApp.p99), unit: 'ms', params: { ...probeParams(idleApp, PROBE.appEveryMs), p50_ms: ms(idleApp.p50) } },
      {
        name: 'status.app.pass.p99',
        value: ms(passApp.p99),
        unit: 'ms',
        params: { ...probeParams(passApp, PROBE.appEveryMs), p50_ms: ms(passApp.p50), drifted: DRIFTED },
      },
      {
        name: 'status.all.idle.p99',
        value: ms(idleStatus.p99),
        unit: 'ms',
        params: { ...probeParams(idleStatus, PROBE.statusEveryMs), p50_ms: ms(idleStatus.p50) },
      },
      {
        name: 'status.all.pass.p99',
        value: ms(passStatus.p99),
        unit: 'ms',
        params: {
          ...probeParams(passStatus, PROBE.statusEveryMs),
          p50_ms: ms(passStatus.p50),
          drifted: DRIFTED,
          pass_cpu_ms: ms(duringPass.cpuMs),
          pass_wall_ms: Math.round(duringPass.wallMs),
        },
      },
    ];
    return records.map((r) => ({ ...r, name: `${prefix}${r.name}` }));
  } finally {
    await daemon?.stop();
    await sandbox?.close();
    await folder.remove();
  }
}
