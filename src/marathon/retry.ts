// Backoff for reads and for event-stream reconnects. Only idempotent requests are retried:
// a write that timed out or lost its connection may already have been applied by Marathon,
// so repeating it could start a second deployment; its caller re-reads and decides.

import type { MarathonError } from './errors.js';

/** Codes worth a second try of the same read: the next answer may well be different. */
const RETRYABLE_READ_CODES = new Set([
  'MRK_MARATHON_SERVER_ERROR',
  'MRK_MARATHON_TIMEOUT',
  'MRK_MARATHON_CONNECTION',
  'MRK_MARATHON_BAD_BODY',
]);

export function isRetryableRead(err: MarathonError): boolean {
  return RETRYABLE_READ_CODES.has(err.code);
}

/**
 * Delay before retry number `retry` (1 for the first retry): exponential from `baseMs`,
 * capped at `maxMs`, with "equal jitter" (half fixed, half random) so that many clients
 * failing together do not retry in lockstep, yet no retry comes immediately.
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  const half = exp / 2;
  return Math.round(half + half * clamp01(random()));
}

function clamp01(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 0.999999 : x;
}
