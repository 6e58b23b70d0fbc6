// Scenario 9: one changed app among 1,000, maracker side by side with what teams do without
// a reconciler: a CI job that, on every change, PUTs every app definition to Marathon and
// waits for the deployments it started.
//
// Setup: 1,000 manifests (one app each) and the sandbox preloaded with the definitions
// maracker's translator produces from them. The sandbox takes Marathon's times, not its own:
// - every write is answered after 30 ms (writeLatencyMs), one write at a time: Marathon answers
//   a PUT once its GroupManager has stored the new root group, one root update at a time, which
//   takes tens of ms on a real cluster (ZooKeeper writes of the root group);
// - a deployment takes at least 3,000 ms (deploymentDurationMs): restarting a task takes
//   seconds on Mesos (offer, staging, image already pulled, health checks passing).
// Both are conservative for the script: a larger root group or a busy ZooKeeper makes every
// PUT slower, and an image pull makes the restart longer for both sides alike.
// The same app (the 500th by id, so the script reaches it half-way through its loop) gets the
// same kind of change twice, a mem change that makes Marathon restart it:
// 1. maracker (its own process, production defaults, already running and in sync): the
//    manifest is saved with mem 512 -> 768, then back, then again (3 runs). Timer from the
//    save to convergence.
// 2. the daemon stopped, the manifest saved with the other mem, then the script (3 runs,
//    each after a new save), in the bench process: for each app, sorted by id (a loop over the definition files),
//    `PUT /v2/apps/{id}` with the full definition maracker's translator produced from the
//    manifest (the JSON files such a repository would hold; their reading is not timed),
//    Marathon's default partial update, one request at a time; then it polls
//    GET /v2/deployments every 500 ms until none of the deployments it started is left.
//    Timer from the script's start to convergence. The CI job's own start-up (checkout,
//    runner) is not counted.
// Convergence, the same for both, observed in the sandbox: the app has the new mem, no
// deployment runs, all its tasks run and are healthy (Marathon ends a restart's deployment
// only once the new tasks are healthy and the old ones are gone).
// Writes: the write requests the sandbox received from the change until the next change
// (after maracker's last one, 2.5 s more, to catch late writes). Medians of the 3 runs.
//
// What Marathon does with an unchanged PUT: AppsResource.updateOrCreate keeps the app's
// versionInfo, GroupVersioningUtil.updateVersionInfoForChangedApps sees no upgrade and no
// scale, so the deployment plan has no step for it: nothing restarts, but a deployment (with
// no steps) and a new root group version are created and stored for every PUT. The sandbox
// does the same: an empty deployment that ends at once, the app keeps its version. The
// scenario checks it: only the changed app may get a new version.
//
// Run alone: npm run bench -- --only versus-script

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MarathonAppDefinition } from '../src/model/marathon.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startBenchDaemon, until, untilReady, type BenchDaemon } from './daemon-process.js';
import { fleet, manifestText, translatedFolder, writeManifests, type FleetApp } from './fleet.js';
import { median, type BenchRecord } from './record.js';
import { HOST_PORTS, round1, sleep, tempDir } from './util.js';
import { appWriteRequests, lastSeq } from './watch-sandbox.js';

const APPS = 1_000;
/** Marathon answers a write once its root group update is stored: tens of ms. */
const WRITE_LATENCY_MS = 30;
/** A deployment that restarts a task takes seconds. */
const DEPLOYMENT_MS = 3_000;
const SCRIPT_POLL_MS = 500;
const RUNS = 3;

