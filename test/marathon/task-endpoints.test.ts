import { describe, expect, it } from 'vitest';
import { serverUrls, taskEndpoints } from '../../src/marathon/task-endpoints.js';
import type { MarathonApp, MarathonTask } from '../../src/model/marathon.js';
import { marathonApp } from '../helpers/builders.js';

function task(id: string, fields: Partial<MarathonTask> = {}): MarathonTask {
  return { id, appId: '/demo/web', host: 'agent-1', ports: [31000, 31001], state: 'TASK_RUNNING', ...fields };
}

const check = { protocol: 'HTTP', path: '/', portIndex: 0 };

/** A host-networked app without health checks (the builder's default has both otherwise). */
function hostApp(overrides: Partial<MarathonApp> = {}): MarathonApp {
  return marathonApp({ networks: [{ mode: 'host' }], healthChecks: [], ...overrides });
}

describe('taskEndpoints: where each task listens', () => {
  it('host and bridge networking: the agent and the host port at the routed index (the first by default)', () => {
    const app = hostApp({ tasks: [task('b'), task('a', { host: 'agent-2', ports: [32000, 32001] })] });
    expect(taskEndpoints(app)).toEqual([
      { id: 'a', state: 'TASK_RUNNING', healthy: null, host: 'agent-2', ports: [32000, 32001], address: 'agent-2:32000', ready: true },
      { id: 'b', state: 'TASK_RUNNING', healthy: null, host: 'agent-1', ports: [31000, 31001], address: 'agent-1:31000', ready: true },
    ]);
    expect(taskEndpoints(app, { index: 1 }).map((e) => e.address)).toEqual(['agent-2:32001', 'agent-1:31001']);
    expect(taskEndpoints({ ...app, networks: [{ mode: 'container/bridge' }] }, { index: 1 })[0]?.address).toBe('agent-2:32001');
  });

  it("container networking: the task's own IP address and the container port, IPv6 in brackets", () => {
    const app: MarathonApp = hostApp({
      networks: [{ mode: 'container', name: 'calico' }],
      container: { type: 'DOCKER', docker: { image: 'nginx' }, portMappings: [{ containerPort: 8080 }] },
      tasks: [
        task('a', { ports: [], ipAddresses: [{ ipAddress: '10.0.0.7', protocol: 'IPv4' }] }),
        task('b', { ports: [], ipAddresses: [{ ipAddress: 'fd00::7', protocol: 'IPv6' }] }),
      ],
    });
    expect(taskEndpoints(app, { number: 8080 }).map((e) => e.address)).toEqual(['10.0.0.7:8080', '[fd00::7]:8080']);
    // not routed: the first port mapping's container port
    expect(taskEndpoints(app).map((e) => e.address)).toEqual(['10.0.0.7:8080', '[fd00::7]:8080']);
    // two addresses and no index to choose: Traefik's provider skips such a task too
    const two = { ...app, tasks: [task('c', { ipAddresses: [{ ipAddress: '10.0.0.8' }, { ipAddress: '10.0.1.8' }] })] };
    expect(taskEndpoints(two, { number: 8080 })[0]).toMatchObject({ address: null, ready: false });
  });

  it('health: every check alive is healthy; a failing check, or one that has not answered yet, is not; no checks is null', () => {
    const app = hostApp({
      healthChecks: [check, { ...check, path: '/ready' }],
      tasks: [
        task('alive', { healthCheckResults: [{ alive: true }, { alive: true }] }),
        task('failing', { healthCheckResults: [{ alive: true }, { alive: false }] }),
        task('grace', { healthCheckResults: [{ alive: true }] }),
        task('new'),
      ],
    });
    expect(taskEndpoints(app).map((e) => [e.id, e.healthy, e.ready])).toEqual([
      ['alive', true, true],
      ['failing', false, false],
      ['grace', false, false],
      ['new', false, false],
    ]);
  });

  it('only running tasks are ready; serverUrls lists the ready ones', () => {
    const app = hostApp({
      tasks: [task('a'), task('b', { state: 'TASK_STAGING', ports: [31002] }), task('c', { state: 'TASK_KILLING' }), task('d', { host: '', ports: [] })],
    });
    const endpoints = taskEndpoints(app);
    expect(endpoints.map((e) => e.ready)).toEqual([true, false, false, false]);
    expect(endpoints[3]).toMatchObject({ host: null, address: null });
    expect(serverUrls(endpoints)).toEqual(['http://agent-1:31000']);
  });

  it('an app that is absent or has no task embedded has no endpoint', () => {
    expect(taskEndpoints(undefined)).toEqual([]);
    expect(taskEndpoints(hostApp({ tasks: undefined }))).toEqual([]);
  });
});
