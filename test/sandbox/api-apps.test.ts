import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { app, call, sandbox, until } from './helpers.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/marathon/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

/** Every key path of a JSON value ("container.docker.image"), array items merged. */
function keyPaths(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) for (const k of keyPaths(item, `${prefix}[]`)) out.add(k);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      for (const sub of keyPaths(v, p)) out.add(sub);
    }
  }
  return out;
}

describe('POST /v2/apps', () => {
  it('answers 201 with Location, Marathon-Deployment-Id and the app as posted', async () => {
    const sb = await sandbox();
    const res = await call(sb, 'POST', '/v2/apps', app('/web'));
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`http://127.0.0.1:${sb.port}/v2/apps/web`);
    const deploymentId = res.headers['marathon-deployment-id'];
    expect(typeof deploymentId).toBe('string');
    // AppsResource answers before service ports are assigned and without versionInfo
    expect(res.json.portDefinitions).toEqual([{ port: 0, name: 'default', protocol: 'tcp' }]);
    expect(res.json.versionInfo).toBeUndefined();
    expect(res.json).toMatchObject({ id: '/web', tasksStaged: 0, tasksRunning: 0, tasksHealthy: 0, tasksUnhealthy: 0, deployments: [{ id: deploymentId }] });
  });

  it('answers 409 with Marathon body for a duplicate id', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    const res = await call(sb, 'POST', '/v2/apps', app('web'));
    expect(res.status).toBe(409);
    expect(res.json).toEqual({ message: 'An app with id [/web] already exists.' });
  });

  it('fills in the defaults Marathon 1.10 returns and leaves out empty collections', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', { id: '/plain', cmd: 'sleep 100' });
    const { json } = await call(sb, 'GET', '/v2/apps/plain');
    const a = json.app;
    expect(a).toMatchObject({
      backoffFactor: 1.15,
      backoffSeconds: 1,
      maxLaunchDelaySeconds: 300,
      cpus: 1,
      mem: 128,
      disk: 0,
      gpus: 0,
      instances: 1,
      executor: '',
      labels: {},
      requirePorts: false,
      networks: [{ mode: 'host' }],
      portDefinitions: [{ port: 10000, name: 'default', protocol: 'tcp' }],
      upgradeStrategy: { maximumOverCapacity: 1, minimumHealthCapacity: 1 },
      killSelection: 'YOUNGEST_FIRST',
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
      role: '*',
      versionInfo: { lastScalingAt: a.version, lastConfigChangeAt: a.version },
    });
    for (const omitted of ['args', 'constraints', 'env', 'healthChecks', 'fetch', 'dependencies', 'container', 'user']) {
      expect(a, omitted).not.toHaveProperty(omitted);
    }
  });

  it('prints the fields of a real Marathon answer for a bridge Docker app with a health check, plus role and ipProtocol', async () => {
    const sb = await sandbox();
    const request = fixture('marathon-lb/1-nginx-marathon1.5.json');
    // 1.10 rejects roles the app may not use; the 1.5.0 answer had accepted "slave_public"
    delete request.acceptedResourceRoles;
    expect((await call(sb, 'POST', '/v2/apps', request as never)).status).toBe(201);
    await sb.waitForDeployments();
    const ours = (await call(sb, 'GET', '/v2/apps/nginx?embed=app.tasks')).json.app;
    const real = (fixture('marathon-lb/zdd_app_blue_marathon1.5.json').apps as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    delete real.acceptedResourceRoles;
    // label keys are data, not shape: the recorded app carried more labels than the request
    const shape = (v: unknown): Set<string> => new Set([...keyPaths(v)].filter((k) => !k.startsWith('labels.')));
    const oursKeys = shape(ours);
    const realKeys = shape(real);
    expect([...realKeys].filter((k) => !oursKeys.has(k))).toEqual([]);
    expect([...oursKeys].filter((k) => !realKeys.has(k)).sort()).toEqual(['healthChecks[].ipProtocol', 'role', 'tasks[].role', 'tasks[].servicePorts']);
    expect(ours.container.portMappings).toEqual([{ containerPort: 8080, hostPort: 0, labels: {}, protocol: 'tcp', servicePort: 10000 }]);
    expect(ours.healthChecks[0]).toEqual({
      gracePeriodSeconds: 15,
      intervalSeconds: 3,
      maxConsecutiveFailures: 10,
      path: '/',
      portIndex: 0,
      protocol: 'MESOS_HTTP',
      ipProtocol: 'IPv4',
      timeoutSeconds: 15,
      delaySeconds: 15,
    });
  });

  it('gives a default port mapping to a bridge app without one and a Mesos container to a container network without one', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', { id: '/b', container: { type: 'DOCKER', docker: { image: 'nginx' } }, networks: [{ mode: 'container/bridge' }] });
    const b = (await call(sb, 'GET', '/v2/apps/b')).json.app;
    expect(b.container).toEqual({
      type: 'DOCKER',
      docker: { forcePullImage: false, image: 'nginx', parameters: [], privileged: false },
      volumes: [],
      portMappings: [{ containerPort: 0, hostPort: 0, labels: {}, name: 'default', protocol: 'tcp', servicePort: 10000 }],
    });
    expect(b).not.toHaveProperty('portDefinitions');
    await call(sb, 'POST', '/v2/apps', { id: '/c', cmd: 'sleep 10', networks: [{ mode: 'container', name: 'dcos' }] });
    const c = (await call(sb, 'GET', '/v2/apps/c')).json.app;
    expect(c.networks).toEqual([{ name: 'dcos', mode: 'container' }]);
    expect(c.container).toEqual({
      type: 'MESOS',
      volumes: [],
      portMappings: [{ containerPort: 0, labels: {}, name: 'default', protocol: 'tcp', servicePort: 10001 }],
    });
  });

  it('migrates the deprecated ports, uris and docker.network fields', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', { id: '/old', cmd: 'x y', ports: [0, 0], uris: ['http://h/a.tgz'] });
    const old = (await call(sb, 'GET', '/v2/apps/old')).json.app;
    expect(old.portDefinitions).toEqual([
      { port: 10000, protocol: 'tcp' },
      { port: 10001, protocol: 'tcp' },
    ]);
    expect(old.fetch).toEqual([{ uri: 'http://h/a.tgz', extract: true, executable: false, cache: false }]);
    expect(old).not.toHaveProperty('ports');
    await call(sb, 'POST', '/v2/apps', { id: '/dock', container: { docker: { image: 'i', network: 'BRIDGE', portMappings: [{ containerPort: 80 }] } } });
    const dock = (await call(sb, 'GET', '/v2/apps/dock')).json.app;
    expect(dock.networks).toEqual([{ mode: 'container/bridge' }]);
    expect(dock.container.docker).not.toHaveProperty('network');
    expect(dock.container.portMappings).toEqual([{ containerPort: 80, hostPort: 0, labels: {}, protocol: 'tcp', servicePort: 10002 }]);
  });

  it('assigns unique service ports from local_port_min and keeps an app on its ports when it is updated', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/a', { portDefinitions: [{ port: 0 }, { port: 0, name: 'admin' }] }));
    await call(sb, 'POST', '/v2/apps', app('/b'));
    await call(sb, 'POST', '/v2/apps', app('/c', { portDefinitions: [{ port: 10003 }, { port: 0 }] }));
    const ports = (await call(sb, 'GET', '/v2/apps')).json.apps.map((a: { portDefinitions: Array<{ port: number }> }) => a.portDefinitions.map((p) => p.port));
    expect(ports).toEqual([[10000, 10001], [10002], [10003, 10004]]);
    await sb.waitForDeployments();
    await call(sb, 'PUT', '/v2/apps/a', { portDefinitions: [{ port: 0, name: 'admin' }, { port: 0 }], cmd: 'sleep 2' });
    const a = (await call(sb, 'GET', '/v2/apps/a')).json.app;
    expect(a.portDefinitions.map((p: { port: number }) => p.port).sort()).toEqual([10000, 10001]);
  });

  it('accepts nested ids, relative ids and lists a group with /*', async () => {
    const sb = await sandbox();
    expect((await call(sb, 'POST', '/v2/apps', app('mip/prod/web'))).json.id).toBe('/mip/prod/web');
    await call(sb, 'POST', '/v2/apps', app('/mip/prod/db'));
    await call(sb, 'POST', '/v2/apps', app('/other'));
    expect((await call(sb, 'GET', '/v2/apps/mip/prod/web')).json.app.id).toBe('/mip/prod/web');
    expect((await call(sb, 'GET', '/v2/apps//mip/prod/web')).json.app.id).toBe('/mip/prod/web');
    const listed = (await call(sb, 'GET', '/v2/apps/mip/*')).json['*'].map((a: { id: string }) => a.id);
    expect(listed).toEqual(['/mip/prod/web', '/mip/prod/db']);
    expect((await call(sb, 'GET', '/v2/apps/nope/*')).json).toEqual({ message: "Group '/nope' does not exist" });
    // the 1.10 multi-role rule: an app may use the role of its top-level group
    expect((await call(sb, 'POST', '/v2/apps', app('/mip/x', { role: 'mip' }))).status).toBe(201);
    expect((await call(sb, 'POST', '/v2/apps', app('/y', { role: 'mip' }))).status).toBe(422);
  });

  it('refuses an app named after a sub-resource of an app (restart, tasks, versions), as PathId does', async () => {
    const sb = await sandbox();
    for (const id of ['/g/tasks', '/restart', '/g/versions']) {
      const res = await call(sb, 'POST', '/v2/apps', app(id));
      expect(res.status, id).toBe(422);
      expect(res.json.details).toEqual([{ path: '/id', errors: ['must not end with any of the following reserved keywords: restart, tasks, versions'] }]);
    }
    // Only the last segment: a group may carry the name.
    expect((await call(sb, 'POST', '/v2/apps', app('/tasks/web'))).status).toBe(201);
  });

  it('refuses an app whose id is a group and vice versa', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/g/a'));
    const res = await call(sb, 'POST', '/v2/apps', app('/g'));
    expect(res.status).toBe(422);
    expect(res.json.details[0].errors).toEqual(['Groups and Applications may not have the same identifier.']);
  });
});

