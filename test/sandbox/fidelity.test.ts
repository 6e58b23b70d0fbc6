// The sandbox against Marathon 1.10.26's own source (reference/marathon/source-v1.10.26): what
// it rejects, what it rewrites on the way in and what it prints on GET, for the cases issue 14
// found where the sandbox did something else. Each test names the Scala file and rule.

import { describe, expect, it } from 'vitest';
import { app, call, sandbox, until } from './helpers.js';

const docker = (image = 'nginx:1.25') => ({ type: 'DOCKER', docker: { image } });

describe('health checks (AppNormalization.normalizeHealthChecks, HealthCheckConversion.appHealthCheckWrites)', () => {
  it('adds portIndex 0 to a check naming no port only when the app declares ports', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/bare', { healthChecks: [{ protocol: 'HTTP' }, { protocol: 'MESOS_TCP' }] }));
    await call(sb, 'POST', '/v2/apps', app('/ported', { portDefinitions: [{ port: 0 }], healthChecks: [{ protocol: 'HTTP' }] }));
    await call(sb, 'POST', '/v2/apps', { id: '/bridged', container: docker(), networks: [{ mode: 'container/bridge' }], healthChecks: [{ protocol: 'HTTP' }] });
    const checks = async (id: string) => (await call(sb, 'GET', `/v2/apps${id}`)).json.app.healthChecks as Array<Record<string, unknown>>;
    expect((await checks('/bare')).map((c) => c.portIndex)).toEqual([undefined, undefined]);
    expect((await checks('/ported'))[0]?.portIndex).toBe(0);
    // a bridge container gets the default port mapping first, so its checks do get an index
    expect((await checks('/bridged'))[0]?.portIndex).toBe(0);
  });

  it('never turns a task healthy whose check has no effective port (no port, no portIndex)', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/portless', { healthChecks: [{ protocol: 'TCP' }] }));
    await call(sb, 'POST', '/v2/apps', app('/indexed', { healthChecks: [{ protocol: 'TCP', portIndex: 0 }] }));
    // both tasks start together on the same timers: once the indexed one is healthy, the
    // portless one has had every chance to be
    await until(() => sb.app('/indexed')?.tasksHealthy === 1, 15000, 'the indexed check to pass');
    const portless = sb.app('/portless');
    expect(portless?.tasksRunning).toBe(1);
    expect(portless?.tasksHealthy).toBe(0);
    expect(portless?.tasks?.[0]?.healthCheckResults).toEqual([]);
    expect(sb.deployments().some((d) => d.affectedApps.includes('/portless'))).toBe(true);
  });

  it('prints delaySeconds 15 for HTTP, HTTPS and TCP checks whatever was sent, and keeps it for Mesos checks', async () => {
    const sb = await sandbox();
    const body = app('/delayed', {
      portDefinitions: [{ port: 0 }, { port: 0 }],
      healthChecks: [
        { protocol: 'HTTP', delaySeconds: 3, portIndex: 0 },
        { protocol: 'TCP', delaySeconds: 4, portIndex: 1 },
        { protocol: 'MESOS_HTTP', delaySeconds: 5, portIndex: 0 },
      ],
    });
    expect((await call(sb, 'POST', '/v2/apps', body)).status).toBe(201);
    const checks = (await call(sb, 'GET', '/v2/apps/delayed')).json.app.healthChecks as Array<Record<string, unknown>>;
    expect(Object.fromEntries(checks.map((c) => [c.protocol, c.delaySeconds]))).toEqual({ HTTP: 15, TCP: 15, MESOS_HTTP: 5 });
  });

  it('drops ignoreHttp1xx from MESOS_HTTP checks (only MarathonHttpHealthCheck stores it)', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/mesos', { healthChecks: [{ protocol: 'MESOS_HTTP', ignoreHttp1xx: true, portIndex: 0 }] }));
    await call(sb, 'POST', '/v2/apps', app('/marathon', { healthChecks: [{ protocol: 'HTTP', ignoreHttp1xx: true, portIndex: 0 }] }));
    expect((await call(sb, 'GET', '/v2/apps/mesos')).json.app.healthChecks[0]).not.toHaveProperty('ignoreHttp1xx');
    expect((await call(sb, 'GET', '/v2/apps/marathon')).json.app.healthChecks[0].ignoreHttp1xx).toBe(true);
  });

  it('refuses two Mesos health checks but not two COMMAND checks (haveAtMostOneMesosHealthCheck)', async () => {
    const sb = await sandbox();
    const two = await call(
      sb,
      'POST',
      '/v2/apps',
      app('/two', {
        healthChecks: [
          { protocol: 'MESOS_HTTP', portIndex: 0 },
          { protocol: 'MESOS_TCP', portIndex: 0 },
        ],
      }),
    );
    expect(two.status).toBe(422);
    expect(two.json.details).toContainEqual({ path: '/', errors: ['AppDefinition can contain at most one Mesos health check'] });
    const commands = [
      { protocol: 'COMMAND', command: { value: 'true' } },
      { protocol: 'COMMAND', command: { value: 'true ' } },
    ];
    expect((await call(sb, 'POST', '/v2/apps', app('/commands', { healthChecks: [...commands, { protocol: 'MESOS_TCP', portIndex: 0 }] }))).status).toBe(201);
  });
});

