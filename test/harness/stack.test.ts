import { afterEach, describe, expect, it, vi } from 'vitest';
import { Scope } from './stack.js';

describe('Scope', () => {
  afterEach(() => vi.useRealTimers());

  it('runs cleanups in reverse order, goes on past one that throws, and closes once', async () => {
    const ran: string[] = [];
    const scope = new Scope();
    scope.defer(() => ran.push('first'));
    scope.defer(() => {
      throw new Error('broken');
    });
    scope.defer(async () => ran.push('last'));
    await scope.close();
    await scope.close();
    expect(ran).toEqual(['last', 'first']);
  });

  it('leaves a cleanup that hangs, runs the rest, and names where the hanging one was registered', async () => {
    vi.useFakeTimers();
    const ran: string[] = [];
    const scope = new Scope(1_000);
    scope.defer(() => ran.push('after the hang'));
    scope.defer(() => new Promise(() => undefined));
    const closed = scope.close().then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(ran).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await closed).toMatch(/^cleanups that did not finish within 1000 ms: .*stack\.test\.ts/);
    expect(ran).toEqual(['after the hang']);
  });
});
