// Traefik labels that route as intended, proved against the provider source: manifests are
// translated as the daemon does, deployed to the sandbox (real task ports and hosts), and the
// models of Traefik 2.11's and 1.7's Marathon providers (providers.ts, one step per function of
// their source) say where a request goes. A rule of the source per test: port selection by
// network mode and port list, names, rule syntax, TLS, middlewares, `--traefik both`, v1
// backend names, and apps without `expose` under Traefik's default settings.

import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import type { AppSpec, TraefikGrammar } from '../../src/manifest/types.js';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { formatProblem } from '../../src/model/problem.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { call, sandbox, until } from '../sandbox/helpers.js';
import { traefikV1, traefikV2, v1Segments } from './providers.js';

interface AppDoc {
  id: string;
  spec: AppSpec;
}

function desiredOf(app: AppDoc, grammar: TraefikGrammar): DesiredApp {
  const segs = app.id.split('/').filter(Boolean);
  const metadata = { name: segs.at(-1), ...(segs.length > 1 ? { group: segs.slice(0, -1).join('/') } : {}) };
  const parsed = parseManifestText(stringify({ apiVersion: 'maracker/v1', kind: 'App', metadata, spec: app.spec }), 'app.yaml', { traefik: grammar });
  expect(parsed.problems.map(formatProblem)).toEqual([]);
  return parsed.apps[0] as DesiredApp;
}

/** Deploys the apps as maracker would and returns them with their running tasks. */
async function deployed(sb: Sandbox, grammar: TraefikGrammar, apps: AppDoc[]): Promise<MarathonApp[]> {
  for (const app of apps) {
    const res = await call(sb, 'POST', '/v2/apps', desiredOf(app, grammar).definition as never);
    expect(res.status, res.text).toBe(201);
  }
  await until(() => apps.every((a) => (sb.app(a.id)?.tasksRunning ?? 0) >= 1), 15000, 'tasks running');
  return apps.map((a) => sb.app(a.id) as MarathonApp);
}

/** The app's first task: its host and host ports, as Marathon reports them. */
function task(app: MarathonApp): { host: string; ports: number[] } {
  const t = app.tasks?.[0];
  if (!t) throw new Error(`${app.id} has no task`);
  return { host: String(t.host), ports: t.ports ?? [] };
}
const cmd = { cmd: 'sleep 1000', cpus: 0.1, mem: 32 } as const;
const image = { image: 'nginx:1.25', cpus: 0.1, mem: 32 } as const;

describe('port selection by network mode and port list (processPorts, getServerHost)', () => {
  it('host networking: the task host on the host port at the exposed index, in v2 and v1', async () => {
    const sb = await sandbox();
    for (const grammar of ['v1', 'v2'] as const) {
      const id = `/host/${grammar}`;
      const [app] = await deployed(sb, grammar, [
        { id, spec: { ...cmd, ports: [{ name: 'admin' }, { name: 'web' }], expose: { host: `${grammar}.host.localhost`, port: 'web' } } },
      ]);
      const provider = grammar === 'v1' ? traefikV1([app as MarathonApp]) : traefikV2([app as MarathonApp]);
      const t = task(app as MarathonApp);
      expect(provider.route({ host: `${grammar}.host.localhost`, path: '/' })?.servers).toEqual([`http://${t.host}:${t.ports[1]}`]);
    }
  });

  it("no ports declared: Marathon's default port, index 0", async () => {
    const sb = await sandbox();
    const [app] = await deployed(sb, 'v2', [{ id: '/plain', spec: { ...cmd, expose: { host: 'plain.localhost' } } }]);
    const t = task(app as MarathonApp);
    expect(traefikV2([app as MarathonApp]).route({ host: 'plain.localhost', path: '/' })?.servers).toEqual([`http://${t.host}:${t.ports[0]}`]);
  });

  it('bridge networking: the dynamic host port, never the container port', async () => {
    const sb = await sandbox();
    const [app] = await deployed(sb, 'v2', [
      { id: '/bridged', spec: { ...image, network: 'bridge', ports: [{ name: 'web', containerPort: 80 }], expose: { host: 'b.localhost' } } },
    ]);
    const t = task(app as MarathonApp);
    expect(t.ports[0]).not.toBe(80);
    expect(traefikV2([app as MarathonApp]).route({ host: 'b.localhost', path: '/' })?.servers).toEqual([`http://${t.host}:${t.ports[0]}`]);
    expect(
      traefikV1([
        {
          ...(app as MarathonApp),
          labels:
            desiredOf(
              { id: '/bridged', spec: { ...image, network: 'bridge', ports: [{ name: 'web', containerPort: 80 }], expose: { host: 'b.localhost' } } },
              'v1',
            ).definition.labels ?? {},
        },
      ]).route({ host: 'b.localhost', path: '/' })?.servers,
    ).toEqual([`http://${t.host}:${t.ports[0]}`]);
  });

  it("container networking: the task's own IP on the container port, in v2 and v1", async () => {
    const sb = await sandbox();
    const spec: AppSpec = {
      ...image,
      network: 'container',
      networkName: 'calico',
      ports: [{ name: 'web', containerPort: 8080 }],
      expose: { host: 'c.localhost' },
    };
    const [app] = await deployed(sb, 'v2', [{ id: '/ct', spec }]);
    const ip = (((app as MarathonApp).tasks?.[0]?.['ipAddresses'] as Array<{ ipAddress: string }> | undefined) ?? [])[0]?.ipAddress;
    expect(traefikV2([app as MarathonApp]).route({ host: 'c.localhost', path: '/' })?.servers).toEqual([`http://${ip}:8080`]);
    const v1 = { ...(app as MarathonApp), labels: desiredOf({ id: '/ct', spec }, 'v1').definition.labels ?? {} };
    expect(traefikV1([v1]).route({ host: 'c.localhost', path: '/' })?.servers).toEqual([`http://${ip}:8080`]);
  });

  it('container networking without a containerPort would have no port: validate refuses it', () => {
    const parsed = parseManifestText(
      stringify({
        apiVersion: 'maracker/v1',
        kind: 'App',
        metadata: { name: 'ct' },
        spec: { ...image, network: 'container', networkName: 'calico', expose: { host: 'c.localhost' } },
      }),
      'ct.yaml',
    );
    expect(parsed.problems.map(formatProblem)).toEqual([
      expect.stringContaining('spec.expose: on a container network Traefik reaches a task at its own IP address'),
    ]);
  });
});

