// What maracker keeps of a listed app: the tasks' fields it reads, nothing else.

import { describe, expect, it } from 'vitest';
import { heldApp } from '../../src/marathon/held-app.js';
import { appFingerprint } from '../../src/marathon/fingerprint.js';
import { staleTasks } from '../../src/plan/stale-tasks.js';
import { taskEndpoints } from '../../src/marathon/task-endpoints.js';
import type { MarathonApp } from '../../src/model/marathon.js';

/** A task as Marathon 1.10 lists it with embed=apps.tasks (fields of an AppInfo's task). */
function listedTask(i: number, over: Record<string, unknown> = {}) {
  return {
    ipAddresses: [{ ipAddress: '10.0.0.7', protocol: 'IPv4' }],
    stagedAt: '2026-12-05T09:00:00.000Z',
    state: 'TASK_RUNNING',
    ports: [31000 + i],
    startedAt: '2026-12-05T09:00:01.000Z',
    version: '2026-12-05T08:45:00.000Z',
    host: 'agent-1.example.org',
    id: `web.instance-${i}._app.1`,
    slaveId: 'f3472171-7b2b-442b-88ca-237146c454b3-S0',
    appId: '/web',
    servicePorts: [10000],
    localVolumes: [],
    role: '*',
    healthCheckResults: [
      {
        alive: true,
        consecutiveFailures: 0,
        firstSuccess: '2026-12-05T09:00:05.000Z',
        lastFailure: null,
        lastSuccess: '2026-12-05T10:00:00.000Z',
        lastFailureCause: null,
        instanceId: `web.marathon-${i}`,
      },
    ],
    ...over,
  };
}

function listed(tasks: unknown[]): MarathonApp {
  const app = {
    id: '/web',
    instances: tasks.length,
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 }],
    versionInfo: { lastConfigChangeAt: '2026-12-05T08:30:00.000Z', lastScalingAt: '2026-12-05T08:30:00.000Z' },
    deployments: [],
    tasks,
  };
  return JSON.parse(JSON.stringify(app)) as MarathonApp;
}

describe('heldApp', () => {
  it('keeps of each task the id, app id, host, ports, state, version, IP addresses and whether each check is alive', () => {
    const held = heldApp(listed([listedTask(0)]));
    expect(held.tasks).toStrictEqual([
      {
        id: 'web.instance-0._app.1',
        appId: '/web',
        host: 'agent-1.example.org',
        ports: [31000],
        state: 'TASK_RUNNING',
        version: '2026-12-05T08:45:00.000Z',
        healthCheckResults: [{ alive: true }],
        ipAddresses: [{ ipAddress: '10.0.0.7', protocol: 'IPv4' }],
      },
    ]);
    // The app's own fields are untouched.
    expect(held.versionInfo).toEqual({ lastConfigChangeAt: '2026-12-05T08:30:00.000Z', lastScalingAt: '2026-12-05T08:30:00.000Z' });
  });

  it('changes nothing of what the status, the routes, the stale-task check and the fingerprint read', () => {
    const tasks = [
      listedTask(0),
      listedTask(1, { version: '2026-12-05T07:00:00.000Z', healthCheckResults: [{ alive: false, lastSuccess: null }] }),
      listedTask(2, { state: 'TASK_STAGING', host: '' }),
    ];
    const full = listed(tasks);
    const held = heldApp(listed(tasks));
    expect(taskEndpoints(held)).toEqual(taskEndpoints(full));
    expect(taskEndpoints(held, { index: 0 })).toEqual(taskEndpoints(full, { index: 0 }));
    expect(staleTasks(held)).toEqual(staleTasks(full));
    expect(staleTasks(held)).toMatchObject({ stale: 1 });
    expect(appFingerprint(held)).toBe(appFingerprint(full));
  });

  it('shares the app id string instead of a copy per task, and keeps a different one as it is', () => {
    const held = heldApp(listed([listedTask(0), listedTask(1, { appId: '/other' })]));
    expect(held.tasks?.[0]?.appId).toBe(held.id);
    expect(held.tasks?.[1]?.appId).toBe('/other');
  });

  it('leaves what is not a task, and fields missing from a task, as they are', () => {
    const held = heldApp(listed([null, 'x', { id: 't' }, listedTask(3, { healthCheckResults: 'odd' })]));
    expect(held.tasks?.slice(0, 3)).toStrictEqual([null, 'x', { id: 't', appId: undefined }]);
    expect(held.tasks?.[3]?.healthCheckResults).toBe('odd');
    expect(heldApp(listed([])).tasks).toEqual([]);
    const noTasks = { id: '/web' } as MarathonApp;
    expect(heldApp(noTasks)).toBe(noTasks);
  });
});
