// The writer: one write under the global limits, in order (leadership, a deployment slot,
// the write rate, leadership again), and what each way a write can end means for the app.
// Every case asserts the exact Marathon calls: a write is sent once or not at all.

import { describe, expect, it } from 'vitest';
import type { Leadership } from '../../src/model/leadership.js';
import type { Action } from '../../src/model/plan.js';
import { planApp } from '../../src/plan/plan.js';
import { ActualCache } from '../../src/reconcile/actual-cache.js';
import { DeploymentGate } from '../../src/reconcile/deployment-gate.js';
import { TokenBucket } from '../../src/reconcile/token-bucket.js';
import { Writer, type WriteKind, type WriteOutcome } from '../../src/reconcile/writer.js';
import { desiredApp, marathonApp, TEST_INSTALLATION } from '../helpers/builders.js';
import { FakeMarathon, FakeMarathonError } from '../helpers/fake-marathon.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';

function setup(o: { max?: number; rate?: number; force?: boolean; confirmSources?: () => Promise<void> } = {}) {
  const clock = new ManualClock();
  const marathon = new FakeMarathon().seed(marathonApp());
  const gate = new DeploymentGate({ max: o.max ?? 4, timers: clock });
  const cache = new ActualCache();
  cache.replaceOwned([marathonApp()], clock.now(), () => true);
  let leader = true;
  const leadership: Leadership = { canWrite: async () => leader };
  const abort = new AbortController();
  const told: Array<[WriteKind, WriteOutcome['kind']]> = [];
  /** The calls Marathon had received when beforeWrite was told of each action. */
  const before: string[][] = [];
  const writer = new Writer({
    marathon,
    gate,
    bucket: new TokenBucket({ ratePerSecond: o.rate ?? 1000, timers: clock }),
    leadership,
    cache,
    timers: clock,
    force: o.force ?? false,
    lockRetryMs: 1000,
    signal: abort.signal,
    onWrite: (kind, outcome) => told.push([kind, outcome]),
    beforeWrite: () => before.push([...marathon.calls]),
    ...(o.confirmSources ? { confirmSources: o.confirmSources } : {}),
  });
  return {
    clock,
    marathon,
    gate,
    cache,
    writer,
    abort,
    told,
    before,
    setLeader: (l: boolean) => void (leader = l),
  };
}

const create = (): Action => ({ kind: 'create', id: '/demo/new', desired: desiredApp({ id: '/demo/new' }) });
const scale = (): Action => planApp(desiredApp({ instances: 5 }), marathonApp(), { installation: TEST_INSTALLATION });
const update = (): Action => planApp(desiredApp({ mem: 512 }), marathonApp(), { installation: TEST_INSTALLATION });
const remove = (): Action => ({ kind: 'delete', id: '/demo/web', actual: marathonApp() });
/** In sync, but one task runs the configuration before the last (a scale replaced its rolling restart). */
const restart = (): Action =>
  planApp(
    desiredApp(),
    marathonApp({
      versionInfo: { lastScalingAt: '2024-03-01T11:00:00.000Z', lastConfigChangeAt: '2024-03-01T10:00:00.000Z' },
      tasks: [{ id: 'demo_web.1', appId: '/demo/web', state: 'TASK_RUNNING', version: '2024-02-01T00:00:00.000Z' }],
    }),
    { installation: TEST_INSTALLATION },
  );

