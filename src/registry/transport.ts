// The HTTP exchanges under the registry client: a deadline on each, bodies read up to a cap,
// redirects followed (blob storage), Docker's plain-HTTP rule enforced before anything is
// sent, and network failures translated into the error catalogue. Nothing here knows about
// authentication or images.

import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { codeOf } from '../base/errors.js';
import { isTimeoutCode, isTlsCode } from '../net/system-codes.js';
import {
  RegistryError,
  RegistryInsecureRefusedError,
  RegistryTimeoutError,
  RegistryTlsError,
  RegistryTooLargeError,
  RegistryBadResponseError,
  RegistryUnreachableError,
  type RegistryErrorFields,
} from './errors.js';
import type { ResolvedRegistryOptions } from './options.js';
import type { PlainHttpPolicy } from './plain-http.js';

export interface Exchange {
  method: 'GET' | 'HEAD';
  url: URL;
  accept?: string;
  /** Sent to the URL's origin only, never to a redirect's other origin. */
  authorization?: string;
  /** A 2xx body longer than this fails with TOO_LARGE; other bodies are cut at ERROR_BODY_BYTES. */
  maxBytes: number;
  fields: RegistryErrorFields;
  attempt: number;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Where the answer came from, after redirects. */
  url: URL;
}

/** Enough of an error body for the registry's error code and message. */
const ERROR_BODY_BYTES = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Transport {
  readonly #opts: ResolvedRegistryOptions;
  readonly #policy: PlainHttpPolicy;
  readonly #verified: Dispatcher;
  readonly #unverified: Dispatcher;
  readonly #owned: Dispatcher[] = [];
  /** The scheme each API host answered on: https, or http for one the policy allows. */
  readonly #schemes = new Map<string, 'https' | 'http'>();

  constructor(opts: ResolvedRegistryOptions, policy: PlainHttpPolicy) {
    this.#opts = opts;
    this.#policy = policy;
    if (opts.dispatcher) {
      this.#verified = opts.dispatcher;
      this.#unverified = opts.dispatcher;
    } else {
      const agent = (rejectUnauthorized: boolean): Agent =>
        new Agent({ connect: { rejectUnauthorized, timeout: opts.timeoutMs }, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs });
      this.#verified = agent(true);
      // Docker skips certificate checks for the registries it may reach over plain HTTP.
      this.#unverified = agent(false);
      this.#owned.push(this.#verified, this.#unverified);
    }
  }

  /**
   * A request to a registry's /v2/ API on `apiHost`. HTTPS first; a host the policy allows
   * plain HTTP falls back to it when TLS fails or nothing answers, as Docker does, and the
   * scheme that worked is kept for the next requests.
   */
  async api(apiHost: string, path: string, ex: Omit<Exchange, 'url'>): Promise<RawResponse> {
    const known = this.#schemes.get(apiHost);
    const first = known ?? 'https';
    try {
      const res = await this.send({ ...ex, url: new URL(`${first}://${apiHost}${path}`) });
      this.#schemes.set(apiHost, first);
      return res;
    } catch (err) {
      const fallback = known === undefined && this.#policy.allows(apiHost) && (err instanceof RegistryTlsError || err instanceof RegistryUnreachableError);
      if (!fallback) throw err;
      const res = await this.send({ ...ex, url: new URL(`http://${apiHost}${path}`) });
      this.#schemes.set(apiHost, 'http');
      return res;
    }
  }

  /** One logical request: redirects followed up to maxRedirects, each hop under the plain-HTTP rule. */
  async send(ex: Exchange): Promise<RawResponse> {
    const origin = ex.url.origin;
    let url = ex.url;
    for (let hop = 0; ; hop++) {
      this.#refusePlainHttp(url, ex.fields, hop === 0 ? 'no TLS' : 'a redirect without TLS');
      const res = await this.#exchange(url, ex, url.origin === origin ? ex.authorization : undefined);
      if (!REDIRECTS.has(res.status)) return res;
      const location = res.headers.location;
      const target = Array.isArray(location) ? location[0] : location;
      const fields = { ...ex.fields, status: res.status };
      if (target === undefined || target === '') throw new RegistryBadResponseError({ ...fields, reason: 'a redirect without a Location header' });
      if (hop >= this.#opts.maxRedirects) throw new RegistryBadResponseError({ ...fields, reason: `more than ${this.#opts.maxRedirects} redirects` });
      let next: URL;
      try {
        next = new URL(target, url);
      } catch {
        throw new RegistryBadResponseError({ ...fields, reason: 'a redirect to an invalid Location' });
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw new RegistryBadResponseError({ ...fields, reason: `a redirect to a ${next.protocol} URL` });
      url = next;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#owned.map((d) => d.close()));
  }

  #refusePlainHttp(url: URL, fields: RegistryErrorFields, why: string): void {
    if (url.protocol === 'http:' && !this.#policy.allows(url.host)) {
      throw new RegistryInsecureRefusedError({ ...fields, host: url.host, why });
    }
  }

  async #exchange(url: URL, ex: Exchange, authorization: string | undefined): Promise<RawResponse> {
    const headers: Record<string, string> = { 'user-agent': this.#opts.userAgent };
    if (ex.accept !== undefined) headers.accept = ex.accept;
    if (authorization !== undefined) headers.authorization = authorization;
    const dispatcher = this.#policy.allows(url.host) ? this.#unverified : this.#verified;
    const deadline = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort();
    }, this.#opts.timeoutMs);
    const started = performance.now();
    let status: number | undefined;
    try {
      const res = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: ex.method,
        headers,
        signal: deadline.signal,
        headersTimeout: this.#opts.timeoutMs,
        bodyTimeout: this.#opts.timeoutMs,
      });
      status = res.statusCode;
      const ok = status >= 200 && status <= 299;
      const cap = ok ? ex.maxBytes : ERROR_BODY_BYTES;
      const declared = Number(res.headers['content-length']);
      if (ok && ex.method !== 'HEAD' && Number.isFinite(declared) && declared > cap) {
        res.body.destroy();
        throw new RegistryTooLargeError({ ...ex.fields, limitBytes: cap, sizeBytes: declared });
      }
      const skip = ex.method === 'HEAD' || REDIRECTS.has(status);
      if (skip) await res.body.dump();
      const body = skip ? Buffer.alloc(0) : await readCapped(res.body, cap, ok);
      if (body === undefined) throw new RegistryTooLargeError({ ...ex.fields, limitBytes: cap });
      this.#report(ex, url, started, status);
      return { status, headers: res.headers, body, url };
    } catch (err) {
      const error = networkError(
        err,
        { ...ex.fields, ...(status === undefined ? {} : { status }) },
        url.origin,
        timedOut,
        this.#opts.timeoutMs,
        this.#policy.allows(url.host),
      );
      this.#report(ex, url, started, status, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #report(ex: Exchange, url: URL, started: number, status: number | undefined, error?: RegistryError): void {
    const durationMs = Math.max(0, performance.now() - started);
    // The path only: a token request's query names the account.
    this.#opts.logger?.debug(
      {
        registry: ex.fields.registry,
        method: ex.method,
        origin: url.origin,
        path: url.pathname,
        status,
        attempt: ex.attempt,
        durationMs: Math.round(durationMs),
        code: error?.code,
      },
      'registry request',
    );
    if (!this.#opts.onRequest) return;
    try {
      this.#opts.onRequest({ method: ex.method, origin: url.origin, path: url.pathname, status, durationMs, attempt: ex.attempt, error });
    } catch (hookErr) {
      // A broken metrics hook must not break the request it observes.
      this.#opts.logger?.warn({ err: (hookErr as Error).message }, 'registry onRequest hook threw');
    }
  }
}

/** The body up to `cap` bytes; undefined when a 2xx body is longer (error bodies are cut instead). */
async function readCapped(body: Dispatcher.ResponseData['body'], cap: number, strict: boolean): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > cap) {
      body.destroy();
      if (strict) return undefined;
      chunks.push(chunk.subarray(0, chunk.length - (length - cap)));
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function networkError(err: unknown, fields: RegistryErrorFields, origin: string, timedOut: boolean, timeoutMs: number, plainAllowed: boolean): RegistryError {
  if (err instanceof RegistryError) return err;
  const code = codeOf(err);
  if (timedOut || isTimeoutCode(code)) return new RegistryTimeoutError({ ...fields, timeoutMs, origin, cause: err });
  if (isTlsCode(code)) {
    const host = new URL(origin).host;
    const hint = plainAllowed ? undefined : `if ${host} serves plain HTTP, declare it an insecure registry (--insecure-registry ${host})`;
    return new RegistryTlsError({ ...fields, systemCode: code, origin, ...(hint === undefined ? {} : { hint }), cause: err });
  }
  return new RegistryUnreachableError({ ...fields, systemCode: code, origin, cause: err });
}
