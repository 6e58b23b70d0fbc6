import { describe, expect, it } from 'vitest';
import type { MarathonApp } from '../../src/model/marathon.js';
import { appHealth, type HealthInput, SHORT_OF_TASKS, waitsOf } from '../../src/status/health.js';

function actual(fields: Partial<MarathonApp> = {}): MarathonApp {
  return { id: '/demo/web', instances: 2, version: 'v2', tasksRunning: 2, tasksHealthy: 2, tasksUnhealthy: 0, deployments: [], ...fields };
}

function input(fields: Partial<HealthInput> = {}): HealthInput {
  return { desiredInstances: 2, actual: actual(), marathonKnown: true, ...fields };
}

describe('appHealth', () => {
  it('is Healthy when every wanted task runs and passes its checks', () => {
    expect(appHealth(input({ actual: actual({ healthChecks: [{ protocol: 'HTTP' }] }) }))).toEqual({
      health: 'Healthy',
      instances: { desired: 2, running: 2, healthy: 2 },
    });
  });

  it('counts running tasks as healthy when the app has no health checks', () => {
    expect(appHealth(input({ actual: actual({ tasksHealthy: 0 }) })).instances).toEqual({ desired: 2, running: 2, healthy: 2 });
  });

  it('is Progressing while a deployment runs or tasks are still starting', () => {
    expect(appHealth(input({ actual: actual({ deployments: [{ id: 'd1' }] }) })).health).toBe('Progressing');
    expect(appHealth(input({ actual: actual({ tasksRunning: 1 }) })).health).toBe('Progressing');
    expect(appHealth(input({ actual: actual({ healthChecks: [{}], tasksHealthy: 1 }) })).health).toBe('Progressing');
  });

  it('is Degraded with the task failure message when the deployed version keeps crashing', () => {
    const a = actual({ tasksRunning: 0, tasksHealthy: 0, lastTaskFailure: { message: 'Command exited with status 1', state: 'TASK_FAILED', version: 'v2' } });
    expect(appHealth(input({ actual: a }))).toMatchObject({ health: 'Degraded', message: 'Command exited with status 1' });
  });

  it('ignores a failure of an older version once the new one runs', () => {
    const a = actual({ tasksRunning: 1, lastTaskFailure: { message: 'old crash', version: 'v1' } });
    expect(appHealth(input({ actual: a })).health).toBe('Progressing');
  });

  it('is Degraded when a deployment failed, with that message', () => {
    expect(appHealth(input({ deploymentFailure: 'Object is not valid: /cpus: error.min' }))).toMatchObject({
      health: 'Degraded',
      message: 'Object is not valid: /cpus: error.min',
    });
  });

  it('is Degraded when running tasks fail their health checks, however many others pass', () => {
    expect(appHealth(input({ actual: actual({ healthChecks: [{}], tasksUnhealthy: 1, tasksHealthy: 1, tasksRunning: 2 }) }))).toEqual({
      health: 'Degraded',
      instances: { desired: 2, running: 2, healthy: 1 },
      message: '1 of 2 running task(s) failing health checks',
    });
    // Every task failing (Marathon never kills them with maxConsecutiveFailures 0): not on its way anywhere.
    expect(appHealth(input({ actual: actual({ healthChecks: [{}], tasksUnhealthy: 2, tasksHealthy: 0, tasksRunning: 2 }) })).health).toBe('Degraded');
    // One failing while another is still missing (killed for failing, not relaunched yet).
    expect(appHealth(input({ actual: actual({ healthChecks: [{}], tasksUnhealthy: 1, tasksHealthy: 0, tasksRunning: 1 }) })).health).toBe('Degraded');
  });

  it('is Degraded while a deployment runs whose tasks fail their checks: Marathon waits on them for good', () => {
    const a = actual({ healthChecks: [{}], tasksUnhealthy: 2, tasksHealthy: 0, tasksRunning: 2, deployments: [{ id: 'd1' }] });
    expect(appHealth(input({ actual: a }))).toMatchObject({
      health: 'Degraded',
      message: '2 of 2 running task(s) failing health checks (deployment in progress)',
    });
  });

  it('is Progressing, not Degraded, for tasks in their grace period (neither healthy nor unhealthy yet)', () => {
    expect(appHealth(input({ actual: actual({ healthChecks: [{}], tasksUnhealthy: 0, tasksHealthy: 0, tasksRunning: 2 }) })).health).toBe('Progressing');
  });

  it('is Degraded once its deployment has run past the deadline (a task that no offer can place), and says how it stands', () => {
    const a = actual({ tasksRunning: 1, tasksHealthy: 1, deployments: [{ id: 'd1' }] });
    expect(appHealth(input({ actual: a, waiting: { forMs: 599_999, deadlineMs: 600_000 } })).health).toBe('Progressing');
    expect(appHealth(input({ actual: a, waiting: { forMs: 600_000, deadlineMs: 600_000 } }))).toEqual({
      health: 'Degraded',
      instances: { desired: 2, running: 1, healthy: 1 },
      message: 'deployment still running after 10 min (--deployment-timeout): 1 of 2 task(s) running, 1 healthy',
    });
    expect(appHealth(input({ actual: a, waiting: { forMs: 90_000, deadlineMs: 90_000 } })).message).toContain('after 90 s');
    // Age without a deployment in Marathon's read says nothing.
    expect(appHealth(input({ waiting: { forMs: 10 ** 9, deadlineMs: 1 } })).health).toBe('Healthy');
  });

  it('is Degraded once it has been short of tasks past the deadline with no deployment (a lost task no offer can replace)', () => {
    const a = actual({ tasksRunning: 1, tasksHealthy: 1 });
    expect(appHealth(input({ actual: a, waiting: { forMs: 599_999, deadlineMs: 600_000 } })).health).toBe('Progressing');
    expect(appHealth(input({ actual: a, waiting: { forMs: 600_000, deadlineMs: 600_000 } }))).toMatchObject({
      health: 'Degraded',
      message: 'fewer tasks running and healthy than wanted for 10 min (--deployment-timeout): 1 of 2 task(s) running, 1 healthy',
    });
  });

  it('names what an app waits on: its deployments, else the tasks it is short of, else nothing', () => {
    expect(waitsOf(actual({ deployments: [{ id: 'd1' }, { id: 'd2' }] }))).toEqual(['d1', 'd2']);
    expect(waitsOf(actual({ tasksRunning: 1, tasksHealthy: 1 }))).toEqual([SHORT_OF_TASKS]);
    expect(waitsOf(actual({ healthChecks: [{}], tasksHealthy: 1 }))).toEqual([SHORT_OF_TASKS]);
    expect(waitsOf(actual())).toEqual([]);
    expect(waitsOf(actual({ instances: 0, tasksRunning: 0, tasksHealthy: 0 }))).toEqual([]);
    expect(waitsOf(undefined)).toEqual([]);
  });

  it('is Suspended when scaled to zero and nothing runs', () => {
    expect(appHealth(input({ desiredInstances: 0, actual: actual({ instances: 0, tasksRunning: 0, tasksHealthy: 0 }) })).health).toBe('Suspended');
    expect(appHealth(input({ desiredInstances: 0, actual: actual({ instances: 0, tasksRunning: 1, deployments: [{ id: 'd' }] }) })).health).toBe('Progressing');
  });

  it('is Missing when Marathon has no such app, and Unknown when Marathon cannot be read', () => {
    expect(appHealth(input({ actual: undefined })).health).toBe('Missing');
    expect(appHealth(input({ marathonKnown: false })).health).toBe('Unknown');
  });
});