describe('Writer', () => {
  it.each([
    ['create', create, 'POST /demo/new'],
    ['scale', scale, 'SCALE /demo/web 5'],
    ['update', update, 'PUT /demo/web'],
    ['restart', restart, 'RESTART /demo/web'],
    ['delete', remove, 'DELETE /demo/web'],
  ] as const)('%s: one request, its deployment holding a slot, the cached app marked stale', async (kind, action, call) => {
    const t = setup();
    const outcome = await t.writer.write(action());
    expect(outcome).toEqual({ kind: 'applied', deploymentId: 'dep-1', version: '1970-01-01T00:00:00.000Z', at: '2026-03-02T08:00:00.000Z' });
    expect(t.marathon.calls).toEqual([call]);
    expect(t.before).toEqual([[]]);
    expect(t.gate.heldDeployments()).toEqual(['dep-1']);
    expect(t.told).toEqual([[kind, 'applied']]);
    if (kind !== 'create') expect(t.cache.get('/demo/web')?.stale).toBe(true);
  });

  it('overrides a running deployment only with force', async () => {
    const t = setup({ force: true });
    await t.writer.write(update());
    await t.writer.write(scale());
    expect(t.marathon.calls).toEqual(['PUT /demo/web force', 'SCALE /demo/web 5 force']);
  });

  it('writes nothing when another daemon leads, and takes no slot', async () => {
    const t = setup();
    t.setLeader(false);
    expect(await t.writer.write(update())).toEqual({ kind: 'not-leader' });
    expect(t.marathon.calls).toEqual([]);
    expect(t.gate.inFlight).toBe(0);
    expect(t.told).toEqual([['update', 'not-leader']]);
  });

  it('writes nothing once the daemon stops', async () => {
    const t = setup();
    t.abort.abort();
    expect(await t.writer.write(update())).toEqual({ kind: 'stopped' });
    expect(t.marathon.calls).toEqual([]);
  });

  it('answers no-slot without waiting when every deployment slot is taken', async () => {
    const t = setup({ max: 1 });
    t.gate.tryAcquire()?.bind('theirs');
    expect(await t.writer.write(update())).toEqual({ kind: 'no-slot', inFlight: 1, limit: 1 });
    expect(t.marathon.calls).toEqual([]);
  });

  it('checks leadership again after waiting for the write rate, and gives the slot back when it was lost', async () => {
    const t = setup({ rate: 1 });
    await t.writer.write(update());
    const second = t.writer.write(scale());
    await flush();
    expect(t.marathon.calls).toEqual(['PUT /demo/web']);
    t.setLeader(false);
    t.clock.advance(1000);
    expect(await second).toEqual({ kind: 'not-leader' });
    expect(t.marathon.calls).toEqual(['PUT /demo/web']);
    expect(t.gate.inFlight).toBe(1);
  });

  it('gives the slot back when the daemon stops while the write waits for the rate', async () => {
    const t = setup({ rate: 1 });
    await t.writer.write(update());
    const second = t.writer.write(scale());
    await flush();
    t.abort.abort();
    expect(await second).toEqual({ kind: 'stopped' });
    expect(t.marathon.calls).toEqual(['PUT /demo/web']);
    expect(t.gate.inFlight).toBe(1);
  });

  it('asks whether the write is still wanted once the rate lets it go, and sends nothing when it is not', async () => {
    const t = setup({ rate: 1 });
    await t.writer.write(update());
    let wanted = true;
    const asked: number[] = [];
    const second = t.writer.write(scale(), {
      stillWanted: () => {
        asked.push(t.clock.now());
        return wanted;
      },
    });
    await flush();
    // Waiting for the write rate: not asked yet, the answer would be stale by the time it is sent.
    expect(asked).toEqual([]);
    wanted = false;
    t.clock.advance(1000);
    expect(await second).toEqual({ kind: 'superseded' });
    expect(asked).toHaveLength(1);
    expect(t.marathon.calls).toEqual(['PUT /demo/web']);
    expect(t.before).toHaveLength(1);
    expect(t.gate.inFlight).toBe(1);
    expect(t.told).toEqual([
      ['update', 'applied'],
      ['scale', 'superseded'],
    ]);
  });

  it('confirms the sources once the waits are over, then asks whether the write is still wanted on what they say now', async () => {
    const order: string[] = [];
    let confirmed: () => void = () => undefined;
    let wanted = true;
    let hold = false;
    const t = setup({
      rate: 1,
      confirmSources: () => {
        if (!hold) return Promise.resolve();
        order.push(`confirm at ${t.clock.now()}`);
        // The check found the source gone: the view no longer declares the app.
        return new Promise<void>((resolve) => {
          confirmed = () => {
            wanted = false;
            resolve();
          };
        });
      },
    });
    await t.writer.write(update());
    hold = true;
    const second = t.writer.write(scale(), {
      stillWanted: () => {
        order.push('stillWanted');
        return wanted;
      },
    });
    await flush();
    expect(order).toEqual([]);
    t.clock.advance(1000);
    await flush();
    expect(order).toEqual(['confirm at 1772438401000']);
    confirmed();
    expect(await second).toEqual({ kind: 'superseded' });
    expect(order).toEqual(['confirm at 1772438401000', 'stillWanted']);
    expect(t.marathon.calls).toEqual(['PUT /demo/web']);
    expect(t.gate.inFlight).toBe(1);
  });

  it('sends nothing when the daemon stops while the sources are confirmed', async () => {
    let confirmed: () => void = () => undefined;
    const t = setup({ confirmSources: () => new Promise<void>((resolve) => (confirmed = resolve)) });
    const write = t.writer.write(create(), { stillWanted: () => true });
    await flush();
    t.abort.abort();
    confirmed();
    expect(await write).toEqual({ kind: 'stopped' });
    expect(t.marathon.calls).toEqual([]);
    expect(t.gate.inFlight).toBe(0);
  });

  describe('beforeSend (the prune guard counting a delete ahead)', () => {
    it('is not awaited for a write that is no longer wanted, and is asked again after it', async () => {
      const order: string[] = [];
      let wanted = false;
      const t = setup();
      const beforeSend = async () => {
        order.push('beforeSend');
        return undefined;
      };
      const stillWanted = () => {
        order.push(`stillWanted ${wanted}`);
        return wanted;
      };
      expect(await t.writer.write(remove(), { stillWanted, beforeSend })).toEqual({ kind: 'superseded' });
      expect(order).toEqual(['stillWanted false']);
      wanted = true;
      order.length = 0;
      expect((await t.writer.write(remove(), { stillWanted, beforeSend })).kind).toBe('applied');
      expect(order).toEqual(['stillWanted true', 'beforeSend', 'stillWanted true']);
      expect(t.marathon.calls).toEqual(['DELETE /demo/web']);
    });

    it('keeps the write from going out with the error it gives (retry), and sends nothing once stopped', async () => {
      const t = setup();
      const refused = { code: 'prune-waiting', message: 'not on record' };
      expect(await t.writer.write(remove(), { beforeSend: async () => refused })).toEqual({ kind: 'retry', error: refused });
      let recorded: () => void = () => undefined;
      const write = t.writer.write(remove(), { beforeSend: () => new Promise((r) => (recorded = () => r(undefined))) });
      await flush();
      t.abort.abort();
      recorded();
      expect(await write).toEqual({ kind: 'stopped' });
      expect(t.marathon.calls).toEqual([]);
      expect(t.gate.inFlight).toBe(0);
    });
  });

  it('sends a write that is still wanted', async () => {
    const t = setup();
    expect((await t.writer.write(create(), { stillWanted: () => true })).kind).toBe('applied');
    expect(t.marathon.calls).toEqual(['POST /demo/new']);
  });

  it.each<[string, unknown, WriteOutcome]>([
    [
      'a deployment lock: again after lockRetryMs',
      new FakeMarathonError('MRK_MARATHON_DEPLOYMENT_LOCKED', 'locked'),
      { kind: 'retry', error: { code: 'MRK_MARATHON_DEPLOYMENT_LOCKED', message: 'locked' }, afterMs: 1000, sent: true },
    ],
    [
      '"already exists" (a contradiction): re-read at once',
      new FakeMarathonError('MRK_MARATHON_ALREADY_EXISTS', 'exists'),
      { kind: 'retry', error: { code: 'MRK_MARATHON_ALREADY_EXISTS', message: 'exists' }, afterMs: 0, sent: true },
    ],
    [
      '"not found" (a contradiction): re-read at once',
      new FakeMarathonError('MRK_MARATHON_NOT_FOUND', 'gone'),
      { kind: 'retry', error: { code: 'MRK_MARATHON_NOT_FOUND', message: 'gone' }, afterMs: 0, sent: true },
    ],
    [
      'a 422: rejected until the input changes',
      new FakeMarathonError('MRK_MARATHON_VALIDATION', 'invalid'),
      { kind: 'rejected', error: { code: 'MRK_MARATHON_VALIDATION', message: 'invalid' }, sent: true },
    ],
    [
      'a timeout: backed off, never sent again as it was',
      new FakeMarathonError('MRK_MARATHON_TIMEOUT', 'timeout'),
      { kind: 'retry', error: { code: 'MRK_MARATHON_TIMEOUT', message: 'timeout' }, sent: true },
    ],
    [
      'a 503: backed off',
      new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'),
      { kind: 'retry', error: { code: 'MRK_MARATHON_SERVER_ERROR', message: '503' }, sent: true },
    ],
    [
      'a 401: backed off (credentials are fixed outside any input)',
      new FakeMarathonError('MRK_MARATHON_UNAUTHORIZED', 'who?'),
      { kind: 'retry', error: { code: 'MRK_MARATHON_UNAUTHORIZED', message: 'who?' }, sent: true },
    ],
    [
      'another 409: backed off',
      new FakeMarathonError('MRK_MARATHON_CONFLICT', 'port'),
      { kind: 'retry', error: { code: 'MRK_MARATHON_CONFLICT', message: 'port' }, sent: true },
    ],
    ['a bug: backed off', new TypeError('x is undefined'), { kind: 'retry', error: { message: 'x is undefined' }, sent: true }],
    [
      'a connection refused: backed off, and it never went out',
      Object.assign(new FakeMarathonError('MRK_MARATHON_CONNECTION', 'refused'), { systemCode: 'ECONNREFUSED' }),
      { kind: 'retry', error: { code: 'MRK_MARATHON_CONNECTION', message: 'refused' } },
    ],
  ])('a write refused by %s, sent once, its slot given back', async (_what, err, outcome) => {
    const t = setup();
    t.marathon.failNext('PUT /demo/web', err);
    expect(await t.writer.write(update())).toEqual(outcome);
    expect(t.marathon.calls).toEqual(['PUT /demo/web']);
    expect(t.gate.inFlight).toBe(0);
    expect(t.told).toEqual([['update', outcome.kind]]);
  });

  it("halves the gate's limit when Marathon answers with its deployment cap, and backs off", async () => {
    const t = setup({ max: 8 });
    t.marathon.failNext('POST /demo/new', new FakeMarathonError('MRK_MARATHON_DEPLOYMENT_CAP', 'too many'));
    expect(await t.writer.write(create())).toEqual({ kind: 'retry', error: { code: 'MRK_MARATHON_DEPLOYMENT_CAP', message: 'too many' }, sent: true });
    expect(t.gate.limit).toBe(4);
    expect(t.marathon.calls).toEqual(['POST /demo/new']);
  });

  it('refuses what is no write', async () => {
    const t = setup();
    const noop = planApp(desiredApp(), marathonApp(), { installation: TEST_INSTALLATION });
    expect(noop.kind).toBe('noop');
    await expect(t.writer.write(noop)).rejects.toThrow('not a write: noop');
    expect(t.marathon.calls).toEqual([]);
  });
});
