import { describe, expect, it } from 'vitest';
import { DeploymentGate } from '../../src/reconcile/deployment-gate.js';
import { ManualClock } from '../helpers/manual-clock.js';

describe('DeploymentGate', () => {
  it('holds a slot per running deployment and refuses more than the limit without waiting', () => {
    const gate = new DeploymentGate({ max: 2 });
    gate.tryAcquire()?.bind('dep-a');
    gate.tryAcquire()?.bind('dep-b');
    expect(gate.tryAcquire()).toBeUndefined();
    expect(gate.inFlight).toBe(2);
    expect(gate.free).toBe(0);
    gate.settle('dep-a');
    gate.tryAcquire()?.bind('dep-c');
    expect(gate.heldDeployments().sort()).toEqual(['dep-b', 'dep-c']);
    expect(gate.peak).toBe(2);
  });

  it('tells listeners when a slot frees, so waiting apps can be re-queued', () => {
    const gate = new DeploymentGate({ max: 1 });
    let told = 0;
    gate.onFree(() => told++);
    gate.tryAcquire()?.bind('d');
    gate.settle('d');
    expect(told).toBe(1);
    gate.tryAcquire()?.cancel();
    expect(told).toBe(2);
  });

  it('frees the slot of a write that started no deployment', () => {
    const gate = new DeploymentGate({ max: 1 });
    gate.tryAcquire()?.cancel();
    expect(gate.inFlight).toBe(0);
    expect(gate.tryAcquire()).toBeDefined();
  });

  it('frees deployments Marathon no longer lists, since events can be lost', () => {
    const gate = new DeploymentGate({ max: 3 });
    for (const id of ['d1', 'd2', 'd3']) gate.tryAcquire()?.bind(id);
    gate.syncActive(new Set(['d2']));
    expect(gate.heldDeployments()).toEqual(['d2']);
  });

  it('halves its limit when Marathon refuses with its cap, then grows back one step per limit successes', () => {
    const gate = new DeploymentGate({ max: 8 });
    gate.capExceeded();
    expect(gate.limit).toBe(4);
    gate.capExceeded();
    gate.capExceeded();
    gate.capExceeded();
    expect(gate.limit).toBe(1);
    gate.tryAcquire()?.bind('x');
    gate.settle('x');
    expect(gate.limit).toBe(2);
    for (const id of ['y', 'z']) {
      gate.tryAcquire()?.bind(id);
      gate.settle(id);
    }
    expect(gate.limit).toBe(3);
  });

  it('checks its options', () => {
    expect(() => new DeploymentGate({ max: 0 })).toThrow('Expected `max` to be an integer from 1 and up, got `0`');
  });
});

describe('DeploymentGate and deployments that never finish', () => {
  it('stops counting a deployment older than the timeout, and frees its slot', () => {
    const clock = new ManualClock();
    const gate = new DeploymentGate({ max: 1, timers: clock });
    let told = 0;
    gate.onFree(() => told++);
    gate.tryAcquire()?.bind('stuck');
    clock.advance(599_999);
    expect(gate.expire(600_000)).toEqual([]);
    expect(gate.tryAcquire()).toBeUndefined();
    clock.advance(1);
    expect(gate.expire(600_000)).toEqual(['stuck']);
    expect(told).toBe(1);
    expect(gate.tryAcquire()).toBeDefined();
  });
});
