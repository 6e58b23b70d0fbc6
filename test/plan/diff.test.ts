import { describe, expect, it } from 'vitest';
import { LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH, LEGACY_MANAGED_BY } from '../../src/model/labels.js';
import type { MarathonApp, MarathonAppDefinition } from '../../src/model/marathon.js';
import { diffApp } from '../../src/plan/diff.js';
import { desiredApp, desiredFrom, marathonApp, ownershipLabels } from '../helpers/builders.js';

/** `app` without the given fields, as an older Marathon prints it. */
function without(app: MarathonApp, ...keys: string[]): MarathonApp {
  const copy: Record<string, unknown> = { ...app };
  for (const key of keys) delete copy[key];
  return copy as MarathonApp;
}

/** A host-networked command app (portDefinitions instead of portMappings). */
function hostDefinition(overrides: Partial<MarathonAppDefinition> = {}): MarathonAppDefinition {
  return { id: '/demo/worker', cmd: 'python -m http.server $PORT0', labels: ownershipLabels(), ...overrides };
}

function hostActual(overrides: Partial<MarathonApp> = {}): MarathonApp {
  return marathonApp({
    id: '/demo/worker',
    cmd: 'python -m http.server $PORT0',
    container: undefined,
    networks: [{ mode: 'host' }],
    portDefinitions: [{ port: 10007, protocol: 'tcp', name: 'default', labels: {} }],
    healthChecks: [],
    cpus: 1,
    mem: 128,
    instances: 1,
    labels: ownershipLabels(),
    ...overrides,
  });
}

