// The catalogue of Marathon client failures. One class per way Marathon (or the network in
// front of it) can fail a request; every class has a stable `code` that is never reused
// (MRK_MARATHON_*, each with its meaning in ERROR_CODES, src/base/errors.ts), and typed
// fields, so callers branch on `code` / `instanceof` and never on message text.
//
// What a caller should do about each code (retry a read, wait for a lock, back off, give
// up) is answered once, in retry.ts.
//
// Every error carries the request's method and path (which never hold credentials: those
// travel only in the Authorization header), the HTTP status when there was one, and the
// response body truncated to MAX_ERROR_BODY characters.

import { MarackerError, type MarackerCode } from '../base/errors.js';
import { describeSystemCode, hostPortOf } from '../net/system-codes.js';

/** The codes of Marathon client failures. */
export type MarathonCode = Extract<MarackerCode, `MRK_MARATHON_${string}`>;

/** Longest body kept on an error: enough for Marathon's messages, never a whole app list. */
export const MAX_ERROR_BODY = 2048;

/** One entry of Marathon's validation `details`, normalised from its several body shapes. */
export interface MarathonValidationDetail {
  path: string;
  errors: string[];
}

export interface MarathonErrorFields {
  method: string;
  /** Request path with query string, relative to the Marathon base URL (e.g. `/v2/apps/web?force=true`). */
  path: string;
  /** Scheme, host and port the request went to (the leader after a redirect). */
  origin?: string;
  status?: number;
  /** Response body, truncated to MAX_ERROR_BODY characters. */
  body?: string;
  /** Marathon's `message` field, when the body had one. */
  serverMessage?: string;
  appId?: string;
  cause?: unknown;
}

export class MarathonError extends MarackerError {
  declare readonly code: MarathonCode;
  readonly method: string;
  readonly path: string;
  readonly origin: string | undefined;
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly serverMessage: string | undefined;
  readonly appId: string | undefined;

  constructor(code: MarathonCode, summary: string, fields: MarathonErrorFields) {
    const status = fields.status === undefined ? '' : ` -> ${fields.status}`;
    super(code, `Marathon ${fields.method} ${fields.path}${status}: ${summary}`, { cause: fields.cause });
    this.method = fields.method;
    this.path = fields.path;
    this.origin = fields.origin;
    this.status = fields.status;
    this.body = fields.body === undefined ? undefined : truncate(fields.body);
    this.serverMessage = fields.serverMessage;
    this.appId = fields.appId;
  }
}

/** 409: an app touched by this request is part of running deployments. Wait for them, then retry. */
export class MarathonDeploymentLockedError extends MarathonError {
  readonly deploymentIds: string[];
  constructor(fields: MarathonErrorFields & { deploymentIds: string[] }) {
    const ids = fields.deploymentIds.length > 0 ? fields.deploymentIds.join(', ') : 'unknown';
    super('MRK_MARATHON_DEPLOYMENT_LOCKED', `app is locked by deployments ${ids}`, fields);
    this.deploymentIds = fields.deploymentIds;
  }
}

/** 409 on create: an app (or group) with this id already exists. */
export class MarathonAlreadyExistsError extends MarathonError {
  constructor(fields: MarathonErrorFields) {
    super('MRK_MARATHON_ALREADY_EXISTS', fields.serverMessage ?? 'already exists', fields);
  }
}

/** Any other 409 (ConflictingChangeException: ports, dependencies, group/app clashes). */
export class MarathonConflictError extends MarathonError {
  constructor(fields: MarathonErrorFields) {
    super('MRK_MARATHON_CONFLICT', fields.serverMessage ?? 'conflict', fields);
  }
}

/**
 * 403 from TooManyRunningDeploymentsException: Marathon refuses new deployments while
 * `--max_running_deployments` (default 100) are running. The caller should lower its write
 * concurrency and retry later; it is not an authorisation problem.
 */
export class MarathonDeploymentCapError extends MarathonError {
  /** The limit quoted by Marathon's message, when it could be read. */
  readonly maxRunningDeployments: number | undefined;
  constructor(fields: MarathonErrorFields & { maxRunningDeployments?: number }) {
    const max = fields.maxRunningDeployments === undefined ? '' : ` (${fields.maxRunningDeployments})`;
    super('MRK_MARATHON_DEPLOYMENT_CAP', `too many running deployments${max}`, fields);
    this.maxRunningDeployments = fields.maxRunningDeployments;
  }
}

