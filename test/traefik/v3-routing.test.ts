// Routes served to Traefik v3 (GET /traefik/v3) that route as the labels did: manifests are
// translated as the daemon does under --traefik v3, deployed to the sandbox (real task hosts,
// ports and health), the status records built with the reconciler's functions, and the body
// decoded by the model of Traefik v3's HTTP provider (http-provider.ts) and checked against
// Traefik's published schema. Each request must reach the same servers, path, TLS and entry
// points as Traefik 2.11 reading the v2 labels of the same app (providers.ts).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { serverUrls, taskEndpoints } from '../../src/marathon/task-endpoints.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import type { AppSpec, TraefikGrammar } from '../../src/manifest/types.js';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { formatProblem } from '../../src/model/problem.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { AppStatus } from '../../src/status/model.js';
import { stableJson, traefikDynamicConfig } from '../../src/status/traefik-config.js';
import { appStatus } from '../status/fixtures.js';
import { call, sandbox, until } from '../sandbox/helpers.js';
import { traefikV2, type Request } from './providers.js';
import { traefikV3Http } from './http-provider.js';
import { traefikV3SchemaProblems } from './schema.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function desiredOf(id: string, spec: AppSpec, grammar: TraefikGrammar): DesiredApp {
  const segs = id.split('/').filter(Boolean);
  const metadata = { name: segs.at(-1), ...(segs.length > 1 ? { group: segs.slice(0, -1).join('/') } : {}) };
  const parsed = parseManifestText(stringify({ apiVersion: 'maracker/v1', kind: 'App', metadata, spec }), 'app.yaml', { traefik: grammar });
  expect(parsed.problems.map(formatProblem)).toEqual([]);
  return parsed.apps[0] as DesiredApp;
}

/** The status record the reconciler writes for a desired app and what Marathon holds. */
function record(desired: DesiredApp, actual: MarathonApp): AppStatus {
  const tasks = taskEndpoints(actual, desired.route?.port);
  return appStatus({ id: desired.id, tasks, route: desired.route ? { ...desired.route, servers: serverUrls(tasks).sort() } : null });
}

/** The body GET /traefik/v3 serves for these records, decoded as Traefik v3 would. */
function servedBody(records: AppStatus[]): { text: string; traefik: ReturnType<typeof traefikV3Http> } {
  const text = stableJson(traefikDynamicConfig(records));
  expect(traefikV3SchemaProblems(JSON.parse(text))).toEqual([]);
  const traefik = traefikV3Http(text);
  expect(traefik.errors).toEqual([]);
  return { text, traefik };
}

async function deploy(sb: Sandbox, apps: DesiredApp[]): Promise<MarathonApp[]> {
  for (const a of apps) {
    const res = await call(sb, 'POST', '/v2/apps', a.definition as never);
    expect(res.status, res.text).toBe(201);
  }
  await until(() => apps.every((a) => (sb.app(a.id)?.tasksRunning ?? 0) >= (a.definition.instances ?? 1)), 15000, 'tasks running');
  return apps.map((a) => sb.app(a.id) as MarathonApp);
}

const cmd = { cmd: 'sleep 1000', cpus: 0.1, mem: 32 } as const;
const image = { image: 'nginx:1.25', cpus: 0.1, mem: 32 } as const;

const CASES: Array<{ what: string; id: string; spec: AppSpec; requests: Request[] }> = [
  {
    what: 'host networking, the second port by name',
    id: '/host/web',
    spec: { ...cmd, ports: [{ name: 'admin' }, { name: 'web' }], expose: { host: 'h.localhost', port: 'web' } },
    requests: [{ host: 'h.localhost', path: '/' }],
  },
  {
    what: 'no ports declared: the default port',
    id: '/plain',
    spec: { ...cmd, instances: 2, expose: { host: 'plain.localhost' } },
    requests: [{ host: 'plain.localhost', path: '/x' }],
  },
  {
    what: 'bridge networking: the dynamic host port',
    id: '/bridged',
    spec: {
      ...image,
      network: 'bridge',
      ports: [
        { name: 'metrics', containerPort: 9100 },
        { name: 'web', containerPort: 80 },
      ],
      expose: { host: 'b.localhost', port: 'web' },
    },
    requests: [{ host: 'b.localhost', path: '/' }],
  },
  {
    what: 'container networking: the task IP and container port',
    id: '/ct',
    spec: { ...image, network: 'container', networkName: 'calico', ports: [{ name: 'web', containerPort: 8080 }], expose: { host: 'c.localhost' } },
    requests: [{ host: 'c.localhost', path: '/' }],
  },
  {
    what: 'several hosts, a path, strip prefix, TLS with a resolver and entry points',
    id: '/mip/web.v2',
    spec: {
      ...cmd,
      expose: { host: ['a.example.org', 'b.example.org'], path: '/stats', stripPrefix: true, tls: true, certResolver: 'le', entrypoints: ['websecure'] },
    },
    requests: [
      { host: 'a.example.org', path: '/stats/api' },
      { host: 'B.example.org', path: '/stats' },
      { host: 'a.example.org', path: '/other' },
      { host: 'c.example.org', path: '/stats' },
    ],
  },
];