describe('diffApp', () => {
  it('finds nothing when Marathon runs exactly what the manifest declares', () => {
    expect(diffApp(desiredApp(), marathonApp())).toEqual([]);
  });

  describe("Marathon's defaults for fields the manifest leaves out", () => {
    it.each([
      ['instances', 1],
      ['cpus', 1],
      ['mem', 128],
      ['disk', 0],
      ['gpus', 0],
      ['executor', ''],
      ['requirePorts', false],
      ['backoffSeconds', 1],
      ['backoffFactor', 1.15],
      ['maxLaunchDelaySeconds', 300],
      ['maxLaunchDelaySeconds', 3600],
      ['killSelection', 'YOUNGEST_FIRST'],
      ['upgradeStrategy', { minimumHealthCapacity: 1, maximumOverCapacity: 1 }],
      ['unreachableStrategy', { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }],
      ['unreachableStrategy', { inactiveAfterSeconds: 300, expungeAfterSeconds: 600 }],
      ['unreachableStrategy', { inactiveAfterSeconds: 1, expungeAfterSeconds: 2 }],
      ['env', {}],
      ['constraints', []],
      ['dependencies', []],
      ['fetch', []],
      ['acceptedResourceRoles', []],
      ['secrets', {}],
      ['readinessChecks', []],
      ['executorResources', { cpus: 0.1, mem: 32, disk: 10 }],
      ['role', 'slave_public'],
    ])('accepts %s: %j', (field, value) => {
      const desired = desiredApp({ [field]: undefined, labels: ownershipLabels() });
      expect(diffApp(desired, marathonApp({ [field]: value, labels: ownershipLabels() }))).toEqual([]);
    });

    it.each(['gpus', 'killSelection', 'unreachableStrategy', 'maxLaunchDelaySeconds', 'executor', 'upgradeStrategy', 'role'])(
      'accepts %s missing from an older server',
      (field) => {
        expect(diffApp(desiredApp(), without(marathonApp(), field))).toEqual([]);
      },
    );

    it('accepts the Docker defaults (forcePullImage, privileged, parameters, volumes) in any presence', () => {
      const container = marathonApp().container!;
      const bare = { ...container, docker: { image: 'nginx:1.25' } } as MarathonApp['container'];
      delete bare!['volumes'];
      expect(diffApp(desiredApp(), marathonApp({ container: bare }))).toEqual([]);
    });

    it('accepts the port-mapping defaults: hostPort 0 in bridge mode, tcp, no labels, an assigned service port', () => {
      const desired = desiredApp({
        container: { type: 'DOCKER', docker: { image: 'nginx:1.25' }, portMappings: [{ containerPort: 80, name: 'http' }] },
      });
      expect(diffApp(desired, marathonApp())).toEqual([]);
    });

    it('accepts the health-check defaults Marathon prints, whichever release prints which', () => {
      const desired = desiredApp({ healthChecks: [{ path: '/health', portIndex: 0 }] });
      const http = (extra: Record<string, unknown>) =>
        marathonApp({
          healthChecks: [
            {
              protocol: 'HTTP',
              path: '/health',
              portIndex: 0,
              gracePeriodSeconds: 300,
              intervalSeconds: 60,
              timeoutSeconds: 20,
              maxConsecutiveFailures: 3,
              ...extra,
            },
          ],
        });
      expect(diffApp(desired, http({}))).toEqual([]);
      expect(diffApp(desired, http({ ignoreHttp1xx: false, delaySeconds: 15, ipProtocol: 'IPv4' }))).toEqual([]);
    });

    it('accepts the default path "/" of an HTTP health check', () => {
      const desired = desiredApp({ healthChecks: [{ protocol: 'MESOS_HTTP', portIndex: 0 }] });
      const actual = marathonApp({ healthChecks: [{ ...marathonApp().healthChecks![0], path: '/' }] });
      expect(diffApp(desired, actual)).toEqual([]);
    });

    it("reads a COMMAND health check without a port index (1.10 prints none; an older server's 0 means nothing)", () => {
      const check = { protocol: 'COMMAND', command: { value: 'curl -f localhost' } };
      const desired = desiredApp({ healthChecks: [check] });
      const actual = marathonApp({
        healthChecks: [{ ...check, gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3, delaySeconds: 15 }],
      });
      expect(diffApp(desired, actual)).toEqual([]);
      expect(diffApp(desired, marathonApp({ healthChecks: [{ ...actual.healthChecks![0], portIndex: 0 }] }))).toEqual([]);
    });

    it("takes Marathon's default port when the manifest declares none, named or not", () => {
      expect(diffApp(desiredFrom(hostDefinition()), hostActual())).toEqual([]);
      expect(diffApp(desiredFrom(hostDefinition()), hostActual({ portDefinitions: [{ port: 10007, protocol: 'tcp' }] }))).toEqual([]);
      const bridge = desiredApp({ container: { type: 'DOCKER', docker: { image: 'nginx:1.25' } } });
      const mapping = { containerPort: 0, hostPort: 0, servicePort: 10101, protocol: 'tcp', name: 'default', labels: {} };
      expect(diffApp(bridge, marathonApp({ container: { ...marathonApp().container!, portMappings: [mapping] } }))).toEqual([]);
    });

    it('defaults networks to one host network', () => {
      expect(diffApp(desiredFrom(hostDefinition()), without(hostActual(), 'networks'))).toEqual([]);
      expect(diffApp(desiredFrom(hostDefinition({ networks: [{ mode: 'host' }] })), hostActual())).toEqual([]);
    });
  });

  describe('values only Marathon chooses', () => {
    it.each<[string, Partial<MarathonApp>]>([
      ['version', { version: '2030-01-01T00:00:00.000Z' }],
      ['versionInfo', { versionInfo: { lastScalingAt: 'x', lastConfigChangeAt: 'y' } }],
      ['task counts', { tasksStaged: 1, tasksRunning: 0, tasksHealthy: 0, tasksUnhealthy: 3 }],
      ['tasks', { tasks: [] }],
      ['deployments', { deployments: [{ id: 'd1' }] }],
      ['lastTaskFailure', { lastTaskFailure: { message: 'boom', state: 'TASK_FAILED' } }],
      ['readinessCheckResults', { readinessCheckResults: [{ name: 'r', ready: false }] }],
      ['tasksStats', { tasksStats: { totalSummary: { stats: { counts: { running: 2 } } } } }],
      ['storeUrls', { storeUrls: ['http://x'] }],
      ['role', { role: 'mip' }],
    ])('ignores %s', (_name, overrides) => {
      expect(diffApp(desiredApp(), marathonApp(overrides))).toEqual([]);
    });

    it('ignores service ports, host ports and port numbers assigned for 0', () => {
      const mappings = [{ containerPort: 80, hostPort: 31555, servicePort: 10999, protocol: 'tcp', name: 'http' }];
      expect(diffApp(desiredApp(), marathonApp({ container: { ...marathonApp().container!, portMappings: mappings } }))).toEqual([]);
      const host = desiredFrom(
        hostDefinition({
          portDefinitions: [
            { port: 0, name: 'web' },
            { port: 0, name: 'admin' },
          ],
        }),
      );
      const assigned = hostActual({
        portDefinitions: [
          { port: 10001, name: 'web' },
          { port: 10002, name: 'admin', protocol: 'tcp' },
        ],
      });
      expect(diffApp(host, assigned)).toEqual([]);
    });

    it('compares a port the manifest fixes', () => {
      const desired = desiredApp({
        container: { type: 'DOCKER', docker: { image: 'nginx:1.25' }, portMappings: [{ containerPort: 80, name: 'http', servicePort: 10080 }] },
      });
      expect(diffApp(desired, marathonApp())).toEqual([{ path: 'container.portMappings[0].servicePort', before: 10101, after: 10080 }]);
    });
  });

  describe('equal values written differently', () => {
    it('reads 128.0 as 128', () => {
      const actual = JSON.parse(JSON.stringify(marathonApp()).replace('"mem":256', '"mem":256.0')) as MarathonApp;
      expect(diffApp(desiredApp({ mem: 256 }), actual)).toEqual([]);
    });

    it('reads -0 as 0', () => {
      expect(diffApp(desiredApp({ disk: -0 }), marathonApp({ disk: 0 }))).toEqual([]);
    });

    it.each(['cmd', 'args', 'user', 'env', 'constraints', 'ipAddress', 'taskKillGracePeriodSeconds', 'residency'])('reads %s: null as absent', (field) => {
      expect(diffApp(desiredApp(), marathonApp({ [field]: null }))).toEqual([]);
    });

    it.each<[string, unknown]>([
      ['acceptedResourceRoles', ['slave_public', '*']],
      [
        'constraints',
        [
          ['rack', 'GROUP_BY', '3'],
          ['hostname', 'UNIQUE'],
        ],
      ],
      ['dependencies', ['/demo/db', '/demo/cache']],
      ['fetch', [{ uri: 'https://x/b.tgz' }, { uri: 'https://x/a.sh', executable: true }]],
    ])('ignores the order of %s, a set in Marathon', (field, value) => {
      const reversed = [...(value as unknown[])].reverse();
      expect(diffApp(desiredApp({ [field]: value }), marathonApp({ [field]: reversed }))).toEqual([]);
    });

    it('ignores the order of health checks and of volumes', () => {
      const checks = [
        { protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 },
        { protocol: 'MESOS_TCP', portIndex: 0 },
      ];
      const volumes = [
        { containerPath: '/data', hostPath: '/srv/data', mode: 'RW' },
        { containerPath: '/conf', hostPath: '/srv/conf', mode: 'RO' },
      ];
      const desired = desiredApp({ healthChecks: checks, container: { ...appContainer(), volumes } });
      const actual = marathonApp({
        healthChecks: [...checks].reverse(),
        container: { ...marathonApp().container!, volumes: [...volumes].reverse() },
      });
      expect(diffApp(desired, actual)).toEqual([]);
    });

    it('keeps the order of ports (it defines $PORTn and portIndex) and of args', () => {
      const ports = [
        { port: 8080, name: 'web' },
        { port: 9090, name: 'admin' },
      ];
      const changes = diffApp(desiredFrom(hostDefinition({ portDefinitions: ports })), hostActual({ portDefinitions: [...ports].reverse() }));
      expect(changes.map((c) => c.path)).toEqual(['portDefinitions[0].name', 'portDefinitions[0].port', 'portDefinitions[1].name', 'portDefinitions[1].port']);
      expect(diffApp(desiredApp({ args: ['-a', '-b'] }), marathonApp({ args: ['-b', '-a'] }))).toEqual([
        { path: 'args', before: ['-b', '-a'], after: ['-a', '-b'] },
      ]);
    });

    it('reads a constraint operator in any case', () => {
      expect(diffApp(desiredApp({ constraints: [['hostname', 'unique']] }), marathonApp({ constraints: [['hostname', 'UNIQUE']] }))).toEqual([]);
    });

    it('resolves relative dependencies against the app group', () => {
      expect(diffApp(desiredApp({ dependencies: ['db', '../shared/cache'] }), marathonApp({ dependencies: ['/demo/db', '/shared/cache'] }))).toEqual([]);
    });
  });

  describe('pre-1.5 answers', () => {
    it('reads ports, uris, cmd: null and ipAddress: null of a host app in the 1.5 form', () => {
      const desired = desiredFrom(hostDefinition({ portDefinitions: [{ port: 0 }], fetch: [{ uri: 'https://x/tool.sh' }] }));
      const legacy = without(hostActual(), 'portDefinitions', 'networks', 'role', 'gpus', 'killSelection', 'unreachableStrategy');
      const actual = {
        ...legacy,
        ports: [10003],
        uris: ['https://x/tool.sh'],
        storeUrls: [],
        args: null,
        user: null,
        ipAddress: null,
      } as unknown as MarathonApp;
      expect(diffApp(desired, actual)).toEqual([]);
    });

    it('reads a USER Docker network with ipAddress as a named container network', () => {
      const desired = desiredApp({
        container: { type: 'DOCKER', docker: { image: 'nginx:1.25' }, portMappings: [{ containerPort: 80, name: 'http' }] },
        networks: [{ mode: 'container', name: 'dcos' }],
      });
      const legacy = marathonApp({
        networks: undefined,
        container: {
          type: 'DOCKER',
          docker: { image: 'nginx:1.25', network: 'USER', portMappings: [{ containerPort: 80, name: 'http', servicePort: 10101 }] },
        },
        ipAddress: { networkName: 'dcos' },
      });
      expect(diffApp(desired, legacy)).toEqual([]);
      expect(diffApp(desired, { ...legacy, ipAddress: { networkName: 'other' } })).toEqual([
        { path: 'networks', before: [{ mode: 'container', name: 'other' }], after: [{ mode: 'container', name: 'dcos' }] },
      ]);
    });
  });

  describe('maracker labels', () => {
    it('ignores a different spec-hash label alone', () => {
      const labels = { ...marathonApp().labels, [LABEL_SPEC_HASH]: 'sha256:older' };
      expect(diffApp(desiredApp(), marathonApp({ labels }))).toEqual([]);
    });

    it('ignores a missing spec-hash label', () => {
      const labels: Record<string, string> = { ...marathonApp().labels };
      delete labels[LABEL_SPEC_HASH];
      expect(diffApp(desiredApp(), marathonApp({ labels }))).toEqual([]);
    });

    it('reads labels holding only the spec-hash as no labels', () => {
      const desired = desiredFrom(hostDefinition({ labels: { [LABEL_SPEC_HASH]: 'h' } }));
      expect(diffApp(desired, hostActual({ labels: undefined }))).toEqual([]);
    });

    it('ignores a source label that names another file: a manifest moved between files is not restarted', () => {
      const labels = { ...marathonApp().labels, [LABEL_SOURCE]: 'file:old/place.yaml' };
      expect(diffApp(desiredApp(), marathonApp({ labels }))).toEqual([]);
    });

    it('writes a missing source label', () => {
      const labels: Record<string, string> = { ...marathonApp().labels };
      delete labels[LABEL_SOURCE];
      expect(diffApp(desiredApp(), marathonApp({ labels }))).toEqual([
        { path: `labels.${LABEL_SOURCE}`, before: undefined, after: desiredApp().definition.labels?.[LABEL_SOURCE] },
      ]);
    });

    it('reports a missing ownership label', () => {
      const labels: Record<string, string> = { ...marathonApp().labels };
      delete labels['maracker.managed-by'];
      expect(diffApp(desiredApp(), marathonApp({ labels }))).toEqual([{ path: 'labels.maracker.managed-by', before: undefined, after: 'maracker.test' }]);
    });

    it('ignores an ownership label that names no installation (written before installations) alone: upgrading restarts nothing', () => {
      const legacy = marathonApp({ labels: { ...marathonApp().labels, [LABEL_MANAGED_BY]: LEGACY_MANAGED_BY } });
      expect(diffApp(desiredApp(), legacy)).toEqual([]);
    });

    it('moves a legacy ownership label to the installation with the next real change', () => {
      const legacy = marathonApp({ labels: { ...marathonApp().labels, [LABEL_MANAGED_BY]: LEGACY_MANAGED_BY } });
      expect(diffApp(desiredApp({ mem: 512 }), legacy).map((c) => c.path)).toEqual(['mem']);
      // The change is sent as the whole desired definition, which names the installation.
      expect(desiredApp({ mem: 512 }).definition.labels?.[LABEL_MANAGED_BY]).toBe('maracker.test');
    });

    it("reports another installation's ownership label as a change (the planner never gets there: it is a conflict)", () => {
      const foreign = marathonApp({ labels: { ...marathonApp().labels, [LABEL_MANAGED_BY]: 'maracker.staging' } });
      expect(diffApp(desiredApp(), foreign)).toEqual([{ path: 'labels.maracker.managed-by', before: 'maracker.staging', after: 'maracker.test' }]);
    });
  });

  describe('real changes', () => {
    it('reports each changed field with Marathon before and the manifest after', () => {
      const desired = desiredApp({
        container: { type: 'DOCKER', docker: { image: 'nginx:1.27' }, portMappings: [{ containerPort: 8080, name: 'http' }] },
        env: { MODE: 'prod' },
        labels: { ...desiredApp().definition.labels, 'traefik.enable': 'false' },
      });
      expect(diffApp(desired, marathonApp())).toEqual([
        { path: 'container.docker.image', before: 'nginx:1.25', after: 'nginx:1.27' },
        { path: 'container.portMappings[0].containerPort', before: 80, after: 8080 },
        { path: 'env', before: undefined, after: { MODE: 'prod' } },
        { path: 'labels.traefik.enable', before: 'true', after: 'false' },
      ]);
    });

    it('reports a changed set-like list as a whole', () => {
      const desired = desiredApp({ constraints: [['hostname', 'UNIQUE']] });
      expect(diffApp(desired, marathonApp({ constraints: [['hostname', 'CLUSTER', 'a']] }))).toEqual([
        { path: 'constraints', before: [['hostname', 'CLUSTER', 'a']], after: [['hostname', 'UNIQUE']] },
      ]);
    });

    it('reports a hand edit of a field the manifest leaves to Marathon, to be reset to the default', () => {
      expect(diffApp(desiredApp(), marathonApp({ backoffFactor: 2 }))).toEqual([{ path: 'backoffFactor', before: 2, after: 1.15 }]);
      expect(diffApp(desiredApp(), marathonApp({ maxLaunchDelaySeconds: 60 }))).toEqual([{ path: 'maxLaunchDelaySeconds', before: 60, after: undefined }]);
      expect(diffApp(desiredApp(), marathonApp({ unreachableStrategy: 'disabled' }))).toEqual([
        { path: 'unreachableStrategy', before: 'disabled', after: undefined },
      ]);
      expect(diffApp(desiredApp(), marathonApp({ taskKillGracePeriodSeconds: 30 }))).toEqual([
        { path: 'taskKillGracePeriodSeconds', before: 30, after: undefined },
      ]);
      const privileged = { ...marathonApp().container!, docker: { image: 'nginx:1.25', privileged: true } };
      expect(diffApp(desiredApp(), marathonApp({ container: privileged }))).toEqual([{ path: 'container.docker.privileged', before: true, after: false }]);
    });

    it('honours a versioned default the manifest sets explicitly', () => {
      expect(diffApp(desiredApp({ maxLaunchDelaySeconds: 3600 }), marathonApp({ maxLaunchDelaySeconds: 300 }))).toEqual([
        { path: 'maxLaunchDelaySeconds', before: 300, after: 3600 },
      ]);
    });

    it('fills a partial unreachable strategy the way the server does', () => {
      const desired = desiredApp({ unreachableStrategy: { inactiveAfterSeconds: 60 } });
      expect(diffApp(desired, marathonApp({ unreachableStrategy: { inactiveAfterSeconds: 60, expungeAfterSeconds: 0 } }))).toEqual([]);
      expect(diffApp(desired, marathonApp({ unreachableStrategy: { inactiveAfterSeconds: 60, expungeAfterSeconds: 120 } }))).toHaveLength(1);
    });

    it('reports a change of network mode with both port lists', () => {
      const changes = diffApp(desiredApp({ networks: [{ mode: 'host' }] }), marathonApp());
      expect(changes.map((c) => c.path)).toEqual(['container.portMappings', 'networks', 'portDefinitions']);
    });
  });
});

function appContainer(): NonNullable<MarathonAppDefinition['container']> {
  return desiredApp().definition.container!;
}
