// Scenario: GET /traefik/v3 at 1,000 exposed apps (issue 19), what Traefik v3's HTTP provider
// polls. 1,000 manifests, every app exposed (1 to 3 instances: about 2,000 tasks), the sandbox
// preloaded with their --traefik v3 definitions (simulated tasks pass their health checks),
// the daemon in its own process with --traefik v3, ready and serving every task.
// 1. Poll: GET /traefik/v3 over one keep-alive connection, one request after the other, as
//    Traefik's provider does (it sends no If-None-Match): latency from sending the request
//    to the last byte, on the bench's clock. Nothing changes meanwhile, so this is the cached
//    body. Plus the same with If-None-Match (a 304) for other clients.
// 2. Freshness: a task of one app is killed (Marathon replaces it); the time from the kill's
//    answer to the first poll whose body no longer lists that task, polling as fast as the
//    answers come. This is Marathon's event, maracker's re-read of the app, and the rebuild of
//    the whole body (1,000 routers) on the first poll after the change. The resync is ten
//    minutes away: only the event explains the change.
//
// Run alone: npm run bench -- --only traefik-v3

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startBenchDaemon, until, untilReady, type BenchDaemon } from './daemon-process.js';
import { fleet, translatedFolder, writeManifests } from './fleet.js';
import { median, percentile, type BenchRecord } from './record.js';
import { HOST_PORTS, tempDir } from './util.js';

const APPS = 1_000;
const POLLS = 400;
const KILLS = 7;

function get(agent: Agent, url: string, headers: Record<string, string> = {}): Promise<{ ms: number; status: number; body: string; etag: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          ms: performance.now() - t0,
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          etag: String(res.headers.etag ?? ''),
        }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

function servers(body: string): Set<string> {
  const doc = JSON.parse(body) as { http?: { services?: Record<string, { loadBalancer?: { servers?: Array<{ url: string }> } }> } };
  return new Set(Object.values(doc.http?.services ?? {}).flatMap((s) => (s.loadBalancer?.servers ?? []).map((x) => x.url)));
}

export async function benchTraefikV3(): Promise<BenchRecord[]> {
  const folder = await tempDir('traefik-v3');
  let sandbox: Sandbox | undefined;
  let daemon: BenchDaemon | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await writeManifests(folder.path, fleet(APPS));
    const desired = await translatedFolder(folder.path, 'v3');
    if (desired.some((d) => d.route === undefined)) throw new Error('traefik-v3: every bench app should be exposed');
    const tasks = desired.reduce((n, d) => n + (d.definition.instances ?? 1), 0);
    sandbox = await startSandbox({ deploymentDurationMs: 30, hostPortRange: HOST_PORTS });
    sandbox.preload(desired.map((d) => d.definition));
    const sb = sandbox;
    daemon = await startBenchDaemon(['--marathon', sb.url, '--manifests', folder.path, '--traefik', 'v3', '--resync-interval', '600'], { logLevel: 'warn' });
    await untilReady(daemon);
    const url = `${daemon.statusUrl}/traefik/v3`;
    // every task healthy and served
    const ready = await until(
      async () => {
        const r = await get(agent, url);
        return r.status === 200 && servers(r.body).size === tasks ? r : undefined;
      },
      `all ${tasks} tasks served`,
      120_000,
      200,
    );

    // 1. polls of an unchanged configuration
    const polls: number[] = [];
    for (let i = 0; i < POLLS; i++) {
      const r = await get(agent, url);
      if (r.status !== 200 || r.body !== ready.body) throw new Error(`traefik-v3: poll ${i} answered ${r.status} or another body with nothing changed`);
      polls.push(r.ms);
    }
    const notModified: number[] = [];
    for (let i = 0; i < POLLS / 4; i++) {
      const r = await get(agent, url, { 'if-none-match': ready.etag });
      if (r.status !== 304) throw new Error(`traefik-v3: If-None-Match answered ${r.status}`);
      notModified.push(r.ms);
    }

    // 2. a killed task leaves the served configuration
    const fresh: number[] = [];
    const ids = desired.map((d) => d.id);
    for (let k = 0; k < KILLS; k++) {
      const id = ids[(k * 137) % ids.length] as string;
      const task = sb.app(id)?.tasks?.find((t) => t.state === 'TASK_RUNNING');
      if (!task) throw new Error(`traefik-v3: ${id} has no running task`);
      const victim = `http://${task.host}:${task.ports?.[0]}`;
      if (!servers((await get(agent, url)).body).has(victim)) throw new Error(`traefik-v3: ${victim} of ${id} is not served`);
      const res = await fetch(`${sb.url}/v2/apps${id}/tasks/${task.id}`, { method: 'DELETE' });
      if (!res.ok) throw new Error(`traefik-v3: killing ${task.id} answered ${res.status}`);
      const t0 = performance.now();
      await until(async () => !servers((await get(agent, url)).body).has(victim), `${victim} out of the served configuration`, 30_000, 0);
      fresh.push(performance.now() - t0);
    }

    const params = { apps: APPS, tasks, body_bytes: Buffer.byteLength(ready.body), routers: desired.length };
    return [
      { name: 'traefik_v3.poll.p50', value: Math.round(median(polls) * 100) / 100, unit: 'ms', params: { ...params, polls: POLLS, connection: 'keep-alive' } },
      {
        name: 'traefik_v3.poll.p99',
        value: Math.round(percentile(polls, 99) * 100) / 100,
        unit: 'ms',
        params: { ...params, polls: POLLS, max_ms: Math.round(Math.max(...polls) * 100) / 100 },
        goal: { op: '<=', value: 100 },
      },
      {
        name: 'traefik_v3.not_modified.p50',
        value: Math.round(median(notModified) * 100) / 100,
        unit: 'ms',
        params: { ...params, polls: POLLS / 4, answer: '304' },
      },
      {
        name: 'traefik_v3.task_killed_to_served_ms',
        value: Math.round(median(fresh)),
        unit: 'ms',
        params: { ...params, kills: KILLS, every_run: fresh.map((x) => Math.round(x)).join(','), resync_s: 600, from: 'the kill answered' },
        goal: { op: '<=', value: 1000 },
      },
    ];
  } finally {
    agent.destroy();
    await daemon?.stop();
    await sandbox?.close();
    await folder.remove();
  }
}
