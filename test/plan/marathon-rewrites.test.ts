// The plan reads as "no change" what Marathon 1.10 rewrites on the way in or prints otherwise
// on the way out (reference/marathon/source-v1.10.26: AppNormalization, HealthCheckConversion,
// AppConversion, NetworkNormalization), and as a change what Marathon really runs otherwise.

import { describe, expect, it } from 'vitest';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp, MarathonAppDefinition } from '../../src/model/marathon.js';
import { diffApp } from '../../src/plan/diff.js';

const desired = (definition: Partial<MarathonAppDefinition>): DesiredApp => ({
  id: '/web',
  source: { kind: 'file', path: 'web.yaml', line: 1, column: 1 },
  definition: { id: '/web', cmd: 'sleep 1000', ...definition },
  specHash: '0',
  adopt: false,
});
const actual = (definition: Partial<MarathonAppDefinition>): MarathonApp => ({ id: '/web', cmd: 'sleep 1000', ...definition }) as MarathonApp;

describe('health checks as HealthCheckConversion prints them', () => {
  it('sees no change when Marathon dropped ignoreHttp1xx from a MESOS_HTTP check (the 482-PUT loop)', () => {
    const check = { protocol: 'MESOS_HTTP', portIndex: 0, path: '/' };
    expect(diffApp(desired({ healthChecks: [{ ...check, ignoreHttp1xx: true }] }), actual({ healthChecks: [check] }))).toEqual([]);
  });

  it('sees no change when Marathon reports delaySeconds 15 for an HTTP or TCP check sent with another', () => {
    const sent = [
      { protocol: 'HTTP', portIndex: 0, delaySeconds: 3 },
      { protocol: 'TCP', portIndex: 0, delaySeconds: 4 },
    ];
    const got = sent.map((c) => ({ ...c, delaySeconds: 15 }));
    expect(diffApp(desired({ healthChecks: sent }), actual({ healthChecks: got }))).toEqual([]);
    // a Mesos check keeps its delay: a different one is a real change
    expect(
      diffApp(
        desired({ healthChecks: [{ protocol: 'MESOS_TCP', portIndex: 0, delaySeconds: 3 }] }),
        actual({ healthChecks: [{ protocol: 'MESOS_TCP', portIndex: 0, delaySeconds: 15 }] }),
      ),
    ).toHaveLength(1);
  });

  it('sees a check Marathon left without a port (no portIndex: no effective port) as a change to repair', () => {
    const changes = diffApp(desired({ healthChecks: [{ protocol: 'TCP', portIndex: 0 }] }), actual({ healthChecks: [{ protocol: 'TCP' }] }));
    expect(changes.map((c) => c.path)).toEqual(['healthChecks']);
  });
});

describe('fields Marathon drops or fills in', () => {
  it('sees no change when Marathon dropped residency from an app without persistent volumes', () => {
    expect(diffApp(desired({ residency: { relaunchEscalationTimeoutSeconds: 60, taskLostBehavior: 'WAIT_FOREVER' } }), actual({}))).toEqual([]);
  });

  it('takes the network name Marathon gave an unnamed container network (--default_network_name)', () => {
    const container = { type: 'DOCKER' as const, docker: { image: 'nginx' } };
    const want = desired({ container, networks: [{ mode: 'container' }] });
    expect(diffApp(want, actual({ container, networks: [{ mode: 'container', name: 'dcos' }] }))).toEqual([]);
    // a name the definition gives is compared
    expect(
      diffApp(desired({ container, networks: [{ mode: 'container', name: 'a' }] }), actual({ container, networks: [{ mode: 'container', name: 'b' }] })),
    ).toHaveLength(1);
  });

  it("fills in a Mesos check's defaults (check.raml AppCheck)", () => {
    const sent = { http: { portIndex: 0 } };
    const got = { http: { portIndex: 0, scheme: 'HTTP' }, intervalSeconds: 60, timeoutSeconds: 20, delaySeconds: 15 };
    expect(diffApp(desired({ check: sent }), actual({ check: got }))).toEqual([]);
  });
});

describe('traefik.enable: false on an app without expose', () => {
  it('is not a change alone when the app was deployed before maracker wrote it (no restart at the upgrade)', () => {
    const want = desired({ labels: { 'traefik.enable': 'false', team: 'mip' } });
    expect(diffApp(want, actual({ labels: { team: 'mip' } }))).toEqual([]);
    // but a Traefik label set by hand is drift
    expect(diffApp(want, actual({ labels: { team: 'mip', 'traefik.enable': 'true' } }))).toEqual([
      { path: 'labels.traefik.enable', before: 'true', after: 'false' },
    ]);
  });
});
