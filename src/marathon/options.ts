// MarathonClient options: documented with their defaults, checked once at construction with
// messages that name the option and the bad value, then frozen.

import { setTimeout as delay, setImmediate } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { BACKOFF } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import { integerOption } from '../base/options.js';
import type { Timers } from '../base/timers.js';
import { basicUserProblem, loadCa, type MarathonAuth } from './auth.js';
import { MAX_BODY_BYTES } from './body-buffer.js';
import type { MarathonError } from './errors.js';
import { checkMarathonUrl } from './url.js';

/** One HTTP exchange with Marathon, for metrics. `route` is a low-cardinality template. */
export interface MarathonRequestInfo {
  method: string;
  /** e.g. `/v2/apps`, `/v2/apps/{id}`, `/v2/deployments/{id}`, `/v2/events`. */
  route: string;
  /** The HTTP status, when an answer arrived (also set for bad bodies: the status was 2xx). */
  status?: number;
  durationMs: number;
  /** 1 for the first try of a read, 2 for its first retry, ... */
  attempt: number;
  /** Set when the exchange failed; `error.code` is a stable, low-cardinality label. */
  error?: MarathonError;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface MarathonClientOptions {
  /** Marathon base URL, `http(s)://host:port[/base/path]`. Required. No credentials in it: use `auth`. */
  url: string;
  /** Deadline for one HTTP exchange, headers and body together (for events: until headers). Default 10000. */
  timeoutMs?: number;
  /** HTTP basic `{ username, password }` or DC/OS `{ token }`. Default: none. */
  auth?: MarathonAuth;
  /** Extra CA to trust for https: PEM text, or the path of a PEM file. Default: the system CAs. */
  ca?: string | Buffer;
  /** Accept any server certificate. Default false; only for test clusters. */
  insecureTls?: boolean;
  /** Tries for a read (GET) before giving up, first try included. Default 3. Writes are tried once. */
  readAttempts?: number;
  /** First retry delay of a read, doubled each retry, with jitter. Default 250. */
  retryBaseDelayMs?: number;
  /** Longest delay between read retries. Default 5000. */
  retryMaxDelayMs?: number;
  /** Redirects followed per request (a standby pointing at the leader). Default 3. */
  maxRedirects?: number;
  /** pino logger for debug lines; never given credentials. Default: silent. */
  logger?: Logger;
  /** Called after every HTTP exchange (retries and redirect hops included). */
  onRequest?: (info: MarathonRequestInfo) => void;
  /** undici dispatcher to use instead of the client's own Agent (tests: MockAgent). Not closed by `close()`. */
  dispatcher?: Dispatcher;
  /** Injected for tests. Default: an abortable timer. */
  sleep?: Sleep;
  /** Injected for tests: a number in [0, 1). Default Math.random. */
  random?: () => number;
  /** Yields to the event loop between slices of a large listing. Default: setImmediate. */
  pause?: () => Promise<void>;
  /**
   * Injected for tests: runs the event streams' idle timeout (`idleTimeoutMs`), so a test can
   * move its time instead of racing it. Default: the global setTimeout/clearTimeout.
   */
  timers?: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  /** Default `maracker`. */
  userAgent?: string;
  /**
   * The most bytes of one answer read (the app listing included); a longer answer is
   * MRK_MARATHON_BAD_BODY, never held: an endless or huge body must not take the daemon's
   * memory. Default MAX_BODY_BYTES (256 MiB: 30,000 apps with their tasks are about 35).
   */
  maxBodyBytes?: number;
}

export interface ResolvedOptions {
  /** Normalised base URL: no trailing slash. */
  baseUrl: string;
  timeoutMs: number;
  auth: MarathonAuth | undefined;
  ca: string | Buffer | undefined;
  insecureTls: boolean;
  readAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  maxRedirects: number;
  logger: Logger | undefined;
  onRequest: ((info: MarathonRequestInfo) => void) | undefined;
  dispatcher: Dispatcher | undefined;
  sleep: Sleep;
  random: () => number;
  pause: () => Promise<void>;
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  userAgent: string;
  maxBodyBytes: number;
}

export const DEFAULTS = {
  timeoutMs: 10_000,
  readAttempts: 3,
  retryBaseDelayMs: BACKOFF.read.baseMs,
  retryMaxDelayMs: BACKOFF.read.maxMs,
  maxRedirects: 3,
  userAgent: 'maracker',
  maxBodyBytes: MAX_BODY_BYTES,
} as const;

/** The global timers, looked up at each call (vitest's fake timers still apply), not unref'd. */
export const defaultTimers: Pick<Timers, 'setTimeout' | 'clearTimeout'> = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One turn of the event loop: timers, I/O and other requests run before the work goes on. */
export const defaultPause = (): Promise<void> => setImmediate();

export const defaultSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // Aborted: the caller checks its own signal.
  }
};

