import { describe, expect, it } from 'vitest';
import { BACKOFF, backoffDelay, checkBackoffOptions, readRetryBackoff } from '../../src/base/backoff.js';
import { DEFAULTS as MARATHON_DEFAULTS } from '../../src/marathon/options.js';
import { REGISTRY_DEFAULTS } from '../../src/registry/options.js';

const noJitter = { ...BACKOFF.reconcile, jitter: 0 };

describe('backoffDelay', () => {
  it('doubles from one second per consecutive failure of an app', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, noJitter, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never exceeds five minutes, even after thousands of failures', () => {
    expect(backoffDelay(9, noJitter, () => 0.5)).toBe(256_000);
    expect(backoffDelay(10, noJitter, () => 0.5)).toBe(300_000);
    expect(backoffDelay(5000, BACKOFF.reconcile, () => 0.999)).toBeLessThanOrEqual(300_000);
  });

  it('takes up to 20% off at random, so apps that failed together do not retry together, and never waits longer than nominal', () => {
    expect(backoffDelay(3, BACKOFF.reconcile, () => 0)).toBe(3200);
    expect(backoffDelay(3, BACKOFF.reconcile, () => 0.5)).toBe(3600);
    expect(backoffDelay(3, BACKOFF.reconcile, () => 0.999999)).toBe(4000);
  });

  it('is equal jitter for network reads: half fixed, half random, capped', () => {
    const reads = readRetryBackoff(100, 500);
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, reads, () => 0))).toEqual([50, 100, 200, 250, 250]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, reads, () => 0.999999))).toEqual([100, 200, 400, 500]);
  });

  it('has one default for network reads, which both clients take', () => {
    for (const d of [MARATHON_DEFAULTS, REGISTRY_DEFAULTS]) {
      expect(readRetryBackoff(d.retryBaseDelayMs, d.retryMaxDelayMs)).toEqual(BACKOFF.read);
    }
    expect(BACKOFF.read).toEqual({ baseMs: 250, maxMs: 5_000, factor: 2, jitter: 0.5 });
  });

  it('stays within its bounds whatever the random source returns', () => {
    expect(backoffDelay(1, readRetryBackoff(100, 500), () => Number.NaN)).toBe(50);
    expect(backoffDelay(1, readRetryBackoff(100, 500), () => 7)).toBe(100);
    expect(backoffDelay(1, readRetryBackoff(100, 500), () => -1)).toBe(50);
  });

  it('rejects options that would make no sense, naming the option and the value', () => {
    expect(() => checkBackoffOptions({ ...BACKOFF.reconcile, baseMs: 0 })).toThrow('Expected `baseMs` to be a number above 0, got `0`');
    expect(() => checkBackoffOptions({ ...BACKOFF.reconcile, maxMs: 10 })).toThrow('`maxMs`');
    expect(() => checkBackoffOptions({ ...BACKOFF.reconcile, jitter: 2 })).toThrow('`jitter`');
  });
});
