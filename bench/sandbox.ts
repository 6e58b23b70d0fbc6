// Time for the sandbox to answer GET /v2/apps over 10,000 apps, so that the sandbox never
// dominates the daemon's benchmarks (goal: well under 100 ms for a full listing on a 2-core box).
// Listings: plain (what a resync reads), with the ownership label selector, and with
// embed=apps.tasks&embed=apps.counts (about 20,000 tasks); each on an unchanged sandbox and
// right after a write (one app scaled, so its JSON is rebuilt and the listing re-assembled),
// plus the very first listing, which serialises every app. Wall time from sending the request
// to the last byte received, over a keep-alive connection, client in the same process; the
// median of the measured runs.
//
// Run: npm run build && node dist/bench/sandbox.js

import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { LABEL_MANAGED_BY, LEGACY_MANAGED_BY, ownershipSelector } from '../src/model/labels.js';
import type { MarathonAppDefinition } from '../src/model/marathon.js';
import { startSandbox } from '../src/sandbox/sandbox.js';
import { median, type BenchRecord } from './record.js';

const APPS = 10_000;
const WARMUP_RUNS = 3;
const MEASURED_RUNS = 15;

function definition(i: number): MarathonAppDefinition {
  const name = `app-${String(i).padStart(5, '0')}`;
  const labels: Record<string, string> = {
    'traefik.enable': 'true',
    [`traefik.http.routers.${name}.rule`]: `Host(\`${name}.mip.example.org\`)`,
    team: `team-${i % 17}`,
  };
  // half the apps are maracker's
  if (i % 2 === 0) labels[LABEL_MANAGED_BY] = LEGACY_MANAGED_BY;
  const common = { id: `/mip/group-${i % 50}/${name}`, instances: 1 + (i % 3), cpus: 0.25, mem: 512, env: { APP_NAME: name }, labels };
  if (i % 10 < 7) {
    return {
      ...common,
      container: {
        type: 'DOCKER',
        docker: { image: `registry.example.org/${name}:1.${i % 7}` },
        portMappings: [{ containerPort: 8080, hostPort: 0, name: 'http' }],
      },
      networks: [{ mode: 'container/bridge' }],
      healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 }],
    };
  }
  return { ...common, cmd: `./serve --port $PORT0 --name ${name}`, portDefinitions: [{ port: 0, name: 'http' }] };
}

function get(agent: Agent, url: string): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    request(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${url}: ${res.statusCode}`));
        else resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes });
      });
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

function put(agent: Agent, url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'PUT', headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(agent: Agent, url: string, before?: (run: number) => Promise<void>): Promise<{ median: number; bytes: number }> {
  for (let i = 0; i < WARMUP_RUNS; i++) await get(agent, url);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < MEASURED_RUNS; i++) {
    await before?.(i);
    const r = await get(agent, url);
    times.push(r.ms);
    bytes = r.bytes;
  }
  return { median: median(times), bytes };
}

export async function benchSandbox(): Promise<BenchRecord[]> {
  const sandbox = await startSandbox({ deploymentDurationMs: 0, hostPortRange: { min: 20001, max: 65000 } });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    sandbox.preload(Array.from({ length: APPS }, (_, i) => definition(i)));
    // the first listing serialises every app; later ones reuse each app's cached bytes
    const cold = await get(agent, `${sandbox.url}/v2/apps`);
    // an unchanged sandbox answers from its cached bytes; after a write only the changed app
    // is serialised again, so the second scenario shows the cost of the concatenation
    const scaleOne = (run: number): Promise<void> =>
      put(agent, `${sandbox.url}/v2/apps/mip/group-1/app-00001?force=true`, JSON.stringify({ instances: 1 + (run % 2) }));
    const scenarios: Array<[string, string, number | undefined, ((run: number) => Promise<void>) | undefined]> = [
      ['sandbox.list_apps.p50', '/v2/apps', 100, undefined],
      ['sandbox.list_apps_after_write.p50', '/v2/apps', 100, scaleOne],
      ['sandbox.list_apps_label.p50', `/v2/apps?label=${encodeURIComponent(ownershipSelector('bench'))}`, 100, undefined],
      ['sandbox.list_apps_tasks_counts.p50', '/v2/apps?embed=apps.tasks&embed=apps.counts', undefined, undefined],
      ['sandbox.list_apps_tasks_counts_after_write.p50', '/v2/apps?embed=apps.tasks&embed=apps.counts', undefined, scaleOne],
    ];
    const records: BenchRecord[] = [
      {
        name: 'sandbox.list_apps_cold',
        value: Math.round(cold.ms * 10) / 10,
        unit: 'ms',
        params: { apps: APPS, runs: 1, response_mib: Math.round((cold.bytes / 1048576) * 10) / 10 },
      },
    ];
    for (const [name, path, goal, before] of scenarios) {
      const r = await measure(agent, `${sandbox.url}${path}`, before);
      records.push({
        name,
        value: Math.round(r.median * 10) / 10,
        unit: 'ms',
        params: { apps: APPS, runs: MEASURED_RUNS, response_mib: Math.round((r.bytes / 1048576) * 10) / 10 },
        ...(goal !== undefined ? { goal: { op: '<=' as const, value: goal } } : {}),
      });
    }
    return records;
  } finally {
    agent.destroy();
    await sandbox.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchSandbox()) {
    console.log(
      `${r.name.padEnd(40)} ${String(r.value).padStart(8)} ${r.unit}  ${JSON.stringify(r.params)}${r.goal ? `  goal ${r.goal.op} ${r.goal.value}` : ''}`,
    );
  }
}