/** The CI script: PUT every definition, then wait for the deployments it started. */
async function putEverything(url: string, definitions: readonly MarathonAppDefinition[]): Promise<{ puts: number; deployments: number }> {
  const started = new Set<string>();
  for (const def of definitions) {
    const res = await fetch(`${url}/v2/apps${def.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(def) });
    if (!res.ok) throw new Error(`script: PUT ${def.id} answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { deploymentId: string };
    started.add(body.deploymentId);
  }
  for (;;) {
    const res = await fetch(`${url}/v2/deployments`);
    const running = (await res.json()) as Array<{ id: string }>;
    if (!running.some((d) => started.has(d.id))) break;
    await sleep(SCRIPT_POLL_MS);
  }
  return { puts: definitions.length, deployments: started.size };
}

function converged(sb: Sandbox, id: string, mem: number): boolean {
  const app = sb.app(id);
  return app !== undefined && app.mem === mem && sb.deployments().length === 0 && app.tasksRunning === app.instances && app.tasksHealthy === app.instances;
}

export async function benchVersusScript(): Promise<BenchRecord[]> {
  const folder = await tempDir('versus');
  let sandbox: Sandbox | undefined;
  let daemon: BenchDaemon | undefined;
  try {
    const apps = fleet(APPS);
    await writeManifests(folder.path, apps);
    sandbox = await startSandbox({ deploymentDurationMs: DEPLOYMENT_MS, writeLatencyMs: WRITE_LATENCY_MS, hostPortRange: HOST_PORTS });
    sandbox.preload((await translatedFolder(folder.path)).map((d) => d.definition));
    const sb = sandbox;
    const byId = [...apps].sort((a, b) => (a.id < b.id ? -1 : 1));
    const target = byId[APPS / 2 - 1] as FleetApp;
    const save = (mem: number): Promise<void> => writeFile(join(folder.path, target.file), manifestText(target.index, { mem }));

    // 1. maracker, RUNS changes one after the other (mem 768, 512, 768...)
    daemon = await startBenchDaemon(['--marathon', sb.url, '--manifests', folder.path]);
    await untilReady(daemon);
    const d = daemon;
    if (appWriteRequests(sb).length > 0) throw new Error('the daemon wrote at start over apps in sync');
    let mem = 512;
    const m: Array<{ convergeMs: number; statusMs: number; since: number }> = [];
    for (let r = 0; r < RUNS; r++) {
      mem = mem === 512 ? 768 : 512;
      const want = mem;
      const since = lastSeq(sb);
      await save(want);
      const m0 = performance.now();
      let statusMs: number | undefined;
      const statusSynced = async (): Promise<boolean> => {
        if (statusMs !== undefined) return true;
        const res = await fetch(`${d.statusUrl}/status/apps${target.id}`);
        const s = res.status === 200 ? ((await res.json()) as { sync: string; health: string }) : undefined;
        if (s?.sync === 'Synced' && s.health === 'Healthy' && sb.app(target.id)?.mem === want) statusMs = performance.now() - m0;
        return statusMs !== undefined;
      };
      await until(
        async () => {
          await statusSynced();
          return converged(sb, target.id, want);
        },
        'maracker to converge',
        60_000,
        10,
      );
      const convergeMs = performance.now() - m0;
      await until(statusSynced, 'maracker to report the app Synced and Healthy', 30_000, 10);
      m.push({ convergeMs, statusMs: statusMs ?? NaN, since });
    }
    // Late writes of the last change would show up here.
    await sleep(2_500);
    const mWrites = m.map(
      (run, r) => appWriteRequests(sb, run.since).filter((e) => r + 1 >= m.length || e.seq <= (m[r + 1] as { since: number }).since).length,
    );
    if (mWrites.some((n) => n !== 1)) throw new Error(`versus: maracker wrote ${mWrites.join(', ')} times for one change each`);
    await d.stop();
    daemon = undefined;

    // 2. the script, RUNS times (mem back and forth again)
    const s: Array<{ convergeMs: number; doneMs: number; writes: number; deployments: number; restarted: number }> = [];
    for (let r = 0; r < RUNS; r++) {
      mem = mem === 512 ? 768 : 512;
      const want = mem;
      await save(want);
      const definitions = (await translatedFolder(folder.path)).map((a) => a.definition).sort((a, b) => (a.id < b.id ? -1 : 1));
      const versionsBefore = new Map(sb.apps().map((a) => [a.id, a.version]));
      const since = lastSeq(sb);
      const s0 = performance.now();
      let doneMs = 0;
      const script = putEverything(sb.url, definitions).then((res) => {
        doneMs = performance.now() - s0;
        return res;
      });
      await until(() => converged(sb, target.id, want), 'the script to converge', 120_000, 10);
      const convergeMs = performance.now() - s0;
      const ran = await script;
      const restarted = sb
        .apps()
        .filter((a) => a.version !== versionsBefore.get(a.id))
        .map((a) => a.id);
      if (restarted.length !== 1 || restarted[0] !== target.id)
        throw new Error(`versus: the script changed the version of ${restarted.length} apps: ${restarted.slice(0, 5).join(', ')}`);
      s.push({ convergeMs, doneMs, writes: appWriteRequests(sb, since).length, deployments: ran.deployments, restarted: restarted.length - 1 });
    }

    const mConverge = median(m.map((x) => x.convergeMs));
    const sConverge = median(s.map((x) => x.convergeMs));
    const mWrite = median(mWrites);
    const sWrite = median(s.map((x) => x.writes));
    const params = { apps: APPS, changed: 'one app, mem (rolling restart)', deployment_ms: DEPLOYMENT_MS, write_latency_ms: WRITE_LATENCY_MS, runs: RUNS };
    const scriptParams = {
      ...params,
      script: 'sequential PUT of every full definition (each answered after write_latency_ms), then polls /v2/deployments every 500 ms',
      position: APPS / 2,
      deployments_started: median(s.map((x) => x.deployments)),
      script_finished_ms: Math.round(median(s.map((x) => x.doneMs))),
      other_apps_restarted: Math.max(...s.map((x) => x.restarted)),
    };
    return [
      { name: 'versus.maracker.writes', value: mWrite, unit: 'count', params: { ...params, every_run: mWrites.join(',') } },
      { name: 'versus.script.writes', value: sWrite, unit: 'count', params: { ...scriptParams, every_run: s.map((x) => x.writes).join(',') } },
      { name: 'versus.writes_ratio', value: round1(sWrite / mWrite), unit: 'ratio', params: { ...params, what: 'script writes / maracker writes' } },
      {
        name: 'versus.maracker.converge_ms',
        value: Math.round(mConverge),
        unit: 'ms',
        params: {
          ...params,
          from: 'file saved',
          every_run: m.map((x) => Math.round(x.convergeMs)).join(','),
          status_synced_healthy_ms: Math.round(median(m.map((x) => x.statusMs))),
        },
      },
      {
        name: 'versus.script.converge_ms',
        value: Math.round(sConverge),
        unit: 'ms',
        params: { ...scriptParams, from: 'script started', every_run: s.map((x) => Math.round(x.convergeMs)).join(',') },
      },
      {
        name: 'versus.converge_ratio',
        value: Math.round((sConverge / mConverge) * 100) / 100,
        unit: 'ratio',
        params: { ...params, what: 'script / maracker, medians of time to converge' },
      },
    ];
  } finally {
    await daemon?.stop();
    await sandbox?.close();
    await folder.remove();
  }
}
