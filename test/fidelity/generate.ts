// A small seeded generator of valid manifests, across every field of the format and of the
// `marathon` pass-through, for the zero-phantom-diff property (zero-diff.test.ts). It follows
// the rules `maracker validate` and Marathon 1.10 apply, so what it makes should be valid; the
// test checks that too, since a generated manifest validate refuses (or Marathon refuses while
// validate accepts it) is a finding, not noise.

import type { AppSpec, ExposeSpec, HealthCheckSpec, PortSpec, TraefikGrammar } from '../../src/manifest/types.js';

export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** xorshift32: small, fast, and the same sequence on every machine. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x100000000;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  maybe<T>(p: number, make: () => T): T | undefined {
    return this.chance(p) ? make() : undefined;
  }
  word(): string {
    return this.pick(['web', 'api', 'db', 'admin', 'metrics', 'stats', 'x1', 'notebook', 'a-b', 'ui']);
  }
}

export interface GeneratedApp {
  name: string;
  group: string;
  labels?: Record<string, string>;
  spec: AppSpec;
  traefik: TraefikGrammar;
}

/** Removes undefined members, so the YAML holds only what was generated. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const IMAGES = ['nginx:1.25', 'emilevauge/whoami', 'jupyter/base-notebook:2024-01-15', `registry.example.org/mip/portal@sha256:${'a'.repeat(64)}`];
const CONSTRAINTS: ReadonlyArray<readonly string[]> = [
  ['hostname', 'UNIQUE'],
  ['rack', 'CLUSTER'],
  ['zone', 'CLUSTER', 'eu-1'],
  ['rack', 'GROUP_BY'],
  ['rack', 'GROUP_BY', '3'],
  ['hostname', 'MAX_PER', '2'],
  ['rack', 'LIKE', 'rack-[0-9]+'],
  ['rack', 'UNLIKE', '(?i)rack-9'],
  ['os', 'IS', 'ubuntu-22.04'],
];

function ports(r: Random, network: AppSpec['network'], servicePorts: () => number): PortSpec[] | undefined {
  if (r.chance(0.3)) return r.chance(0.5) ? undefined : [];
  const count = r.int(1, 3);
  const names = new Set<string>();
  const usedHostPorts = new Set<number>();
  return Array.from({ length: count }, (_, i) => {
    let name: string | undefined = `p${i}-${r.word()}`;
    if (names.has(name) || r.chance(0.1)) name = i === 0 ? `p0` : undefined;
    if (name !== undefined) names.add(name);
    const host = network === undefined || network === 'host';
    let hostPort: number | undefined = r.maybe(0.3, () => (r.chance(0.5) ? 0 : 20000 + r.int(0, 9999)));
    if (hostPort !== undefined && hostPort !== 0 && usedHostPorts.has(hostPort)) hostPort = 0;
    if (hostPort !== undefined) usedHostPorts.add(hostPort);
    return compact({
      name,
      containerPort: host ? undefined : r.chance(0.85) ? r.pick([80, 8080, 8888, 9100, 443]) + i : r.maybe(0.5, () => 0),
      hostPort,
      servicePort: host ? undefined : r.maybe(0.2, () => (r.chance(0.5) ? 0 : servicePorts())),
      protocol: r.maybe(0.3, () => r.pick(['tcp', 'udp', 'udp,tcp'] as const)),
      labels: r.maybe(0.2, () => ({ vip: r.word() })),
    });
  });
}

function healthChecks(r: Random, spec: AppSpec): HealthCheckSpec[] | undefined {
  if (r.chance(0.35)) return undefined;
  const names = (spec.ports ?? []).flatMap((p) => (p.name !== undefined ? [p.name] : []));
  const portOf = (): string | undefined => (names.length > 0 && r.chance(0.6) ? r.pick(names) : undefined);
  // a check without a port uses the first port: when ports are declared, the first must be there
  const checks: HealthCheckSpec[] = [];
  let mesos = false;
  for (let i = r.int(1, 3); i > 0; i--) {
    const protocol = r.pick(['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'] as const);
    const mesosNetwork = protocol.startsWith('MESOS_');
    if (mesosNetwork && mesos) continue;
    mesos ||= mesosNetwork;
    const http = protocol === 'HTTP' || protocol === 'HTTPS' || protocol === 'MESOS_HTTP' || protocol === 'MESOS_HTTPS';
    const delayed = protocol === 'COMMAND' || mesosNetwork;
    checks.push(
      compact({
        protocol,
        port: protocol === 'COMMAND' ? undefined : portOf(),
        path: http ? r.maybe(0.6, () => r.pick(['/', '/health', '/api/ping'])) : undefined,
        command: protocol === 'COMMAND' ? r.pick(['true', 'test -f /tmp/ready', 'curl -fs localhost:$PORT0']) : undefined,
        gracePeriodSeconds: r.maybe(0.4, () => r.int(0, 600)),
        intervalSeconds: r.maybe(0.4, () => r.int(1, 120)),
        timeoutSeconds: r.maybe(0.4, () => r.int(1, 60)),
        delaySeconds: r.maybe(0.3, () => (delayed ? r.int(0, 60) : 15)),
        maxConsecutiveFailures: r.maybe(0.4, () => r.int(0, 10)),
        ignoreHttp1xx: protocol === 'HTTP' || protocol === 'HTTPS' ? r.maybe(0.3, () => r.chance(0.5)) : undefined,
        ipProtocol: r.maybe(0.3, () => (mesosNetwork && spec.image !== undefined && r.chance(0.5) ? 'IPv6' : 'IPv4')),
      }),
    );
  }
  return checks;
}

function expose(r: Random, spec: AppSpec, grammar: TraefikGrammar): ExposeSpec | undefined {
  if (r.chance(0.4)) return undefined;
  const ports = spec.ports ?? [];
  const named = ports.flatMap((p, i) => (p.name !== undefined ? [{ p, i }] : []));
  let port: { p: PortSpec; i: number } | undefined = named.length > 0 && r.chance(0.5) ? r.pick(named) : undefined;
  const index = port?.i ?? 0;
  // what Traefik can route: a containerPort on container networks, the first port under `both`
  if (spec.network === 'container') {
    const target = port?.p ?? ports[0];
    if (target === undefined || !(target.containerPort !== undefined && target.containerPort > 0)) return undefined;
    if (grammar === 'both') return undefined;
  }
  if (grammar === 'both' && index > 0) port = undefined;
  const path = r.maybe(0.4, () => r.pick(['/app', '/stats', '/a/b']));
  const tls = r.maybe(0.4, () => r.chance(0.6));
  return compact({
    host: r.chance(0.7) ? `${r.word()}.example.org` : [`${r.word()}.localhost`, 'second.example.org'],
    path,
    port: port?.p.name,
    entrypoints: r.maybe(0.4, () => (r.chance(0.5) ? ['web'] : ['web', 'websecure'])),
    tls,
    certResolver: tls === true ? r.maybe(0.5, () => 'letsencrypt') : undefined,
    stripPrefix: path !== undefined ? r.maybe(0.5, () => r.chance(0.5)) : undefined,
  });
}

function passThrough(r: Random, spec: AppSpec, group: string): Record<string, unknown> | undefined {
  if (r.chance(0.3)) return undefined;
  const portNames = (spec.ports ?? []).length > 0 ? (spec.ports ?? []).flatMap((p) => (p.name !== undefined ? [p.name] : [])) : ['default'];
  const portCount = Math.max((spec.ports ?? []).length, 1);
  const role = r.maybe(0.3, () => (r.chance(0.5) ? '*' : (group.split('/')[0] as string)));
  const host = spec.network === undefined || spec.network === 'host';
  return compact({
    acceptedResourceRoles: r.maybe(0.3, () => (role !== undefined && role !== '*' && r.chance(0.5) ? ['*', role] : ['*'])),
    backoffFactor: r.maybe(0.3, () => r.pick([1, 1.15, 2])),
    backoffSeconds: r.maybe(0.3, () => r.int(0, 30)),
    check:
      spec.image === undefined
        ? r.maybe(0.2, () =>
            compact({
              ...r.pick([
                { http: compact({ portIndex: r.int(0, portCount - 1), path: r.maybe(0.5, () => '/ready') }) },
                { tcp: { portIndex: 0 } },
                { exec: { command: { shell: 'true' } } },
              ]),
              intervalSeconds: r.maybe(0.5, () => r.int(1, 60)),
              delaySeconds: r.maybe(0.5, () => r.int(0, 60)),
            }),
          )
        : undefined,
    executor: r.maybe(0.1, () => r.pick(['', '//cmd'])),
    executorResources: r.maybe(0.2, () => compact({ cpus: r.maybe(0.5, () => 0.2), mem: r.maybe(0.5, () => 64), disk: r.maybe(0.5, () => 20) })),
    gpus: r.maybe(0.1, () => 0),
    killSelection: r.maybe(0.3, () => r.pick(['YOUNGEST_FIRST', 'OLDEST_FIRST'])),
    maxLaunchDelaySeconds: r.maybe(0.3, () => r.pick([60, 300, 3600])),
    readinessChecks:
      portNames.length > 0
        ? r.maybe(0.2, () => [
            compact({
              portName: r.pick(portNames),
              path: r.maybe(0.5, () => '/ready'),
              intervalSeconds: r.maybe(0.5, () => 30),
              httpStatusCodesForReady: r.maybe(0.3, () => [204, 200]),
            }),
          ])
        : undefined,
    requirePorts: host ? r.maybe(0.2, () => r.chance(0.5)) : undefined,
    resourceLimits: r.maybe(0.2, () => compact({ cpus: r.maybe(0.5, () => 'unlimited'), mem: r.maybe(0.5, () => 4096) })),
    role,
    taskKillGracePeriodSeconds: r.maybe(0.3, () => r.int(0, 120)),
    tty: r.maybe(0.2, () => r.chance(0.5)),
    unreachableStrategy: r.maybe(0.3, () => (r.chance(0.3) ? 'disabled' : compact({ inactiveAfterSeconds: r.maybe(0.5, () => 60), expungeAfterSeconds: 600 }))),
  });
}

/** One valid manifest. `n` keeps names (and explicit service ports) unique across a run. */
export function generateApp(r: Random, n: number): GeneratedApp {
  const group = r.pick(['audit', 'mip/prod', 'research/stats.v2', 'a-b/c']);
  const traefik = r.pick(['v1', 'v2', 'both'] as const);
  const image = r.maybe(0.6, () => r.pick(IMAGES));
  const network = r.pick([undefined, 'host', 'bridge', 'container'] as const);
  const spec: AppSpec = {};
  if (image !== undefined) spec.image = image;
  if (image === undefined || r.chance(0.3)) {
    if (image !== undefined && r.chance(0.5)) spec.args = ['--port', '80'];
    else spec.cmd = r.pick(['python3 -m http.server $PORT0', 'sleep 1000', 'sh -c "exec node server.js"']);
  }
  if (network !== undefined) spec.network = network;
  if (network === 'container' && r.chance(0.7)) spec.networkName = r.pick(['calico', 'dcos', 'mip_net']);
  let servicePort = 0;
  const p = ports(r, network, () => 30000 + n * 4 + servicePort++);
  if (p !== undefined) spec.ports = p;
  Object.assign(
    spec,
    compact({
      instances: r.maybe(0.5, () => r.int(0, 3)),
      cpus: r.maybe(0.5, () => r.pick([0.1, 0.25, 1, 2])),
      mem: r.maybe(0.5, () => r.pick([32, 64, 128.5, 2048])),
      disk: r.maybe(0.3, () => r.pick([0, 10, 1024])),
      env: r.maybe(0.4, () => ({ LOG_LEVEL: r.pick(['debug', 'info']), ...(r.chance(0.3) ? { 'weird.key': 'x' } : {}) })),
      constraints: r.maybe(0.3, () => Array.from({ length: r.int(1, 3) }, () => [...r.pick(CONSTRAINTS)])),
      dependencies: r.maybe(0.2, () => (r.chance(0.5) ? ['db'] : ['/ops/log', 'shared-db'])),
      upgradeStrategy: r.maybe(0.3, () =>
        compact({ minimumHealthCapacity: r.maybe(0.7, () => r.pick([0, 0.5, 1])), maximumOverCapacity: r.maybe(0.7, () => r.pick([0, 0.2, 1])) }),
      ),
      labels: r.maybe(0.4, () => ({ team: r.word(), ...(r.chance(0.2) ? { HAPROXY_GROUP: 'external' } : {}) })),
      fetch: r.maybe(0.2, () => [
        compact({
          uri: r.pick(['https://example.org/a.tgz', 'https://example.org/run.sh']),
          executable: r.maybe(0.5, () => true),
          extract: r.maybe(0.5, () => r.chance(0.5)),
          cache: r.maybe(0.5, () => true),
          destPath: r.maybe(0.3, () => 'out'),
        }),
      ]),
      volumes: r.maybe(0.2, () => [compact({ containerPath: '/data', hostPath: '/srv/data', mode: r.maybe(0.5, () => r.pick(['RO', 'RW'] as const)) })]),
      user: r.maybe(0.2, () => 'nobody'),
      docker:
        image !== undefined
          ? r.maybe(0.3, () =>
              compact({
                forcePullImage: r.maybe(0.5, () => true),
                privileged: r.maybe(0.3, () => false),
                parameters: r.maybe(0.3, () => [{ key: 'label', value: 'a=b' }]),
              }),
            )
          : undefined,
    }),
  );
  const checks = healthChecks(r, spec);
  if (checks !== undefined) spec.healthChecks = checks;
  const e = expose(r, spec, traefik);
  if (e !== undefined) spec.expose = e;
  const marathon = passThrough(r, spec, group);
  if (marathon !== undefined && Object.keys(marathon).length > 0) spec.marathon = marathon;
  return compact({ name: `g${n}-${r.word()}`, group, labels: r.maybe(0.3, () => ({ owner: r.word() })), spec, traefik });
}
