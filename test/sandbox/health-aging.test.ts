// Health check results age as on Marathon: every successful check (every intervalSeconds,
// HealthCheckActor's Tick) re-stamps lastSuccess, so an idle listing with tasks is not the same
// bytes pass after pass. The sandbox derives lastSuccess from its clock when it serialises a
// task; these tests drive that clock by hand.

import { describe, expect, it } from 'vitest';
import type { MarathonAppDefinition } from '../../src/model/marathon.js';
import { lastSuccessAt, taskJson, type HealthResult, type Task } from '../../src/sandbox/tasks.js';
import { app, call, manualSandboxClock, sandbox } from './helpers.js';

const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const HTTP_CHECK = { protocol: 'HTTP', path: '/health', portIndex: 0, intervalSeconds: 60 };

// biome-ignore lint/suspicious/noExplicitAny: reads the sandbox's JSON field by field
type Json = any;

async function tasksOf(sb: Parameters<typeof call>[0], id: string): Promise<Json[]> {
  const listed = (await call(sb, 'GET', '/v2/apps?embed=apps.tasks')).json.apps as Json[];
  return listed.find((a) => a.id === id)?.tasks ?? [];
}

function preloaded(id: string, instances: number): MarathonAppDefinition {
  return {
    id,
    instances,
    cpus: 0.1,
    mem: 32,
    container: { type: 'DOCKER', docker: { image: 'nginx' }, portMappings: [{ containerPort: 80, hostPort: 0 }] },
    networks: [{ mode: 'container/bridge' }],
    healthChecks: [HTTP_CHECK],
  } as MarathonAppDefinition;
}

describe('health check results of simulated tasks', () => {
  it('re-stamps lastSuccess every intervalSeconds from the instant the task first passed its checks', async () => {
    const time = manualSandboxClock(T0);
    const sb = await sandbox({ clock: time.clock, deploymentDurationMs: 1000 });
    await call(sb, 'POST', '/v2/apps', app('/web', { healthChecks: [HTTP_CHECK], portDefinitions: [{ port: 0 }] }));
    time.advance(1000); // staging 400 ms, healthy 300 ms later
    const healthyAt = T0 + 700;
    const lastSuccessAfter = async (seconds: number): Promise<string> => {
      time.advance(healthyAt + seconds * 1000 - time.now());
      const [task] = await tasksOf(sb, '/web');
      expect(task.healthCheckResults[0]).toMatchObject({ alive: true, firstSuccess: iso(healthyAt) });
      return task.healthCheckResults[0].lastSuccess;
    };

    expect(await lastSuccessAfter(0)).toBe(iso(healthyAt));
    expect(await lastSuccessAfter(59)).toBe(iso(healthyAt));
    expect(await lastSuccessAfter(60)).toBe(iso(healthyAt + 60_000));
    expect(await lastSuccessAfter(125)).toBe(iso(healthyAt + 120_000));
  });

  it('makes an idle listing with tasks change at the next check, and only then', async () => {
    const time = manualSandboxClock(T0);
    const sb = await sandbox({ clock: time.clock });
    sb.preload([preloaded('/web', 1)]);
    const first = (await call(sb, 'GET', '/v2/apps?embed=apps.tasks')).text;
    expect((await call(sb, 'GET', '/v2/apps?embed=apps.tasks')).text).toBe(first);
    time.advance(60_000);
    const later = (await call(sb, 'GET', '/v2/apps?embed=apps.tasks')).text;
    expect(later).not.toBe(first);
    // without tasks embedded nothing ages: the listing stays the same bytes
    const plain = (await call(sb, 'GET', '/v2/apps')).text;
    time.advance(60_000);
    expect((await call(sb, 'GET', '/v2/apps')).text).toBe(plain);
  });

  it('spreads the checks of preloaded tasks over the interval, the same way on every preload', async () => {
    const phases = async (): Promise<string[]> => {
      const time = manualSandboxClock(T0);
      const sb = await sandbox({ clock: time.clock });
      sb.preload([preloaded('/a', 2), preloaded('/b', 1)]);
      const before = [...(await tasksOf(sb, '/a')), ...(await tasksOf(sb, '/b'))];
      for (const t of before) expect(t.healthCheckResults[0]).toMatchObject({ firstSuccess: iso(T0), lastSuccess: iso(T0) });
      time.advance(60_000);
      const ticked = [...(await tasksOf(sb, '/a')), ...(await tasksOf(sb, '/b'))].map((t) => t.healthCheckResults[0].lastSuccess as string);
      // each first re-check falls within the first interval, and a minute on, a minute later
      for (const at of ticked) expect(Date.parse(at)).toBeGreaterThan(T0);
      for (const at of ticked) expect(Date.parse(at)).toBeLessThanOrEqual(T0 + 60_000);
      time.advance(60_000);
      const next = [...(await tasksOf(sb, '/a')), ...(await tasksOf(sb, '/b'))].map((t) => t.healthCheckResults[0].lastSuccess as string);
      expect(next).toEqual(ticked.map((at) => iso(Date.parse(at) + 60_000)));
      return ticked;
    };
    const first = await phases();
    expect(new Set(first).size).toBe(3);
    expect(await phases()).toEqual(first);
  });
});

describe('health check results that do not age', () => {
  const task = (result: HealthResult): Task => ({
    id: 'web.instance-1._app.1',
    instanceId: 'web.instance-1',
    incarnation: 1,
    appId: '/web',
    version: iso(T0),
    configVersion: iso(T0),
    host: '127.0.0.1',
    slaveId: 'agent-S0',
    ports: [31000],
    servicePorts: [10000],
    role: '*',
    healthChecks: [HTTP_CHECK],
    state: 'TASK_RUNNING',
    stagedAt: iso(T0),
    stagedAtMs: T0,
    health: [result],
    killRequested: false,
  });
  const passing = { alive: true, consecutiveFailures: 0, firstSuccess: iso(T0), lastSuccess: iso(T0), lastFailure: null, lastFailureCause: null };

  it('keeps the lastSuccess of a result from real checks (--exec), which carries no recheck', () => {
    const t = task(passing);
    expect(JSON.parse(taskJson(t, T0 + 125_000)).healthCheckResults[0].lastSuccess).toBe(iso(T0));
  });

  it('keeps the lastSuccess of a failing check: no successful check re-stamps it', () => {
    const failing: HealthResult = {
      ...passing,
      alive: false,
      consecutiveFailures: 1,
      lastFailure: iso(T0 + 30_000),
      lastFailureCause: 'ConnectException: Connection refused',
      recheck: { phaseMs: T0, intervalMs: 60_000 },
    };
    expect(lastSuccessAt(failing, T0 + 125_000)).toBe(iso(T0));
    expect(JSON.parse(taskJson(task(failing), T0 + 125_000)).healthCheckResults[0].lastSuccess).toBe(iso(T0));
  });
});
