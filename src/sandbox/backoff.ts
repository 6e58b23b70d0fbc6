// Marathon's launch backoff (docs/backoff.md): after a task fails (TASK_FAILED or
// TASK_FINISHED, or is killed for failing health checks) the next launch of the app waits
// `delay`; the first delay is backoffSeconds and every further failure multiplies it by
// backoffFactor, capped at maxLaunchDelaySeconds. A new version of the app resets it, and so
// does a quiet period of delay + maxLaunchDelay without failures. Kills do not count.

export interface BackoffPolicy {
  backoffSeconds: number;
  backoffFactor: number;
  maxLaunchDelaySeconds: number;
}

export interface BackoffState {
  /** Current delay in ms. */
  delayMs: number;
  /** No launch before this time (epoch ms). */
  until: number;
}

/** The state after a failure at `now`. */
export function afterFailure(policy: BackoffPolicy, previous: BackoffState | undefined, now: number): BackoffState {
  const maxMs = policy.maxLaunchDelaySeconds * 1000;
  const expired = previous !== undefined && now > previous.until + maxMs;
  const delayMs = previous === undefined || expired ? Math.min(policy.backoffSeconds * 1000, maxMs) : Math.min(previous.delayMs * policy.backoffFactor, maxMs);
  return { delayMs, until: now + delayMs };
}

/** Milliseconds until a launch is allowed (0 when allowed now). */
export function launchDelay(state: BackoffState | undefined, now: number): number {
  return state === undefined ? 0 : Math.max(0, state.until - now);
}
