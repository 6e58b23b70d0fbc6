// Errors of the status server. Each has a stable code, sent to clients as
// `{"error":{"code","message"}}` with its HTTP status; clients match on the code.
//
//   MRK_STATUS_UNAUTHORIZED      401  bearer token missing or wrong
//   MRK_STATUS_TOKEN_REQUIRED    403  the action needs a status token (a prune approval from elsewhere than this host)
//   MRK_STATUS_NOT_FOUND         404  no such route
//   MRK_STATUS_APP_NOT_FOUND     404  no such app
//   MRK_STATUS_METHOD_NOT_ALLOWED 405 route exists, method does not (see `Allow`)
//   MRK_STATUS_BAD_QUERY         400  a query filter names an unknown value
//   MRK_STATUS_BAD_REQUEST       400  the HTTP request itself is malformed (answered by limits.ts)
//   MRK_STATUS_REQUEST_TIMEOUT   408  the request head or body did not arrive in time (limits.ts)
//   MRK_STATUS_BODY_TOO_LARGE    413  a request body over the limit (no route takes a body)
//   MRK_STATUS_URI_TOO_LONG      414  a URL over the limit
//   MRK_STATUS_HEADERS_TOO_LARGE 431  a request head over the limit (limits.ts)
//   MRK_STATUS_PRUNE_UNAVAILABLE 503  this instance cannot approve prunes (not wired, follower)
//   MRK_STATUS_INTERNAL          500  a bug or an unexpected failure; details in the log
//   MRK_STATUS_LISTEN            -    the server could not listen (port taken, bad host)

import { MarackerError } from '../base/errors.js';

export class StatusApiError extends MarackerError {
  /** HTTP status sent with the error. */
  readonly status: number;
  /** Extra response headers (`Allow`, `WWW-Authenticate`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: string, status: number, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.status = status;
    this.headers = headers;
  }
}

export class StatusListenError extends MarackerError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('MRK_STATUS_LISTEN', `status server cannot listen on ${host}:${port}: ${reason}`, { cause });
    this.host = host;
    this.port = port;
  }
}
