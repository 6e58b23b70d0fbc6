// The field-by-field audit of docs/marathon-fidelity.md, as data: for every AppDefinition field
// maracker can write (from the manifest format or the `marathon` pass-through), what Marathon
// 1.10.26 refuses, rewrites on the way in and returns on GET, with the source file that says
// so (under reference/marathon/source-v1.10.26/src/main/scala/mesosphere/marathon/), and the
// cases that test it in three places (audit.test.ts): `maracker validate`, the plan, and the
// sandbox. The doc's table is generated from these rows (UPDATE_DOCS=1).

import { expect } from 'vitest';
import type { AppSpec } from '../../src/manifest/types.js';

/** A GET /v2/apps/{id} answer, as loosely typed as a test needs it. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads whatever Marathon answered, field by field
export type AppJson = any;

export interface CaseBase {
  spec: Partial<AppSpec>;
  /** metadata.labels */
  labels?: Record<string, string>;
  /** A sandbox started with Marathon's --default_network_name dcos. */
  sandbox?: 'dcos';
}

/** Valid: validate accepts it, the sandbox takes it, and the plan sees no change against what the sandbox returns. */
export interface Accepted extends CaseBase {
  kind: 'accepted';
  /** What Marathon (the sandbox) returns for it. */
  shows?: (app: AppJson) => void;
}

/**
 * Refused by validate at `at` with a message containing `says`. What Marathon does with the
 * definition the spec translates to: `rejects` answers 422 with `marathonSays` (default `says`);
 * `ignores` takes it and drops or rewrites the field (`shows`), which the plan must read as no
 * change; `format` is a rule of the manifest format alone (the sandbox is not asked).
 */
export interface Refused extends CaseBase {
  kind: 'refused';
  at: string;
  says: string;
  marathon: 'rejects' | 'ignores' | 'format';
  marathonSays?: string;
  shows?: (app: AppJson) => void;
}

export type Case = Accepted | Refused;

export interface Row {
  /** The AppDefinition field. */
  field: string;
  /** Where a manifest sets it. */
  from: string;
  /** Marathon source files (relative to src/main/scala/mesosphere/marathon/). */
  source: string;
  rejects: string;
  rewrites: string;
  returns: string;
  cases: Case[];
}

const hc = (app: AppJson, i = 0): Record<string, unknown> => app.healthChecks[i];
const docker = { cmd: undefined, image: 'nginx:1.25' } as const;
const bridge = { ...docker, network: 'bridge' as const, ports: [{ name: 'web', containerPort: 80 }] };

