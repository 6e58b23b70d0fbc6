// `maracker validate` refuses what Marathon 1.10 refuses (reference/marathon/source-v1.10.26),
// at the manifest position, saying what Marathon would say; and refuses fields Marathon would
// silently drop, since a dropped field reads as a change on every pass. The issue-14 cases
// first; docs/marathon-fidelity.md and test/fidelity/ cover every field.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import { formatProblem } from '../../src/model/problem.js';
import type { AppSpec } from '../../src/manifest/types.js';
import { doc, yamlOf } from './builders.js';

/** Problems of one manifest whose spec is `spec` (YAML positions included). */
function problemsOf(spec: Partial<AppSpec>, opts: { labels?: Record<string, string> } = {}): string[] {
  return parseManifestText(yamlOf(doc({ spec, ...opts })), 'web.yaml').problems.map(formatProblem);
}

describe('issue 14: manifests Marathon 1.10 refuses or rewrites', () => {
  it('refuses a MESOS_HTTP check with ignoreHttp1xx (Marathon drops it: 482 PUTs in 25 s)', () => {
    expect(problemsOf({ healthChecks: [{ protocol: 'MESOS_HTTP', ignoreHttp1xx: true }] })).toEqual([
      expect.stringMatching(/^web\.yaml:\d+:\d+: spec\.healthChecks\[0\]\.ignoreHttp1xx: Marathon 1\.10 drops ignoreHttp1xx from MESOS_HTTP checks/),
    ]);
  });

  it('refuses examples/health-and-constraints.yaml as it was: two Mesos health checks', () => {
    const before = readFileSync(new URL('../../examples/health-and-constraints.yaml', import.meta.url), 'utf8').replace(
      /- protocol: TCP\n/,
      '- protocol: MESOS_TCP\n',
    );
    const problems = parseManifestText(before, 'health-and-constraints.yaml').problems.map(formatProblem);
    expect(problems).toEqual([
      expect.stringContaining('spec.healthChecks[1]: Marathon 1.10 refuses this: "AppDefinition can contain at most one Mesos health check"'),
    ]);
  });

  it('refuses ipProtocol IPv6 on HTTP, TCP and COMMAND checks, and on a command app', () => {
    const checks: AppSpec['healthChecks'] = [
      { protocol: 'HTTP', ipProtocol: 'IPv6' },
      { protocol: 'TCP', ipProtocol: 'IPv6' },
      { protocol: 'COMMAND', command: 'true', ipProtocol: 'IPv6' },
      { protocol: 'MESOS_TCP', ipProtocol: 'IPv6' },
    ];
    const problems = problemsOf({ healthChecks: checks });
    expect(problems.filter((p) => p.includes('IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks'))).toHaveLength(4);
    expect(problemsOf({ cmd: undefined, image: 'nginx', healthChecks: [{ protocol: 'MESOS_TCP', ipProtocol: 'IPv6' }] })).toEqual([]);
  });

  it('refuses GROUP_BY and MAX_PER with a value that is not a number, at the value', () => {
    expect(
      problemsOf({
        constraints: [
          ['rack', 'GROUP_BY', 'two'],
          ['rack', 'MAX_PER', 'x2'],
          ['rack', 'MAX_PER'],
        ],
      }),
    ).toEqual([
      expect.stringMatching(/spec\.constraints\[0\]\[2\]: Marathon 1\.10 refuses this: "GROUP BY must define an integer value or else no value at all"/),
      expect.stringMatching(/spec\.constraints\[1\]\[2\]: Marathon 1\.10 refuses this: "MAX_PER requires an integer value"/),
      expect.stringMatching(/spec\.constraints\[2\]: Marathon 1\.10 refuses this: "MAX_PER requires an integer value"/),
    ]);
    expect(
      problemsOf({
        constraints: [
          ['rack', 'GROUP_BY'],
          ['rack', 'GROUP_BY', '3'],
          ['rack', 'MAX_PER', '+2'],
        ],
      }),
    ).toEqual([]);
  });

  it('refuses a LIKE or UNLIKE value that is not a Java regular expression', () => {
    expect(
      problemsOf({
        constraints: [
          ['rack', 'LIKE', 'rack-[0-9'],
          ['rack', 'UNLIKE', '(?i)rack-1'],
        ],
      }),
    ).toEqual([expect.stringMatching(/spec\.constraints\[0\]\[2\]: Marathon 1\.10 refuses this: "is not a valid regular expression"/)]);
  });

  it('accepts CLUSTER without a value, as Marathon does ("value is completely optional for CLUSTER")', () => {
    expect(problemsOf({ constraints: [['rack', 'CLUSTER']] })).toEqual([]);
  });

  it('refuses an IS value that is not a Mesos text or float value', () => {
    expect(problemsOf({ constraints: [['rack', 'IS', 'a b']] })).toEqual([expect.stringContaining('"IS only supports Mesos text and float values')]);
  });
});

