import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue, type ReconcileResult } from '../../src/reconcile/workqueue.js';

/** A handler that records calls and lets the test decide when each run finishes. */
function controllableHandler() {
  const calls: string[] = [];
  const running = new Map<string, (r: ReconcileResult) => void>();
  let concurrent = 0;
  let maxConcurrent = 0;
  const handler = (key: string): Promise<ReconcileResult> => {
    calls.push(key);
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    return new Promise((resolve) => {
      running.set(key, (r) => {
        running.delete(key);
        concurrent--;
        resolve(r);
      });
    });
  };
  const finish = async (key: string, r: ReconcileResult = { kind: 'done' }) => {
    const f = running.get(key);
    if (!f) throw new Error(`${key} is not running`);
    f(r);
    await flush();
  };
  return { handler, calls, running, finish, max: () => maxConcurrent };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runNow answers with the outcome of a run that starts after it, never of one already running', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 2, handler: h.handler });
    q.add('/a');
    await flush();
    let answer: ReconcileResult | undefined | 'none' = 'none';
    void q.runNow('/a').then((r) => (answer = r));
    await h.finish('/a', { kind: 'terminal', error: new Error('read too early') });
    expect(answer).toBe('none');
    await h.finish('/a', { kind: 'done' });
    expect(answer).toEqual({ kind: 'done' });
    expect(h.calls).toEqual(['/a', '/a']);
  });

  it('runNow answers undefined when the queue shuts down before the run', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 1, handler: h.handler });
    q.add('/blocker');
    await flush();
    const waiting = q.runNow('/a');
    const stopped = q.shutdown(1000);
    await h.finish('/blocker');
    expect(await waiting).toBeUndefined();
    expect(await stopped).toBe(true);
  });

  it('collapses a burst of adds of one waiting key into one reconcile', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 1, handler: h.handler });
    q.add('/blocker');
    await flush();
    for (let i = 0; i < 100; i++) q.add('/a');
    expect(q.depth).toBe(1);
    await h.finish('/blocker');
    await h.finish('/a');
    expect(h.calls).toEqual(['/blocker', '/a']);
  });

  it('never runs one key twice at once, and runs it once more when it changed meanwhile', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 4, handler: h.handler });
    q.add('/a');
    await flush();
    q.add('/a');
    q.add('/a');
    await flush();
    expect(h.calls).toEqual(['/a']);
    await h.finish('/a');
    expect(h.calls).toEqual(['/a', '/a']);
    await h.finish('/a');
    await q.onIdle();
    expect(h.calls).toEqual(['/a', '/a']);
  });

  it('runs different keys concurrently up to the configured concurrency', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 2, handler: h.handler });
    for (const k of ['/a', '/b', '/c', '/d']) q.add(k);
    await flush();
    expect(h.running.size).toBe(2);
    for (const k of ['/a', '/b']) await h.finish(k);
    for (const k of ['/c', '/d']) await h.finish(k);
    expect(h.max()).toBe(2);
    expect(h.calls).toEqual(['/a', '/b', '/c', '/d']);
  });

  it('retries a failing key with growing backoff and resets after one success', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 1, handler: h.handler, random: () => 0.5, backoff: { jitter: 0 } });
    q.add('/a');
    await flush();
    await h.finish('/a', { kind: 'retry', error: new Error('boom') });
    expect(q.failures('/a')).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(h.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls).toHaveLength(2);
    await h.finish('/a', { kind: 'retry', error: new Error('boom') });
    await vi.advanceTimersByTimeAsync(1999);
    expect(h.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.calls).toHaveLength(3);
    await h.finish('/a');
    expect(q.failures('/a')).toBe(0);
  });

  it('treats a handler that throws as a transient failure and keeps serving other keys', async () => {
    const calls: string[] = [];
    const q = new WorkQueue({
      concurrency: 1,
      random: () => 0.5,
      backoff: { jitter: 0 },
      handler: async (key) => {
        calls.push(key);
        if (key === '/bad') throw new Error('panic');
        return { kind: 'done' };
      },
    });
    q.add('/bad');
    q.add('/good');
    await q.onIdle();
    expect(calls).toEqual(['/bad', '/good']);
    expect(q.failures('/bad')).toBe(1);
    expect(q.delayed).toBe(1);
  });

  it('does not retry a terminal failure until the key is added again', async () => {
    const calls: string[] = [];
    const q = new WorkQueue({ concurrency: 1, handler: async (k) => (calls.push(k), { kind: 'terminal', error: new Error('invalid') }) });
    q.add('/a');
    await q.onIdle();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toEqual(['/a']);
    q.add('/a');
    await q.onIdle();
    expect(calls).toEqual(['/a', '/a']);
  });

  it('honours an explicit retry delay and requeue-after, keeping the earliest deadline', async () => {
    const calls: string[] = [];
    const results: ReconcileResult[] = [{ kind: 'retry', error: new Error('locked'), afterMs: 250 }, { kind: 'done', requeueAfterMs: 5000 }, { kind: 'done' }];
    const q = new WorkQueue({ concurrency: 1, handler: async (k) => (calls.push(k), results.shift() as ReconcileResult) });
    q.add('/a');
    await q.onIdle();
    q.addAfter('/a', 10_000);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4999);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(3);
  });

  it('uses a known retry delay for the first failure in a row only, then backs off', async () => {
    // A Marathon whose reads and writes of one app disagree: every reconcile fails with
    // "re-read at once" (afterMs 0). Only the first retry is immediate.
    const calls: number[] = [];
    const q = new WorkQueue({
      concurrency: 1,
      random: () => 0.5,
      backoff: { jitter: 0 },
      handler: async () => (calls.push(Date.now()), { kind: 'retry', error: new Error('409 after 404'), afterMs: 0 }),
    });
    const start = Date.now();
    q.add('/a');
    await vi.advanceTimersByTimeAsync(60_000);
    // Runs at 0 and 0 (the prompt re-read), then after 2, 4, 8, 16 and 32 s of backoff.
    expect(calls.map((t) => t - start)).toEqual([0, 0, 2000, 6000, 14_000, 30_000]);
    expect(q.failures('/a')).toBe(6);
  });

  it('runs an immediate retry exactly once, never beside itself', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 4, handler: h.handler });
    q.add('/a');
    await flush();
    await h.finish('/a', { kind: 'retry', error: new Error('409 after 404'), afterMs: 0 });
    expect(h.calls).toEqual(['/a', '/a']);
    expect(h.max()).toBe(1);
    await h.finish('/a');
    await q.onIdle();
    expect(h.calls).toEqual(['/a', '/a']);
  });

  it('never retries faster than the backoff once failures repeat, whatever delay the caller asks', async () => {
    const calls: number[] = [];
    const q = new WorkQueue({
      concurrency: 1,
      random: () => 0.5,
      backoff: { jitter: 0 },
      handler: async () => (calls.push(Date.now()), { kind: 'retry', error: new Error('locked'), afterMs: 1500 }),
    });
    const start = Date.now();
    q.add('/a');
    await vi.advanceTimersByTimeAsync(20_000);
    // 1.5 s (the known delay) first, then max(1.5 s, backoff): 2 s, 4 s, 8 s.
    expect(calls.map((t) => t - start)).toEqual([0, 1500, 3500, 7500, 15_500]);
  });

  it('on shutdown drops waiting keys and waits for running ones within the deadline', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 1, handler: h.handler });
    q.add('/a');
    q.add('/b');
    await flush();
    const done = q.shutdown(1000);
    q.add('/c');
    await h.finish('/a');
    await expect(done).resolves.toBe(true);
    expect(h.calls).toEqual(['/a']);
  });

  it('reports false when running reconciles outlive the shutdown deadline', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 1, handler: h.handler });
    q.add('/slow');
    await flush();
    const done = q.shutdown(1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toBe(false);
  });

  it('says a key is pending while it waits, runs, waits for a delayed look or a retry, and no longer once it settled', async () => {
    const h = controllableHandler();
    const q = new WorkQueue({ concurrency: 1, handler: h.handler, random: () => 0.5 });
    expect(q.isPending('/a')).toBe(false);
    q.add('/b');
    q.add('/a');
    expect(q.isPending('/a')).toBe(true); // waiting behind /b
    await flush();
    await h.finish('/b');
    expect(q.isPending('/b')).toBe(false);
    expect(q.isPending('/a')).toBe(true); // running
    await h.finish('/a', { kind: 'retry', error: new Error('503') });
    expect(q.running).toBe(0);
    expect(q.isPending('/a')).toBe(true); // in backoff
    await vi.advanceTimersByTimeAsync(1000);
    await h.finish('/a', { kind: 'done', requeueAfterMs: 5000 });
    expect(q.failures('/a')).toBe(0);
    expect(q.isPending('/a')).toBe(true); // a later look is scheduled
    await vi.advanceTimersByTimeAsync(5000);
    await h.finish('/a', { kind: 'done' });
    expect(q.isPending('/a')).toBe(false);
    q.add('/a');
    await flush();
    await h.finish('/a', { kind: 'terminal', error: new Error('invalid') });
    expect(q.isPending('/a')).toBe(false); // terminal: nothing owed until the key is added again
  });

  it('checks its options at construction', () => {
    expect(() => new WorkQueue({ concurrency: 0, handler: async () => ({ kind: 'done' }) })).toThrow(
      'Expected `concurrency` to be an integer from 1 and up, got `0`',
    );
  });
});
