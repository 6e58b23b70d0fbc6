// How long each app has been seen waiting on Marathon (a deployment, tasks it is short of), on maracker's clock.

import { describe, expect, it } from 'vitest';
import { WaitAges } from '../../src/reconcile/wait-ages.js';

describe('WaitAges', () => {
  it('counts from the first read that showed the deployment, and forgets the app once none runs', () => {
    const ages = new WaitAges();
    expect(ages.observe('/a', ['d1'], 1000)).toBe(0);
    expect(ages.observe('/a', ['d1'], 61_000)).toBe(60_000);
    expect(ages.observe('/a', [], 62_000)).toBeUndefined();
    expect(ages.size).toBe(0);
    // A later deployment starts from zero.
    expect(ages.observe('/a', ['d2'], 70_000)).toBe(0);
  });

  it('keeps the age of the oldest deployment still running when another joins, and drops the ones that ended', () => {
    const ages = new WaitAges();
    ages.observe('/a', ['d1'], 0);
    expect(ages.observe('/a', ['d1', 'd2'], 10_000)).toBe(10_000);
    expect(ages.observe('/a', ['d2'], 20_000)).toBe(10_000);
  });

  it('keeps each app apart, and forgets an app on demand', () => {
    const ages = new WaitAges();
    ages.observe('/a', ['d1'], 0);
    expect(ages.observe('/b', ['d9'], 5000)).toBe(0);
    ages.forget('/a');
    expect(ages.size).toBe(1);
    expect(ages.observe('/a', ['d1'], 9000)).toBe(0);
  });
});
