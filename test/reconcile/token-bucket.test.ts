import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from '../../src/reconcile/token-bucket.js';

describe('TokenBucket', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows a burst, then paces writes at the configured rate', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3 });
    const taken: number[] = [];
    const start = Date.now();
    const all = Array.from({ length: 6 }, () => bucket.take().then(() => taken.push(Date.now() - start)));
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all(all);
    expect(taken).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('tells how long until the next token without waiting', () => {
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 1 });
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(250);
  });

  it('gives up waiting when aborted', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1 });
    await bucket.take();
    const ac = new AbortController();
    const waiting = bucket.take(ac.signal);
    ac.abort();
    await expect(waiting).resolves.toBe(false);
  });

  it('rejects a zero rate', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow('Expected `ratePerSecond` to be a number above 0, got `0`');
  });
});