describe('names, rule syntax, TLS and middlewares', () => {
  it('v2: one router per app, named after the id with / as _ and . as __ (a name with "." would fail the label decoder)', async () => {
    const sb = await sandbox();
    const apps = await deployed(sb, 'v2', [
      { id: '/mip/web.v2', spec: { ...cmd, expose: { host: 'a.localhost' } } },
      { id: '/mip/web/v2', spec: { ...cmd, expose: { host: 'b.localhost' } } },
    ]);
    const provider = traefikV2(apps);
    expect(provider.names.sort()).toEqual(['mip_web__v2', 'mip_web_v2']);
    expect(provider.route({ host: 'a.localhost', path: '/' })?.servers).toEqual([
      `http://${task(apps[0] as MarathonApp).host}:${task(apps[0] as MarathonApp).ports[0]}`,
    ]);
    expect(provider.route({ host: 'b.localhost', path: '/' })?.servers).toEqual([
      `http://${task(apps[1] as MarathonApp).host}:${task(apps[1] as MarathonApp).ports[0]}`,
    ]);
  });

  it('routes every host of the list and only under the path prefix, in both rule syntaxes', async () => {
    const sb = await sandbox();
    const spec: AppSpec = { ...cmd, expose: { host: ['a.example.org', 'b.example.org'], path: '/stats' } };
    for (const grammar of ['v1', 'v2'] as const) {
      const [app] = await deployed(sb, grammar, [{ id: `/rules/${grammar}`, spec }]);
      const provider = grammar === 'v1' ? traefikV1([app as MarathonApp]) : traefikV2([app as MarathonApp]);
      expect(provider.route({ host: 'a.example.org', path: '/stats/x' })?.path).toBe('/stats/x');
      expect(provider.route({ host: 'B.example.org', path: '/stats' })).toBeDefined();
      expect(provider.route({ host: 'a.example.org', path: '/other' })).toBeUndefined();
      expect(provider.route({ host: 'c.example.org', path: '/stats' })).toBeUndefined();
      await call(sb, 'DELETE', `/v2/apps/rules/${grammar}`);
    }
  });

  it('strips the prefix (v2 stripprefix middleware, v1 PathPrefixStrip) and sets TLS and entry points on the v2 router', async () => {
    const sb = await sandbox();
    const spec: AppSpec = {
      ...cmd,
      expose: { host: 'nb.example.org', path: '/stats', stripPrefix: true, tls: true, certResolver: 'le', entrypoints: ['websecure'] },
    };
    const [v2app] = await deployed(sb, 'v2', [{ id: '/tls/v2', spec }]);
    expect(traefikV2([v2app as MarathonApp]).route({ host: 'nb.example.org', path: '/stats/api' })).toMatchObject({
      path: '/api',
      tls: true,
      entrypoints: ['websecure'],
    });
    const [v1app] = await deployed(sb, 'v1', [{ id: '/tls/v1', spec }]);
    // v1: TLS belongs to the entry point, chosen with entrypoints
    expect(traefikV1([v1app as MarathonApp]).route({ host: 'nb.example.org', path: '/stats/api' })).toMatchObject({ path: '/api', entrypoints: ['websecure'] });
  });
});

