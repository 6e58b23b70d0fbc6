import { describe, expect, it } from 'vitest';
import { equalJitterDelay } from '../../src/net/backoff.js';

describe('equalJitterDelay', () => {
  it('doubles from the base, caps, and keeps at least half of each step', () => {
    expect([1, 2, 3, 4, 10].map((n) => equalJitterDelay(n, 100, 500, () => 0))).toEqual([50, 100, 200, 250, 250]);
    expect([1, 2, 3, 4].map((n) => equalJitterDelay(n, 100, 500, () => 0.999999))).toEqual([100, 200, 400, 500]);
    expect(equalJitterDelay(1, 100, 500, () => Number.NaN)).toBe(50);
  });
});
