// The endpoints of Marathon 1.10's REST API a client may call (raml-master/api.raml) beyond
// /v2/apps: /metrics, /v2/queue and its delay, group writes and versions, leader abdication,
// /v2/pods, and the apps embeds taskStats and readiness. Shapes and status codes as the RAML
// and Marathon's resources give them.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { app, call, sandbox, until } from './helpers.js';

describe('/metrics (newMetrics.raml)', () => {
  it('answers Dropwizard JSON with Marathon gauges', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    const res = await call(sb, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ version: expect.any(String), counters: {}, histograms: {}, meters: {}, timers: {} });
    expect(res.json.gauges['marathon.apps.active.gauge']).toEqual({ value: 1 });
  });
});

describe('/v2/queue (queue.raml QueueApp)', () => {
  it("lists an app whose tasks wait for an offer, with Marathon's fields", async () => {
    // one host port for two tasks that both need it: the second waits in the queue
    const sb = await sandbox({ hostPortRange: { min: 31000, max: 31000 } });
    await call(sb, 'POST', '/v2/apps', app('/web', { instances: 2 }));
    const queue = await until(async () => {
      const q = (await call(sb, 'GET', '/v2/queue')).json.queue as Array<Record<string, unknown>>;
      return q.length === 1 ? q : undefined;
    });
    expect(queue[0]).toEqual({
      count: 1,
      role: '*',
      delay: { timeLeftSeconds: 0, overdue: true },
      since: expect.any(String),
      processedOffersSummary: { processedOffersCount: 0, unusedOffersCount: 0 },
      app: expect.objectContaining({ id: '/web', instances: 2, version: expect.any(String) }),
    });
  });

  it('shows the launch backoff and forgets it on DELETE /v2/queue/{id}/delay (204), 404 for an unknown app', async () => {
    const sb = await sandbox({ exec: true });
    const marker = join(await mkdtemp(join(tmpdir(), 'maracker-queue-')), 'failed-once');
    onTestFinished(() => rm(dirname(marker), { recursive: true, force: true }));
    // fails once, then runs: only the reset delay lets it run before an hour has passed
    const cmd = `test -f ${marker} && exec sleep 1000 || { touch ${marker}; exit 1; }`;
    await call(sb, 'POST', '/v2/apps', app('/crash', { cmd, backoffSeconds: 3600, maxLaunchDelaySeconds: 3600 }));
    const item = await until(async () => {
      const q = (await call(sb, 'GET', '/v2/queue')).json.queue as Array<{ count: number; delay: { timeLeftSeconds: number; overdue: boolean } }>;
      return q[0] && q[0].delay.timeLeftSeconds > 0 ? q[0] : undefined;
    });
    expect(item).toMatchObject({ count: 1, delay: { overdue: false } });
    expect((await call(sb, 'DELETE', '/v2/queue/crash/delay')).status).toBe(204);
    await until(() => sb.app('/crash')?.tasksRunning === 1, 15000, 'the relaunch the reset allows');
    expect((await call(sb, 'GET', '/v2/queue')).json.queue).toEqual([]);
    const missing = await call(sb, 'DELETE', '/v2/queue/nope/delay');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: 'Application /nope not found in tasks queue.' });
  });
});