describe('Traefik v3 routes as Traefik 2.11 did with the labels', () => {
  it.each(CASES)('$what', async ({ id, spec, requests }) => {
    const sb = await sandbox();
    const [app] = await deploy(sb, [desiredOf(id, spec, 'v2')]);
    const v2 = traefikV2([app as MarathonApp]);
    const { traefik } = servedBody([record(desiredOf(id, spec, 'v3'), app as MarathonApp)]);
    for (const request of requests) {
      const want = v2.route(request);
      const got = traefik.route(request);
      expect(got === undefined, `${request.host}${request.path}`).toBe(want === undefined);
      if (!want || !got) continue;
      expect({ servers: [...got.servers].sort(), path: got.path, tls: got.tls, entrypoints: got.entrypoints, name: got.name }).toEqual({
        servers: [...want.servers].sort(),
        path: want.path,
        tls: want.tls,
        entrypoints: want.entrypoints,
        name: want.name,
      });
      expect(got.servers.length).toBeGreaterThan(0);
    }
  });

  it('gives Traefik only the tasks that pass their health checks, and a router without servers when none does', async () => {
    const sb = await sandbox();
    const spec: AppSpec = { ...cmd, instances: 2, healthChecks: [{ protocol: 'COMMAND', command: 'true' }], expose: { host: 'hc.localhost' } };
    const [app] = await deploy(sb, [desiredOf('/hc', spec, 'v2')]);
    const desired = desiredOf('/hc', spec, 'v3');
    const tasks = (app as MarathonApp).tasks ?? [];
    const alive = (t: (typeof tasks)[number], ok: boolean) => ({ ...t, healthCheckResults: [{ alive: ok }] });
    const half = { ...(app as MarathonApp), tasks: [alive(tasks[0] as never, true), alive(tasks[1] as never, false)] };
    const served = servedBody([record(desired, half)]).traefik.route({ host: 'hc.localhost', path: '/' });
    expect(served?.servers).toEqual([`http://${tasks[0]?.host}:${tasks[0]?.ports?.[0]}`]);
    const none = { ...(app as MarathonApp), tasks: tasks.map((t) => alive(t, false)) };
    expect(servedBody([record(desired, none)]).traefik.route({ host: 'hc.localhost', path: '/' })).toMatchObject({ name: 'hc', servers: [] });
  });
});

describe('every example manifest, under --traefik v3', () => {
  const files = [
    ...readdirSync(join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join('examples', f)),
    'manifests/demo.yaml',
  ];

  it.each(files)('%s: the body validates against the schema and routes each exposed app to its running tasks', async (file) => {
    const parsed = parseManifestText(readFileSync(join(ROOT, file), 'utf8'), file, { traefik: 'v3' });
    expect(parsed.problems.map(formatProblem)).toEqual([]);
    for (const app of parsed.apps) {
      expect(Object.keys(app.definition.labels ?? {}).filter((k) => k.startsWith('traefik.') && k !== 'traefik.enable')).toEqual([]);
    }
    const sb = await sandbox();
    const deployed = await deploy(sb, parsed.apps);
    // health as Marathon reports it once every check passes (the sandbox runs no probe here)
    const healthy = deployed.map((a) => ({
      ...a,
      tasks: (a.tasks ?? []).map((t) => ({ ...t, healthCheckResults: (a.healthChecks ?? []).map(() => ({ alive: true })) })),
    }));
    const { traefik } = servedBody(parsed.apps.map((d, i) => record(d, healthy[i] as MarathonApp)));
    const exposed = parsed.apps.filter((a) => a.route !== undefined);
    expect(traefik.routers.size).toBe(exposed.length);
    for (const desired of exposed) {
      const actual = healthy[parsed.apps.indexOf(desired)] as MarathonApp;
      const want = taskEndpoints(actual, desired.route?.port).map((t) => `http://${t.address}`);
      expect(want.length).toBe(desired.definition.instances ?? 1);
      expect([...(traefik.services.get(desired.route?.name as string) ?? [])].sort()).toEqual(want.sort());
    }
  });
});
