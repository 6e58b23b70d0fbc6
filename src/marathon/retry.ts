// Which failed reads are worth another try. Only idempotent requests are retried:
// a write that timed out or lost its connection may already have been applied by Marathon,
// so repeating it could start a second deployment; its caller re-reads and decides.

import type { MarathonCode, MarathonError } from './errors.js';

/** Codes worth a second try of the same read: the next answer may well be different. */
const RETRYABLE_READ_CODES: ReadonlySet<MarathonCode> = new Set<MarathonCode>([
  'MRK_MARATHON_SERVER_ERROR',
  'MRK_MARATHON_TIMEOUT',
  'MRK_MARATHON_CONNECTION',
  'MRK_MARATHON_BAD_BODY',
]);

export function isRetryableRead(err: MarathonError): boolean {
  return RETRYABLE_READ_CODES.has(err.code);
}
