// RegistryClient options: documented with their defaults, checked once at construction with
// messages that name the option and the bad value, then frozen.

import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { BACKOFF } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import { integerOption } from '../base/options.js';
import type { RegistryCredential } from './credentials.js';
import type { DockerConfig } from './docker-config.js';
import type { DockerConfigFile } from './docker-config-file.js';
import type { RegistryError } from './errors.js';
import { DEFAULT_PLATFORM, parsePlatform, type Platform } from './platform.js';

/** One HTTP exchange with a registry or a token endpoint, for metrics and tests. */
export interface RegistryRequestInfo {
  method: string;
  /** Scheme, host and port. */
  origin: string;
  /** Path without query (a token request's query names the account). */
  path: string;
  status?: number;
  durationMs: number;
  /** 1 for the first try of a read, 2 for its first retry, ... */
  attempt: number;
  error?: RegistryError;
}

export type Sleep = (ms: number) => Promise<void>;

export interface RegistryClientOptions {
  /** Platform whose manifest is read from an image index. Default `linux/amd64`. */
  platform?: string | Platform;
  /** Username and password per registry. Default: none. Never sent to another registry. */
  credentials?: readonly RegistryCredential[];
  /**
   * A Docker config.json, for its `auths`: parsed once, or followed (DockerConfigFile: looked
   * at again before every read, so rotated credentials are used without a restart). Default: none.
   */
  dockerConfig?: DockerConfig | DockerConfigFile;
  /**
   * Hosts (`host`, any port) or `host:port` that may be reached over plain HTTP, and whose
   * TLS certificate is not verified, besides localhost, 127.0.0.0/8 and ::1. Default: none.
   */
  insecureRegistries?: readonly string[];
  /** Deadline of one HTTP exchange, headers and body together. Default 10000. */
  timeoutMs?: number;
  /** Tries of a read before giving up, first included, on 5xx, timeouts and connection failures. Default 3. */
  readAttempts?: number;
  /** First delay between tries, doubled each time, with jitter. Default 250. */
  retryBaseDelayMs?: number;
  /** Longest delay between tries. Default 5000. */
  retryMaxDelayMs?: number;
  /** How long a tag's digest is trusted before it is asked again. Default 60000. */
  tagTtlMs?: number;
  /** Manifests and configs kept by digest (they never change), least recently used dropped first. Default 1000. */
  cacheEntries?: number;
  /** Largest manifest or index read. Default 4 MiB (the distribution registry's own limit). */
  maxManifestBytes?: number;
  /** Largest image config read. Default 8 MiB. */
  maxConfigBytes?: number;
  /** Redirects followed per request (blob storage). Default 3. */
  maxRedirects?: number;
  /** pino logger for debug lines; never given a credential. Default: silent. */
  logger?: Logger;
  /** Called after every HTTP exchange. */
  onRequest?: (info: RegistryRequestInfo) => void;
  /** undici dispatcher for every request (tests: MockAgent). Not closed by `close()`. */
  dispatcher?: Dispatcher;
  /** Clock for the tag cache and token expiry, ms. Default Date.now. */
  now?: () => number;
  /** Injected for tests. Default: a timer. */
  sleep?: Sleep;
  /** Injected for tests: a number in [0, 1). Default Math.random. */
  random?: () => number;
  /** Default `maracker`. */
  userAgent?: string;
}

export interface ResolvedRegistryOptions {
  platform: Platform;
  credentials: readonly RegistryCredential[];
  dockerConfig: DockerConfig | DockerConfigFile | undefined;
  insecureRegistries: readonly string[];
  timeoutMs: number;
  readAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  tagTtlMs: number;
  cacheEntries: number;
  maxManifestBytes: number;
  maxConfigBytes: number;
  maxRedirects: number;
  logger: Logger | undefined;
  onRequest: ((info: RegistryRequestInfo) => void) | undefined;
  dispatcher: Dispatcher | undefined;
  now: () => number;
  sleep: Sleep;
  random: () => number;
  userAgent: string;
}