describe('other rules of Marathon 1.10', () => {
  it('refuses delaySeconds other than 15 on HTTP, HTTPS and TCP checks (only Mesos checks are delayed)', () => {
    expect(problemsOf({ healthChecks: [{ protocol: 'HTTP', delaySeconds: 5 }] })).toEqual([
      expect.stringContaining('spec.healthChecks[0].delaySeconds: Marathon 1.10 does not delay HTTP checks'),
    ]);
    expect(
      problemsOf({
        healthChecks: [
          { protocol: 'HTTP', delaySeconds: 15 },
          { protocol: 'MESOS_HTTP', delaySeconds: 5 },
        ],
      }),
    ).toEqual([]);
  });

  it('refuses a one-character cmd ("must not be an empty string") and an empty args without an image', () => {
    expect(problemsOf({ cmd: 'x' })).toEqual([expect.stringContaining('spec.cmd: Marathon 1.10 refuses this: "must not be an empty string"')]);
    expect(problemsOf({ cmd: undefined, args: [] })).toEqual([expect.stringContaining('spec: needs at least one of image, cmd or a non-empty args')]);
  });

  it('refuses two ports with the same host port in host networking ("Ports must be unique.")', () => {
    expect(
      problemsOf({
        ports: [
          { name: 'a', hostPort: 8080 },
          { name: 'b', hostPort: 8080 },
        ],
      }),
    ).toEqual([expect.stringContaining('spec.ports[1].hostPort: Marathon 1.10 refuses this: "Ports must be unique."')]);
  });

  it('refuses a single-instance app with several instances or the default upgrade strategy', () => {
    const labels = { MARATHON_SINGLE_INSTANCE_APP: 'true' };
    expect(problemsOf({ instances: 2, upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 } }, { labels })).toEqual([
      expect.stringContaining('spec.instances: Marathon 1.10 refuses this: "Single instance app may only have one instance"'),
    ]);
    expect(problemsOf({}, { labels })).toEqual([
      expect.stringContaining('metadata.labels.MARATHON_SINGLE_INSTANCE_APP: Marathon 1.10 refuses this: "got 1, expected 0.0"'),
    ]);
    expect(problemsOf({ upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 } }, { labels })).toEqual([]);
  });

  it('refuses the DC/OS migration label without its companions', () => {
    expect(problemsOf({ labels: { DCOS_MIGRATION_API_VERSION: 'v1' } })).toEqual([
      expect.stringContaining('DCOS_PACKAGE_FRAMEWORK_NAME and DCOS_MIGRATION_API_PATH must be defined'),
    ]);
  });

  it('refuses in the pass-through what Marathon refuses or drops', () => {
    const cases: Array<[Record<string, unknown>, string, Partial<AppSpec>?]> = [
      [{ check: { tcp: { portIndex: 0 } } }, `"AppDefinition must not use 'checks' if using docker"`, { cmd: undefined, image: 'nginx' }],
      [{ check: { tcp: {}, exec: { command: { shell: 'true' } } } }, '"illegal RAML Check: expected one of http, tcp or exec checks"'],
      [{ check: { tcp: { portIndex: 1 } } }, '"check port index must address an element of the ports array or container port mappings."'],
      [{ readinessChecks: [{}] }, '"No port definition reference for portName http-api"'],
      [{ readinessChecks: [{ portName: 'default', timeoutSeconds: 30 }] }, '"got 30, expected less than 30"'],
      [{ residency: { taskLostBehavior: 'WAIT_FOREVER' } }, 'keeps residency only for apps with persistent volumes'],
      [{ requirePorts: true }, 'resets requirePorts to false unless the network is host', { network: 'bridge' }],
      [{ secrets: { db: { source: '/db' } } }, '"Feature secrets is not enabled. Enable with --enable_features secrets)"'],
      [{ gpus: 1 }, '"Feature gpu_resources is not enabled. Enable with --enable_features gpu_resources)"'],
      [{ resourceLimits: { mem: 32 } }, '"resource limit must be greater than or equal to requested resource (64.0)"'],
      [
        { unreachableStrategy: { inactiveAfterSeconds: 60, expungeAfterSeconds: 30 } },
        '"inactiveAfterSeconds (60) must be less or equal to expungeAfterSeconds, which is 30"',
      ],
      [{ role: 'mip', acceptedResourceRoles: ['slave_public'] }, '"acceptedResourceRoles can only contain * and mip"'],
    ];
    for (const [marathon, message, extra] of cases) {
      const problems = problemsOf({ ...(extra ?? {}), marathon });
      expect(problems, JSON.stringify(marathon)).toEqual([expect.stringContaining(message)]);
      expect(problems[0], JSON.stringify(marathon)).toMatch(/^web\.yaml:\d+:\d+: spec\.marathon\./);
    }
  });

  it('accepts what Marathon accepts in the pass-through', () => {
    const marathon = {
      check: { http: { portIndex: 0, path: '/ready' }, intervalSeconds: 5 },
      readinessChecks: [{ portName: 'default', path: '/ready' }],
      executorResources: { cpus: 0.2 },
      resourceLimits: { cpus: 'unlimited', mem: 128 },
      unreachableStrategy: { inactiveAfterSeconds: 30, expungeAfterSeconds: 60 },
      role: 'mip',
      acceptedResourceRoles: ['*', 'mip'],
    };
    expect(problemsOf({ marathon })).toEqual([]);
  });
});
