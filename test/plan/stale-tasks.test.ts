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
    expect(staleTasks(app([task(3, BEFORE), task(2, CONFIG), task(1, BEFORE)]))).toEqual({ stale: 2, ids: ['demo_web.1', 'demo_web.3'], of: 3, since: CONFIG });
  });

  it('says nothing while a deployment runs: it may still replace them', () => {
    expect(staleTasks(app([task(1, BEFORE)], [{ id: 'd1' }]))).toBeUndefined();
  });

  it('says nothing when every task runs the current configuration, a scale after it included', () => {
    expect(staleTasks(app([task(1, CONFIG), task(2, SCALED)]))).toBeUndefined();
  });

  it('counts only tasks starting or running: not those being killed, nor unreachable ones a restart cannot replace either', () => {
    const leaving = ['TASK_KILLING', 'TASK_KILLED', 'TASK_UNREACHABLE', 'TASK_UNKNOWN', 'TASK_LOST', 'TASK_FAILED'].map((state, i) => task(i, BEFORE, state));
    expect(staleTasks(app([...leaving, task(9, undefined)]))).toBeUndefined();
    expect(staleTasks(app([...leaving, task(9, BEFORE, 'TASK_STAGING')]))).toEqual({ stale: 1, ids: ['demo_web.9'], of: 1, since: CONFIG });
  });

  it('says nothing when Marathon does not list the tasks, the deployments or when the configuration changed', () => {
    expect(staleTasks({ ...app([task(1, BEFORE)]), tasks: undefined })).toBeUndefined();
    expect(staleTasks({ ...app([task(1, BEFORE)]), deployments: undefined })).toBeUndefined();
    expect(staleTasks({ ...app([task(1, BEFORE)]), versionInfo: {} })).toBeUndefined();
    expect(staleTasks({ ...app([task(1, BEFORE)]), versionInfo: { lastConfigChangeAt: 'yesterday' } })).toBeUndefined();
  });
});
