// The catalogue of registry client failures. One class per way reading an image from a
// registry can fail; every class has a stable `code`, never reused (MRK_REGISTRY_*, each with
// its meaning in ERROR_CODES, src/base/errors.ts), and typed fields, so callers branch on
// `code` / `instanceof`, never on message text.
//
// Every error says which registry, repository and reference (tag or digest) it is about,
// and what was being read. None ever holds a credential or a token: those travel only in
// Authorization headers, and text that comes back from a server is redacted before use.

import { MarackerError, type MarackerCode } from '../base/errors.js';

/** The codes of registry client failures. */
export type RegistryCode = Extract<MarackerCode, `MRK_REGISTRY_${string}`>;

export interface RegistryErrorFields {
  /** Registry as in the normalised reference: `docker.io`, `registry.example.com:5000`. */
  registry?: string;
  /** Repository path: `library/nginx`. */
  repository?: string;
  /** Tag or digest asked for. */
  reference?: string;
  /** What was being read: `manifest`, `image config`, `token`, `registry`. */
  resource?: string;
  status?: number;
  cause?: unknown;
}

export class RegistryError extends MarackerError {
  declare readonly code: RegistryCode;
  readonly registry: string | undefined;
  readonly repository: string | undefined;
  readonly reference: string | undefined;
  readonly resource: string | undefined;
  readonly status: number | undefined;
  /**
   * Whether reading again later can succeed without anyone changing anything: true for
   * outages, timeouts, 5xx and rate limits. A hint for the caller's backoff; the client
   * itself already retried the reads it could.
   */
  readonly transient: boolean;

  constructor(code: RegistryCode, summary: string, fields: RegistryErrorFields, transient: boolean) {
    super(code, `${subject(fields)}${summary}`, { cause: fields.cause });
    this.registry = fields.registry;
    this.repository = fields.repository;
    this.reference = fields.reference;
    this.resource = fields.resource;
    this.status = fields.status;
    this.transient = transient;
  }
}

/** "registry.example.com/team/app:1.0 (manifest, HTTP 404): " — the image and what was read. */
function subject(f: RegistryErrorFields): string {
  if (f.registry === undefined) return '';
  let image = f.registry;
  if (f.repository !== undefined) image += `/${f.repository}`;
  if (f.reference !== undefined && f.repository !== undefined) image += `${f.reference.includes(':') ? '@' : ':'}${f.reference}`;
  const details = [f.resource, f.status === undefined ? undefined : `HTTP ${f.status}`].filter((d) => d !== undefined);
  return `${image}${details.length > 0 ? ` (${details.join(', ')})` : ''}: `;
}

export class RegistryReferenceError extends RegistryError {
  /** The reference as given. */
  readonly input: string;
  readonly reason: string;
  constructor(input: string, reason: string) {
    super('MRK_REGISTRY_REFERENCE_INVALID', `invalid image reference ${JSON.stringify(input)}: ${reason}`, {}, false);
    this.input = input;
    this.reason = reason;
  }
}

/** A Docker config.json that cannot be used, or a credential option that makes no sense. Never quotes a secret. */
export class RegistryCredentialsError extends RegistryError {
  /** The config file, when the problem is in one. */
  readonly file: string | undefined;
  readonly reason: string;
  constructor(reason: string, file?: string, cause?: unknown) {
    super('MRK_REGISTRY_CREDENTIALS_INVALID', `${file === undefined ? '' : `${file}: `}${reason}`, { cause }, false);
    this.file = file;
    this.reason = reason;
  }
}

export class RegistryUnauthorizedError extends RegistryError {
  /** Why no (or no working) credentials were used: the advice a user needs. */
  readonly hint: string | undefined;
  constructor(fields: RegistryErrorFields & { hint?: string; serverMessage?: string }) {
    const what = fields.status === 403 ? 'access denied' : 'authentication required or refused';
    const server = fields.serverMessage === undefined ? '' : ` (${fields.serverMessage})`;
    super('MRK_REGISTRY_UNAUTHORIZED', `${what}${server}${fields.hint === undefined ? '' : `; ${fields.hint}`}`, fields, false);
    this.hint = fields.hint;
  }
}

export class RegistryNotFoundError extends RegistryError {
  constructor(fields: RegistryErrorFields & { serverMessage?: string }) {
    super('MRK_REGISTRY_NOT_FOUND', `not found${fields.serverMessage === undefined ? '' : ` (${fields.serverMessage})`}`, fields, false);
  }
}

