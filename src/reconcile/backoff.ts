// Per-key exponential backoff with jitter, as client-go's rate-limiting queue does:
// a key that keeps failing waits 1 s, 2 s, 4 s … up to 5 min, so one broken app cannot
// hammer Marathon, while a key that succeeds once starts again from the bottom.

export interface BackoffOptions {
  /** First delay. Default 1000 ms. */
  baseMs: number;
  /** Ceiling. Default 300000 ms (5 min). */
  maxMs: number;
  /** Growth per failure. Default 2. */
  factor: number;
  /**
   * Share of the delay that is randomised, 0..1. Default 0.2: the delay lands in
   * [d·0.8, d·1.2], which spreads retries of apps that failed together (a Marathon outage)
   * instead of sending them back in one burst.
   */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  baseMs: 1_000,
  maxMs: 300_000,
  factor: 2,
  jitter: 0.2,
});

export function checkBackoffOptions(o: BackoffOptions): BackoffOptions {
  if (!(Number.isFinite(o.baseMs) && o.baseMs > 0)) {
    throw new TypeError(`Expected \`baseMs\` to be a number above 0, got \`${o.baseMs}\``);
  }
  if (!(Number.isFinite(o.maxMs) && o.maxMs >= o.baseMs)) {
    throw new TypeError(`Expected \`maxMs\` to be a number from baseMs (${o.baseMs}) and up, got \`${o.maxMs}\``);
  }
  if (!(Number.isFinite(o.factor) && o.factor >= 1)) {
    throw new TypeError(`Expected \`factor\` to be a number from 1 and up, got \`${o.factor}\``);
  }
  if (!(Number.isFinite(o.jitter) && o.jitter >= 0 && o.jitter <= 1)) {
    throw new TypeError(`Expected \`jitter\` to be a number from 0 to 1, got \`${o.jitter}\``);
  }
  return o;
}

/**
 * Delay before retry number `failures` (1 = first retry). `random` returns [0, 1).
 * Pure: the same inputs give the same delay.
 */
export function backoffDelay(failures: number, o: BackoffOptions, random: () => number): number {
  const exp = Math.max(0, failures - 1);
  // Math.pow overflows to Infinity long after the cap; min() keeps it finite.
  const raw = Math.min(o.maxMs, o.baseMs * Math.pow(o.factor, exp));
  const spread = raw * o.jitter;
  const jittered = raw - spread + 2 * spread * random();
  return Math.round(Math.min(o.maxMs, Math.max(0, jittered)));
}