describe('fields kept, dropped and refused (AppValidation, AppDefinition, AppConversion.appWriter)', () => {
  it("refuses a check with a DOCKER container ('checks' need the Mesos containerizer) and prints a Mesos app's check with its defaults", async () => {
    const sb = await sandbox();
    const refused = await call(sb, 'POST', '/v2/apps', { id: '/checked', container: docker(), check: { tcp: { portIndex: 0 } } });
    expect(refused.status).toBe(422);
    expect(refused.json.details).toContainEqual({ path: '/', errors: ["AppDefinition must not use 'checks' if using docker"] });
    expect((await call(sb, 'POST', '/v2/apps', app('/checked', { check: { http: { portIndex: 0 } } }))).status).toBe(201);
    expect((await call(sb, 'GET', '/v2/apps/checked')).json.app.check).toEqual({
      http: { portIndex: 0, scheme: 'HTTP' },
      intervalSeconds: 60,
      timeoutSeconds: 20,
      delaySeconds: 15,
    });
  });

  it('refuses secrets unless started with the secrets feature, as --enable_features does', async () => {
    const plain = await sandbox();
    const res = await call(plain, 'POST', '/v2/apps', app('/secret', { secrets: { db: { source: '/db/password' } }, env: { DB: { secret: 'db' } } }));
    expect(res.status).toBe(422);
    expect(res.json.details).toEqual(
      expect.arrayContaining([
        { path: '/secrets', errors: ['Feature secrets is not enabled. Enable with --enable_features secrets)'] },
        { path: '/env', errors: ['use of secret-references in the environment requires the secrets feature to be enabled'] },
      ]),
    );
    const enabled = await sandbox({ features: ['secrets'] });
    expect(
      (await call(enabled, 'POST', '/v2/apps', app('/secret', { secrets: { db: { source: '/db/password' } }, env: { DB: { secret: 'db' } } }))).status,
    ).toBe(201);
    const undefinedRef = await call(enabled, 'POST', '/v2/apps', app('/dangling', { env: { DB: { secret: 'nope' } } }));
    expect(undefinedRef.json.details).toContainEqual({ path: '/env/DB/secret', errors: ['references an undefined secret'] });
    expect((await call(enabled, 'GET', '/v2/info')).json.marathon_config.features).toEqual(['secrets']);
  });

  it('drops residency from an app without persistent volumes, and refuses it beside an enabled unreachable strategy', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/resident', { residency: { relaunchEscalationTimeoutSeconds: 60, taskLostBehavior: 'WAIT_FOREVER' } }));
    expect((await call(sb, 'GET', '/v2/apps/resident')).json.app).not.toHaveProperty('residency');
    const res = await call(sb, 'POST', '/v2/apps', app('/both', { residency: {}, unreachableStrategy: { inactiveAfterSeconds: 1, expungeAfterSeconds: 2 } }));
    expect(res.json.details).toContainEqual({ path: '/', errors: ['unreachableStrategy must be disabled for resident tasks'] });
  });

  it('fills in readiness check and executor resource defaults (readinessCheck.raml, resources.raml)', async () => {
    const sb = await sandbox();
    const body = app('/ready', { portDefinitions: [{ port: 0, name: 'http-api' }], readinessChecks: [{ path: '/ready' }], executorResources: { cpus: 0.2 } });
    expect((await call(sb, 'POST', '/v2/apps', body)).status).toBe(201);
    const got = (await call(sb, 'GET', '/v2/apps/ready')).json.app;
    expect(got.readinessChecks).toEqual([
      {
        name: 'readinessCheck',
        protocol: 'HTTP',
        path: '/ready',
        portName: 'http-api',
        intervalSeconds: 30,
        timeoutSeconds: 10,
        httpStatusCodesForReady: [200],
        preserveLastResponse: false,
      },
    ]);
    expect(got.executorResources).toEqual({ cpus: 0.2, mem: 32, disk: 10 });
    const missing = await call(sb, 'POST', '/v2/apps', app('/unready', { readinessChecks: [{}] }));
    expect(missing.json.details).toContainEqual({ path: '/readinessChecks(0)/portName', errors: ['No port definition reference for portName http-api'] });
  });

  it('applies the constraint rules of 1.10 (SchedulingValidation.complyWithConstraintRules)', async () => {
    const sb = await sandbox();
    const verdict = async (constraint: string[]) => {
      const res = await call(sb, 'POST', '/v2/apps', app(`/c${Math.random().toString(36).slice(2, 8)}`, { constraints: [constraint] }));
      return res.status === 201 ? 'ok' : (res.json.details as Array<{ errors: string[] }>)[0]?.errors[0];
    };
    expect(await verdict(['rack', 'CLUSTER'])).toBe('ok');
    expect(await verdict(['rack', 'GROUP_BY'])).toBe('ok');
    expect(await verdict(['rack', 'GROUP_BY', 'two'])).toBe('GROUP BY must define an integer value or else no value at all');
    expect(await verdict(['rack', 'MAX_PER'])).toBe('MAX_PER requires an integer value');
    expect(await verdict(['rack', 'MAX_PER', '2x'])).toBe('MAX_PER requires an integer value');
    expect(await verdict(['rack', 'LIKE', 'rack-[0-9'])).toBe('is not a valid regular expression');
    expect(await verdict(['rack', 'LIKE', '(?i)rack-[0-9]+'])).toBe('ok');
    expect(await verdict(['rack', 'IS', 'a b'])).toMatch(/^IS only supports Mesos text and float values/);
    expect(await verdict(['rack', 'IS', 'rack-1.5'])).toBe('ok');
  });
});