export class RegistryPlatformNotFoundError extends RegistryError {
  readonly wanted: string;
  readonly available: readonly string[];
  constructor(fields: RegistryErrorFields & { wanted: string; available: readonly string[] }) {
    const available = fields.available.length === 0 ? 'none' : fields.available.join(', ');
    super('MRK_REGISTRY_PLATFORM_NOT_FOUND', `no image for platform ${fields.wanted} (the image has: ${available})`, fields, false);
    this.wanted = fields.wanted;
    this.available = fields.available;
  }
}

export class RegistryRateLimitedError extends RegistryError {
  /** Seconds the registry asked to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;
  constructor(fields: RegistryErrorFields & { retryAfterSeconds?: number }) {
    const after = fields.retryAfterSeconds === undefined ? '' : `; retry after ${fields.retryAfterSeconds} s`;
    super('MRK_REGISTRY_RATE_LIMITED', `too many requests${after}`, fields, true);
    this.retryAfterSeconds = fields.retryAfterSeconds;
  }
}

export class RegistryServerError extends RegistryError {
  constructor(fields: RegistryErrorFields & { serverMessage?: string }) {
    super('MRK_REGISTRY_SERVER_ERROR', `server error${fields.serverMessage === undefined ? '' : ` (${fields.serverMessage})`}`, fields, true);
  }
}

export class RegistryUnreachableError extends RegistryError {
  /** The system or undici error code: ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET, ... */
  readonly systemCode: string | undefined;
  /** Where the connection was attempted: scheme, host and port. */
  readonly origin: string;
  constructor(fields: RegistryErrorFields & { systemCode?: string; origin: string }) {
    super('MRK_REGISTRY_UNREACHABLE', `cannot connect to ${fields.origin} (${fields.systemCode ?? 'unknown error'})`, fields, true);
    this.systemCode = fields.systemCode;
    this.origin = fields.origin;
  }
}

export class RegistryTimeoutError extends RegistryError {
  readonly timeoutMs: number;
  constructor(fields: RegistryErrorFields & { timeoutMs: number; origin: string }) {
    super('MRK_REGISTRY_TIMEOUT', `no complete answer from ${fields.origin} within ${fields.timeoutMs} ms`, fields, true);
    this.timeoutMs = fields.timeoutMs;
  }
}

export class RegistryTlsError extends RegistryError {
  readonly systemCode: string | undefined;
  constructor(fields: RegistryErrorFields & { systemCode?: string; origin: string; hint?: string }) {
    const hint = fields.hint === undefined ? '' : `; ${fields.hint}`;
    super('MRK_REGISTRY_TLS', `TLS failure talking to ${fields.origin} (${fields.systemCode ?? 'unknown error'})${hint}`, fields, false);
    this.systemCode = fields.systemCode;
  }
}

/**
 * maracker was about to send a request over plain HTTP to a host Docker's rule does not
 * allow it for (a token realm, a redirect). Nothing was sent.
 */
export class RegistryInsecureRefusedError extends RegistryError {
  /** `host[:port]` that would have received plain HTTP. */
  readonly host: string;
  constructor(fields: RegistryErrorFields & { host: string; why: string }) {
    super(
      'MRK_REGISTRY_INSECURE_REFUSED',
      `refusing plain HTTP to ${fields.host} (${fields.why}): only localhost, 127.0.0.0/8 and ::1 may be ` +
        `reached without TLS, or a host declared an insecure registry (--insecure-registry ${fields.host})`,
      fields,
      false,
    );
    this.host = fields.host;
  }
}

export class RegistryBadResponseError extends RegistryError {
  readonly reason: string;
  constructor(fields: RegistryErrorFields & { reason: string }) {
    super('MRK_REGISTRY_BAD_RESPONSE', `unusable answer: ${fields.reason}`, fields, false);
    this.reason = fields.reason;
  }
}

export class RegistryDigestMismatchError extends RegistryError {
  readonly expected: string;
  readonly actual: string;
  constructor(fields: RegistryErrorFields & { expected: string; actual: string; what: string }) {
    super('MRK_REGISTRY_DIGEST_MISMATCH', `${fields.what} ${fields.expected}, but the content received has digest ${fields.actual}`, fields, false);
    this.expected = fields.expected;
    this.actual = fields.actual;
  }
}

export class RegistryTooLargeError extends RegistryError {
  readonly limitBytes: number;
  constructor(fields: RegistryErrorFields & { limitBytes: number; sizeBytes?: number }) {
    const size = fields.sizeBytes === undefined ? 'more' : `${fields.sizeBytes} bytes`;
    super('MRK_REGISTRY_TOO_LARGE', `${size} where at most ${fields.limitBytes} bytes are read`, fields, false);
    this.limitBytes = fields.limitBytes;
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return err instanceof RegistryError;
}