export const REGISTRY_DEFAULTS = {
  timeoutMs: 10_000,
  readAttempts: 3,
  retryBaseDelayMs: BACKOFF.read.baseMs,
  retryMaxDelayMs: BACKOFF.read.maxMs,
  tagTtlMs: 60_000,
  cacheEntries: 1_000,
  maxManifestBytes: 4 * 1024 * 1024,
  maxConfigBytes: 8 * 1024 * 1024,
  maxRedirects: 3,
  userAgent: 'maracker',
} as const;

export function resolveRegistryOptions(o: RegistryClientOptions = {}): ResolvedRegistryOptions {
  if (typeof o !== 'object' || o === null) throw new TypeError(`Expected options to be an object, got \`${String(o)}\``);
  const platform = o.platform === undefined ? DEFAULT_PLATFORM : typeof o.platform === 'string' ? parsePlatform(o.platform) : o.platform;
  const retryBaseDelayMs = integerOption('retryBaseDelayMs', o.retryBaseDelayMs, REGISTRY_DEFAULTS.retryBaseDelayMs, 0);
  const retryMaxDelayMs = integerOption('retryMaxDelayMs', o.retryMaxDelayMs, REGISTRY_DEFAULTS.retryMaxDelayMs, 0);
  if (retryMaxDelayMs < retryBaseDelayMs) {
    throw new TypeError(`Expected \`retryMaxDelayMs\` to be at least \`retryBaseDelayMs\` (${retryBaseDelayMs}), got \`${retryMaxDelayMs}\``);
  }
  if (o.credentials !== undefined && !Array.isArray(o.credentials))
    throw new TypeError('Expected `credentials` to be an array of { registry, username, password }');
  if (o.insecureRegistries !== undefined && !Array.isArray(o.insecureRegistries))
    throw new TypeError('Expected `insecureRegistries` to be an array of HOST or HOST:PORT');
  for (const name of ['onRequest', 'now', 'sleep', 'random'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got \`${typeof o[name]}\``);
  }
  const userAgent = o.userAgent ?? REGISTRY_DEFAULTS.userAgent;
  if (typeof userAgent !== 'string' || userAgent.length === 0)
    throw new TypeError(`Expected \`userAgent\` to be a non-empty string, got \`${String(userAgent)}\``);
  return Object.freeze({
    platform: Object.freeze({ ...platform }),
    credentials: Object.freeze([...(o.credentials ?? [])]),
    dockerConfig: o.dockerConfig,
    insecureRegistries: Object.freeze([...(o.insecureRegistries ?? [])]),
    timeoutMs: integerOption('timeoutMs', o.timeoutMs, REGISTRY_DEFAULTS.timeoutMs, 1),
    readAttempts: integerOption('readAttempts', o.readAttempts, REGISTRY_DEFAULTS.readAttempts, 1),
    retryBaseDelayMs,
    retryMaxDelayMs,
    tagTtlMs: integerOption('tagTtlMs', o.tagTtlMs, REGISTRY_DEFAULTS.tagTtlMs, 0),
    cacheEntries: integerOption('cacheEntries', o.cacheEntries, REGISTRY_DEFAULTS.cacheEntries, 1),
    maxManifestBytes: integerOption('maxManifestBytes', o.maxManifestBytes, REGISTRY_DEFAULTS.maxManifestBytes, 1),
    maxConfigBytes: integerOption('maxConfigBytes', o.maxConfigBytes, REGISTRY_DEFAULTS.maxConfigBytes, 1),
    maxRedirects: integerOption('maxRedirects', o.maxRedirects, REGISTRY_DEFAULTS.maxRedirects, 0),
    logger: o.logger,
    onRequest: o.onRequest,
    dispatcher: o.dispatcher,
    now: o.now ?? Date.now,
    sleep: o.sleep ?? ((ms: number) => delay(ms).then(() => undefined)),
    random: o.random ?? Math.random,
    userAgent,
  });
}
