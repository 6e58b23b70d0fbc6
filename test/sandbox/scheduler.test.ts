import { describe, expect, it } from 'vitest';
import { converged, decide, killOrder, scaled } from '../../src/sandbox/scheduler.js';
import type { Task } from '../../src/sandbox/tasks.js';

let seq = 0;
function task(config: string, opts: { ready?: boolean; staged?: number; killing?: boolean } = {}): Task {
  seq++;
  return {
    id: `t${seq}`,
    instanceId: `i${seq}`,
    incarnation: 1,
    appId: '/a',
    version: config,
    configVersion: config,
    host: 'h',
    slaveId: 's',
    ports: [],
    servicePorts: [],
    role: '*',
    healthChecks: [],
    state: opts.ready === false ? 'TASK_STAGING' : 'TASK_RUNNING',
    stagedAt: '',
    stagedAtMs: opts.staged ?? seq,
    health: [],
    killRequested: opts.killing ?? false,
  };
}

const base = { configVersion: 'v2', replacing: true, minimumHealthCapacity: 1, maximumOverCapacity: 1, killSelection: 'YOUNGEST_FIRST' };

describe('decide', () => {
  it('launches the missing tasks of a new or scaled-up app', () => {
    expect(decide({ ...base, target: 3, tasks: [task('v2')] })).toEqual({ launch: 2, kill: [] });
  });

  it('scales down by killing not-ready tasks first, then the youngest', () => {
    const old = task('v2', { staged: 1 });
    const young = task('v2', { staged: 5 });
    const staging = task('v2', { ready: false, staged: 3 });
    expect(decide({ ...base, target: 1, tasks: [old, young, staging] }).kill).toEqual([staging, young]);
    expect(decide({ ...base, target: 1, killSelection: 'OLDEST_FIRST', tasks: [old, young] }).kill).toEqual([old]);
  });

  it('ignores tasks already being killed', () => {
    expect(decide({ ...base, target: 1, tasks: [task('v2', { killing: true })] })).toEqual({ launch: 1, kill: [] });
  });

  it('rolls a config change: starts the new tasks first, kills the old ones once they are ready', () => {
    const old = [task('v1'), task('v1')];
    expect(decide({ ...base, target: 2, tasks: old })).toEqual({ launch: 2, kill: [] });
    const starting = [task('v2', { ready: false }), task('v2', { ready: false })];
    expect(decide({ ...base, target: 2, tasks: [...old, ...starting] })).toEqual({ launch: 0, kill: [] });
    const ready = [task('v2'), task('v2')];
    expect(decide({ ...base, target: 2, tasks: [...old, ...ready] })).toEqual({ launch: 0, kill: old });
  });

  it('keeps ceil(target * minimumHealthCapacity) ready tasks and at most target * (1 + maximumOverCapacity)', () => {
    const old = [task('v1', { staged: 1 }), task('v1', { staged: 2 }), task('v1', { staged: 3 }), task('v1', { staged: 4 })];
    const d = decide({ ...base, target: 4, minimumHealthCapacity: 0.5, maximumOverCapacity: 0, tasks: old });
    expect(d.kill).toEqual([old[3], old[2]]);
    expect(d.launch).toBe(2);
  });

  it('still makes progress with minimumHealthCapacity 1 and maximumOverCapacity 0', () => {
    const d = decide({ ...base, target: 2, maximumOverCapacity: 0, tasks: [task('v1'), task('v1')] });
    expect(d).toEqual({ launch: 1, kill: [] });
  });
});

describe('decide outside a restart (a scale, or the launch queue between deployments)', () => {
  const scale = { ...base, replacing: false };

  it('counts tasks of an older configuration and leaves them running: a scale forced over a rolling restart', () => {
    const old = [task('v1'), task('v1')];
    const current = task('v2');
    expect(decide({ ...scale, target: 3, tasks: [...old, current] })).toEqual({ launch: 0, kill: [] });
    expect(decide({ ...scale, target: 5, tasks: [...old, current] })).toEqual({ launch: 2, kill: [] });
  });

  it('scales down over every task, by readiness then killSelection, whatever its configuration', () => {
    const old = task('v1', { staged: 1 });
    const current = task('v2', { staged: 2 });
    const starting = task('v2', { ready: false, staged: 3 });
    expect(decide({ ...scale, target: 1, tasks: [old, current, starting] }).kill).toEqual([starting, current]);
    expect(decide({ ...scale, target: 1, killSelection: 'OLDEST_FIRST', tasks: [old, current] }).kill).toEqual([old]);
  });

  it('replaces a lost task with one of the current configuration (what launches is always current)', () => {
    expect(decide({ ...scale, target: 2, tasks: [task('v1')] })).toEqual({ launch: 1, kill: [] });
  });
});

describe('scaled', () => {
  it('holds when exactly target ready tasks run, of any configuration', () => {
    expect(scaled({ target: 2, tasks: [task('v1'), task('v2')] })).toBe(true);
    expect(scaled({ target: 2, tasks: [task('v1'), task('v2', { ready: false })] })).toBe(false);
    expect(scaled({ target: 1, tasks: [task('v1'), task('v2')] })).toBe(false);
    expect(scaled({ target: 1, tasks: [task('v2', { killing: true })] })).toBe(false);
  });
});

describe('converged', () => {
  it('holds when exactly target ready tasks of the current config run', () => {
    expect(converged({ target: 1, configVersion: 'v2', tasks: [task('v2')] })).toBe(true);
    expect(converged({ target: 1, configVersion: 'v2', tasks: [task('v1')] })).toBe(false);
    expect(converged({ target: 1, configVersion: 'v2', tasks: [task('v2', { ready: false })] })).toBe(false);
    expect(converged({ target: 0, configVersion: 'v2', tasks: [] })).toBe(true);
  });
});

describe('killOrder', () => {
  it('orders by readiness, then by age according to killSelection', () => {
    const a = task('v', { staged: 1 });
    const b = task('v', { staged: 2 });
    expect(killOrder([a, b], 'YOUNGEST_FIRST')).toEqual([b, a]);
    expect(killOrder([a, b], 'OLDEST_FIRST')).toEqual([a, b]);
  });
});
