// The simulated cluster's room: tasks held at once, all apps together. Beyond it an app's other
// instances wait in the launch queue, as on a cluster without the resources to place them. An
// app asking for a billion instances once took the sandbox's whole heap (and, with `up`, the
// daemon sharing its process) within seconds.

import { describe, expect, it } from 'vitest';
import { SandboxOptionsError } from '../../src/sandbox/errors.js';
import { resolveOptions } from '../../src/sandbox/sandbox.js';
import { app, call, sandbox, until } from './helpers.js';

describe('sandbox capacity', () => {
  it('launches no more tasks than it has room for; the rest wait in the queue and the deployment runs on', async () => {
    const sb = await sandbox({ maxTasks: 5 });
    expect((await call(sb, 'POST', '/v2/apps', app('/huge', { instances: 1_000_000_000 }))).status).toBe(201);
    await until(() => sb.app('/huge')?.tasksRunning === 5);
    const queue = (await call(sb, 'GET', '/v2/queue')).json.queue as Array<{ app: { id: string }; count: number }>;
    expect(queue.map((q) => [q.app.id, q.count])).toEqual([['/huge', 1_000_000_000 - 5]]);
    expect(sb.deployments().map((d) => d.affectedApps)).toEqual([['/huge']]);
    expect(sb.app('/huge')?.tasks).toHaveLength(5);
  });

  it('gives room that tasks leave to the apps waiting for it, first come first served', async () => {
    const sb = await sandbox({ maxTasks: 3 });
    await call(sb, 'POST', '/v2/apps', app('/big', { instances: 3 }));
    await until(() => sb.app('/big')?.tasksRunning === 3);
    await call(sb, 'POST', '/v2/apps', app('/small', { instances: 2 }));
    await call(sb, 'POST', '/v2/apps', app('/late', { instances: 1 }));
    expect(sb.app('/small')?.tasks ?? []).toEqual([]);
    await call(sb, 'PUT', '/v2/apps/big?force=true', { instances: 1 });
    await until(() => sb.app('/small')?.tasksRunning === 2);
    expect(sb.app('/late')?.tasks ?? []).toEqual([]);
    await call(sb, 'DELETE', '/v2/apps/big?force=true');
    await until(() => sb.app('/late')?.tasksRunning === 1);
    await sb.waitForDeployments();
  });

  it('holds 50,000 tasks by default, 256 with exec; refuses less than one', () => {
    expect(resolveOptions({}).maxTasks).toBe(50_000);
    expect(resolveOptions({ exec: true }).maxTasks).toBe(256);
    expect(() => resolveOptions({ maxTasks: 0 })).toThrow(SandboxOptionsError);
    expect(() => resolveOptions({ maxTasks: 2.5 })).toThrow(SandboxOptionsError);
  });
});
