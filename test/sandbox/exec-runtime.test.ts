import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarathonEvent } from '../../src/model/marathon.js';
import { tempDir } from '../helpers/tmp.js';
import { app, call, sandbox, until } from './helpers.js';
import { alive } from '../helpers/process.js';

/** Live (non-zombie) processes of a process group. */
function groupMembers(pgid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0 && alive(n));
  } catch {
    return [];
  }
}

function httpStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

const WAIT = 30_000;

describe('--exec', () => {
  it('runs a python http.server app on a real port, probes its HTTP health check and reports it healthy', async () => {
    const sb = await sandbox({ exec: true });
    const res = await call(
      sb,
      'POST',
      '/v2/apps',
      app('/py', {
        cmd: 'python3 -m http.server $PORT0 --bind 127.0.0.1',
        healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0, gracePeriodSeconds: 30, intervalSeconds: 1, timeoutSeconds: 2, maxConsecutiveFailures: 3 }],
      }),
    );
    expect(res.status).toBe(201);
    await sb.waitForDeployments(WAIT);
    const py = (await call(sb, 'GET', '/v2/apps/py')).json.app;
    expect(py).toMatchObject({ tasksRunning: 1, tasksHealthy: 1, tasksUnhealthy: 0 });
    const port = py.tasks[0].ports[0] as number;
    expect(port).toBeGreaterThan(0);
    expect(py.tasks[0].healthCheckResults[0].alive).toBe(true);
    expect(await httpStatus(port)).toBe(200);
  });

  it('gives tasks the Marathon environment and keeps their output under the work dir', async () => {
    const workDir = await tempDir();
    const sb = await sandbox({ exec: true, workDir });
    await call(
      sb,
      'POST',
      '/v2/apps',
      app('/mip/env', {
        cmd: 'env > env.txt; echo to-stdout; echo to-stderr >&2; exec sleep 1000',
        env: { GREETING: 'hello' },
        labels: { team: 'mip' },
        portDefinitions: [{ port: 0, name: 'http' }, { port: 0 }],
      }),
    );
    await sb.waitForDeployments(WAIT);
    const task = (await call(sb, 'GET', '/v2/apps/mip/env/tasks')).json.tasks[0];
    const dir = join(workDir, 'tasks', task.id as string);
    const env = await until(() => {
      try {
        const text = readFileSync(join(dir, 'env.txt'), 'utf8');
        return text.includes('PORTS=') ? text : undefined;
      } catch {
        return undefined;
      }
    }, WAIT);
    const vars = Object.fromEntries(
      env
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const [p0, p1] = task.ports as number[];
    expect(vars).toMatchObject({
      PORT0: String(p0),
      PORT1: String(p1),
      PORT: String(p0),
      PORTS: `${p0},${p1}`,
      PORT_HTTP: String(p0),
      HOST: '127.0.0.1',
      MARATHON_APP_ID: '/mip/env',
      MARATHON_APP_VERSION: task.version,
      MESOS_TASK_ID: task.id,
      MARATHON_APP_LABEL_TEAM: 'mip',
      GREETING: 'hello',
    });
    await until(() => readFileSync(join(dir, 'stdout'), 'utf8') === 'to-stdout\n' && readFileSync(join(dir, 'stderr'), 'utf8') === 'to-stderr\n', WAIT);
  });

  it('kills a process group on scale-down and on delete', async () => {
    const sb = await sandbox({ exec: true });
    await call(sb, 'POST', '/v2/apps', app('/sleepy', { cmd: 'sleep 1000 & sleep 1000', instances: 2 }));
    await sb.waitForDeployments(WAIT);
    // task process groups come first, the reaper last
    const groups = sb.pids().slice(0, -1);
    expect(groups).toHaveLength(2);
    await until(() => groups.every((g) => groupMembers(g).length >= 2), WAIT);
    expect(groups).toHaveLength(2);
    await call(sb, 'PUT', '/v2/apps/sleepy', { instances: 1 });
    await sb.waitForDeployments(WAIT);
    const killed = groups.filter((g) => !sb.pids().includes(g));
    expect(killed).toHaveLength(1);
    await until(() => groupMembers(killed[0] as number).length === 0, WAIT);
    expect(alive(killed[0] as number)).toBe(false);

    const remaining = groups.find((g) => g !== killed[0]) as number;
    await call(sb, 'DELETE', '/v2/apps/sleepy');
    await sb.waitForDeployments(WAIT);
    await until(() => groupMembers(remaining).length === 0, WAIT);
  });

  it('sends SIGKILL after the kill grace period to a task that ignores SIGTERM', async () => {
    const sb = await sandbox({ exec: true });
    await call(sb, 'POST', '/v2/apps', app('/stubborn', { cmd: "trap '' TERM; sleep 1000 & wait", taskKillGracePeriodSeconds: 1 }));
    await sb.waitForDeployments(WAIT);
    const [pgid] = sb.pids().slice(0, -1);
    expect(pgid).toBeDefined();
    await call(sb, 'DELETE', '/v2/apps/stubborn');
    await sb.waitForDeployments(WAIT);
    expect(groupMembers(pgid as number)).toEqual([]);
  });

  it('restarts a task that exits, with backoff, and records lastTaskFailure', async () => {
    const sb = await sandbox({ exec: true });
    const failures: MarathonEvent[] = [];
    sb.onEvent((e) => {
      if (e.eventType === 'status_update_event' && e.taskStatus === 'TASK_FAILED') failures.push(e);
    });
    await call(sb, 'POST', '/v2/apps', app('/crash', { cmd: 'exit 1', backoffSeconds: 1, backoffFactor: 1.5, maxLaunchDelaySeconds: 2 }));
    await until(() => failures.length >= 2, WAIT);
    // the same instance relaunches with the next incarnation
    expect(String(failures[0]?.taskId)).toMatch(/\._app\.1$/);
    expect(String(failures[1]?.taskId)).toMatch(/\._app\.2$/);
    expect(failures[1]?.message).toBe('Command exited with status 1');
    const crash = (await call(sb, 'GET', '/v2/apps/crash')).json.app;
    expect(crash.lastTaskFailure).toMatchObject({ appId: '/crash', state: 'TASK_FAILED', message: 'Command exited with status 1', host: '127.0.0.1' });
    expect((await call(sb, 'GET', '/v2/apps')).json.apps[0]).not.toHaveProperty('lastTaskFailure');
    expect((await call(sb, 'GET', '/v2/apps?embed=apps.lastTaskFailure')).json.apps[0].lastTaskFailure.state).toBe('TASK_FAILED');
  });

  it('kills and replaces a task that fails its health checks', async () => {
    const sb = await sandbox({ exec: true });
    const kills: MarathonEvent[] = [];
    sb.onEvent((e) => {
      if (e.eventType === 'unhealthy_instance_kill_event') kills.push(e);
    });
    await call(
      sb,
      'POST',
      '/v2/apps',
      app('/deaf', {
        cmd: 'sleep 1000',
        healthChecks: [{ protocol: 'TCP', portIndex: 0, gracePeriodSeconds: 0, intervalSeconds: 0, timeoutSeconds: 1, maxConsecutiveFailures: 2 }],
      }),
    );
    await until(() => kills.length >= 1, WAIT);
    expect(kills[0]).toMatchObject({ appId: '/deaf', eventType: 'unhealthy_instance_kill_event' });
    const replacement = String(kills[0]?.taskId).replace(/\._app\.1$/, '._app.2');
    await until(async () => (await call(sb, 'GET', '/v2/apps/deaf/tasks')).json.tasks.some((t: { id: string }) => t.id === replacement), WAIT);
  });

  it('runs COMMAND health checks in the task environment', async () => {
    const sb = await sandbox({ exec: true });
    await call(
      sb,
      'POST',
      '/v2/apps',
      app('/cmdcheck', {
        cmd: 'touch ready; sleep 1000',
        healthChecks: [{ protocol: 'COMMAND', command: { value: 'test -f ready && test -n "$MESOS_TASK_ID"' }, intervalSeconds: 1, delaySeconds: 0 }],
      }),
    );
    await sb.waitForDeployments(WAIT);
    expect((await call(sb, 'GET', '/v2/apps/cmdcheck')).json.app.tasksHealthy).toBe(1);
  });

  it('keeps apps with a container simulated', async () => {
    const sb = await sandbox({ exec: true });
    await call(sb, 'POST', '/v2/apps', app('/docker', { cmd: 'sleep 1000', container: { type: 'DOCKER', docker: { image: 'busybox' } } }));
    await sb.waitForDeployments(WAIT);
    expect((await call(sb, 'GET', '/v2/apps/docker')).json.app.tasksRunning).toBe(1);
    // only the reaper runs
    expect(sb.pids()).toHaveLength(1);
  });

  it('leaves no process behind after close()', async () => {
    const sb = await sandbox({ exec: true });
    await call(sb, 'POST', '/v2/apps', app('/many', { cmd: 'sleep 1000 & sleep 1000', instances: 3 }));
    await sb.waitForDeployments(WAIT);
    const pids = sb.pids();
    expect(pids.length).toBe(4);
    // each task is a shell and its two sleeps (once the shell has forked them), plus the reaper
    const members = await until(() => {
      const m = pids.flatMap(groupMembers);
      return m.length >= 7 ? m : undefined;
    }, WAIT);
    await sb.close();
    for (const pid of [...pids, ...members]) expect(alive(pid), String(pid)).toBe(false);
  });
});
