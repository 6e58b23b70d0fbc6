import { describe, expect, it } from 'vitest';
import { DeploymentGate } from '../../src/reconcile/deployment-gate.js';

describe('DeploymentGate', () => {
  it('holds a slot per running deployment and admits waiters when one finishes', async () => {
    const gate = new DeploymentGate({ max: 2 });
    const a = await gate.acquire();
    const b = await gate.acquire();
    a?.bind('dep-a');
    b?.bind('dep-b');
    let third = false;
    const waiting = gate.acquire().then((t) => ((third = true), t));
    await Promise.resolve();
    expect(third).toBe(false);
    expect(gate.inFlight).toBe(2);
    gate.settle('dep-a');
    (await waiting)?.bind('dep-c');
    expect(third).toBe(true);
    expect(gate.heldDeployments().sort()).toEqual(['dep-b', 'dep-c']);
    expect(gate.peak).toBe(2);
  });

  it('frees the slot of a write that started no deployment', async () => {
    const gate = new DeploymentGate({ max: 1 });
    (await gate.acquire())?.cancel();
    expect(gate.inFlight).toBe(0);
    expect(await gate.acquire()).toBeDefined();
  });

  it('frees deployments Marathon no longer lists, since events can be lost', async () => {
    const gate = new DeploymentGate({ max: 3 });
    for (const id of ['d1', 'd2', 'd3']) (await gate.acquire())?.bind(id);
    gate.syncActive(new Set(['d2']));
    expect(gate.heldDeployments()).toEqual(['d2']);
  });

  it('halves its limit when Marathon refuses with its cap, then grows back one step per limit successes', async () => {
    const gate = new DeploymentGate({ max: 8 });
    gate.capExceeded();
    expect(gate.limit).toBe(4);
    gate.capExceeded();
    gate.capExceeded();
    gate.capExceeded();
    expect(gate.limit).toBe(1);
    (await gate.acquire())?.bind('x');
    gate.settle('x');
    expect(gate.limit).toBe(2);
    for (const id of ['y', 'z']) {
      (await gate.acquire())?.bind(id);
      gate.settle(id);
    }
    expect(gate.limit).toBe(3);
  });

  it('lets an aborted waiter go without taking a slot', async () => {
    const gate = new DeploymentGate({ max: 1 });
    (await gate.acquire())?.bind('d');
    const ac = new AbortController();
    const w = gate.acquire(ac.signal);
    ac.abort();
    expect(await w).toBeUndefined();
    gate.settle('d');
    expect(gate.inFlight).toBe(0);
  });
});