export const ROWS: Row[] = [
  {
    field: 'id',
    from: 'metadata.name, metadata.group',
    source: 'api/v2/AppNormalization.scala (withCanonizedIds), state/PathId (raml stringTypes.raml)',
    rejects: 'a segment outside `[a-z0-9-.]`, starting or ending with `-` or `.` (422 error.pattern)',
    rewrites: 'relative ids made absolute',
    returns: 'the absolute id',
    cases: [{ kind: 'accepted', spec: {}, shows: (a) => expect(a.id).toMatch(/^\/audit\//) }],
  },
  {
    field: 'cmd',
    from: 'spec.cmd',
    source: 'api/v2/validation/AppValidation.scala',
    rejects: 'a one-character cmd: "must not be an empty string" (`cmd.length() > 1`)',
    rewrites: '—',
    returns: 'as sent',
    cases: [
      { kind: 'accepted', spec: { cmd: 'sleep 1000' }, shows: (a) => expect(a.cmd).toBe('sleep 1000') },
      { kind: 'refused', spec: { cmd: 'x' }, at: 'spec.cmd', says: 'must not be an empty string', marathon: 'rejects' },
    ],
  },
  {
    field: 'args',
    from: 'spec.args',
    source: 'api/v2/validation/AppValidation.scala (containsCmdArgsOrContainer), state/AppDefinition.scala',
    rejects: "cmd with args; no cmd, no non-empty args and no image: \"AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.\"",
    rewrites: '—',
    returns: 'as sent; omitted when empty (omitEmpty)',
    cases: [
      { kind: 'accepted', spec: { ...docker, args: ['--port', '80'] }, shows: (a) => expect(a.args).toEqual(['--port', '80']) },
      {
        kind: 'refused',
        spec: { cmd: undefined, args: [] },
        at: 'spec',
        says: 'needs at least one of image, cmd or a non-empty args',
        marathon: 'rejects',
        marathonSays: "AppDefinition must either contain one of 'cmd' or 'args'",
      },
    ],
  },
  {
    field: 'instances',
    from: 'spec.instances',
    source: 'raml app.raml (minimum 0, default 1), state/AppDefinition.scala',
    rejects: 'below 0 (422 error.min)',
    rewrites: 'absent: 1',
    returns: 'the count',
    cases: [
      { kind: 'accepted', spec: { instances: 0 }, shows: (a) => expect(a.instances).toBe(0) },
      { kind: 'accepted', spec: { instances: undefined }, shows: (a) => expect(a.instances).toBe(1) },
    ],
  },
  {
    field: 'cpus, mem, disk',
    from: 'spec.cpus, spec.mem, spec.disk',
    source: 'raml app.raml, raml/AppConversion.scala (resources)',
    rejects: 'cpus below 0.001, mem or disk below 0 (422 error.min)',
    rewrites: 'absent: 1, 128, 0',
    returns: 'the numbers',
    cases: [
      { kind: 'accepted', spec: { cpus: undefined, mem: undefined }, shows: (a) => expect([a.cpus, a.mem, a.disk]).toEqual([1, 128, 0]) },
      { kind: 'accepted', spec: { cpus: 0.25, mem: 48.5, disk: 10 }, shows: (a) => expect([a.cpus, a.mem, a.disk]).toEqual([0.25, 48.5, 10]) },
    ],
  },
  {
    field: 'env',
    from: 'spec.env',
    source: 'api/v2/validation/EnvVarValidation.scala',
    rejects: 'an empty name ("must not be empty"); secret references without the secrets feature',
    rewrites: '—',
    returns: 'as sent; omitted when empty',
    cases: [
      { kind: 'accepted', spec: { env: { A: '1', 'weird.name': 'x' } }, shows: (a) => expect(a.env).toEqual({ A: '1', 'weird.name': 'x' }) },
      { kind: 'refused', spec: { env: { '': 'x' } }, at: 'spec.env', says: 'must not be empty', marathon: 'rejects' },
    ],
  },
  {
    field: 'labels',
    from: 'metadata.labels, spec.labels, expose, ownership',
    source: 'raml label.raml, api/v2/validation/SchedulingValidation.scala, AppValidation.scala (complyWithMigrationAPI)',
    rejects:
      'MARATHON_SINGLE_INSTANCE_APP=true with more than one instance, or without upgradeStrategy {0, 0}; DCOS_MIGRATION_API_VERSION without v1 and its companion labels',
    rewrites: '—',
    returns: 'as sent (always present, `{}` when none)',
    cases: [
      { kind: 'accepted', spec: { labels: { team: 'mip' } }, shows: (a) => expect(a.labels).toMatchObject({ team: 'mip', 'traefik.enable': 'false' }) },
      { kind: 'accepted', spec: { upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 } }, labels: { MARATHON_SINGLE_INSTANCE_APP: 'true' } },
      {
        kind: 'refused',
        spec: { instances: 2, upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 } },
        labels: { MARATHON_SINGLE_INSTANCE_APP: 'true' },
        at: 'spec.instances',
        says: 'Single instance app may only have one instance',
        marathon: 'rejects',
      },
      {
        kind: 'refused',
        spec: {},
        labels: { MARATHON_SINGLE_INSTANCE_APP: 'true' },
        at: 'metadata.labels.MARATHON_SINGLE_INSTANCE_APP',
        says: 'expected 0.0',
        marathon: 'rejects',
      },
      {
        kind: 'refused',
        spec: { labels: { DCOS_MIGRATION_API_VERSION: 'v1' } },
        at: 'spec.labels.DCOS_MIGRATION_API_VERSION',
        says: 'DCOS_PACKAGE_FRAMEWORK_NAME and DCOS_MIGRATION_API_PATH must be defined',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'container.type, container.docker.image',
    from: 'spec.image (DOCKER); volumes or a non-host network of a command app (MESOS)',
    source: 'raml/ContainerConversion.scala, api/v2/validation/AppValidation.scala (validContainer)',
    rejects: 'a DOCKER container without docker ("not defined"); an empty image',
    rewrites: '—',
    returns: 'type and image; DOCKER adds forcePullImage false, privileged false, parameters []',
    cases: [
      {
        kind: 'accepted',
        spec: docker,
        shows: (a) =>
          expect(a.container).toMatchObject({ type: 'DOCKER', docker: { image: 'nginx:1.25', forcePullImage: false, privileged: false, parameters: [] } }),
      },
      { kind: 'accepted', spec: { network: 'bridge' }, shows: (a) => expect(a.container.type).toBe('MESOS') },
    ],
  },
  {
    field: 'container.docker.forcePullImage, privileged, parameters',
    from: 'spec.docker',
    source: 'raml/ContainerConversion.scala (dockerDockerContainerWrites), AppValidation.scala (validOldContainerAPI)',
    rejects: 'parameters on a MESOS container ("must be empty"; the format gives spec.docker only to images, always DOCKER)',
    rewrites: '—',
    returns: 'all three, defaulted',
    cases: [
      {
        kind: 'accepted',
        spec: { ...docker, docker: { forcePullImage: true, privileged: true, parameters: [{ key: 'label', value: 'a=b' }] } },
        shows: (a) => expect(a.container.docker).toMatchObject({ forcePullImage: true, privileged: true, parameters: [{ key: 'label', value: 'a=b' }] }),
      },
      { kind: 'refused', spec: { docker: { privileged: true } }, at: 'spec.docker', says: 'docker options need spec.image', marathon: 'format' },
    ],
  },
  {
    field: 'container.volumes',
    from: 'spec.volumes',
    source: 'api/v2/validation/AppValidation.scala (validVolume: validHostVolume), raml volumes.raml',
    rejects: 'an empty containerPath or hostPath; a mode other than RO or RW',
    rewrites: '—',
    returns: 'containerPath, hostPath, mode',
    cases: [
      {
        kind: 'accepted',
        spec: {
          volumes: [
            { containerPath: '/data', hostPath: '/srv/data', mode: 'RO' },
            { containerPath: 'tmp', hostPath: '/tmp' },
          ],
        },
        shows: (a) =>
          expect(a.container.volumes).toEqual([
            { containerPath: '/data', hostPath: '/srv/data', mode: 'RO' },
            { containerPath: 'tmp', hostPath: '/tmp', mode: 'RW' },
          ]),
      },
    ],
  },
  {
    field: 'networks',
    from: 'spec.network, spec.networkName',
    source: 'api/v2/validation/NetworkValidation.scala, api/v2/NetworkNormalization.scala, raml/NetworkConversion.scala',
    rejects:
      'a container network without a name when Marathon has no --default_network_name ("Network name must be specified when container network is selected."); a name over 63 characters; names on host or bridge networks',
    rewrites: 'none declared: one host network; an unnamed container network takes --default_network_name',
    returns: 'mode (and name for container networks)',
    cases: [
      { kind: 'accepted', spec: { network: undefined }, shows: (a) => expect(a.networks).toEqual([{ mode: 'host' }]) },
      { kind: 'accepted', spec: bridge, shows: (a) => expect(a.networks).toEqual([{ mode: 'container/bridge' }]) },
      {
        kind: 'accepted',
        spec: { ...bridge, network: 'container', networkName: 'calico' },
        shows: (a) => expect(a.networks).toEqual([{ name: 'calico', mode: 'container' }]),
      },
      {
        kind: 'accepted',
        spec: { ...bridge, network: 'container' },
        sandbox: 'dcos',
        shows: (a) => expect(a.networks).toEqual([{ name: 'dcos', mode: 'container' }]),
      },
      {
        kind: 'refused',
        spec: { ...bridge, network: 'container', networkName: 'n'.repeat(64) },
        at: 'spec.networkName',
        says: 'must be at most 63 characters long',
        marathon: 'rejects',
        marathonSays: 'error.maxLength',
      },
    ],
  },
  {
    field: 'portDefinitions',
    from: 'spec.ports (host networking)',
    source:
      'api/v2/validation/AppValidation.scala (portDefinitionsValidator), AppNormalization.scala (applyDefaultPortDefinitions), raml/NetworkConversion.scala',
    rejects: 'two ports with one non-zero number ("Ports must be unique."), two with one name ("Port names must be unique.")',
    rewrites: 'none declared: one port `{port: 0, name: default}`; port 0 becomes a service port from --local_port_min; protocol tcp',
    returns: 'port, name, protocol, labels',
    cases: [
      {
        kind: 'accepted',
        spec: { ports: [] },
        shows: (a) => expect(a.portDefinitions).toEqual([{ port: expect.any(Number), name: 'default', protocol: 'tcp' }]),
      },
      {
        kind: 'accepted',
        spec: { ports: [{ name: 'http' }, { name: 'admin', hostPort: 12345, protocol: 'udp,tcp', labels: { vip: '1' } }] },
        shows: (a) =>
          expect(a.portDefinitions).toEqual([
            { port: expect.any(Number), name: 'http', protocol: 'tcp' },
            { port: 12345, labels: { vip: '1' }, name: 'admin', protocol: 'udp,tcp' },
          ]),
      },
      {
        kind: 'refused',
        spec: {
          ports: [
            { name: 'a', hostPort: 8080 },
            { name: 'b', hostPort: 8080 },
          ],
        },
        at: 'spec.ports[1].hostPort',
        says: 'Ports must be unique.',
        marathon: 'rejects',
      },
      {
        kind: 'refused',
        spec: { ports: [{ name: 'a' }, { name: 'a' }] },
        at: 'spec.ports[1].name',
        says: 'duplicate port name',
        marathon: 'rejects',
        marathonSays: 'Port names must be unique.',
      },
    ],
  },
  {
    field: 'container.portMappings',
    from: 'spec.ports (bridge and container networking)',
    source: 'api/v2/AppNormalization.scala (applyDefaultPortMappings, NetworkedContainer), raml/NetworkConversion.scala, state/Container.scala',
    rejects: 'two mappings with one name ("Port names must be unique.")',
    rewrites: 'none declared: one mapping `{containerPort: 0, name: default}`; bridge: a missing hostPort is 0; servicePort 0 is assigned',
    returns: 'containerPort, hostPort (bridge, or when given), servicePort, name, protocol, labels',
    cases: [
      {
        kind: 'accepted',
        spec: { ...docker, network: 'bridge' },
        shows: (a) =>
          expect(a.container.portMappings).toEqual([
            expect.objectContaining({ containerPort: 0, hostPort: 0, name: 'default', servicePort: expect.any(Number) }),
          ]),
      },
      {
        kind: 'accepted',
        spec: {
          ...docker,
          network: 'bridge',
          ports: [
            { name: 'web', containerPort: 80 },
            { name: 'dns', containerPort: 53, hostPort: 5353, servicePort: 15353, protocol: 'udp' },
          ],
        },
        shows: (a) =>
          expect(a.container.portMappings).toEqual([
            expect.objectContaining({ containerPort: 80, hostPort: 0, name: 'web', protocol: 'tcp' }),
            expect.objectContaining({ containerPort: 53, hostPort: 5353, servicePort: 15353, name: 'dns', protocol: 'udp' }),
          ]),
      },
      {
        kind: 'accepted',
        spec: { ...bridge, network: 'container', networkName: 'calico' },
        shows: (a) => expect(a.container.portMappings[0]).not.toHaveProperty('hostPort'),
      },
    ],
  },
  {
    field: 'requirePorts',
    from: 'spec.marathon.requirePorts',
    source: 'api/v2/AppNormalization.scala (forPostValidation)',
    rejects: '—',
    rewrites: 'false unless the network is host',
    returns: 'the boolean',
    cases: [
      {
        kind: 'accepted',
        spec: { ports: [{ name: 'web', hostPort: 23456 }], marathon: { requirePorts: true } },
        shows: (a) => expect(a.requirePorts).toBe(true),
      },
      {
        kind: 'refused',
        spec: { ...bridge, marathon: { requirePorts: true } },
        at: 'spec.marathon.requirePorts',
        says: 'resets requirePorts to false',
        marathon: 'ignores',
        shows: (a) => expect(a.requirePorts).toBe(false),
      },
    ],
  },
  {
    field: 'healthChecks[].protocol, portIndex',
    from: 'spec.healthChecks[].protocol, .port',
    source: 'api/v2/AppNormalization.scala (normalizeHealthChecks), AppValidation.scala (portIndexIsValid), core/health/HealthCheck.scala (effectivePort)',
    rejects: 'a portIndex outside the ports ("Health check port indices must address an element of the ports array or container port mappings.")',
    rewrites:
      'portIndex 0 for a check naming no port, only when ports are declared (else the check has no port and never passes: maracker always writes the index)',
    returns: 'protocol; port or portIndex (none for COMMAND)',
    cases: [
      {
        kind: 'accepted',
        spec: { healthChecks: [{ protocol: 'HTTP' }, { protocol: 'COMMAND', command: 'true' }] },
        shows: (a) => expect([hc(a).portIndex, hc(a, 1).portIndex]).toEqual([0, undefined]),
      },
      {
        kind: 'accepted',
        spec: { ports: [{ name: 'a' }, { name: 'b' }], healthChecks: [{ protocol: 'TCP', port: 'b' }] },
        shows: (a) => expect(hc(a).portIndex).toBe(1),
      },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'HTTP', port: 'admin' }] },
        at: 'spec.healthChecks[0].port',
        says: 'no port named',
        marathon: 'format',
      },
    ],
  },
  {
    field: 'healthChecks[] (Mesos checks)',
    from: 'spec.healthChecks[].protocol MESOS_HTTP, MESOS_HTTPS, MESOS_TCP',
    source: 'api/v2/validation/AppValidation.scala (haveAtMostOneMesosHealthCheck), state/AppDefinition.scala',
    rejects: 'more than one Mesos check that is not COMMAND ("AppDefinition can contain at most one Mesos health check")',
    rewrites: '—',
    returns: 'each check',
    cases: [
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'MESOS_HTTP' }, { protocol: 'COMMAND', command: 'true' }, { protocol: 'TCP' }] } },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'MESOS_HTTP' }, { protocol: 'MESOS_TCP' }] },
        at: 'spec.healthChecks[1]',
        says: 'AppDefinition can contain at most one Mesos health check',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'healthChecks[].path',
    from: 'spec.healthChecks[].path',
    source: 'raml/HealthCheckConversion.scala (appHealthCheckWrites)',
    rejects: '—',
    rewrites: 'kept for HTTP, HTTPS, MESOS_HTTP, MESOS_HTTPS only',
    returns: 'the path when given (absent means /)',
    cases: [
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'HTTP', path: '/health' }] }, shows: (a) => expect(hc(a).path).toBe('/health') },
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'MESOS_HTTP' }] }, shows: (a) => expect(hc(a)).not.toHaveProperty('path') },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'MESOS_TCP', path: '/x' }] },
        at: 'spec.healthChecks[0].path',
        says: 'only connects',
        marathon: 'ignores',
        shows: (a) => expect(hc(a)).not.toHaveProperty('path'),
      },
    ],
  },
  {
    field: 'healthChecks[].command',
    from: 'spec.healthChecks[].command',
    source: 'raml/HealthCheckConversion.scala (appHealthCheckRamlReader)',
    rejects: 'a COMMAND check without a command ("not defined")',
    rewrites: '—',
    returns: '`{value}`',
    cases: [
      {
        kind: 'accepted',
        spec: { healthChecks: [{ protocol: 'COMMAND', command: 'test -f /tmp/ok' }] },
        shows: (a) => expect(hc(a).command).toEqual({ value: 'test -f /tmp/ok' }),
      },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'COMMAND' }] },
        at: 'spec.healthChecks[0]',
        says: 'a COMMAND health check needs a command',
        marathon: 'rejects',
        marathonSays: 'not defined',
      },
    ],
  },
  {
    field: 'healthChecks[].gracePeriodSeconds, intervalSeconds, timeoutSeconds, maxConsecutiveFailures',
    from: 'spec.healthChecks[]',
    source: 'raml healthCheck.raml, raml/HealthCheckConversion.scala',
    rejects: 'negative values (422 error.min)',
    rewrites: 'absent: 300, 60, 20, 3',
    returns: 'the numbers',
    cases: [
      {
        kind: 'accepted',
        spec: { healthChecks: [{ protocol: 'TCP' }] },
        shows: (a) => expect(hc(a)).toMatchObject({ gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3 }),
      },
      {
        kind: 'accepted',
        spec: { healthChecks: [{ protocol: 'TCP', gracePeriodSeconds: 5, intervalSeconds: 2, timeoutSeconds: 1, maxConsecutiveFailures: 9 }] },
        shows: (a) => expect(hc(a)).toMatchObject({ gracePeriodSeconds: 5, intervalSeconds: 2, timeoutSeconds: 1, maxConsecutiveFailures: 9 }),
      },
    ],
  },
  {
    field: 'healthChecks[].delaySeconds',
    from: 'spec.healthChecks[].delaySeconds',
    source:
      'raml/HealthCheckConversion.scala (appHealthCheckWrites: MarathonHttpHealthCheck and MarathonTcpHealthCheck have no delay), core/health/HealthCheck.scala',
    rejects: '—',
    rewrites: 'dropped from HTTP, HTTPS and TCP checks',
    returns: 'HTTP, HTTPS, TCP: always 15; COMMAND and MESOS_*: as sent (default 15)',
    cases: [
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'MESOS_TCP', delaySeconds: 5 }] }, shows: (a) => expect(hc(a).delaySeconds).toBe(5) },
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'HTTP', delaySeconds: 15 }] }, shows: (a) => expect(hc(a).delaySeconds).toBe(15) },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'HTTP', delaySeconds: 5 }] },
        at: 'spec.healthChecks[0].delaySeconds',
        says: 'does not delay HTTP checks',
        marathon: 'ignores',
        shows: (a) => expect(hc(a).delaySeconds).toBe(15),
      },
    ],
  },
  {
    field: 'healthChecks[].ignoreHttp1xx',
    from: 'spec.healthChecks[].ignoreHttp1xx',
    source: 'raml/HealthCheckConversion.scala (appHealthCheckRamlReader: MesosHttpHealthCheck has no ignoreHttp1xx)',
    rejects: '—',
    rewrites: 'dropped from every check but HTTP and HTTPS',
    returns: 'HTTP and HTTPS: the boolean (default false); others: absent',
    cases: [
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'HTTPS', ignoreHttp1xx: true }] }, shows: (a) => expect(hc(a).ignoreHttp1xx).toBe(true) },
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'HTTP' }] }, shows: (a) => expect(hc(a).ignoreHttp1xx).toBe(false) },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'MESOS_HTTP', ignoreHttp1xx: true }] },
        at: 'spec.healthChecks[0].ignoreHttp1xx',
        says: 'drops ignoreHttp1xx from MESOS_HTTP checks',
        marathon: 'ignores',
        shows: (a) => expect(hc(a)).not.toHaveProperty('ignoreHttp1xx'),
      },
    ],
  },
  {
    field: 'healthChecks[].ipProtocol',
    from: 'spec.healthChecks[].ipProtocol',
    source: 'api/v2/validation/AppValidation.scala (complyWithIpProtocolRules), raml/HealthCheckConversion.scala',
    rejects:
      'IPv6 but on a MESOS_HTTP, MESOS_HTTPS or MESOS_TCP check of a DOCKER container ("IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks")',
    rewrites: '—',
    returns: 'Mesos HTTP/TCP checks: as sent (default IPv4); others: IPv4',
    cases: [
      {
        kind: 'accepted',
        spec: { ...docker, healthChecks: [{ protocol: 'MESOS_TCP', ipProtocol: 'IPv6' }] },
        shows: (a) => expect(hc(a).ipProtocol).toBe('IPv6'),
      },
      { kind: 'accepted', spec: { healthChecks: [{ protocol: 'TCP', ipProtocol: 'IPv4' }] }, shows: (a) => expect(hc(a).ipProtocol).toBe('IPv4') },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'HTTP', ipProtocol: 'IPv6' }] },
        at: 'spec.healthChecks[0].ipProtocol',
        says: 'IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks',
        marathon: 'rejects',
      },
      {
        kind: 'refused',
        spec: { healthChecks: [{ protocol: 'MESOS_TCP', ipProtocol: 'IPv6' }] },
        at: 'spec.healthChecks[0].ipProtocol',
        says: 'IPv6 can only be used for container type DOCKER',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'constraints (UNIQUE, CLUSTER)',
    from: 'spec.constraints',
    source: 'api/v2/validation/SchedulingValidation.scala (complyWithConstraintRules), raml/ConstraintConversion.scala',
    rejects: 'UNIQUE with a value ("UNIQUE does not accept a value"); CLUSTER takes one or none',
    rewrites: 'a set: duplicates collapse, order is lost',
    returns: '`[field, OPERATOR(, value)]`, in any order',
    cases: [
      {
        kind: 'accepted',
        spec: {
          constraints: [
            ['hostname', 'UNIQUE'],
            ['rack', 'CLUSTER'],
            ['zone', 'CLUSTER', 'a'],
            ['hostname', 'UNIQUE'],
          ],
        },
        shows: (a) => expect(a.constraints).toHaveLength(3),
      },
      {
        kind: 'refused',
        spec: { constraints: [['hostname', 'UNIQUE', 'x']] },
        at: 'spec.constraints[0][2]',
        says: 'constraint UNIQUE takes no value',
        marathon: 'rejects',
        marathonSays: 'UNIQUE does not accept a value',
      },
    ],
  },
  {
    field: 'constraints (GROUP_BY, MAX_PER)',
    from: 'spec.constraints',
    source: 'api/v2/validation/SchedulingValidation.scala',
    rejects: 'GROUP_BY with a value that is not an integer; MAX_PER without an integer value',
    rewrites: '—',
    returns: 'as sent',
    cases: [
      {
        kind: 'accepted',
        spec: {
          constraints: [
            ['rack', 'GROUP_BY'],
            ['zone', 'GROUP_BY', '3'],
            ['hostname', 'MAX_PER', '2'],
          ],
        },
      },
      {
        kind: 'refused',
        spec: { constraints: [['rack', 'GROUP_BY', 'two']] },
        at: 'spec.constraints[0][2]',
        says: 'GROUP BY must define an integer value or else no value at all',
        marathon: 'rejects',
      },
      {
        kind: 'refused',
        spec: { constraints: [['rack', 'MAX_PER', 'x']] },
        at: 'spec.constraints[0][2]',
        says: 'MAX_PER requires an integer value',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'constraints (LIKE, UNLIKE, IS)',
    from: 'spec.constraints',
    source: 'api/v2/validation/SchedulingValidation.scala (Pattern.compile; MesosLiteralOrFloatValue)',
    rejects:
      'LIKE or UNLIKE without a value or with one that is not a Java regular expression ("is not a valid regular expression"); IS with a value outside `[a-zA-Z0-9_/.-]` ("IS only supports Mesos text and float values")',
    rewrites: '—',
    returns: 'as sent',
    cases: [
      {
        kind: 'accepted',
        spec: {
          constraints: [
            ['rack', 'LIKE', '(?i)rack-[0-9]+'],
            ['rack', 'UNLIKE', 'rack-9'],
            ['os', 'IS', 'ubuntu-22.04'],
          ],
        },
      },
      {
        kind: 'refused',
        spec: { constraints: [['rack', 'LIKE', 'rack-[0-9']] },
        at: 'spec.constraints[0][2]',
        says: 'is not a valid regular expression',
        marathon: 'rejects',
      },
      {
        kind: 'refused',
        spec: { constraints: [['os', 'IS', 'a b']] },
        at: 'spec.constraints[0][2]',
        says: 'IS only supports Mesos text and float values',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'dependencies',
    from: 'spec.dependencies',
    source: 'api/v2/AppNormalization.scala (withCanonizedIds), raml stringTypes.raml (PathId)',
    rejects: 'an id that is not a path id (422 error.pattern)',
    rewrites: "relative to the app's group, made absolute; a set",
    returns: 'absolute ids, in any order',
    cases: [
      { kind: 'accepted', spec: { dependencies: ['db', '/ops/log'] }, shows: (a) => expect([...a.dependencies].sort()).toEqual(['/audit/db', '/ops/log']) },
    ],
  },
  {
    field: 'upgradeStrategy',
    from: 'spec.upgradeStrategy',
    source: 'raml/AppConversion.scala (UpgradeStrategyConverter), state/UpgradeStrategy.scala',
    rejects: 'values outside 0..1 (422 error.min/error.max)',
    rewrites: 'absent: {1, 1}; a missing half: 1',
    returns: 'both values',
    cases: [
      { kind: 'accepted', spec: {}, shows: (a) => expect(a.upgradeStrategy).toEqual({ maximumOverCapacity: 1, minimumHealthCapacity: 1 }) },
      {
        kind: 'accepted',
        spec: { upgradeStrategy: { minimumHealthCapacity: 0.5 } },
        shows: (a) => expect(a.upgradeStrategy).toEqual({ maximumOverCapacity: 1, minimumHealthCapacity: 0.5 }),
      },
    ],
  },
  {
    field: 'fetch',
    from: 'spec.fetch',
    source: 'raml artifact.raml, raml/AppConversion.scala (artifactWrites), state/FetchUri',
    rejects: 'an empty uri or one over 1024 characters',
    rewrites: 'absent flags: extract true, executable false, cache false',
    returns: 'uri, extract, executable, cache, destPath',
    cases: [
      {
        kind: 'accepted',
        spec: { fetch: [{ uri: 'https://example.org/a.tgz' }, { uri: 'https://example.org/run.sh', executable: true, extract: false, destPath: 'run' }] },
        shows: (a) => expect(a.fetch[0]).toEqual({ uri: 'https://example.org/a.tgz', extract: true, executable: false, cache: false }),
      },
    ],
  },
  {
    field: 'user',
    from: 'spec.user',
    source: 'raml/AppConversion.scala',
    rejects: '—',
    rewrites: '—',
    returns: 'as sent; absent when not set',
    cases: [{ kind: 'accepted', spec: { user: 'nobody' }, shows: (a) => expect(a.user).toBe('nobody') }],
  },
  {
    field: 'acceptedResourceRoles',
    from: 'spec.marathon.acceptedResourceRoles',
    source: 'api/v2/validation/AppValidation.scala (validWithRoleEnforcement), state/ResourceRole',
    rejects: 'an empty list; a role other than * and the app\'s role ("acceptedResourceRoles can only contain * and <role>")',
    rewrites: 'a set',
    returns: 'the roles, in any order',
    cases: [
      { kind: 'accepted', spec: { marathon: { acceptedResourceRoles: ['*'] } }, shows: (a) => expect(a.acceptedResourceRoles).toEqual(['*']) },
      {
        kind: 'refused',
        spec: { marathon: { role: 'audit', acceptedResourceRoles: ['slave_public'] } },
        at: 'spec.marathon.acceptedResourceRoles[0]',
        says: 'acceptedResourceRoles can only contain * and audit',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'role',
    from: 'spec.marathon.role',
    source: 'api/v2/AppNormalization.scala (forPreValidation), AppValidation.scala (validWithRoleEnforcement)',
    rejects: "a role other than --mesos_role and the top-level group's name (depends on the flag: not checked by validate)",
    rewrites: 'absent: the default role (--mesos_role, "*")',
    returns: 'the role',
    cases: [
      { kind: 'accepted', spec: {}, shows: (a) => expect(a.role).toBe('*') },
      { kind: 'accepted', spec: { marathon: { role: 'audit' } }, shows: (a) => expect(a.role).toBe('audit') },
    ],
  },
  {
    field: 'backoffSeconds, backoffFactor, maxLaunchDelaySeconds',
    from: 'spec.marathon',
    source: 'raml app.raml, raml/AppConversion.scala (backoffStrategy)',
    rejects: 'backoffFactor below 1, negative seconds (422 error.min)',
    rewrites: 'absent: 1, 1.15, 300',
    returns: 'the numbers',
    cases: [
      { kind: 'accepted', spec: {}, shows: (a) => expect([a.backoffSeconds, a.backoffFactor, a.maxLaunchDelaySeconds]).toEqual([1, 1.15, 300]) },
      {
        kind: 'accepted',
        spec: { marathon: { backoffSeconds: 5, backoffFactor: 2, maxLaunchDelaySeconds: 60 } },
        shows: (a) => expect([a.backoffSeconds, a.backoffFactor, a.maxLaunchDelaySeconds]).toEqual([5, 2, 60]),
      },
    ],
  },
  {
    field: 'check',
    from: 'spec.marathon.check',
    source: 'state/AppDefinition.scala (containsNoChecksWithDocker, checkPortIndexIsValid), raml/CheckConversion.scala',
    rejects:
      'any check with a DOCKER container ("AppDefinition must not use \'checks\' if using docker"); not exactly one of http, tcp, exec; a port index outside the ports',
    rewrites: 'absent: intervalSeconds 60, timeoutSeconds 20, delaySeconds 15, http.scheme HTTP',
    returns: 'the check with its defaults',
    cases: [
      {
        kind: 'accepted',
        spec: { marathon: { check: { http: { portIndex: 0, path: '/ready' } } } },
        shows: (a) =>
          expect(a.check).toEqual({ http: { portIndex: 0, path: '/ready', scheme: 'HTTP' }, intervalSeconds: 60, timeoutSeconds: 20, delaySeconds: 15 }),
      },
      {
        kind: 'refused',
        spec: { ...docker, marathon: { check: { tcp: { portIndex: 0 } } } },
        at: 'spec.marathon.check',
        says: "AppDefinition must not use 'checks' if using docker",
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'executor',
    from: 'spec.marathon.executor',
    source: 'raml app.raml (pattern), state/AppDefinition.scala (matchRegexFully)',
    rejects: 'anything but //cmd, a path without empty segments, or empty',
    rewrites: 'absent: ""',
    returns: 'the string',
    cases: [
      { kind: 'accepted', spec: { marathon: { executor: '//cmd' } }, shows: (a) => expect(a.executor).toBe('//cmd') },
      {
        kind: 'refused',
        spec: { marathon: { executor: 'a//b' } },
        at: 'spec.marathon.executor',
        says: 'is not a valid value',
        marathon: 'rejects',
        marathonSays: 'error.pattern',
      },
    ],
  },
  {
    field: 'executorResources',
    from: 'spec.marathon.executorResources',
    source: 'raml resources.raml (ExecutorResources)',
    rejects: 'cpus below 0.1, mem below 32, disk below 10 (422 error.min)',
    rewrites: 'missing values: 0.1, 32, 10',
    returns: 'all three when given; absent otherwise',
    cases: [
      {
        kind: 'accepted',
        spec: { marathon: { executorResources: { cpus: 0.2 } } },
        shows: (a) => expect(a.executorResources).toEqual({ cpus: 0.2, mem: 32, disk: 10 }),
      },
      {
        kind: 'refused',
        spec: { marathon: { executorResources: { mem: 16 } } },
        at: 'spec.marathon.executorResources.mem',
        says: 'must be >= 32',
        marathon: 'rejects',
        marathonSays: 'error.min',
      },
    ],
  },
  {
    field: 'gpus',
    from: 'spec.marathon.gpus',
    source: 'api/v2/validation/AppValidation.scala (complyWithGpuRules)',
    rejects: 'more than 0 without the gpu_resources feature, or with a DOCKER container',
    rewrites: 'absent: 0',
    returns: 'the number',
    cases: [
      { kind: 'accepted', spec: { marathon: { gpus: 0 } }, shows: (a) => expect(a.gpus).toBe(0) },
      { kind: 'refused', spec: { marathon: { gpus: 1 } }, at: 'spec.marathon.gpus', says: 'Feature gpu_resources is not enabled', marathon: 'rejects' },
    ],
  },
  {
    field: 'killSelection',
    from: 'spec.marathon.killSelection',
    source: 'raml killSelection.raml',
    rejects: 'anything but YOUNGEST_FIRST and OLDEST_FIRST',
    rewrites: 'absent: YOUNGEST_FIRST',
    returns: 'the value',
    cases: [{ kind: 'accepted', spec: { marathon: { killSelection: 'OLDEST_FIRST' } }, shows: (a) => expect(a.killSelection).toBe('OLDEST_FIRST') }],
  },
  {
    field: 'readinessChecks',
    from: 'spec.marathon.readinessChecks',
    source: 'api/v2/validation/AppValidation.scala (readinessCheckValidator, complyWithReadinessCheckRules), AppNormalization.scala (normalizeReadinessCheck)',
    rejects:
      'more than one; a portName no port has ("No port definition reference for portName …"; the default is http-api); timeoutSeconds not below intervalSeconds',
    rewrites: 'defaults of readinessCheck.raml; httpStatusCodesForReady [200]',
    returns: 'every field',
    cases: [
      {
        kind: 'accepted',
        spec: { marathon: { readinessChecks: [{ portName: 'default', path: '/ready' }] } },
        shows: (a) =>
          expect(a.readinessChecks[0]).toMatchObject({
            name: 'readinessCheck',
            protocol: 'HTTP',
            intervalSeconds: 30,
            timeoutSeconds: 10,
            httpStatusCodesForReady: [200],
          }),
      },
      {
        kind: 'refused',
        spec: { marathon: { readinessChecks: [{}] } },
        at: 'spec.marathon.readinessChecks[0]',
        says: 'No port definition reference for portName http-api',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'residency',
    from: 'spec.marathon.residency',
    source: 'raml/AppConversion.scala (appWriter: only `if (app.isResident)`), AppValidation.scala (requireUnreachableDisabledForResidentTasks)',
    rejects: 'beside an enabled unreachableStrategy ("unreachableStrategy must be disabled for resident tasks")',
    rewrites: 'dropped unless the app has persistent volumes (which the format cannot declare)',
    returns: 'absent',
    cases: [
      { kind: 'accepted', spec: {}, shows: (a) => expect(a).not.toHaveProperty('residency') },
      {
        kind: 'refused',
        spec: { marathon: { residency: { taskLostBehavior: 'WAIT_FOREVER' } } },
        at: 'spec.marathon.residency',
        says: 'keeps residency only for apps with persistent volumes',
        marathon: 'ignores',
        shows: (a) => expect(a).not.toHaveProperty('residency'),
      },
    ],
  },
  {
    field: 'resourceLimits',
    from: 'spec.marathon.resourceLimits',
    source: 'api/v2/validation/AppValidation.scala (validResourceLimits)',
    rejects: 'a limit below the requested cpus or mem ("resource limit must be greater than or equal to requested resource"); a string other than unlimited',
    rewrites: '—',
    returns: 'as sent',
    cases: [
      {
        kind: 'accepted',
        spec: { marathon: { resourceLimits: { cpus: 'unlimited', mem: 256 } } },
        shows: (a) => expect(a.resourceLimits).toEqual({ cpus: 'unlimited', mem: 256 }),
      },
      {
        kind: 'refused',
        spec: { marathon: { resourceLimits: { mem: 32 } } },
        at: 'spec.marathon.resourceLimits.mem',
        says: 'resource limit must be greater than or equal to requested resource',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'secrets',
    from: 'spec.marathon.secrets',
    source: 'api/v2/validation/AppValidation.scala (featureEnabled(SECRETS)), SecretValidation.scala, EnvVarValidation.scala',
    rejects: 'any secret without the secrets feature ("Feature secrets is not enabled. Enable with --enable_features secrets)")',
    rewrites: '—',
    returns: 'as sent (with the feature)',
    cases: [
      { kind: 'accepted', spec: { marathon: { secrets: {} } } },
      {
        kind: 'refused',
        spec: { marathon: { secrets: { db: { source: '/db' } } } },
        at: 'spec.marathon.secrets',
        says: 'Feature secrets is not enabled. Enable with --enable_features secrets)',
        marathon: 'rejects',
      },
    ],
  },
  {
    field: 'taskKillGracePeriodSeconds',
    from: 'spec.marathon.taskKillGracePeriodSeconds',
    source: 'raml/AppConversion.scala',
    rejects: 'negative (422 error.min)',
    rewrites: '—',
    returns: 'as sent; absent when not set',
    cases: [{ kind: 'accepted', spec: { marathon: { taskKillGracePeriodSeconds: 30 } }, shows: (a) => expect(a.taskKillGracePeriodSeconds).toBe(30) }],
  },
  {
    field: 'tty',
    from: 'spec.marathon.tty',
    source: 'raml/AppConversion.scala',
    rejects: '—',
    rewrites: '—',
    returns: 'as sent; absent when not set (false and absent mean the same)',
    cases: [{ kind: 'accepted', spec: { marathon: { tty: true } }, shows: (a) => expect(a.tty).toBe(true) }],
  },
  {
    field: 'unreachableStrategy',
    from: 'spec.marathon.unreachableStrategy',
    source: 'state/UnreachableStrategy.scala, raml/UnreachableStrategyConversion.scala, AppNormalization.scala (forPostValidation)',
    rejects: 'inactiveAfterSeconds above expungeAfterSeconds',
    rewrites: 'absent: {0, 0} (resident apps: disabled); a missing half: 0',
    returns: 'the strategy, or "disabled"',
    cases: [
      { kind: 'accepted', spec: {}, shows: (a) => expect(a.unreachableStrategy).toEqual({ inactiveAfterSeconds: 0, expungeAfterSeconds: 0 }) },
      { kind: 'accepted', spec: { marathon: { unreachableStrategy: 'disabled' } }, shows: (a) => expect(a.unreachableStrategy).toBe('disabled') },
      {
        kind: 'refused',
        spec: { marathon: { unreachableStrategy: { inactiveAfterSeconds: 60, expungeAfterSeconds: 30 } } },
        at: 'spec.marathon.unreachableStrategy.inactiveAfterSeconds',
        says: 'must be less or equal to expungeAfterSeconds',
        marathon: 'rejects',
      },
    ],
  },
];
