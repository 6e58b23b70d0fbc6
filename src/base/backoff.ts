// The one backoff: exponential growth per consecutive failure, a ceiling, and jitter. Used by
// the work queue (per app, as client-go's rate-limiting queue does: a key that keeps failing
// waits longer, one success starts it again from the bottom), by every PostgreSQL retry, and
// by the idempotent network reads of the Marathon and registry clients.
//
// Jitter takes a share of the delay away at random, never adds to it: the delay lands in
// [d·(1 − jitter), d]. Clients that failed together (a Marathon outage) spread their retries
// instead of coming back in one burst, and no retry is later than the nominal delay. With a
// jitter of 0.5 this is AWS's "equal jitter": half fixed, half random, none immediate.

export interface BackoffOptions {
  /** First delay, ms. */
  baseMs: number;
  /** Ceiling, ms. */
  maxMs: number;
  /** Growth per failure. */
  factor: number;
  /** Share of the delay taken away at random, 0..1. */
  jitter: number;
}

/** Named policies: one per kind of retry, so two places retrying alike cannot drift apart. */
export const BACKOFF = Object.freeze({
  /** An app whose reconcile failed: 1 s doubling to 5 min. */
  reconcile: Object.freeze({ baseMs: 1_000, maxMs: 300_000, factor: 2, jitter: 0.2 }),
  /** A PostgreSQL read or write of a running daemon (source, listener, status table): 250 ms to 10 s. */
  database: Object.freeze({ baseMs: 250, maxMs: 10_000, factor: 2, jitter: 0.2 }),
  /** Setting up against PostgreSQL (migration, reading the prune history): 500 ms to 30 s. */
  databaseSetup: Object.freeze({ baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 }),
  /** An idempotent network read (Marathon, an image registry): 250 ms to 5 s, equal jitter; both clients' defaults. */
  read: Object.freeze({ baseMs: 250, maxMs: 5_000, factor: 2, jitter: 0.5 }),
  /** An image whose labels could not be read, looked at again: 2 s doubling to 2 min. */
  imageMetadata: Object.freeze({ baseMs: 2_000, maxMs: 120_000, factor: 2, jitter: 0.2 }),
  /** A git fetch that failed (remote down, auth refused): 2 s doubling to 5 min, never faster than the interval asks. */
  gitFetch: Object.freeze({ baseMs: 2_000, maxMs: 300_000, factor: 2, jitter: 0.2 }),
}) satisfies Record<string, Readonly<BackoffOptions>>;

/** The network reads' policy from their two settings (equal jitter). */
export function readRetryBackoff(baseMs: number, maxMs: number): BackoffOptions {
  return { ...BACKOFF.read, baseMs, maxMs };
}

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
 * Delay before retry number `failures` (1 = the first retry). `random` returns [0, 1); a
 * broken one (NaN, out of range) cannot make the delay negative or larger than nominal.
 * Pure: the same inputs give the same delay.
 */
export function backoffDelay(failures: number, o: BackoffOptions, random: () => number): number {
  const exp = Math.max(0, failures - 1);
  // Math.pow overflows to Infinity long after the cap; min() keeps it finite.
  const nominal = Math.min(o.maxMs, o.baseMs * o.factor ** exp);
  return Math.round(nominal * (1 - o.jitter + o.jitter * clamp01(random())));
}

function clamp01(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 0.999999 : x;
}