describe('--default_network_name (NetworkNormalization.Networks, NetworkValidation.defaultNetworkNameValidator)', () => {
  it('refuses a container network without a name when no default is configured', async () => {
    const sb = await sandbox();
    const res = await call(sb, 'POST', '/v2/apps', { id: '/dn', container: docker(), networks: [{ mode: 'container' }] });
    expect(res.status).toBe(422);
    expect(res.json.details).toContainEqual({ path: '/networks', errors: ['Network name must be specified when container network is selected.'] });
  });

  it('names such a network after the default, and says so in /v2/info', async () => {
    const sb = await sandbox({ defaultNetworkName: 'dcos' });
    expect((await call(sb, 'POST', '/v2/apps', { id: '/dn', container: docker(), networks: [{ mode: 'container' }] })).status).toBe(201);
    expect((await call(sb, 'GET', '/v2/apps/dn')).json.app.networks).toEqual([{ name: 'dcos', mode: 'container' }]);
    expect((await call(sb, 'GET', '/v2/info')).json.marathon_config.default_network_name).toBe('dcos');
  });
});

describe('host ports', () => {
  it('never gives two tasks the same host port when a fixed hostPort lies inside the dynamic range', async () => {
    const sb = await sandbox({ hostPortRange: { min: 31000, max: 31003 } });
    // three dynamic ports take 31000..31002; a task that asks for 31001 by number must wait
    await call(sb, 'POST', '/v2/apps', app('/dynamic', { instances: 3 }));
    await until(() => sb.app('/dynamic')?.tasksRunning === 3, 15000, 'three dynamic tasks');
    const bridged = {
      id: '/fixed',
      container: { ...docker(), portMappings: [{ containerPort: 80, hostPort: 31001 }] },
      networks: [{ mode: 'container/bridge' }],
    };
    expect((await call(sb, 'POST', '/v2/apps', bridged)).status).toBe(201);
    await call(sb, 'POST', '/v2/apps', app('/after', { instances: 1 }));
    await until(() => sb.app('/after')?.tasksRunning === 1, 15000, 'a later dynamic task');
    const ports = sb.apps().flatMap((a) => (a.tasks ?? []).flatMap((t) => t.ports ?? []));
    expect(new Set(ports).size).toBe(ports.length);
    expect(sb.app('/fixed')?.tasksRunning).toBe(0);
    // once the holder of 31001 is gone, the fixed task gets its port
    const holder = sb.app('/dynamic')?.tasks?.find((t) => t.ports?.includes(31001));
    await call(sb, 'DELETE', `/v2/apps/dynamic/tasks/${holder?.id}?scale=true`);
    await until(() => sb.app('/fixed')?.tasks?.[0]?.ports?.[0] === 31001, 15000, 'the fixed task on 31001');
  });
});
