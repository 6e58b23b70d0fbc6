// Marathon's event stream as a trigger: it only says which apps to look at again.

import { describe, expect, it } from 'vitest';
import type { MarathonEvent } from '../../src/model/marathon.js';
import { ActualCache } from '../../src/reconcile/actual-cache.js';
import { DeploymentGate } from '../../src/reconcile/deployment-gate.js';
import { appIdsOfEvent, EVENT_IDLE_TIMEOUT_MS, EventTrigger, RECONCILE_EVENT_TYPES } from '../../src/reconcile/event-trigger.js';
import type { MarathonEvents } from '../../src/reconcile/ports.js';
import { StatusStore } from '../../src/status/store.js';
import { marathonApp } from '../helpers/builders.js';
import { FakeMarathon } from '../helpers/fake-marathon.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { ManualClock } from '../helpers/manual-clock.js';

function setup(o: { marathon?: MarathonEvents; declared?: string[] } = {}) {
  const marathon = new FakeMarathon();
  const clock = new ManualClock();
  const cache = new ActualCache();
  const status = new StatusStore({ instance: 't', marathonUrl: 'http://marathon' });
  const gate = new DeploymentGate({ max: 2, timers: clock });
  const looked: string[] = [];
  const resyncs: string[] = [];
  let gaps = 0;
  const log = recordingLogger();
  const trigger = new EventTrigger({
    marathon: o.marathon ?? marathon,
    gate,
    cache,
    status,
    declared: (id) => (o.declared ?? []).includes(id),
    look: (id) => looked.push(id),
    resync: (reason) => resyncs.push(reason),
    gap: () => gaps++,
    logger: log.logger,
  });
  trigger.start();
  return { marathon, cache, status, gate, trigger, looked, resyncs, log, gaps: () => gaps };
}

describe('EventTrigger', () => {
  it('subscribes to the events a reconcile cares about, reconnecting after a minute of silence', () => {
    const subscriptions: Array<Parameters<MarathonEvents['events']>[0]> = [];
    setup({ marathon: { events: (opts) => (subscriptions.push(opts), { close: async () => undefined }) } });
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({ eventTypes: [...RECONCILE_EVENT_TYPES], idleTimeoutMs: EVENT_IDLE_TIMEOUT_MS });
    expect(subscriptions[0]?.maxEventBytes).toBeUndefined();
  });

  it('marks an app maracker knows stale and looks at it again; an app it does not know is none of its business', () => {
    const t = setup();
    t.cache.replaceOwned([marathonApp({ id: '/cached' })], 0, () => true);
    t.status.setApp({
      id: '/reported',
      source: null,
      sync: 'Synced',
      health: 'Healthy',
      instances: { desired: 1, running: 1, healthy: 1 },
      url: null,
      lastAppliedAt: null,
      lastError: null,
      pendingChanges: [],
      problems: [],
      tasks: [],
      route: null,
    });
    for (const id of ['/cached', '/reported', '/someone/else']) t.marathon.emit({ eventType: 'api_post_event', appDefinition: { id } });
    expect(t.looked).toEqual(['/cached', '/reported']);
    expect(t.cache.get('/cached')?.stale).toBe(true);
    expect(t.cache.get('/someone/else')).toBeUndefined();
  });

  it('looks at an app a source declares before maracker has read it: the events of an app it just created can come first', () => {
    const t = setup({ declared: ['/new'] });
    t.marathon.emit({ eventType: 'deployment_success', plan: { id: 'dep-9', steps: [{ actions: [{ action: 'StartApplication', app: '/new' }] }] } });
    t.marathon.emit({ eventType: 'status_update_event', appId: '/new', taskStatus: 'TASK_RUNNING' });
    expect(t.looked).toEqual(['/new', '/new']);
  });

  it('frees the slot of a deployment that ended, and tells the gate which apps a failed one touched', () => {
    const t = setup();
    t.gate.tryAcquire()?.bind('dep-1');
    t.gate.tryAcquire()?.bind('dep-2');
    t.marathon.emit({ eventType: 'deployment_failed', plan: { id: 'dep-1', steps: [{ actions: [{ action: 'ScaleApplication', app: '/demo/a' }] }] } });
    expect(t.gate.heldDeployments()).toEqual(['dep-2']);
    expect(t.gate.failureOf('/demo/a')).toBe('Marathon deployment dep-1 failed');
    t.marathon.emit({ eventType: 'deployment_success', plan: { id: 'dep-2', steps: [{ actions: [{ action: 'ScaleApplication', app: '/demo/a' }] }] } });
    expect(t.gate.heldDeployments()).toEqual([]);
    expect(t.gate.failureOf('/demo/a')).toBeUndefined();
  });

  it('resyncs on a gap (events were lost), and counts it', () => {
    const t = setup();
    t.marathon.gap('stream reconnected');
    expect(t.resyncs).toEqual(['event gap: stream reconnected']);
    expect(t.gaps()).toBe(1);
    expect(t.log.messages()).toContain('event stream gap: resyncing');
  });

  it('closes its subscription', async () => {
    const t = setup();
    await t.trigger.close();
    t.cache.replaceOwned([marathonApp()], 0, () => true);
    t.marathon.emit({ eventType: 'api_post_event', appDefinition: { id: '/demo/web' } });
    expect(t.looked).toEqual([]);
  });
});

describe('appIdsOfEvent', () => {
  it.each<[string, MarathonEvent, string[]]>([
    ['appId (status_update_event, health events)', { eventType: 'status_update_event', appId: '/a' }, ['/a']],
    ['appDefinition.id (api_post_event)', { eventType: 'api_post_event', appDefinition: { id: '/a' } }, ['/a']],
    [
      'the actions of plan.steps (deployment events)',
      { eventType: 'deployment_info', plan: { id: 'p', steps: [{ actions: [{ app: '/a' }, { app: '/b' }] }, { actions: [{ app: '/c' }] }] } },
      ['/a', '/b', '/c'],
    ],
    [
      'plan.original and plan.target (a deleted app is only in the original)',
      { eventType: 'deployment_success', plan: { id: 'p', original: { apps: [{ id: '/gone' }] }, target: { apps: [{ id: '/new' }] } } },
      ['/gone', '/new'],
    ],
    ['currentStep (deployment_step_success)', { eventType: 'deployment_step_success', currentStep: { actions: [{ app: '/a' }] } }, ['/a']],
    ['nothing usable', { eventType: 'deployment_info', plan: { steps: 'not a list' }, appDefinition: { id: 7 } }, []],
  ])('reads %s', (_what, event, ids) => {
    expect([...appIdsOfEvent(event)].sort()).toEqual(ids);
  });
});
