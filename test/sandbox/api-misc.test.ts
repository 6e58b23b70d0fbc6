import { describe, expect, it } from 'vitest';
import { app, call, sandbox } from './helpers.js';

describe('info, leader and groups', () => {
  it('describes itself like Marathon 1.10 on /v2/info and /v2/leader', async () => {
    const sb = await sandbox();
    const info = (await call(sb, 'GET', '/v2/info')).json;
    expect(info).toMatchObject({ name: 'marathon', version: '1.10.26', elected: true, leader: `127.0.0.1:${sb.port}` });
    expect(info.marathon_config).toMatchObject({ local_port_min: 10000, local_port_max: 20000, mesos_role: '*' });
    expect(info.http_config.http_port).toBe(sb.port);
    expect((await call(sb, 'GET', '/v2/leader')).json).toEqual({ leader: `127.0.0.1:${sb.port}` });
  });

  it('derives groups from app ids', async () => {
    const sb = await sandbox({ deploymentDurationMs: 0 });
    sb.preload([app('/mip/prod/web'), app('/mip/prod/db'), app('/mip/dev/web'), app('/top')]);
    const root = (await call(sb, 'GET', '/v2/groups')).json;
    expect(root.id).toBe('/');
    expect(root.apps.map((a: { id: string }) => a.id)).toEqual(['/top']);
    expect(root.apps[0]).not.toHaveProperty('tasksRunning');
    expect(root.groups.map((g: { id: string }) => g.id)).toEqual(['/mip']);
    expect(Object.keys(root)).toEqual(['id', 'apps', 'pods', 'groups', 'dependencies', 'version', 'enforceRole']);
    const prod = (await call(sb, 'GET', '/v2/groups/mip/prod?embed=group.apps&embed=group.apps.counts')).json;
    expect(prod.apps.map((a: { id: string; tasksRunning: number }) => [a.id, a.tasksRunning])).toEqual([
      ['/mip/prod/web', 1],
      ['/mip/prod/db', 1],
    ]);
    expect(prod).not.toHaveProperty('groups');
    const missing = await call(sb, 'GET', '/v2/groups/nope');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: "Group '/nope' does not exist" });
  });

  it('lists every task on /v2/tasks and kills them with POST /v2/tasks/delete', async () => {
    const sb = await sandbox({ deploymentDurationMs: 0 });
    sb.preload([app('/a', { instances: 2 }), app('/b')]);
    const tasks = (await call(sb, 'GET', '/v2/tasks')).json.tasks;
    expect(tasks.map((t: { appId: string }) => t.appId)).toEqual(['/a', '/a', '/b']);
    const res = await call(sb, 'POST', '/v2/tasks/delete?scale=true', { ids: [tasks[0].id] });
    expect(res.status).toBe(200);
    expect(res.json).toHaveProperty('deploymentId');
    await sb.waitForDeployments();
    expect(sb.app('/a')?.instances).toBe(1);
  });
});
