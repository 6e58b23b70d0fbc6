import { describe, expect, it } from 'vitest';
import type { MarathonTask } from '../../src/model/marathon.js';
import { staleTasks } from '../../src/plan/stale-tasks.js';
import { marathonApp } from '../helpers/builders.js';

const CONFIG = '2024-03-01T10:00:00.000Z';
const BEFORE = '2024-02-01T09:00:00.000Z';
const SCALED = '2024-03-01T11:00:00.000Z';

const task = (n: number, version: string | undefined, state = 'TASK_RUNNING'): MarathonTask => ({
  id: `demo_web.${n}`,
  appId: '/demo/web',
  state,
  ...(version === undefined ? {} : { version }),
});

const app = (tasks: MarathonTask[], deployments: Array<{ id: string }> = []) =>
  marathonApp({ version: SCALED, versionInfo: { lastScalingAt: SCALED, lastConfigChangeAt: CONFIG }, deployments, tasks });

describe('staleTasks', () => {
  it('counts the tasks launched before the configuration in force, once no deployment runs', () => {
    expect(staleTasks(app([task(1, BEFORE), task(2, CONFIG), task(3, SCALED)]))).toEqual({ stale: 1, of: 3, since: CONFIG });
  });

  it('says nothing while a deployment runs: it may still replace them', () => {
    expect(staleTasks(app([task(1, BEFORE)], [{ id: 'd1' }]))).toBeUndefined();
  });

  it('says nothing when every task runs the current configuration, a scale after it included', () => {
    expect(staleTasks(app([task(1, CONFIG), task(2, SCALED)]))).toBeUndefined();
  });

  it('leaves out tasks on their way out, and tasks without a version', () => {
    expect(staleTasks(app([task(1, BEFORE, 'TASK_KILLING'), task(2, BEFORE, 'TASK_KILLED'), task(3, undefined)]))).toBeUndefined();
  });

  it('says nothing when Marathon does not list the tasks, the deployments or when the configuration changed', () => {
    expect(staleTasks({ ...app([task(1, BEFORE)]), tasks: undefined })).toBeUndefined();
    expect(staleTasks({ ...app([task(1, BEFORE)]), deployments: undefined })).toBeUndefined();
    expect(staleTasks({ ...app([task(1, BEFORE)]), versionInfo: {} })).toBeUndefined();
    expect(staleTasks({ ...app([task(1, BEFORE)]), versionInfo: { lastConfigChangeAt: 'yesterday' } })).toBeUndefined();
  });
});
