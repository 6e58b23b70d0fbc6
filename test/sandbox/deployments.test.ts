import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { app, call, manualSandboxClock, sandbox, until } from './helpers.js';
import type { Clock, Timer } from '../../src/sandbox/time.js';

const errorFixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/marathon/errors/${name}`, import.meta.url), 'utf8')) as unknown;

/** Long enough that a deployment is still running while the test looks at it. */
const SLOW = 60_000;

describe('deployments', () => {
  it('lists a running deployment with its steps and current actions, and the app names it', async () => {
    const sb = await sandbox({ deploymentDurationMs: SLOW });
    const created = await call(sb, 'POST', '/v2/apps', app('/web'));
    const id = created.headers['marathon-deployment-id'];
    const list = (await call(sb, 'GET', '/v2/deployments')).json;
    expect(list).toEqual([
      {
        id,
        version: created.json.version,
        affectedApps: ['/web'],
        affectedPods: [],
        steps: [{ actions: [{ action: 'StartApplication', app: '/web' }] }, { actions: [{ action: 'ScaleApplication', app: '/web' }] }],
        currentActions: [{ action: 'ScaleApplication', app: '/web', readinessCheckResults: [] }],
        currentStep: 2,
        totalSteps: 2,
      },
    ]);
    expect((await call(sb, 'GET', '/v2/apps/web')).json.app.deployments).toEqual([{ id }]);
  });

  it('finishes once the tasks run and pass their health checks', async () => {
    const sb = await sandbox({ deploymentDurationMs: 40 });
    await call(sb, 'POST', '/v2/apps', app('/web', { instances: 2, healthChecks: [{ protocol: 'HTTP', path: '/health', portIndex: 0 }] }));
    await sb.waitForDeployments();
    const web = (await call(sb, 'GET', '/v2/apps/web')).json.app;
    expect(web).toMatchObject({ tasksRunning: 2, tasksHealthy: 2, tasksUnhealthy: 0, deployments: [] });
    expect(web.tasks[0].healthCheckResults).toEqual([
      expect.objectContaining({
        alive: true,
        consecutiveFailures: 0,
        lastFailure: null,
        lastFailureCause: null,
        instanceId: web.tasks[0].id.replace(/\._app\.1$/, ''),
      }),
    ]);
  });

  it('locks the app: writes without force get 409 naming the deployments, force replaces them', async () => {
    const sb = await sandbox({ deploymentDurationMs: SLOW });
    const created = await call(sb, 'POST', '/v2/apps', app('/web'));
    const first = created.headers['marathon-deployment-id'] as string;
    const locked = await call(sb, 'PUT', '/v2/apps/web', { instances: 2 });
    expect(locked.status).toBe(409);
    const expected = errorFixture('409-app-locked-by-deployment.json') as { message: string };
    expect(locked.json).toEqual({ message: expected.message, deployments: [{ id: first }] });
    expect((await call(sb, 'POST', '/v2/apps/web/restart')).status).toBe(409);
    expect((await call(sb, 'DELETE', '/v2/apps/web?force=false')).status).toBe(409);
    const forced = await call(sb, 'PUT', '/v2/apps/web?force=true', { instances: 2 });
    expect(forced.status).toBe(200);
    const ids = (await call(sb, 'GET', '/v2/deployments')).json.map((d: { id: string }) => d.id);
    expect(ids).toEqual([forced.json.deploymentId]);
  });

  it('lets DELETE /v2/apps/{id} through a lock: its force defaults to true', async () => {
    const sb = await sandbox({ deploymentDurationMs: SLOW });
    await call(sb, 'POST', '/v2/apps', app('/web'));
    const res = await call(sb, 'DELETE', '/v2/apps/web');
    expect(res.status).toBe(200);
  });

  it('cancels a deployment by reverting it in a new deployment, or with force just stops it', async () => {
    const sb = await sandbox({ deploymentDurationMs: 20 });
    await call(sb, 'POST', '/v2/apps', app('/web', { cmd: 'sleep 1' }));
    await sb.waitForDeployments();
    sb.setDeploymentDuration(SLOW);
    const update = await call(sb, 'PUT', '/v2/apps/web', { cmd: 'sleep 2' });
    const cancel = await call(sb, 'DELETE', `/v2/deployments/${update.json.deploymentId}`);
    expect(cancel.status).toBe(200);
    expect(Object.keys(cancel.json)).toEqual(['deploymentId', 'version']);
    expect(cancel.headers['marathon-deployment-id']).toBe(cancel.json.deploymentId);
    expect((await call(sb, 'GET', '/v2/apps/web')).json.app.cmd).toBe('sleep 1');
    const ids = (await call(sb, 'GET', '/v2/deployments')).json.map((d: { id: string }) => d.id);
    expect(ids).toEqual([cancel.json.deploymentId]);

    const forced = await call(sb, 'DELETE', `/v2/deployments/${cancel.json.deploymentId}?force=true`);
    expect(forced.status).toBe(202);
    expect(forced.text).toBe('');
    expect((await call(sb, 'GET', '/v2/deployments')).json).toEqual([]);

    const unknown = await call(sb, 'DELETE', '/v2/deployments/unknown_deployment');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(errorFixture('404-deployment-unknown.json'));
  });

  it('reverts the creation of an app by removing it', async () => {
    const sb = await sandbox({ deploymentDurationMs: SLOW });
    const created = await call(sb, 'POST', '/v2/apps', app('/web'));
    await call(sb, 'DELETE', `/v2/deployments/${created.headers['marathon-deployment-id'] as string}`);
    expect((await call(sb, 'GET', '/v2/apps/web')).status).toBe(404);
  });

  it('refuses deployments beyond max_running_deployments with 403, force or not', async () => {
    const sb = await sandbox({ deploymentDurationMs: SLOW, maxRunningDeployments: 2 });
    await call(sb, 'POST', '/v2/apps', app('/a'));
    await call(sb, 'POST', '/v2/apps', app('/b'));
    for (const path of ['/v2/apps', '/v2/apps?force=true']) {
      const res = await call(sb, 'POST', path, app('/c'));
      expect(res.status).toBe(403);
      const body = errorFixture('403-too-many-running-deployments.RECONSTRUCTED.json') as { message: string };
      expect(res.json).toEqual({ message: body.message.replace('(100)', '(2)') });
    }
    expect((await call(sb, 'GET', '/v2/apps/c')).status).toBe(404);
    // a forced cancel does not deploy anything, so it is the way out
    const first = (await call(sb, 'GET', '/v2/deployments')).json[0].id as string;
    expect((await call(sb, 'DELETE', `/v2/deployments/${first}?force=true`)).status).toBe(202);
    expect((await call(sb, 'POST', '/v2/apps', app('/c'))).status).toBe(201);
  });

  it('takes the deployment duration and the cap from the admin API at runtime', async () => {
    const sb = await sandbox({ deploymentDurationMs: SLOW });
    expect((await call(sb, 'PUT', '/sandbox/config', { deploymentDurationMs: 10, maxRunningDeployments: 5 })).json).toEqual({
      deploymentDurationMs: 10,
      maxRunningDeployments: 5,
    });
    await call(sb, 'POST', '/v2/apps', app('/web'));
    await until(async () => (await call(sb, 'GET', '/v2/deployments')).json.length === 0);
    expect((await call(sb, 'GET', '/sandbox/config')).json).toEqual({ deploymentDurationMs: 10, maxRunningDeployments: 5 });
  });
});

describe('a change forced over a rolling restart (DeploymentPlan: isOnlyScaleChange first, then needsRestart)', () => {
  // biome-ignore lint/suspicious/noExplicitAny: reads the sandbox's JSON field by field
  type Json = any;
  async function restartingWeb(): Promise<{ sb: Awaited<ReturnType<typeof sandbox>>; advance: (ms: number) => void; v1: string }> {
    const time = manualSandboxClock(Date.parse('2026-03-02T08:00:00.000Z'));
    const sb = await sandbox({ clock: time.clock, deploymentDurationMs: 1000 });
    const v1 = (await call(sb, 'POST', '/v2/apps', app('/web', { instances: 2, cmd: 'sleep 1' }))).json.version as string;
    time.advance(2000);
    expect((await call(sb, 'GET', '/v2/deployments')).json).toEqual([]);
    // The rolling restart starts two tasks of the new command; the old two run until those are ready.
    await call(sb, 'PUT', '/v2/apps/web', { cmd: 'sleep 2' });
    return { sb, advance: (ms) => time.advance(ms), v1 };
  }
  const tasks = async (sb: Awaited<ReturnType<typeof sandbox>>): Promise<Json[]> => (await call(sb, 'GET', '/v2/apps/web?embed=apps.tasks')).json.app.tasks;

  it('plans a scale as a scale: the tasks of the old version the restart had not replaced keep running', async () => {
    const { sb, advance, v1 } = await restartingWeb();
    const forced = await call(sb, 'PUT', '/v2/apps/web?force=true', { instances: 3 });
    const [deployment] = (await call(sb, 'GET', '/v2/deployments')).json;
    expect(deployment.id).toBe(forced.json.deploymentId);
    expect(deployment.steps).toEqual([{ actions: [{ action: 'ScaleApplication', app: '/web' }] }]);
    advance(5000);
    expect((await call(sb, 'GET', '/v2/deployments')).json).toEqual([]);
    const running = await tasks(sb);
    expect(running).toHaveLength(3);
    expect(running.filter((t: Json) => t.version === v1)).toHaveLength(2);
    // And they stay: nothing but a restart replaces them.
    advance(60_000);
    expect((await tasks(sb)).filter((t: Json) => t.version === v1)).toHaveLength(2);
  });

  it('plans a change of configuration as a restart: every task ends on the new version', async () => {
    const { sb, advance, v1 } = await restartingWeb();
    const forced = await call(sb, 'PUT', '/v2/apps/web?force=true', { instances: 3, cmd: 'sleep 3' });
    expect((await call(sb, 'GET', '/v2/deployments')).json[0].steps).toEqual([{ actions: [{ action: 'RestartApplication', app: '/web' }] }]);
    advance(5000);
    expect((await call(sb, 'GET', '/v2/deployments')).json).toEqual([]);
    const running = await tasks(sb);
    expect(running.map((t: Json) => t.version)).toEqual([forced.json.version, forced.json.version, forced.json.version]);
    expect(running.some((t: Json) => t.version === v1)).toBe(false);
  });

  it('relaunches a lost task of the old version with the current configuration', async () => {
    const { sb, advance, v1 } = await restartingWeb();
    await call(sb, 'PUT', '/v2/apps/web?force=true', { instances: 3 });
    advance(5000);
    const old = (await tasks(sb)).find((t: Json) => t.version === v1);
    expect(old).toBeDefined();
    await call(sb, 'DELETE', `/v2/apps/web/tasks/${old.id}`);
    advance(5000);
    const after = await tasks(sb);
    expect(after).toHaveLength(3);
    expect(after.filter((t: Json) => t.version === v1)).toHaveLength(1);
  });
});

describe('deployment timing', () => {
  it('finishes even when its timer fires before the clock reaches the minimum duration', async () => {
    // a clock whose timers run early, as Node timers can relative to Date.now()
    let now = 1_000_000;
    const timers: Array<{ at: number; fn: () => void }> = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t as unknown as Timer;
      },
      clearTimeout: (t: unknown) => {
        const i = timers.indexOf(t as { at: number; fn: () => void });
        if (i >= 0) timers.splice(i, 1);
      },
    };
    const sb = await sandbox({ deploymentDurationMs: 100, clock });
    await call(sb, 'POST', '/v2/apps', app('/web'));
    for (let i = 0; i < 50 && sb.deployments().length > 0; i++) {
      const next = timers.sort((a, b) => a.at - b.at).shift();
      if (!next) break;
      now = Math.max(now, next.at - 1);
      next.fn();
    }
    expect(sb.deployments()).toEqual([]);
  });
});
