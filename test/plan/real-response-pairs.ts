// Real Marathon answers paired with the definition the manifest translator would produce for
// the same app: only what a user writes in a manifest, in the 1.5 form, plus maracker's
// labels. Each `user` object maps field for field to a manifest spec (image, cmd, network,
// ports, resources, health checks, labels), so manifest-level pairs can be added next to
// these later. The fixtures are in test/fixtures/marathon/ (see the READMEs there).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MarathonApp, MarathonAppDefinition } from '../../src/model/marathon.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/marathon/', import.meta.url));

export interface RealResponsePair {
  /** Fixture file under test/fixtures/marathon/. */
  fixture: string;
  /** Marathon release that produced it. */
  server: string;
  id: string;
  /** What the user declared, without maracker's labels. */
  user: MarathonAppDefinition;
  /** A field to change for the "exactly one change" check: path, and the new value. */
  change: { path: 'mem' | 'cpus' | 'container.docker.image' | 'cmd'; value: string | number };
}

/** The app with `id` from a fixture: `{ apps: [...] }` (GET /v2/apps) or one exported app. */
export function loadFixtureApp(fixture: string, id: string): MarathonApp {
  const json = JSON.parse(readFileSync(FIXTURES + fixture, 'utf8')) as { apps?: MarathonApp[] } & MarathonApp;
  const apps = json.apps ?? [json];
  const app = apps.find((a) => a.id === id);
  if (app === undefined) throw new Error(`${fixture} has no app ${id}`);
  return app;
}

const nginxEchoSleep = (servicePort: number, protocol: 'HTTP' | 'MESOS_HTTP') => ({
  container: {
    type: 'DOCKER' as const,
    docker: { image: 'brndnmtthws/nginx-echo-sleep', forcePullImage: true },
    portMappings: [{ containerPort: 8080, hostPort: 0, servicePort }],
  },
  networks: [{ mode: 'container/bridge' as const }],
  cpus: 0.1,
  mem: 65,
  healthChecks: [{ protocol, path: '/', portIndex: 0, timeoutSeconds: 15, gracePeriodSeconds: 15, intervalSeconds: 3, maxConsecutiveFailures: 10 }],
  acceptedResourceRoles: ['*', 'slave_public'],
});

const zddLabels = (colour: string, targetInstances: string, startedAt: string) => ({
  HAPROXY_DEPLOYMENT_GROUP: 'nginx',
  HAPROXY_GROUP: 'external',
  HAPROXY_DEPLOYMENT_COLOUR: colour,
  HAPROXY_DEPLOYMENT_TARGET_INSTANCES: targetInstances,
  HAPROXY_DEPLOYMENT_STARTED_AT: startedAt,
  HAPROXY_DEPLOYMENT_ALT_PORT: '10001',
  HAPROXY_0_PORT: '10000',
  HAPROXY_APP_ID: 'nginx',
});

/**
 * The 2017 maracker apps: Traefik v1 labels, health checks written out with Marathon's defaults
 * left out, but for portIndex, which the translator always writes (Marathon 1.10 adds it only
 * to apps that declare ports).
 */
const traefikDocker = (name: string, image: string, instances: number, extraLabels: Record<string, string> = {}) => ({
  id: `/${name}`,
  container: { type: 'DOCKER' as const, docker: { image }, portMappings: [{ containerPort: 80 }] },
  networks: [{ mode: 'container/bridge' as const }],
  cpus: 0.1,
  mem: 64,
  instances,
  acceptedResourceRoles: ['*'],
  healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0 }],
  labels: { ...extraLabels, 'traefik.frontend.rule': `Host:${name}.marathon.localhost`, 'traefik.backend': name },
});

export const REAL_RESPONSE_PAIRS: readonly RealResponsePair[] = [
  {
    fixture: 'marathon-lb/marathon15_apps.json',
    server: '1.5.0',
    id: '/pywebserver',
    user: {
      id: '/pywebserver',
      cmd: 'echo "host $HOST and port $PORT" > index.html && python -m http.server 80',
      container: { type: 'DOCKER', docker: { image: 'python:3' }, portMappings: [{ containerPort: 80, name: 'test' }] },
      networks: [{ mode: 'container/bridge' }],
      cpus: 0.1,
      labels: { HAPROXY_GROUP: 'external', HAPROXY_0_VHOST: 'myvhost.com' },
    },
    change: { path: 'container.docker.image', value: 'python:3.12' },
  },
  {
    fixture: 'marathon-lb/zdd_app_blue_marathon1.5.json',
    server: '1.5.0',
    id: '/nginx-green',
    user: {
      id: '/nginx-green',
      ...nginxEchoSleep(10000, 'MESOS_HTTP'),
      instances: 3,
      labels: zddLabels('green', '20', '2016-02-01T14:13:42.499089'),
    },
    change: { path: 'mem', value: 128 },
  },
  {
    fixture: 'marathon-lb/zdd_apps.json',
    server: 'pre-1.5',
    id: '/nginx-green',
    user: {
      id: '/nginx-green',
      ...nginxEchoSleep(10000, 'HTTP'),
      instances: 3,
      labels: zddLabels('green', '20', '2016-02-01T14:13:42.499089'),
    },
    change: { path: 'cpus', value: 0.25 },
  },
  {
    fixture: 'marathon-lb/zdd_apps.json',
    server: 'pre-1.5',
    id: '/nginx-blue',
    user: {
      id: '/nginx-blue',
      ...nginxEchoSleep(10001, 'HTTP'),
      labels: zddLabels('blue', '3', '2016-02-01T14:57:54.371005'),
    },
    change: { path: 'container.docker.image', value: 'brndnmtthws/nginx-echo-sleep:2' },
  },
  {
    fixture: 'marathon-lb/zdd_app_blue.json',
    server: 'pre-1.5',
    id: '/nginx-green',
    user: {
      id: '/nginx-green',
      ...nginxEchoSleep(10000, 'HTTP'),
      instances: 3,
      labels: zddLabels('green', '20', '2016-02-01T14:13:42.499089'),
    },
    change: { path: 'mem', value: 64 },
  },
  {
    fixture: 'maracker-2017/nginx.json',
    server: '1.4.5',
    id: '/nginx',
    user: traefikDocker('nginx', 'nginx', 2),
    change: { path: 'container.docker.image', value: 'nginx:1.25' },
  },
  {
    fixture: 'maracker-2017/whoami.json',
    server: '1.4.5',
    id: '/whoami',
    user: traefikDocker('whoami', 'emilevauge/whoami', 8, { 'traefik.weight': '1', 'traefik.protocol': 'http' }),
    change: { path: 'mem', value: 32 },
  },
  {
    // Host networking and no port declared: Marathon's default port, assigned 10000.
    fixture: 'maracker-2017/python-simple-http.json',
    server: '1.4.5',
    id: '/test',
    user: {
      id: '/test',
      cmd: 'python -m SimpleHTTPServer $PORT0',
      acceptedResourceRoles: ['*'],
      healthChecks: [{ path: '/', portIndex: 0 }],
      labels: { 'traefik.backend': 'test', 'traefik.frontend.rule': 'Host:test.marathon.localhost' },
    },
    change: { path: 'cmd', value: 'python3 -m http.server $PORT0' },
  },
];
