// The root of maracker's error catalogue. Every error maracker raises on purpose is a
// MarackerError with a stable `code`; code that handles errors matches on `code`
// (or `instanceof`), never on message text. Codes are never renamed, nor reused for another
// meaning. Each module defines its subclasses next to the code that raises them; their codes
// are declared here, once, so that a misspelt code does not compile (in `new ...Error(code)`,
// in `errorCode(err) === code` and in `switch (errorCode(err))` alike).

/** Every code maracker raises, with its meaning (and the module that raises it). */
export const ERROR_CODES = {
  // config/options.ts
  MRK_CONFIG_INVALID: 'configuration failed validation (every problem listed)',
  MRK_CLI_LISTEN: 'an address a command was told to listen on is taken, privileged or not on this machine (the message names the flag and a free port)',

  // manifest/errors.ts
  MRK_MANIFEST_SCHEMA_UNAVAILABLE: 'schemas/app.schema.json is missing or unreadable (an installation problem)',
  MRK_SOURCE_UNREADABLE: 'a source could not be read: its state is unknown, never empty',

  // marathon/errors.ts: Marathon (or the network in front of it) failed a request
  MRK_MARATHON_DEPLOYMENT_LOCKED: '409 "App is locked by one or more deployments" (deploymentIds)',
  MRK_MARATHON_ALREADY_EXISTS: '409 "An app with id [...] already exists."',
  MRK_MARATHON_CONFLICT: 'any other 409 (e.g. a port or dependency conflict)',
  MRK_MARATHON_DEPLOYMENT_CAP: '403 "Max number (N) of running deployments is achieved" (maxRunningDeployments)',
  MRK_MARATHON_VALIDATION: "400 / 422 with Marathon's details [{path, errors}]",
  MRK_MARATHON_NOT_FOUND: '404',
  MRK_MARATHON_UNAUTHORIZED: '401',
  MRK_MARATHON_FORBIDDEN: '403 (other than the deployment cap)',
  MRK_MARATHON_SERVER_ERROR: '5xx',
  MRK_MARATHON_UNEXPECTED_STATUS: 'any other status, or a redirect that cannot be followed',
  MRK_MARATHON_BAD_BODY: 'a 2xx whose body is truncated, not JSON or not the expected shape',
  MRK_MARATHON_TIMEOUT: 'no complete answer within `timeoutMs`',
  MRK_MARATHON_CONNECTION: 'refused, reset, DNS failure, socket closed mid-answer',
  MRK_MARATHON_TLS: 'certificate rejected / handshake failed (not transient)',
  MRK_MARATHON_CLOSED: 'the client was closed',
  MRK_MARATHON_EVENT_TOO_LARGE: 'an event-stream event outgrew maxEventBytes (the stream is dropped)',

  // plan/errors.ts
  MRK_PLAN_INPUT_INVALID: 'duplicate or mismatched app ids given to the planner (a bug upstream)',

  // registry/errors.ts: reading an image from a registry failed
  MRK_REGISTRY_REFERENCE_INVALID: "the image reference breaks Docker's reference grammar",
  MRK_REGISTRY_CREDENTIALS_INVALID: 'a Docker config.json (or a credential option) cannot be used',
  MRK_REGISTRY_UNAUTHORIZED: '401/403 from the registry or its token endpoint',
  MRK_REGISTRY_NOT_FOUND: '404: no such repository, tag, manifest or blob',
  MRK_REGISTRY_PLATFORM_NOT_FOUND: 'the image has no manifest for the wanted platform',
  MRK_REGISTRY_RATE_LIMITED: "429 (Docker Hub's pull limit): try again much later",
  MRK_REGISTRY_SERVER_ERROR: '5xx, after the read retries',
  MRK_REGISTRY_UNREACHABLE: 'refused, reset, DNS failure, socket closed mid-answer',
  MRK_REGISTRY_TIMEOUT: 'no complete answer within `timeoutMs`',
  MRK_REGISTRY_TLS: 'certificate rejected / handshake failed',
  MRK_REGISTRY_INSECURE_REFUSED: 'plain HTTP to a host that is not allowed it (no request sent)',
  MRK_REGISTRY_BAD_RESPONSE: 'an answer that cannot be used: unexpected status, bad JSON, wrong shape, unsupported manifest type, broken redirect',
  MRK_REGISTRY_DIGEST_MISMATCH: 'content whose digest is not the one asked for or announced',
  MRK_REGISTRY_TOO_LARGE: 'a manifest or config larger than the configured cap',

  // status/errors.ts, status/limits.ts: answers of the status API (HTTP status first)
  MRK_STATUS_UNAUTHORIZED: '401: bearer token missing or wrong',
  MRK_STATUS_TOKEN_REQUIRED: '403: the action needs a status token (a prune approval or a row write from elsewhere than this host)',
  MRK_STATUS_NOT_FOUND: '404: no such route',
  MRK_STATUS_APP_NOT_FOUND: '404: no such app',
  MRK_STATUS_METHOD_NOT_ALLOWED: '405: route exists, method does not (see `Allow`)',
  MRK_STATUS_BAD_QUERY: '400: a query filter names an unknown value',
  MRK_STATUS_BAD_REQUEST: '400: the HTTP request itself is malformed',
  MRK_STATUS_REQUEST_TIMEOUT: '408: the request head or body did not arrive in time',
  MRK_STATUS_BODY_TOO_LARGE: '413: a request body over the limit (no route takes a body)',
  MRK_STATUS_URI_TOO_LONG: '414: a URL over the limit',
  MRK_STATUS_HEADERS_TOO_LARGE: '431: a request head over the limit',
  MRK_STATUS_RATE_LIMITED: '429: more webhook requests than the limit (a fetch is on its way anyway)',
  MRK_STATUS_PRUNE_UNAVAILABLE: '503: this instance cannot approve prunes (not wired, follower)',
  MRK_STATUS_SYNC_UNAVAILABLE: '503: this instance cannot sync (not wired)',
  MRK_STATUS_TRAEFIK_DISABLED: '404: GET /traefik/v3 on a daemon not started with --traefik v3',
  MRK_STATUS_NOT_READY: '503: GET /traefik/v3 before the first full sync (Traefik keeps the configuration it has)',
  MRK_STATUS_READ_ONLY: '409: the app is not declared by a database row (a manifest app changes through git)',
  MRK_STATUS_ROWS_UNAVAILABLE: '503: this instance cannot write rows of maracker.apps (no database)',
  MRK_STATUS_INTERNAL: '500: a bug or an unexpected failure; details in the log',
  MRK_STATUS_LISTEN: 'the status server could not listen (port taken, bad host)',

  // app/daemon.ts
  MRK_NOT_LEADER: 'a prune approval or a sync sent to a follower',

  // prune/guard.ts
  MRK_PRUNE_EPISODE_STALE: 'an approval naming another episode than the one blocked now',

  // postgres/errors.ts: the database side
  MRK_DB_TIMEOUT: 'a query got no answer in time (half-open connection, stuck server)',
  MRK_DB_MIGRATION_FAILED: 'a schema migration failed; its transaction was rolled back',
  MRK_DB_EMBEDDED_FAILED: 'the embedded PostgreSQL could not be initialised or started',
  MRK_DB_EMBEDDED_IN_USE: 'another live maracker process owns the embedded data folder',
  MRK_DB_INSTALLATION_MISSING: 'maracker.installation holds no usable name (never regenerated)',

  // sandbox/errors.ts: the Marathon stand-in
  MRK_SANDBOX_OPTIONS_INVALID: 'the sandbox was given options it cannot use',
  MRK_SANDBOX_SEED_INVALID: 'a seed file cannot be read or is not a GET /v2/apps answer',
  MRK_SANDBOX_API_ERROR: 'a non-2xx answer of the sandbox, as Marathon gives it',
} as const satisfies Record<`MRK_${string}`, string>;

/** A code of the catalogue: the compiler refuses any other string. */
export type MarackerCode = keyof typeof ERROR_CODES;

export class MarackerError extends Error {
  readonly code: MarackerCode;

  constructor(code: MarackerCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The catalogue code of a maracker error; undefined for anything else. Compare it with codes of the catalogue only. */
export function errorCode(err: unknown): MarackerCode | undefined {
  return err instanceof MarackerError ? err.code : undefined;
}

/**
 * The code any failure carries, for logs and labels: a maracker error's, or the one Node or
 * undici put on a system error (`ECONNREFUSED`, `UND_ERR_SOCKET`, `ERR_TLS_CERT_ALTNAME_INVALID`),
 * looked for through `cause` and an AggregateError's first error (a connection attempted on
 * several addresses). Undefined when there is none. To branch on a maracker error, use
 * `errorCode`, which the compiler checks.
 */
export function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return codeOf(e.errors[0]);
  if (e.cause !== undefined && e.cause !== err) return codeOf(e.cause);
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