describe('invalid input', () => {
  it('answers a wrong JSON type with 422 and the play-json body Marathon sends', async () => {
    const sb = await sandbox();
    const res = await call(sb, 'POST', '/v2/apps', { id: 123 });
    expect(res.status).toBe(422);
    expect(res.json).toEqual(fixture('errors/400-invalid-json.json'));
  });

  it('reports every RAML constraint violation at once with its path', async () => {
    const sb = await sandbox();
    const res = await call(sb, 'POST', '/v2/apps', {
      id: '/My_App',
      cmd: 'sleep 1',
      cpus: 0,
      instances: -1,
      mem: 'lots',
      backoffSeconds: 1.5,
      upgradeStrategy: { minimumHealthCapacity: 1.5 },
      portDefinitions: [{ port: 0, protocol: 'sctp' }],
      healthChecks: [{ portIndex: 'zero' }],
      labels: { a: 1 },
    });
    expect(res.status).toBe(422);
    expect(res.json.message).toBe('Invalid JSON');
    expect(res.json.details).toEqual(
      expect.arrayContaining([
        { path: '/id', errors: ['error.pattern'] },
        { path: '/cpus', errors: ['error.min'] },
        { path: '/instances', errors: ['error.min'] },
        { path: '/mem', errors: ['error.expected.jsnumber'] },
        { path: '/backoffSeconds', errors: ['error.expected.int'] },
        { path: '/upgradeStrategy/minimumHealthCapacity', errors: ['error.max'] },
        { path: '/portDefinitions(0)/protocol', errors: ['error.unknown.enum.literal'] },
        { path: '/healthChecks(0)/portIndex', errors: ['error.expected.jsnumber'] },
        { path: '/labels/a', errors: ['error.expected.jsstring'] },
      ]),
    );
    expect(res.json.details).toHaveLength(9);
  });

  it('answers well-typed but invalid apps with 422 "Object is not valid"', async () => {
    const sb = await sandbox();
    const cases: Array<[Record<string, unknown>, { path: string; errors: string[] }]> = [
      [
        { id: '/a', cmd: 'sleep 1', args: ['x'] },
        { path: '/', errors: ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."] },
      ],
      [{ id: '/a' }, { path: '/', errors: ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."] }],
      [
        {
          id: '/a',
          cmd: 'sleep 1',
          portDefinitions: [
            { port: 0, name: 'http' },
            { port: 0, name: 'http' },
          ],
        },
        { path: '/portDefinitions', errors: ['Port names must be unique.'] },
      ],
      [
        { id: '/a', cmd: 'sleep 1', healthChecks: [{ protocol: 'HTTP', portIndex: 2 }] },
        { path: '/healthChecks(0)', errors: ['Health check port indices must address an element of the ports array or container port mappings.'] },
      ],
      [
        { id: '/a', cmd: 'sleep 1', constraints: [['hostname', 'SOMETIMES']] },
        { path: '/constraints(0)', errors: ['operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS'] },
      ],
      [
        { id: '/a', cmd: 'sleep 1', constraints: [['hostname', 'GROUP_BY', 'x']] },
        { path: '/constraints(0)', errors: ['GROUP BY must define an integer value or else no value at all'] },
      ],
      [
        { id: '/', cmd: 'sleep 1' },
        { path: '/', errors: ['must not be root'] },
      ],
    ];
    for (const [body, detail] of cases) {
      const res = await call(sb, 'POST', '/v2/apps', body as never);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json, JSON.stringify(body)).toEqual({ message: 'Object is not valid', details: [detail] });
    }
  });

  it('drops fields Marathon does not know, and AppInfo fields sent back, without complaint', async () => {
    const sb = await sandbox();
    const res = await call(sb, 'POST', '/v2/apps', app('/web', { bogus: 1, tasksRunning: 5, deployments: [] }));
    expect(res.status).toBe(201);
    const web = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(web).not.toHaveProperty('bogus');
    expect(web.tasksRunning).not.toBe(5);
  });

  it('answers a body that is not JSON, or is empty, with 400', async () => {
    const sb = await sandbox();
    const bad = await call(sb, 'POST', '/v2/apps', '{"id": "/x"');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toBe('Invalid JSON');
    expect(typeof bad.json.details).toBe('string');
    const empty = await call(sb, 'POST', '/v2/apps', '');
    expect(empty.status).toBe(400);
    expect(empty.json.message).toBe('Please specify data in JSON format');
  });
});

describe('PUT and PATCH /v2/apps/{id}', () => {
  it('treats PUT as a partial update: a scale keeps everything else and moves only lastScalingAt', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web', { labels: { team: 'a' } }));
    await sb.waitForDeployments();
    const before = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    const res = await call(sb, 'PUT', '/v2/apps/web', { instances: 3 });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['deploymentId', 'version']);
    expect(res.headers['marathon-deployment-id']).toBe(res.json.deploymentId);
    const after = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(after).toMatchObject({ instances: 3, cmd: before.cmd, labels: { team: 'a' }, version: res.json.version });
    expect(after.versionInfo).toEqual({ lastScalingAt: res.json.version, lastConfigChangeAt: before.versionInfo.lastConfigChangeAt });
  });

  it('moves lastConfigChangeAt on any other change', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    await sb.waitForDeployments();
    const res = await call(sb, 'PATCH', '/v2/apps/web', { cmd: 'sleep 2000' });
    expect(res.status).toBe(200);
    const after = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(after.versionInfo).toEqual({ lastScalingAt: res.json.version, lastConfigChangeAt: res.json.version });
  });

  it('keeps the version when a PUT changes nothing', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    await sb.waitForDeployments();
    const before = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    const res = await call(sb, 'PUT', '/v2/apps/web', { cmd: before.cmd, portDefinitions: [{ port: 0, name: 'default' }] });
    expect(res.status).toBe(200);
    expect((await call(sb, 'GET', '/v2/apps/web')).json.app.version).toBe(before.version);
  });

  it('sees no change when only the order of labels or of Set-valued fields differs', async () => {
    const sb = await sandbox();
    const constraints = [
      ['hostname', 'UNIQUE'],
      ['rack', 'GROUP_BY', '3'],
    ];
    await call(sb, 'POST', '/v2/apps', app('/web', { labels: { a: '1', b: '2' }, constraints }));
    await sb.waitForDeployments();
    const before = (await call(sb, 'GET', '/v2/apps/web')).json.app.version;
    await call(sb, 'PUT', '/v2/apps/web', { labels: { b: '2', a: '1' }, constraints: [...constraints].reverse() });
    expect((await call(sb, 'GET', '/v2/apps/web')).json.app.version).toBe(before);
  });

  it('replaces the whole definition with partialUpdate=false', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web', { instances: 2, labels: { team: 'a' } }));
    await call(sb, 'PUT', '/v2/apps/web?partialUpdate=false&force=true', { cmd: 'sleep 5' });
    const after = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(after).toMatchObject({ cmd: 'sleep 5', instances: 1, labels: {}, cpus: 1 });
  });

  it('creates with PUT (201) but not with PATCH (404)', async () => {
    const sb = await sandbox();
    const put = await call(sb, 'PUT', '/v2/apps/new', { cmd: 'sleep 1000' });
    expect(put.status).toBe(201);
    expect(put.headers.location).toBe(`http://127.0.0.1:${sb.port}/v2/apps/new`);
    expect(Object.keys(put.json)).toEqual(['deploymentId', 'version']);
    const patch = await call(sb, 'PATCH', '/v2/apps/other', { cmd: 'sleep 1000' });
    expect(patch.status).toBe(404);
    expect(patch.json).toEqual({ message: "App '/other' does not exist" });
  });

  it('rolls back to a stored version when the body names one', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web', { cmd: 'sleep 1' }));
    const v1 = (await call(sb, 'GET', '/v2/apps/web')).json.app.version;
    await call(sb, 'PUT', '/v2/apps/web?force=true', { cmd: 'sleep 2' });
    expect((await call(sb, 'GET', '/v2/apps/web/versions')).json.versions).toHaveLength(2);
    const res = await call(sb, 'PUT', '/v2/apps/web?force=true', { version: v1 });
    expect(res.status).toBe(200);
    const after = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(after.cmd).toBe('sleep 1');
    expect(after.version).toBe(res.json.version);
    expect(after.version).not.toBe(v1);
    const unknown = await call(sb, 'PUT', '/v2/apps/web?force=true', { version: '2001-01-01T00:00:00.000Z' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: "App '/web' does not exist" });
    const mixed = await call(sb, 'PUT', '/v2/apps/web?force=true', { version: v1, cmd: 'x y' });
    expect(mixed.status).toBe(422);
    expect(mixed.json).toEqual({
      message: 'Object is not valid',
      details: [{ path: '/', errors: ["The 'version' field may only be combined with the 'id' field."] }],
    });
  });

  it('refuses host ports in an update that switches to host networking', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    const res = await call(sb, 'PUT', '/v2/apps/web?force=true', {
      networks: [{ mode: 'host' }],
      container: { docker: { image: 'x' }, portMappings: [{ containerPort: 80 }] },
    });
    expect(res.status).toBe(422);
    expect(res.json.details).toEqual([{ path: '/', errors: ['portMappings are not allowed with host-networking'] }]);
  });
});

