// The pace of the looks at an app waiting on Marathon: the delay doubles while it keeps
// waiting, up to the longest, and starts over once it stops waiting.

import { describe, expect, it } from 'vitest';
import { ProgressPace } from '../../src/reconcile/progress-pace.js';

describe('ProgressPace', () => {
  it('doubles the delay at each look in a row, up to the longest', () => {
    const pace = new ProgressPace(1000, 10_000);
    expect(Array.from({ length: 6 }, () => pace.next('/a'))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('keeps each app apart, and forgets an app that stopped waiting', () => {
    const pace = new ProgressPace(500, 4000);
    pace.next('/a');
    pace.next('/a');
    expect(pace.next('/b')).toBe(500);
    expect(pace.size).toBe(2);
    pace.reset('/a');
    expect(pace.size).toBe(1);
    expect(pace.next('/a')).toBe(500);
  });

  it('stays at the longest delay however long an app waits (no overflow)', () => {
    const pace = new ProgressPace(1, 60_000);
    let last = 0;
    for (let i = 0; i < 5000; i++) last = pace.next('/a');
    expect(last).toBe(60_000);
  });

  it('is a fixed delay when the longest is the first', () => {
    const pace = new ProgressPace(1000, 1000);
    expect([pace.next('/a'), pace.next('/a'), pace.next('/a')]).toEqual([1000, 1000, 1000]);
  });

  it.each([
    [0, 1000],
    [Number.NaN, 1000],
    [1000, 999],
    [1000, Number.POSITIVE_INFINITY],
  ])('refuses first %s and longest %s', (first, max) => {
    expect(() => new ProgressPace(first, max)).toThrow(TypeError);
  });
});
