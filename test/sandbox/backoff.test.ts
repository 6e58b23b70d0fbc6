import { describe, expect, it } from 'vitest';
import { afterFailure, launchDelay } from '../../src/sandbox/backoff.js';

const policy = { backoffSeconds: 1, backoffFactor: 2, maxLaunchDelaySeconds: 5 };

describe('launch backoff', () => {
  it('starts at backoffSeconds and multiplies by backoffFactor up to maxLaunchDelaySeconds', () => {
    let state = afterFailure(policy, undefined, 0);
    const delays = [state.delayMs];
    for (let i = 0; i < 4; i++) {
      state = afterFailure(policy, state, state.until);
      delays.push(state.delayMs);
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('resets after a quiet period of delay plus maxLaunchDelay', () => {
    const state = afterFailure(policy, afterFailure(policy, undefined, 0), 1000);
    expect(state.delayMs).toBe(2000);
    expect(afterFailure(policy, state, state.until + 5001).delayMs).toBe(1000);
  });

  it('tells how long a launch must wait', () => {
    expect(launchDelay(undefined, 10)).toBe(0);
    expect(launchDelay({ delayMs: 1000, until: 1500 }, 1000)).toBe(500);
    expect(launchDelay({ delayMs: 1000, until: 1500 }, 2000)).toBe(0);
  });
});