describe('/v2/groups writes and versions (groups.raml)', () => {
  it('creates a group with its apps (201, 409 the second time), updates, scales, lists versions and deletes it', async () => {
    const sb = await sandbox();
    const created = await call(sb, 'POST', '/v2/groups', { id: '/team', apps: [app('web'), app('/team/api')] });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toEqual({ version: expect.any(String), deploymentId: expect.any(String) });
    expect(created.headers['marathon-deployment-id']).toBe(created.json.deploymentId);
    expect(
      sb
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/team/api', '/team/web']);
    const again = await call(sb, 'POST', '/v2/groups', { id: '/team' });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({ message: 'Group /team is already created. Use PUT to change this group.' });

    await sb.waitForDeployments();
    const scaled = await call(sb, 'PUT', '/v2/groups/team', { scaleBy: 2 });
    expect(scaled.status).toBe(200);
    expect(sb.app('/team/web')?.instances).toBe(2);
    await sb.waitForDeployments();
    // the body names the apps the group holds: api is removed
    expect((await call(sb, 'PUT', '/v2/groups/team', { id: '/team', apps: [app('web')] })).status).toBe(200);
    expect(sb.apps().map((a) => a.id)).toEqual(['/team/web']);
    const versions = await call(sb, 'GET', '/v2/groups/team/versions');
    expect(versions.status).toBe(200);
    expect(versions.json.length).toBeGreaterThanOrEqual(3);

    await sb.waitForDeployments();
    const deleted = await call(sb, 'DELETE', '/v2/groups/team');
    expect(deleted.status).toBe(200);
    expect(sb.apps()).toEqual([]);
    expect((await call(sb, 'GET', '/v2/groups/team')).json).toEqual({ message: "Group '/team' does not exist" });
  });

  it('keeps an empty group, and refuses an app outside the group', async () => {
    const sb = await sandbox();
    expect((await call(sb, 'POST', '/v2/groups', { id: '/empty' })).status).toBe(201);
    expect((await call(sb, 'GET', '/v2/groups/empty')).json).toMatchObject({ id: '/empty', apps: [], groups: [] });
    expect((await call(sb, 'GET', '/v2/groups')).json.groups.map((g: { id: string }) => g.id)).toEqual(['/empty']);
    const outside = await call(sb, 'POST', '/v2/groups', { id: '/group', apps: [app('/app')] });
    expect(outside.status).toBe(422);
    expect(outside.json).toEqual({
      message: 'Object is not valid',
      details: [{ path: '/apps(0)/id', errors: ['identifier /app is not child of /group. Hint: use relative paths.'] }],
    });
  });
});

describe('DELETE /v2/leader (leader.raml)', () => {
  it('abdicates', async () => {
    const sb = await sandbox();
    expect(await call(sb, 'DELETE', '/v2/leader')).toMatchObject({ status: 200, json: { message: 'Leadership abdicated' } });
  });
});

describe('/v2/pods (pods.raml)', () => {
  it('answers the pod endpoints with Marathon\'s shapes and codes, not "URI not found"', async () => {
    const sb = await sandbox();
    expect((await call(sb, 'GET', '/v2/pods')).json).toEqual([]);
    expect((await call(sb, 'HEAD', '/v2/pods')).status).toBe(200);
    const pod = { id: '/mip/pod', containers: [{ name: 'web', resources: { cpus: 0.1, mem: 32 }, image: { kind: 'DOCKER', id: 'nginx' } }] };
    const created = await call(sb, 'POST', '/v2/pods', pod);
    expect(created.status, created.text).toBe(201);
    expect(created.headers['marathon-deployment-id']).toEqual(expect.any(String));
    expect((await call(sb, 'GET', '/v2/pods/mip/pod')).json).toMatchObject({ ...pod, version: expect.any(String) });
    expect((await call(sb, 'GET', '/v2/pods/mip/pod::status')).json).toMatchObject({ id: '/mip/pod', status: 'DEGRADED', instances: [] });
    expect((await call(sb, 'GET', '/v2/pods/::status')).json).toHaveLength(1);
    expect((await call(sb, 'GET', '/v2/pods/mip/pod::versions')).json).toHaveLength(1);
    expect((await call(sb, 'GET', '/v2/groups/mip')).json.pods).toEqual([expect.objectContaining({ id: '/mip/pod' })]);
    expect((await call(sb, 'POST', '/v2/pods', pod)).status).toBe(409);
    expect((await call(sb, 'POST', '/v2/pods', { id: '/bad' })).json).toEqual({
      message: 'Invalid JSON',
      details: [{ path: '/containers', errors: ['error.path.missing'] }],
    });
    expect((await call(sb, 'DELETE', '/v2/pods/mip/pod')).status).toBe(202);
    const gone = await call(sb, 'GET', '/v2/pods/mip/pod');
    expect(gone).toMatchObject({ status: 404, json: { message: "Pod '/mip/pod' does not exist" } });
  });
});

describe('embed=apps.taskStats and embed=apps.readiness (apps.raml, app.raml AppInfo)', () => {
  it('adds tasksStats and readinessCheckResults on request only', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web', { instances: 2 }));
    await until(() => sb.app('/web')?.tasksRunning === 2);
    const plain = (await call(sb, 'GET', '/v2/apps')).json.apps[0];
    expect(plain).not.toHaveProperty('tasksStats');
    expect(plain).not.toHaveProperty('readinessCheckResults');
    const embedded = (await call(sb, 'GET', '/v2/apps?embed=apps.taskStats&embed=apps.readiness')).json.apps[0];
    expect(embedded.readinessCheckResults).toEqual([]);
    expect(embedded.tasksStats.totalSummary.stats).toMatchObject({
      counts: { staged: 0, running: 2, healthy: 0, unhealthy: 0 },
      lifeTime: { averageSeconds: expect.any(Number), medianSeconds: expect.any(Number) },
    });
    expect(embedded.tasksStats.withLatestConfig.stats.counts.running).toBe(2);
    expect(embedded.tasksStats).not.toHaveProperty('withOutdatedConfig');
    const single = (await call(sb, 'GET', '/v2/apps/web?embed=app.taskStats')).json.app;
    expect(single.tasksStats.totalSummary.stats.counts.running).toBe(2);
  });
});
