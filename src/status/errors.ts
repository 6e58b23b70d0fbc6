// Errors of the status server. Each has a stable code (MRK_STATUS_*, with its HTTP status and
// meaning in ERROR_CODES, src/base/errors.ts), sent to clients as `{"error":{"code","message"}}`
// with its HTTP status; clients match on the code. A refusal the daemon explains (MRK_NOT_LEADER,
// MRK_PRUNE_EPISODE_STALE) is sent with its own code.

import { errorMessage, MarackerError, type MarackerCode } from '../base/errors.js';

/** The body of every error answer of the status API, whoever answers (a route, or the HTTP parser's refusals). */
export function errorBody(code: MarackerCode, message: string): { error: { code: MarackerCode; message: string } } {
  return { error: { code, message } };
}

export class StatusApiError extends MarackerError {
  /** HTTP status sent with the error. */
  readonly status: number;
  /** Extra response headers (`Allow`, `WWW-Authenticate`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: MarackerCode, status: number, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.status = status;
    this.headers = headers;
  }
}

export class StatusListenError extends MarackerError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, cause: unknown) {
    const reason = errorMessage(cause);
    super('MRK_STATUS_LISTEN', `status server cannot listen on ${host}:${port}: ${reason}`, { cause });
    this.host = host;
    this.port = port;
  }
}