describe('GET /v2/apps', () => {
  it('filters by label selector, id and cmd as Marathon does', async () => {
    const sb = await sandbox({ deploymentDurationMs: 0 });
    sb.preload([
      app('/mip/web', { labels: { 'maracker.managed-by': 'maracker', tier: 'front' } }),
      app('/mip/db', { cmd: 'postgres -D x', labels: { 'maracker.managed-by': 'someone', tier: 'back' } }),
      app('/other', { labels: { 'weird key!': 'x' } }),
    ]);
    const ids = async (query: string): Promise<string[]> => (await call(sb, 'GET', `/v2/apps?${query}`)).json.apps.map((a: { id: string }) => a.id);
    expect(await ids('label=maracker.managed-by==maracker')).toEqual(['/mip/web']);
    expect(await ids(`label=${encodeURIComponent('maracker.managed-by!=maracker')}`)).toEqual(['/mip/db']);
    expect(await ids('label=tier')).toEqual(['/mip/web', '/mip/db']);
    expect(await ids(`label=${encodeURIComponent('tier in (front, side)')}`)).toEqual(['/mip/web']);
    expect(await ids(`label=${encodeURIComponent('tier notin (front)')}`)).toEqual(['/mip/db']);
    expect(await ids(`label=${encodeURIComponent('tier==back, maracker.managed-by')}`)).toEqual(['/mip/db']);
    expect(await ids(`label=${encodeURIComponent('weird\\ key\\!==x')}`)).toEqual(['/other']);
    expect(await ids('id=MIP')).toEqual(['/mip/web', '/mip/db']);
    expect(await ids('cmd=POSTGRES')).toEqual(['/mip/db']);
    const bad = await call(sb, 'GET', `/v2/apps?label=${encodeURIComponent('tier==')}`);
    expect(bad.status).toBe(422);
    expect(bad.json.message).toMatch(/^Can not parse label selector tier==\. Reason: /);
  });

  it('embeds counts and deployments always, tasks and lastTaskFailure on request', async () => {
    const sb = await sandbox({ deploymentDurationMs: 0 });
    sb.preload([app('/web', { instances: 2 })]);
    const plain = (await call(sb, 'GET', '/v2/apps')).json.apps[0];
    expect(plain).toMatchObject({ tasksRunning: 2, tasksStaged: 0, deployments: [] });
    expect(plain).not.toHaveProperty('tasks');
    for (const embed of ['apps.tasks', 'app.tasks', 'tasks', 'apps.failures']) {
      const withTasks = (await call(sb, 'GET', `/v2/apps?embed=${embed}`)).json.apps[0];
      expect(withTasks.tasks, embed).toHaveLength(2);
    }
    // a comma-separated list is one unknown embed value for Jersey, hence ignored
    expect((await call(sb, 'GET', '/v2/apps?embed=apps.tasks,apps.counts')).json.apps[0]).not.toHaveProperty('tasks');
    const single = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(single.tasks).toHaveLength(2);
  });
});

