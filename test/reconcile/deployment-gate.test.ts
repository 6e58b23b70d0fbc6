import { describe, expect, it } from 'vitest';
import { DeploymentGate } from '../../src/reconcile/deployment-gate.js';
import { FakeMarathon, FakeMarathonError } from '../helpers/fake-marathon.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';

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

describe('DeploymentGate with Marathon, on a clock the test drives', () => {
  function setup(o: { max?: number; pollMs?: number; timeoutMs?: number } = {}) {
    const clock = new ManualClock();
    const marathon = new FakeMarathon();
    const log = recordingLogger();
    const admitted: string[] = [];
    const gate = new DeploymentGate({
      max: o.max ?? 2,
      timers: clock,
      marathon,
      pollMs: o.pollMs ?? 1000,
      timeoutMs: o.timeoutMs ?? 600_000,
      admit: (id) => admitted.push(id),
      logger: log.logger,
    });
    const advance = async (ms: number): Promise<void> => {
      clock.advance(ms);
      await flush();
    };
    return { clock, marathon, log, admitted, gate, advance };
  }

  it("lists Marathon's deployments every pollMs while it holds one, and not once it holds none", async () => {
    const { marathon, gate, clock, advance } = setup();
    expect(clock.pending).toBe(0);
    marathon.deployments = [{ id: 'dep-1', version: 'v', affectedApps: ['/a'] }];
    gate.tryAcquire()?.bind('dep-1');
    await advance(999);
    expect(marathon.calls).toEqual([]);
    await advance(1);
    expect(marathon.calls).toEqual(['GET /v2/deployments']);
    expect(gate.heldDeployments()).toEqual(['dep-1']);
    marathon.deployments = [];
    await advance(1000);
    expect(marathon.calls).toEqual(['GET /v2/deployments', 'GET /v2/deployments']);
    expect(gate.inFlight).toBe(0);
    await advance(60_000);
    expect(marathon.calls).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it('lists nothing when asked to poll while it holds no deployment', async () => {
    const { marathon, gate } = setup();
    await gate.poll();
    expect(marathon.calls).toEqual([]);
  });

  it('hands waiting apps back as slots free, oldest first, as many as are free', async () => {
    const { gate, admitted, marathon, advance } = setup({ max: 2 });
    marathon.deployments = [
      { id: 'd1', version: 'v', affectedApps: [] },
      { id: 'd2', version: 'v', affectedApps: [] },
    ];
    gate.tryAcquire()?.bind('d1');
    gate.tryAcquire()?.bind('d2');
    for (const id of ['/a', '/b', '/c']) gate.wait(id);
    // Waiting again (it lost the race for the slot) goes to the back.
    gate.wait('/a');
    gate.settle('d1');
    expect(admitted).toEqual(['/b']);
    // /b's reconcile runs again and takes the slot.
    gate.tryAcquire()?.bind('d-b');
    marathon.deployments = [{ id: 'd-b', version: 'v', affectedApps: [] }];
    // A lost event: the poll finds d2 gone, which frees its slot.
    await advance(1000);
    expect(admitted).toEqual(['/b', '/c']);
    // /c's write fails and starts no deployment: its slot goes to the next waiter.
    gate.tryAcquire()?.cancel();
    expect(admitted).toEqual(['/b', '/c', '/a']);
  });

  it('stops counting a deployment still running after timeoutMs, says which apps it holds, and frees its slot', async () => {
    const { gate, marathon, admitted, log, advance } = setup({ max: 1, pollMs: 1000, timeoutMs: 5000 });
    marathon.deployments = [{ id: 'stuck', version: 'v', affectedApps: ['/demo/a'] }];
    gate.tryAcquire()?.bind('stuck');
    gate.wait('/demo/b');
    for (let i = 0; i < 4; i++) await advance(1000);
    expect(gate.heldDeployments()).toEqual(['stuck']);
    expect(admitted).toEqual([]);
    await advance(1000);
    expect(gate.heldDeployments()).toEqual([]);
    expect(admitted).toEqual(['/demo/b']);
    expect(log.lines().filter((l) => l.level === 40)).toEqual([
      expect.objectContaining({
        deploymentId: 'stuck',
        apps: ['/demo/a'],
        msg: 'Marathon deployment stuck still running after 5 s: no longer counted against --max-deployments',
      }),
    ]);
    expect(marathon.calls).toEqual(Array(5).fill('GET /v2/deployments'));
  });

  it('keeps its slots when the deployments cannot be listed, and tries again at the next poll', async () => {
    const { gate, marathon, advance } = setup();
    gate.tryAcquire()?.bind('d1');
    marathon.failNext('DEPLOYMENTS', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    await advance(1000);
    expect(gate.heldDeployments()).toEqual(['d1']);
    await advance(1000);
    expect(gate.heldDeployments()).toEqual([]);
    expect(marathon.calls).toEqual(['GET /v2/deployments', 'GET /v2/deployments']);
  });

  it('remembers why the latest deployment of each app failed, until one of its deployments succeeds', () => {
    const { gate } = setup();
    gate.tryAcquire()?.bind('d1');
    gate.ended('d1', false, ['/a', '/b']);
    expect(gate.inFlight).toBe(0);
    expect(gate.failureOf('/a')).toBe('Marathon deployment d1 failed');
    expect(gate.failureOf('/b')).toBe('Marathon deployment d1 failed');
    gate.ended('d2', true, ['/a']);
    expect(gate.failureOf('/a')).toBeUndefined();
    expect(gate.failureOf('/b')).toBe('Marathon deployment d1 failed');
  });

  it("forgets an app's failed deployment once maracker starts another of it", () => {
    const { gate } = setup();
    gate.ended('d1', false, ['/a']);
    gate.started('/a');
    expect(gate.failureOf('/a')).toBeUndefined();
    // Its new deployment can fail in turn.
    gate.ended('d2', false, ['/a']);
    expect(gate.failureOf('/a')).toBe('Marathon deployment d2 failed');
  });

  it.each([
    ['after the write is in', ['started', 'ended']],
    ['before the write is answered', ['ended', 'started']],
  ])('takes no failure from a deployment maracker replaced (force), told %s, and still frees its slot', (_when, order) => {
    const { gate } = setup();
    gate.tryAcquire()?.bind('stuck');
    for (const step of order) {
      if (step === 'started') gate.started('/a', ['stuck']);
      else gate.ended('stuck', false, ['/a']);
    }
    expect(gate.failureOf('/a')).toBeUndefined();
    expect(gate.inFlight).toBe(0);
    // Only that one: another deployment's failure still counts.
    gate.ended('other', false, ['/a']);
    expect(gate.failureOf('/a')).toBe('Marathon deployment other failed');
  });

  it('neither polls nor hands back waiters once stopped', async () => {
    const { gate, marathon, admitted, clock, advance } = setup({ max: 1 });
    gate.tryAcquire()?.bind('d1');
    gate.wait('/a');
    gate.stop();
    expect(clock.pending).toBe(0);
    gate.settle('d1');
    await advance(10_000);
    expect(admitted).toEqual([]);
    expect(marathon.calls).toEqual([]);
  });

  it('checks its polling options', () => {
    expect(() => new DeploymentGate({ max: 1, pollMs: 0 })).toThrow('Expected `pollMs` to be a number above 0, got `0`');
    expect(() => new DeploymentGate({ max: 1, timeoutMs: -1 })).toThrow('Expected `timeoutMs` to be a number above 0, got `-1`');
  });
});