describe('--traefik both', () => {
  it('the labels written before broke every exposed app under 1.7: the v2 port label is read as a segment and routes to port 80', async () => {
    const sb = await sandbox();
    const [app] = await deployed(sb, 'v2', [{ id: '/old', spec: { ...cmd, expose: { host: 'old.localhost' } } }]);
    // main's `both` labels for this app, word for word
    const old = {
      'traefik.enable': 'true',
      'traefik.backend': 'old',
      'traefik.frontend.rule': 'Host:old.localhost',
      'traefik.portIndex': '0',
      'traefik.http.routers.old.rule': 'Host(`old.localhost`)',
      'traefik.http.routers.old.service': 'old',
      'traefik.http.services.old.loadbalancer.server.port': 'index:0',
    };
    expect([...v1Segments(old).keys()]).toEqual(['http.services.old.loadbalancer.server']);
    const t = task(app as MarathonApp);
    expect(traefikV1([{ ...(app as MarathonApp), labels: old }]).route({ host: 'old.localhost', path: '/' })?.servers).toEqual([`http://${t.host}:80`]);
  });

  it('routes the same app to the same port under 1.7 and 2.11', async () => {
    const sb = await sandbox();
    const [app] = await deployed(sb, 'both', [
      {
        id: '/mip/both',
        spec: {
          ...image,
          network: 'bridge',
          ports: [
            { name: 'web', containerPort: 80 },
            { name: 'metrics', containerPort: 9100 },
          ],
          expose: { host: 'both.localhost', path: '/p', stripPrefix: true },
        },
      },
    ]);
    const t = task(app as MarathonApp);
    const expected = { servers: [`http://${t.host}:${t.ports[0]}`], path: '/x' };
    expect(traefikV1([app as MarathonApp]).route({ host: 'both.localhost', path: '/p/x' })).toMatchObject(expected);
    expect(traefikV2([app as MarathonApp]).route({ host: 'both.localhost', path: '/p/x' })).toMatchObject(expected);
  });
});

describe('v1 backend and frontend names (provider.Normalize keeps only letter-and-digit runs)', () => {
  it('keeps apps whose ids differ only in /, . or - apart: own frontend, own backend, own tasks', async () => {
    const sb = await sandbox();
    const ids = ['/mip/web.v2', '/mip/web/v2', '/mip-web/v2'];
    const apps = await deployed(
      sb,
      'v1',
      ids.map((id, i) => ({ id, spec: { ...cmd, expose: { host: `h${i}.localhost` } } })),
    );
    const provider = traefikV1(apps);
    expect(new Set(provider.backends.keys()).size).toBe(3);
    ids.forEach((_, i) => {
      const t = task(apps[i] as MarathonApp);
      expect(provider.route({ host: `h${i}.localhost`, path: '/' })?.servers).toEqual([`http://${t.host}:${t.ports[0]}`]);
    });
  });

  it('with the app-wide labels written before, such apps shared one backend and lost a frontend', async () => {
    const sb = await sandbox();
    const apps = await deployed(sb, 'v1', [
      { id: '/mip/web.v2', spec: { ...cmd, expose: { host: 'a.localhost' } } },
      { id: '/mip/web/v2', spec: { ...cmd, expose: { host: 'b.localhost' } } },
    ]);
    const old = (app: MarathonApp, backend: string, host: string) => ({
      ...app,
      labels: { 'traefik.enable': 'true', 'traefik.backend': backend, 'traefik.frontend.rule': `Host:${host}`, 'traefik.portIndex': '0' },
    });
    const provider = traefikV1([old(apps[0] as MarathonApp, 'mip_web__v2', 'a.localhost'), old(apps[1] as MarathonApp, 'mip_web_v2', 'b.localhost')]);
    expect(provider.backends.size).toBe(1);
    expect(provider.route({ host: 'b.localhost', path: '/' })).toBeUndefined();
  });
});

describe("apps that declare no expose, under Traefik's default settings (exposedByDefault)", () => {
  it('are not routed: maracker marks them traefik.enable=false', async () => {
    const sb = await sandbox();
    const [app] = await deployed(sb, 'v2', [{ id: '/mip/private', spec: cmd }]);
    expect(traefikV2([app as MarathonApp]).names).toEqual([]);
    expect(traefikV1([app as MarathonApp]).names).toEqual([]);
  });

  it('would be routed by a default rule made from the app id without that label', async () => {
    const sb = await sandbox();
    const [app] = await deployed(sb, 'v2', [{ id: '/mip/private', spec: cmd }]);
    const unlabelled = { ...(app as MarathonApp), labels: {} };
    expect(traefikV2([unlabelled]).route({ host: 'mip-private', path: '/' })).toBeDefined();
    expect(traefikV1([unlabelled]).route({ host: 'mip-private', path: '/' })).toBeDefined();
  });
});
