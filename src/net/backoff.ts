// The delay between tries of an idempotent network read (Marathon's and the registry's
// clients, Marathon's event-stream reconnects). One place, so the clients cannot drift apart.

/**
 * Delay before retry number `retry` (1 for the first retry): exponential from `baseMs`,
 * capped at `maxMs`, with "equal jitter" (half fixed, half random) so that many clients
 * failing together do not retry in lockstep, yet no retry comes immediately.
 */
export function equalJitterDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  const half = exp / 2;
  return Math.round(half + half * clamp01(random()));
}

function clamp01(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 0.999999 : x;
}
