import { describe, expect, it } from 'vitest';
import { backoffDelay, checkBackoffOptions, DEFAULT_BACKOFF } from '../../src/reconcile/backoff.js';

const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

describe('backoffDelay', () => {
  it('doubles from one second per consecutive failure', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, noJitter, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never exceeds five minutes, even after thousands of failures', () => {
    expect(backoffDelay(9, noJitter, () => 0.5)).toBe(256_000);
    expect(backoffDelay(10, noJitter, () => 0.5)).toBe(300_000);
    expect(backoffDelay(5000, DEFAULT_BACKOFF, () => 0.999)).toBe(300_000);
  });

  it('spreads retries within ±20% so apps that failed together do not retry together', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(3200);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(4000);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999999)).toBe(4800);
  });

  it('rejects options that would make no sense, naming the option and the value', () => {
    expect(() => checkBackoffOptions({ ...DEFAULT_BACKOFF, baseMs: 0 })).toThrow('Expected `baseMs` to be a number above 0, got `0`');
    expect(() => checkBackoffOptions({ ...DEFAULT_BACKOFF, maxMs: 10 })).toThrow('`maxMs`');
    expect(() => checkBackoffOptions({ ...DEFAULT_BACKOFF, jitter: 2 })).toThrow('`jitter`');
  });
});