describe('DELETE, restart and tasks', () => {
  it('deletes an app at once (404 after) and kills its tasks in a deployment', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    await sb.waitForDeployments();
    const res = await call(sb, 'DELETE', '/v2/apps/web');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['deploymentId', 'version']);
    const gone = await call(sb, 'GET', '/v2/apps/web');
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ message: "App '/web' does not exist" });
    expect((await call(sb, 'DELETE', '/v2/apps/web')).status).toBe(404);
    await sb.waitForDeployments();
    expect((await call(sb, 'GET', '/v2/tasks')).json.tasks).toEqual([]);
  });

  it('restarts an app by replacing its tasks with tasks of a new version', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web', { instances: 2 }));
    await sb.waitForDeployments();
    const before = (await call(sb, 'GET', '/v2/apps/web/tasks')).json.tasks.map((t: { id: string }) => t.id);
    const res = await call(sb, 'POST', '/v2/apps/web/restart');
    expect(res.status).toBe(200);
    await sb.waitForDeployments();
    const after = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(after.version).toBe(res.json.version);
    expect(after.versionInfo.lastConfigChangeAt).toBe(res.json.version);
    expect(after.tasks).toHaveLength(2);
    for (const t of after.tasks) {
      expect(before).not.toContain(t.id);
      expect(t.version).toBe(res.json.version);
    }
  });

  it('kills a task: replaced by the next incarnation, or with scale=true by lowering instances', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/mip/web', { instances: 2 }));
    await sb.waitForDeployments();
    const tasks = (await call(sb, 'GET', '/v2/apps/mip/web/tasks')).json.tasks;
    expect(tasks[0].id).toMatch(/^mip_web\.instance-[0-9a-f-]{36}\._app\.1$/);
    const killed = await call(sb, 'DELETE', `/v2/apps/mip/web/tasks/${tasks[0].id}`);
    expect(killed.status).toBe(200);
    expect(killed.json.task.id).toBe(tasks[0].id);
    const replacement = tasks[0].id.replace(/\._app\.1$/, '._app.2');
    await until(async () =>
      (await call(sb, 'GET', '/v2/apps/mip/web/tasks')).json.tasks.some(
        (t: { id: string; state: string }) => t.id === replacement && t.state === 'TASK_RUNNING',
      ),
    );
    const scaled = await call(sb, 'DELETE', `/v2/apps/mip/web/tasks/${tasks[1].id}?scale=true`);
    expect(scaled.status).toBe(200);
    expect(Object.keys(scaled.json)).toEqual(['deploymentId', 'version']);
    await sb.waitForDeployments();
    const app1 = (await call(sb, 'GET', '/v2/apps/mip/web')).json.app;
    expect(app1.instances).toBe(1);
    expect(app1.tasks.map((t: { id: string }) => t.id)).toEqual([replacement]);
    expect((await call(sb, 'DELETE', '/v2/apps/mip/web/tasks/nope')).json).toEqual({ message: "Task 'nope' does not exist" });
  });

  it('answers unknown routes with 404', async () => {
    const sb = await sandbox();
    const res = await call(sb, 'GET', '/v2/nothing');
    expect(res.status).toBe(404);
    expect((await call(sb, 'GET', '/ping')).text).toBe('pong');
  });
});
