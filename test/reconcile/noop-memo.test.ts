// The memo of apps found in sync: a hit only when every input is the very same, and never
// for longer than its maximum age (the backstop that plans everything again).

import { describe, expect, it } from 'vitest';
import { NoopMemo, type NoopInputs } from '../../src/reconcile/noop-memo.js';
import type { AppStatus } from '../../src/status/model.js';
import { desiredApp } from '../helpers/builders.js';
import { ManualClock } from '../helpers/manual-clock.js';

const ID = '/demo/web';
const inputs = (): NoopInputs => ({ desired: desiredApp(), actual: 'fp1', marathonKnown: true, deploymentFailure: undefined, record: { id: ID } as AppStatus });

describe('NoopMemo', () => {
  it('answers unchanged for the very same inputs, and counts it', () => {
    const memo = new NoopMemo(new ManualClock());
    const i = inputs();
    expect(memo.unchanged(ID, i)).toBe(false);
    memo.remember(ID, i);
    expect(memo.unchanged(ID, { ...i })).toBe(true);
    expect(memo.counts).toEqual({ hits: 1, misses: 1 });
  });

  const moved: Array<[string, (i: NoopInputs) => Partial<NoopInputs>]> = [
    ['another declaration object, even an equal one', () => ({ desired: desiredApp() })],
    ["another fingerprint of Marathon's app", () => ({ actual: 'fp2' })],
    ['no fingerprint at all', () => ({ actual: undefined })],
    ['Marathon unknown', () => ({ marathonKnown: false })],
    ['a failed deployment', () => ({ deploymentFailure: 'Marathon deployment d1 failed' })],
    ['another status record (someone else wrote it)', (i) => ({ record: { ...(i.record as AppStatus) } })],
  ];
  for (const [what, change] of moved) {
    it(`does the work again for ${what}, and forgets the entry`, () => {
      const memo = new NoopMemo(new ManualClock());
      const i = inputs();
      memo.remember(ID, i);
      expect(memo.unchanged(ID, { ...i, ...change(i) })).toBe(false);
      expect(memo.unchanged(ID, i)).toBe(false);
    });
  }

  it('never remembers an app without a fingerprint', () => {
    const memo = new NoopMemo(new ManualClock());
    const i = { ...inputs(), actual: undefined };
    memo.remember(ID, i);
    expect(memo.unchanged(ID, i)).toBe(false);
  });

  it('does the work again once the entry reaches its maximum age', () => {
    const clock = new ManualClock();
    const memo = new NoopMemo(clock, 1000);
    const i = inputs();
    memo.remember(ID, i);
    clock.advance(999);
    expect(memo.unchanged(ID, i)).toBe(true);
    clock.advance(1);
    expect(memo.unchanged(ID, i)).toBe(false);
  });

  it('gives the same verdict before a key is queued: a hit counts, a miss forgets the entry and is left for the reconcile to count', () => {
    const memo = new NoopMemo(new ManualClock());
    const i = inputs();
    memo.remember(ID, i);
    expect(memo.unchangedBeforeQueue(ID, { ...i })).toBe(true);
    expect(memo.counts).toEqual({ hits: 1, misses: 0 });
    expect(memo.unchangedBeforeQueue(ID, { ...i, marathonKnown: false })).toBe(false);
    expect(memo.counts).toEqual({ hits: 1, misses: 0 });
    // Forgotten: the reconcile that follows plans, even with the inputs as they were.
    expect(memo.unchanged(ID, i)).toBe(false);
    expect(memo.counts).toEqual({ hits: 1, misses: 1 });
  });

  it('answers before queueing exactly as unchanged does, at its maximum age too', () => {
    const clock = new ManualClock();
    const memo = new NoopMemo(clock, 1000);
    const i = inputs();
    memo.remember(ID, i);
    clock.advance(999);
    expect(memo.unchangedBeforeQueue(ID, i)).toBe(true);
    clock.advance(1);
    expect(memo.unchangedBeforeQueue(ID, i)).toBe(false);
  });

  it('forgets an app on request', () => {
    const memo = new NoopMemo(new ManualClock());
    const i = inputs();
    memo.remember(ID, i);
    memo.forget(ID);
    expect(memo.unchanged(ID, i)).toBe(false);
  });
});