export function resolveOptions(options: MarathonClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected options to be an object, got \`${String(options)}\``);
  }
  const url = checkMarathonUrl(options.url);
  if (!url.ok) throw new TypeError(`\`url\`: ${url.problem}`);
  const baseUrl = url.baseUrl;
  const timeoutMs = integerOption('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs, 1);
  const readAttempts = integerOption('readAttempts', options.readAttempts, DEFAULTS.readAttempts, 1);
  const retryBaseDelayMs = integerOption('retryBaseDelayMs', options.retryBaseDelayMs, DEFAULTS.retryBaseDelayMs, 0);
  const retryMaxDelayMs = integerOption('retryMaxDelayMs', options.retryMaxDelayMs, DEFAULTS.retryMaxDelayMs, 0);
  const maxRedirects = integerOption('maxRedirects', options.maxRedirects, DEFAULTS.maxRedirects, 0);
  const maxBodyBytes = integerOption('maxBodyBytes', options.maxBodyBytes, DEFAULTS.maxBodyBytes, 1);
  if (retryMaxDelayMs < retryBaseDelayMs) {
    throw new TypeError(`Expected \`retryMaxDelayMs\` to be at least \`retryBaseDelayMs\` (${retryBaseDelayMs}), got \`${retryMaxDelayMs}\``);
  }
  const insecureTls = options.insecureTls ?? false;
  if (typeof insecureTls !== 'boolean') {
    throw new TypeError(`Expected \`insecureTls\` to be a boolean, got \`${String(insecureTls)}\``);
  }
  checkAuth(options.auth);
  if (options.ca !== undefined && typeof options.ca !== 'string' && !Buffer.isBuffer(options.ca)) {
    throw new TypeError(`Expected \`ca\` to be PEM text, a file path or a Buffer, got \`${typeof options.ca}\``);
  }
  if (options.dispatcher !== undefined && (options.ca !== undefined || insecureTls)) {
    throw new TypeError('Expected `ca` and `insecureTls` to be unset when `dispatcher` is given: configure TLS on that dispatcher');
  }
  for (const name of ['onRequest', 'sleep', 'random', 'pause'] as const) {
    const fn = options[name];
    if (fn !== undefined && typeof fn !== 'function') {
      throw new TypeError(`Expected \`${name}\` to be a function, got \`${typeof fn}\``);
    }
  }
  const timers = options.timers ?? defaultTimers;
  if (typeof timers !== 'object' || timers === null || typeof timers.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    throw new TypeError('Expected `timers` to be an object with `setTimeout` and `clearTimeout` functions');
  }
  const userAgent = options.userAgent ?? DEFAULTS.userAgent;
  if (typeof userAgent !== 'string' || userAgent.length === 0) {
    throw new TypeError(`Expected \`userAgent\` to be a non-empty string, got \`${String(userAgent)}\``);
  }
  return Object.freeze({
    baseUrl,
    timeoutMs,
    auth: options.auth === undefined ? undefined : Object.freeze({ ...options.auth }),
    ca: options.ca === undefined ? undefined : loadCa(options.ca),
    insecureTls,
    readAttempts,
    retryBaseDelayMs,
    retryMaxDelayMs,
    maxRedirects,
    logger: options.logger,
    onRequest: options.onRequest,
    dispatcher: options.dispatcher,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    pause: options.pause ?? defaultPause,
    timers,
    userAgent,
    maxBodyBytes,
  });
}

function checkAuth(auth: unknown): void {
  if (auth === undefined) return;
  if (typeof auth !== 'object' || auth === null) {
    throw new TypeError('Expected `auth` to be `{ username, password }` or `{ token }`');
  }
  const a = auth as Record<string, unknown>;
  const hasToken = 'token' in a;
  const hasBasic = 'username' in a || 'password' in a;
  if (hasToken && hasBasic) {
    throw new TypeError('Expected `auth` to be either `{ username, password }` or `{ token }`, got both');
  }
  if (hasToken) {
    if (typeof a.token !== 'string' || a.token.length === 0) throw new TypeError('Expected `auth.token` to be a non-empty string');
    return;
  }
  if (typeof a.username !== 'string') throw new TypeError('Expected `auth.username` to be a non-empty string');
  const problem = basicUserProblem(a.username);
  if (problem !== undefined) throw new TypeError(`\`auth.username\`: ${problem}`);
  if (typeof a.password !== 'string') throw new TypeError('Expected `auth.password` to be a string');
}
