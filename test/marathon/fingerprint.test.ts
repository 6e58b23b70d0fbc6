// An app's fingerprint changes with everything maracker reads of it (the configuration
// through Marathon's version, the runtime fields status shows) and with nothing else.

import { describe, expect, it } from 'vitest';
import { appFingerprint } from '../../src/marathon/fingerprint.js';
import type { MarathonApp, MarathonTask } from '../../src/model/marathon.js';
import { marathonApp } from '../helpers/builders.js';

const task = (over: Partial<MarathonTask> = {}): MarathonTask => ({
  id: 'demo_web.1',
  appId: '/demo/web',
  host: 'a',
  ports: [31000],
  state: 'TASK_RUNNING',
  ...over,
});

describe('appFingerprint', () => {
  it('is the same for two reads of the same app', () => {
    expect(appFingerprint(marathonApp())).toBe(appFingerprint(structuredClone(marathonApp())));
  });

  it('has no fingerprint for an app without a version: never skipped on a guess', () => {
    const { version: _v, ...app } = marathonApp();
    expect(appFingerprint(app as MarathonApp)).toBeUndefined();
    expect(appFingerprint({ ...marathonApp(), version: '' })).toBeUndefined();
  });

  it('tells an absent app from every present one', () => {
    expect(appFingerprint(undefined)).toBe('absent');
  });

  const base = marathonApp({ tasks: [task()] });
  const changes: Array<[string, Partial<MarathonApp>]> = [
    ['a new version (any change of the configuration)', { version: '2030-01-01T00:00:00.000Z' }],
    ['the instance count', { instances: 9 }],
    ['the task counts', { tasksRunning: 1, tasksHealthy: 0 }],
    ['a deployment', { deployments: [{ id: 'd1' }] }],
    ['the last task failure', { lastTaskFailure: { timestamp: '2030-01-01T00:00:00.000Z', state: 'TASK_FAILED' } }],
    ["a task's state", { tasks: [task({ state: 'TASK_KILLING' })] }],
    ["a task's health", { tasks: [task({ healthCheckResults: [{ alive: false }] })] }],
    ["a task's host and ports", { tasks: [task({ host: 'b', ports: [31001] })] }],
    ["a task's addresses", { tasks: [task({ ipAddresses: [{ ipAddress: '10.0.0.9' }] })] }],
    ['another task', { tasks: [task(), task({ id: 'demo_web.2' })] }],
  ];
  for (const [what, over] of changes) {
    it(`changes with ${what}`, () => {
      expect(appFingerprint({ ...base, ...over })).not.toBe(appFingerprint(base));
    });
  }
});
