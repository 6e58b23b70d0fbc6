// compose.yaml, checked without a Docker engine: the Compose Specification's schema, the
// services and their images, health checks and start order, and maracker's configuration
// as the daemon itself would read it.

import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DAEMON_OPTIONS, loadDaemonConfig } from '../../src/config/daemon.js';
import { envSchema } from '../../src/config/env-schema.js';
import { composeValidator } from './compose-schema.js';
import {
  dependencies,
  healthcheckCommand,
  interpolate,
  interpolateDeep,
  mounts,
  publishedPorts,
  readCompose,
  REPO_ROOT,
  serviceEnv,
  type Service,
} from './compose.js';
import { instructionsOf, parseDockerfile, stageEnv } from './dockerfile.js';

const run = promisify(execFile);
const { text, doc: raw } = readCompose();
// What Compose sees with no variables set on the host.
const compose = interpolateDeep(raw, {});
const services = compose.services;

const image = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const imageStage = image.stages[image.stages.length - 1];
if (!imageStage) throw new Error('Dockerfile has no stage');

function service(name: string): Service {
  const s = services[name];
  if (!s) throw new Error(`compose.yaml has no service ${name}`);
  return s;
}

/** The environment maracker's container gets: the image's ENV, then compose's environment. */
function marackerEnv(): Record<string, string> {
  return { ...stageEnv(imageStage as NonNullable<typeof imageStage>), ...serviceEnv(service('maracker')) };
}

function marathonPort(): number {
  return Number(serviceEnv(service('marathon')).MARATHON_HTTP_PORT ?? 8080);
}

// biome-ignore lint/suspicious/noExplicitAny: a compose file is checked field by field below, shape by shape
type Yaml = Record<string, any>;

function readYaml(file: string): Yaml {
  return parse(readFileSync(join(REPO_ROOT, file), 'utf8'), { uniqueKeys: true }) as Yaml;
}

