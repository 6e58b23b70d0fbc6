// Scenario 8: converging 1,000 new apps under the deployment cap.
//
// The daemon (own process) runs with an empty manifests folder and its default
// --max-deployments 20, but --write-rate 50: with the default 20 writes per second the rate
// alone would keep fewer than 20 deployments running, and the cap would not be what is
// tested. Marathon's deployments take at least 750 ms (sandbox deployment duration; tasks
// stage, start and turn healthy within it), and the sandbox allows Marathon's default 100
// running deployments.
//
// Timer: starts just before the bench writes 1,000 manifest files (one app each, in 50 new
// group folders: a `git pull` of a big change), stops when the daemon's GET /status reports
// all 1,000 Synced and Healthy (polled every 100 ms). Also: when the sandbox itself had all
// 1,000 apps healthy with no deployment left. The largest number of deployments running at
// once is counted in the sandbox (deployment_info opens one, deployment_success closes it)
// and must not exceed the cap, nor may the daemon's own deploymentsPeak; the writes must be
// exactly 1,000 creates, each answered 201. Else the scenario throws.
//
// Run alone: npm run bench -- --only converge

import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import type { DaemonStatus } from '../src/status/model.js';
import { startBenchDaemon, until, untilReady, type BenchDaemon } from './daemon-process.js';
import { fleet, writeManifests } from './fleet.js';
import type { BenchRecord } from './record.js';
import { HOST_PORTS, round1, tempDir } from './util.js';
import { appWriteRequests, lastSeq, SandboxWatch } from './watch-sandbox.js';

const APPS = 1_000;
const CAP = 20;
const WRITE_RATE = 50;
const DEPLOYMENT_MS = 750;

export async function benchConverge(): Promise<BenchRecord[]> {
  const folder = await tempDir('converge');
  let sandbox: Sandbox | undefined;
  let daemon: BenchDaemon | undefined;
  let watch: SandboxWatch | undefined;
  try {
    sandbox = await startSandbox({ deploymentDurationMs: DEPLOYMENT_MS, maxRunningDeployments: 100, hostPortRange: HOST_PORTS });
    const sb = sandbox;
    watch = new SandboxWatch(sb);
    const w = watch;
    daemon = await startBenchDaemon(['--marathon', sb.url, '--manifests', folder.path, '--max-deployments', String(CAP), '--write-rate', String(WRITE_RATE)]);
    await untilReady(daemon);
    const d = daemon;
    const since = lastSeq(sb);
    w.resetPeak();

    const t0 = performance.now();
    await writeManifests(folder.path, fleet(APPS));
    const writtenMs = performance.now() - t0;
    let sandboxDoneMs: number | undefined;
    const sandboxDone = (): boolean => {
      if (sandboxDoneMs === undefined && w.deploymentsRunning === 0 && sb.deployments().length === 0) {
        const apps = sb.apps();
        if (apps.length === APPS && apps.every((a) => (a.tasksHealthy ?? 0) === (a.instances ?? 1))) sandboxDoneMs = performance.now() - t0;
      }
      return sandboxDoneMs !== undefined;
    };
    let lastCount = 0;
    await until(
      async () => {
        sandboxDone();
        const res = await fetch(`${d.statusUrl}/status?sync=Synced&health=Healthy`);
        const doc = (await res.json()) as DaemonStatus;
        lastCount = doc.apps.length;
        return lastCount === APPS;
      },
      `all ${APPS} apps Synced and Healthy`,
      240_000,
      100,
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)} (${lastCount} were)`);
    });
    const statusDoneMs = performance.now() - t0;
    await until(() => sandboxDone(), 'the sandbox settled', 30_000, 20);

    const state = await d.state();
    const writes = appWriteRequests(sb, since);
    const creates = writes.filter((e) => e.method === 'POST' && e.path === '/v2/apps' && e.status === 201);
    if (writes.length !== APPS || creates.length !== APPS) {
      const other = writes.filter((e) => !(e.method === 'POST' && e.status === 201));
      throw new Error(
        `converge: ${writes.length} writes, ${creates.length} creates answered 201; others: ${other
          .slice(0, 5)
          .map((e) => `${e.method} ${e.path} ${e.status}`)
          .join(', ')}`,
      );
    }
    if (w.deploymentsPeak > CAP || state.deploymentsPeak > CAP)
      throw new Error(`converge: ${w.deploymentsPeak} deployments ran at once in the sandbox (daemon counted ${state.deploymentsPeak}), cap ${CAP}`);

    const params = {
      apps: APPS,
      max_deployments: CAP,
      write_rate: WRITE_RATE,
      deployment_ms: DEPLOYMENT_MS,
      concurrency: 8,
      files_written_ms: Math.round(writtenMs),
    };
    return [
      {
        name: 'converge.all_synced_healthy_ms',
        value: Math.round(statusDoneMs),
        unit: 'ms',
        params: { ...params, sandbox_all_healthy_ms: Math.round(sandboxDoneMs ?? NaN), apps_per_s: round1(APPS / (statusDoneMs / 1000)) },
      },
      {
        name: 'converge.deployments_peak',
        value: w.deploymentsPeak,
        unit: 'count',
        params: { ...params, counted: 'in the sandbox' },
        goal: { op: '<=', value: CAP },
      },
      {
        name: 'converge.daemon_deployments_peak',
        value: state.deploymentsPeak,
        unit: 'count',
        params: { ...params, counted: "by the daemon's deployment gate" },
        goal: { op: '<=', value: CAP },
      },
      {
        name: 'converge.writes',
        value: writes.length,
        unit: 'count',
        params: { ...params, checked: 'all POST /v2/apps answered 201' },
        goal: { op: '==', value: APPS },
      },
    ];
  } finally {
    watch?.close();
    await daemon?.stop();
    await sandbox?.close();
    await folder.remove();
  }
}