/** 400 / 422: Marathon rejected the request body. `details` lists every problem with its JSON path. */
export class MarathonValidationError extends MarathonError {
  readonly details: MarathonValidationDetail[];
  constructor(fields: MarathonErrorFields & { details: MarathonValidationDetail[] }) {
    const first = fields.details[0];
    const summary = first
      ? `${fields.serverMessage ?? 'invalid'}: ${first.path} ${first.errors.join('; ')}` +
        (fields.details.length > 1 ? ` (and ${fields.details.length - 1} more)` : '')
      : (fields.serverMessage ?? 'invalid request');
    super('MRK_MARATHON_VALIDATION', summary, fields);
    this.details = fields.details;
  }
}

export class MarathonNotFoundError extends MarathonError {
  constructor(fields: MarathonErrorFields) {
    super('MRK_MARATHON_NOT_FOUND', fields.serverMessage ?? 'not found', fields);
  }
}

export class MarathonUnauthorizedError extends MarathonError {
  constructor(fields: MarathonErrorFields) {
    super('MRK_MARATHON_UNAUTHORIZED', 'authentication failed (check the configured credentials)', fields);
  }
}

export class MarathonForbiddenError extends MarathonError {
  constructor(fields: MarathonErrorFields) {
    super('MRK_MARATHON_FORBIDDEN', fields.serverMessage ?? 'forbidden', fields);
  }
}

export class MarathonServerError extends MarathonError {
  constructor(fields: MarathonErrorFields) {
    super('MRK_MARATHON_SERVER_ERROR', fields.serverMessage ?? 'server error', fields);
  }
}

export class MarathonUnexpectedStatusError extends MarathonError {
  constructor(fields: MarathonErrorFields & { reason?: string }) {
    super('MRK_MARATHON_UNEXPECTED_STATUS', fields.reason ?? fields.serverMessage ?? 'unexpected status', fields);
  }
}

/**
 * A 2xx answer that cannot be trusted: truncated, not JSON, or not the expected shape.
 * Never read as "empty": an apps list that cannot be parsed is unknown, not "no apps".
 */
export class MarathonBadBodyError extends MarathonError {
  readonly reason: string;
  constructor(fields: MarathonErrorFields & { reason: string }) {
    super('MRK_MARATHON_BAD_BODY', `unusable response body: ${fields.reason}`, fields);
    this.reason = fields.reason;
  }
}

export class MarathonTimeoutError extends MarathonError {
  readonly timeoutMs: number;
  constructor(fields: MarathonErrorFields & { timeoutMs: number }) {
    super('MRK_MARATHON_TIMEOUT', `no complete answer from ${hostPortOf(fields.origin) ?? 'Marathon'} within ${fields.timeoutMs} ms`, fields);
    this.timeoutMs = fields.timeoutMs;
  }
}

export class MarathonConnectionError extends MarathonError {
  /** The system or undici error code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, ...). */
  readonly systemCode: string | undefined;
  constructor(fields: MarathonErrorFields & { systemCode?: string }) {
    super(
      'MRK_MARATHON_CONNECTION',
      `cannot connect to ${hostPortOf(fields.origin) ?? 'Marathon'} (${describeSystemCode(fields.systemCode)}): is Marathon there, and is --marathon its URL?`,
      fields,
    );
    this.systemCode = fields.systemCode;
  }
}

export class MarathonTlsError extends MarathonError {
  readonly systemCode: string | undefined;
  constructor(fields: MarathonErrorFields & { systemCode?: string }) {
    super('MRK_MARATHON_TLS', `TLS failure with ${hostPortOf(fields.origin) ?? 'Marathon'} (${fields.systemCode ?? 'unknown'}); check --marathon-ca`, fields);
    this.systemCode = fields.systemCode;
  }
}

export class MarathonClientClosedError extends MarathonError {
  constructor(fields: MarathonErrorFields) {
    super('MRK_MARATHON_CLOSED', 'the client is closed', fields);
  }
}

/**
 * An event on /v2/events grew past `maxEventBytes` before it ended (an endless line, a
 * hostile or broken proxy). The stream is dropped and reconnected, which reports a gap. Only
 * the sizes are kept: the content is never quoted.
 */
export class MarathonEventTooLargeError extends MarathonError {
  readonly limitBytes: number;
  readonly sizeBytes: number;
  constructor(fields: MarathonErrorFields & { limitBytes: number; sizeBytes: number }) {
    super('MRK_MARATHON_EVENT_TOO_LARGE', `event larger than ${fields.limitBytes} bytes (${fields.sizeBytes} bytes read): stream dropped`, fields);
    this.limitBytes = fields.limitBytes;
    this.sizeBytes = fields.sizeBytes;
  }
}

export function isMarathonError(err: unknown): err is MarathonError {
  return err instanceof MarathonError;
}

function truncate(text: string): string {
  return text.length <= MAX_ERROR_BODY ? text : `${text.slice(0, MAX_ERROR_BODY)}...[truncated ${text.length - MAX_ERROR_BODY} chars]`;
}