/** The host file mounted at `target` in a service. */
function mountedFile(name: string, target: string): string {
  const m = mounts(service(name)).find((v) => v.target === target);
  expect(m, `${name} mounts ${target}`).toBeDefined();
  return String(m?.source).replace(/^\.\//, '');
}

const EXPECTED = ['zookeeper', 'mesos-master', 'mesos-agent', 'marathon', 'traefik', 'traefik-v3', 'postgres', 'maracker'];

describe('compose.yaml', () => {
  it('conforms to the Compose Specification schema', () => {
    expect(composeValidator()(raw)).toEqual([]);
  });

  it('runs the whole trial stack: ZooKeeper, Mesos master and agent, Marathon 1.10, Traefik 2.11, PostgreSQL and maracker', () => {
    expect(Object.keys(services).sort()).toEqual([...EXPECTED].sort());
    expect(service('zookeeper').image).toMatch(/^zookeeper:3\.\d+(\.\d+)?$/);
    const master = /^mesosphere\/mesos-master:(\d+)\.(\d+)\.\d+$/.exec(service('mesos-master').image ?? '');
    expect(master, 'mesos-master image').not.toBeNull();
    // Marathon 1.7 and later need Mesos 1.5 or later.
    expect(Number(master?.[1]) * 100 + Number(master?.[2])).toBeGreaterThanOrEqual(105);
    expect(service('mesos-agent').image).toBe(service('mesos-master').image?.replace('mesos-master', 'mesos-slave'));
    expect(service('marathon').image).toMatch(/^mesosphere\/marathon:v1\.10\.\d+$/);
    expect(service('traefik').image).toMatch(/^traefik:v2\.11(\.\d+)?$/);
    expect(service('postgres').image).toMatch(/^postgres:1[4-9](\.\d+)?(-[a-z]+)?$/);
  });

  it("gives every service a health check (maracker its image's HEALTHCHECK on /healthz)", () => {
    for (const name of EXPECTED) {
      if (name === 'maracker' && service(name).healthcheck === undefined) {
        expect(
          instructionsOf(imageStage, 'HEALTHCHECK')
            .map((i) => i.rest)
            .join(''),
        ).toContain('/healthz');
        continue;
      }
      const cmd = healthcheckCommand(service(name));
      expect(cmd, `${name} health check`).toBeDefined();
      expect(['CMD', 'CMD-SHELL']).toContain(cmd?.[0]);
    }
  });

  it('starts in order by health: ZooKeeper first, maracker after Marathon and PostgreSQL, no sleeps', () => {
    const deps = Object.fromEntries(EXPECTED.map((n) => [n, dependencies(service(n))]));
    for (const [name, d] of Object.entries(deps)) {
      for (const [on, condition] of Object.entries(d)) {
        expect(services[on], `${name} depends on a service that exists`).toBeDefined();
        expect(condition, `${name} waits for ${on} to be healthy`).toBe('service_healthy');
      }
    }
    // Kahn's algorithm: the order Compose can start services in; a cycle leaves some out.
    const order: string[] = [];
    const pending = new Map(EXPECTED.map((n) => [n, new Set(Object.keys(deps[n] ?? {}))]));
    while (pending.size > 0) {
      const ready = [...pending.entries()]
        .filter(([, d]) => [...d].every((x) => order.includes(x)))
        .map(([n]) => n)
        .sort();
      expect(ready, `no dependency cycle among ${[...pending.keys()].join(', ')}`).not.toEqual([]);
      for (const n of ready) {
        order.push(n);
        pending.delete(n);
      }
    }
    const reaches = (from: string, to: string): boolean => Object.keys(deps[from] ?? {}).some((d) => d === to || reaches(d, to));
    expect(Object.keys(deps.zookeeper ?? {})).toEqual([]);
    for (const n of ['mesos-master', 'mesos-agent', 'marathon', 'traefik', 'traefik-v3', 'maracker'])
      expect(reaches(n, 'zookeeper'), `${n} starts after zookeeper`).toBe(true);
    expect(reaches('marathon', 'mesos-master')).toBe(true);
    expect(reaches('mesos-agent', 'mesos-master')).toBe(true);
    expect(Object.keys(deps.traefik ?? {})).toContain('marathon');
    expect(Object.keys(deps.maracker ?? {})).toEqual(expect.arrayContaining(['marathon', 'postgres']));
    expect(order.indexOf('zookeeper')).toBeLessThan(order.indexOf('mesos-master'));
    expect(order.indexOf('maracker')).toBeGreaterThan(Math.max(order.indexOf('marathon'), order.indexOf('postgres')));
    expect(
      EXPECTED.filter((n) => 'maracker' in (deps[n] ?? {})),
      'nothing waits for maracker',
    ).toEqual([]);

    for (const name of EXPECTED) {
      const s = service(name);
      for (const part of [s.command, s.entrypoint, s.healthcheck?.test]) {
        expect(JSON.stringify(part ?? ''), `${name} never waits with sleep`).not.toMatch(/\bsleep\b/);
      }
    }
  });

  it('builds maracker from the Dockerfile, mounts ./manifests read-only where it reads them, and publishes its status port', () => {
    const m = service('maracker');
    expect(m.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    const { config } = loadDaemonConfig([], marackerEnv(), '/app');
    expect(mounts(m)).toContainEqual({ source: './manifests', target: config.manifests, readOnly: true });
    expect(config.listen.host).toBe('0.0.0.0');
    expect(publishedPorts(m)).toContainEqual({ hostIp: '127.0.0.1', published: 8090, target: config.listen.port });
  });

  it('passes maracker an environment that validates against its env schema and that loadDaemonConfig accepts', () => {
    const env = marackerEnv();
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(envSchema(DAEMON_OPTIONS));
    expect(validate(env), ajv.errorsText(validate.errors)).toBe(true);
    expect(() => loadDaemonConfig([], env, '/app')).not.toThrow();
  });

  it('points maracker at the postgres service and at Marathon through the host gateway', () => {
    const { config } = loadDaemonConfig([], marackerEnv(), '/app');
    const db = new URL(config.databaseUrl as string);
    const pg = serviceEnv(service('postgres'));
    expect(db.hostname).toBe('postgres');
    expect(db.port).toBe('5432');
    expect(decodeURIComponent(db.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(db.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${pg.POSTGRES_DB}`);

    // Marathon is on the host network; maracker is not, so it goes through the gateway.
    expect(service('marathon').network_mode).toBe('host');
    expect(service('maracker').network_mode).toBeUndefined();
    const marathon = new URL(config.marathon.url);
    expect(marathon.hostname).toBe('host.docker.internal');
    expect(service('maracker').extra_hosts).toContain('host.docker.internal:host-gateway');
    expect(Number(marathon.port)).toBe(marathonPort());
  });

  it('runs Traefik 2.11 with its Marathon provider pointed at Marathon, exposing only labelled apps under *.localhost', () => {
    const traefik = service('traefik');
    expect(traefik.network_mode).toBe('host');
    const staticConfig = readYaml(mountedFile('traefik', '/etc/traefik/traefik.yml'));
    const marathon = staticConfig.providers?.marathon;
    const endpoint = new URL(marathon?.endpoint);
    expect(['127.0.0.1', 'localhost']).toContain(endpoint.hostname);
    expect(Number(endpoint.port)).toBe(marathonPort());
    expect(marathon?.exposedByDefault).toBe(false);
    expect(marathon?.defaultRule).toMatch(/\.localhost`\)$/);

    // The health check asks the ping endpoint, which must be configured on an entry point.
    expect(healthcheckCommand(traefik)).toEqual(['CMD', 'traefik', 'healthcheck', '--ping']);
    expect(staticConfig.entryPoints).toHaveProperty(staticConfig.ping?.entryPoint);

    // The dashboard and the UIs are routed by the file provider; every router's service exists.
    const dynamicFile = staticConfig.providers?.file?.filename as string;
    const dynamic = readYaml(mountedFile('traefik', dynamicFile));
    const routers = dynamic.http.routers as Record<string, { rule: string; service: string; entryPoints: string[] }>;
    for (const [name, r] of Object.entries(routers)) {
      expect(r.rule, name).toMatch(/^Host\(`[a-z]+\.localhost`\)$/);
      expect(r.service === 'api@internal' || r.service in dynamic.http.services, `${name} -> ${r.service}`).toBe(true);
      for (const ep of r.entryPoints) expect(staticConfig.entryPoints).toHaveProperty(ep);
    }
    expect(Object.values(routers).map((r) => r.service)).toContain('api@internal');
  });

  it("runs Traefik 3 in the traefik-v3 profile with its HTTP provider polling maracker's /traefik/v3, the UIs routed as with 2.11", () => {
    const traefik = service('traefik-v3');
    expect(traefik.profiles).toEqual(['traefik-v3']);
    expect(traefik.image).toMatch(/^traefik:v3\.\d+(\.\d+)?$/);
    expect(traefik.network_mode).toBe('host');
    const staticConfig = readYaml(mountedFile('traefik-v3', '/etc/traefik/traefik.yml'));
    expect(staticConfig.providers?.marathon).toBeUndefined();
    const http = staticConfig.providers?.http;
    const endpoint = new URL(http?.endpoint);
    expect(['127.0.0.1', 'localhost']).toContain(endpoint.hostname);
    expect(endpoint.pathname).toBe('/traefik/v3');
    // maracker's status port as compose publishes it on the host
    expect(publishedPorts(service('maracker'))).toContainEqual(expect.objectContaining({ hostIp: '127.0.0.1', published: Number(endpoint.port) }));
    expect(http?.pollInterval).toMatch(/^\d+(ms|s)$/);
    // maracker serves the routes only in v3 mode: the variable the profile's instructions set
    expect(loadDaemonConfig([], marackerEnv(), '/app').config.traefik).toBe('v2');
    const v3Env = {
      ...stageEnv(imageStage as NonNullable<typeof imageStage>),
      ...serviceEnv(interpolateDeep(raw, { MARACKER_TRAEFIK: 'v3' }).services.maracker as Service),
    };
    expect(loadDaemonConfig([], v3Env, '/app').config.traefik).toBe('v3');
    expect(text).toContain('MARACKER_TRAEFIK=v3 docker compose --profile traefik-v3 up');

    expect(healthcheckCommand(traefik)).toEqual(['CMD', 'traefik', 'healthcheck', '--ping']);
    expect(staticConfig.entryPoints).toHaveProperty(staticConfig.ping?.entryPoint);
    const dynamic = readYaml(mountedFile('traefik-v3', staticConfig.providers?.file?.filename as string));
    for (const r of Object.values(dynamic.http.routers as Record<string, { entryPoints: string[] }>)) {
      for (const ep of r.entryPoints) expect(staticConfig.entryPoints).toHaveProperty(ep);
    }
  });

  it('gives each service on the host network a port of its own', () => {
    const env = (n: string): Record<string, string> => serviceEnv(service(n));
    const staticConfig = readYaml(mountedFile('traefik', '/etc/traefik/traefik.yml'));
    const staticV3 = readYaml(mountedFile('traefik-v3', '/etc/traefik/traefik.yml'));
    const owners = new Map<number, string[]>();
    const claim = (port: number, who: string): void => void owners.set(port, [...(owners.get(port) ?? []), who]);
    claim(2181, 'zookeeper');
    claim(Number(env('mesos-master').MESOS_PORT ?? 5050), 'mesos-master');
    claim(Number(env('mesos-agent').MESOS_PORT ?? 5051), 'mesos-agent');
    claim(marathonPort(), 'marathon');
    for (const [name, ep] of Object.entries(staticConfig.entryPoints as Record<string, { address: string }>)) {
      claim(Number(/:(\d+)$/.exec(ep.address)?.[1]), `traefik ${name}`);
    }
    // Traefik 3 (profile traefik-v3) may run beside 2.11 while moving: ports of its own
    for (const [name, ep] of Object.entries(staticV3.entryPoints as Record<string, { address: string }>)) {
      claim(Number(/:(\d+)$/.exec(ep.address)?.[1]), `traefik-v3 ${name}`);
    }
    for (const n of EXPECTED) for (const p of publishedPorts(service(n))) if (p.published !== undefined) claim(p.published, `${n} (published)`);
    const shared = [...owners.entries()].filter(([, who]) => who.length > 1);
    expect(shared, 'host ports claimed twice').toEqual([]);
  });

  it("lets the Mesos agent start Docker tasks on the host's Docker, with its work directory at the same path on both sides", () => {
    const agent = service('mesos-agent');
    const env = serviceEnv(agent);
    expect(env.MESOS_CONTAINERIZERS?.split(',')).toContain('docker');
    expect(mounts(agent)).toContainEqual({ source: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: false });
    const workDir = env.MESOS_WORK_DIR as string;
    expect(mounts(agent)).toContainEqual({ source: workDir, target: workDir, readOnly: false });
  });

  it('has a Marathon health check that passes when /v2/leader answers 200 and fails on 404', async () => {
    const cmd = healthcheckCommand(service('marathon')) as string[];
    expect(cmd.slice(0, 3)).toEqual(['CMD', 'bash', '-c']);
    const script = cmd[3] as string;
    expect(script).toContain(`/dev/tcp/127.0.0.1/${marathonPort()}`);
    let status = 200;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"leader":"127.0.0.1:8080"}' : '{"message":"There is no leader"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const probe = (): Promise<number> =>
      run('bash', ['-c', script.replace(`/dev/tcp/127.0.0.1/${marathonPort()}`, `/dev/tcp/127.0.0.1/${port}`)], { timeout: 5000 }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? 1,
      );
    expect(await probe()).toBe(0);
    status = 404;
    expect(await probe()).not.toBe(0);
    expect(seen).toEqual(['GET /v2/leader', 'GET /v2/leader']);
  });

  it('is accepted by docker-compose config, where that client is installed', (ctx) => {
    const which = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (which.error) ctx.skip();
    const res = spawnSync('docker-compose', ['-f', 'compose.yaml', 'config', '--quiet'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('keeps comments for a newcomer', () => {
    const comments = text.split('\n').filter((l) => /^\s*#/.test(l)).length;
    expect(comments).toBeGreaterThan(40);
  });
});

describe('compose interpolation as the checks read it', () => {
  it('substitutes variables, defaults and escaped dollars', () => {
    expect(interpolate('${A:-x}-${B-y}-$C-$$D', { A: '', B: '', C: 'c' })).toBe('x--c-$D');
    expect(() => interpolate('${NEED:?set it}', {})).toThrow(/NEED/);
  });
});
