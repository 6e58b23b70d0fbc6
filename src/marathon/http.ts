// The HTTP transport under MarathonClient: one keep-alive undici Agent, a deadline on every
// exchange, leader redirects, read retries, and translation of every failure into the
// error catalogue (errors.ts). Nothing here knows about apps; client.ts does.

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { authorizationHeader, secretRedactor } from './auth.js';
import { BodyShapeError, headerValue } from './body.js';
import { BodyBuffer, BodyTooLargeError, boundedBody, decodeBody, type LeasedBody } from './body-buffer.js';
import { classifyResponse, type RequestFields } from './classify.js';
import {
  MarathonBadBodyError,
  MarathonClientClosedError,
  MarathonConnectionError,
  MarathonError,
  MarathonTimeoutError,
  MarathonTlsError,
  MarathonUnexpectedStatusError,
} from './errors.js';
import type { ResolvedOptions } from './options.js';
import { backoffDelay, readRetryBackoff } from '../base/backoff.js';
import { codeOf, errorMessage } from '../base/errors.js';
import { isTimeoutCode, isTlsCode } from '../net/system-codes.js';
import { isRetryableRead } from './retry.js';
import { withQuery, type Query, type Route } from './routes.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, without query: `/v2/apps/web`. */
  path: string;
  query?: Query;
  /** Serialised as JSON. */
  body?: unknown;
  route: Route;
  appId?: string;
  accept?: string;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's bytes: valid until the parse function (or the promise it returns) is done. */
  bytes: Buffer;
  /** The body as text, decoded on first use. */
  readonly text: string;
  origin: string;
}

export interface HttpStream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
  origin: string;
}

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body?: LeasedBody;
  stream?: Readable;
  /** What a consumer made of a 2xx body as it arrived (`consumed`), or the BodyShapeError it refused it with. */
  consumed?: { value: unknown } | { refused: BodyShapeError };
  origin: string;
}

/**
 * Reads a 2xx body as it arrives; a BodyShapeError it throws reaches the caller as it is. The
 * deadline covers waiting for the body, not the consumer's own work: it adds to `busy.ms` the
 * time it spends on what arrived (slices of work, and the turns it yields), and the deadline
 * is moved back by as much.
 */
export type BodyConsumer<T> = (body: AsyncIterable<Uint8Array>, busy: { ms: number }) => Promise<T>;

const REDIRECTS = new Set([301, 302, 307, 308]);
const CLOSED_CODES = new Set(['UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

export class HttpTransport {
  readonly #dispatcher: Dispatcher;
  /** Where large bodies (the app listing) are read, kept between requests. */
  readonly #bodies = new BodyBuffer();
  readonly #ownsDispatcher: boolean;
  readonly #authorization: string | undefined;
  readonly redact: (text: string) => string;
  /** Base URL of the leader a standby redirected us to; cleared when it fails. */
  #leaderBase: string | undefined;
  #closed = false;
  readonly #opts: ResolvedOptions;

  constructor(opts: ResolvedOptions) {
    this.#opts = opts;
    this.#authorization = authorizationHeader(opts.auth);
    this.redact = secretRedactor(opts.auth);
    if (opts.dispatcher) {
      this.#dispatcher = opts.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#dispatcher = new Agent({
        connect: { ca: opts.ca, rejectUnauthorized: !opts.insecureTls, timeout: opts.timeoutMs },
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      this.#ownsDispatcher = true;
    }
  }

  /** Where requests currently go: the remembered leader, or the configured URL. */
  get currentBase(): string {
    return this.#leaderBase ?? this.#opts.baseUrl;
  }

  /**
   * Sends `req`, turns a non-2xx answer into its error class and a 2xx into `parse(res)`.
   * GETs are retried on transient failures (including bodies `parse` rejects); every other
   * method is sent exactly once.
   */
  call<T>(req: HttpRequest, parse: (res: HttpResponse) => T | Promise<T>): Promise<T> {
    return this.#call(req, { parse });
  }

  /**
   * As call(), but a 2xx body is given to `consume` as it arrives, never held whole (the app
   * listing). A BodyShapeError `consume` throws is not retried nor wrapped: the caller decides
   * (it reads the body again whole, for the precise error).
   */
  callStream<T>(req: HttpRequest, consume: BodyConsumer<T>): Promise<T> {
    return this.#call(req, { consume });
  }

  async #call<T>(req: HttpRequest, how: { parse: (res: HttpResponse) => T | Promise<T> } | { consume: BodyConsumer<T> }): Promise<T> {
    const attempts = req.method === 'GET' ? this.#opts.readAttempts : 1;
    const consume = 'consume' in how ? how.consume : undefined;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let status: number | undefined;
      let raw: Raw | undefined;
      try {
        raw = await this.#send(req, 'text', attempt, undefined, consume);
        status = raw.status;
        const res = response(raw);
        if (res.status < 200 || res.status > 299) {
          throw classifyResponse(res.status, this.redact(res.text), this.#fields(req, res.origin));
        }
        if (raw.consumed !== undefined && 'refused' in raw.consumed) {
          this.#report(req, attempt, started, status);
          throw raw.consumed.refused;
        }
        const value = raw.consumed !== undefined ? (raw.consumed.value as T) : await this.#parseBody(req, res, 'parse' in how ? how.parse : notRead);
        this.#report(req, attempt, started, status);
        return value;
      } catch (err) {
        // The body is no use to a retry: its buffer is free for others during the backoff.
        raw?.body?.release();
        if (err instanceof BodyShapeError && raw?.consumed !== undefined) throw err;
        const error = err instanceof MarathonError ? err : this.#unknownError(err, req);
        this.#report(req, attempt, started, status, error);
        if (attempt >= attempts || !isRetryableRead(error)) throw error;
        const delayMs = backoffDelay(attempt, readRetryBackoff(this.#opts.retryBaseDelayMs, this.#opts.retryMaxDelayMs), this.#opts.random);
        this.#opts.logger?.debug({ method: req.method, route: req.route, code: error.code, attempt, delayMs }, 'marathon read retry');
        await this.#opts.sleep(delayMs);
      } finally {
        raw?.body?.release();
      }
    }
  }

  /** Opens a long-lived response (the event stream): deadline on the headers only, one try. */
  async open(req: HttpRequest, signal: AbortSignal): Promise<HttpStream> {
    const started = performance.now();
    let status: number | undefined;
    try {
      const res = await this.#send(req, 'stream', 1, signal);
      status = res.status;
      if (res.status < 200 || res.status > 299 || !res.stream) {
        const text = res.body ? decodeBody(res.body.bytes) : '';
        res.body?.release();
        throw classifyResponse(res.status, this.redact(text), this.#fields(req, res.origin));
      }
      this.#report(req, 1, started, status);
      return { status: res.status, headers: res.headers, body: res.stream, origin: res.origin };
    } catch (err) {
      const error = err instanceof MarathonError ? err : this.#unknownError(err, req);
      this.#report(req, 1, started, status, error);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // close() lets in-flight requests finish (each is bounded by timeoutMs): aborting a
    // write half-way would leave its outcome unknown for no reason.
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #parseBody<T>(req: HttpRequest, res: HttpResponse, parse: (res: HttpResponse) => T | Promise<T>): Promise<T> {
    try {
      return await parse(res);
    } catch (err) {
      if (!(err instanceof BodyShapeError)) throw err;
      throw new MarathonBadBodyError({
        ...this.#fields(req, res.origin),
        status: res.status,
        body: this.redact(res.text),
        reason: err.message,
      });
    }
  }

  /** One logical request: follows redirects from a standby to the leader, bounded by maxRedirects. */
  async #send(req: HttpRequest, mode: 'text' | 'stream', attempt: number, signal?: AbortSignal, consume?: BodyConsumer<unknown>): Promise<Raw> {
    if (this.#closed) throw new MarathonClientClosedError(this.#fields(req));
    const pathWithQuery = withQuery(req.path, req.query);
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    let base = this.currentBase;
    let url = new URL(base + pathWithQuery);
    for (let hop = 0; ; hop++) {
      const started = performance.now();
      let raw: Raw;
      try {
        raw = await this.#exchange(url, req, payload, mode, signal, consume);
      } catch (err) {
        if (base === this.#leaderBase) this.#forgetLeader('unreachable');
        throw err;
      }
      if (!REDIRECTS.has(raw.status)) {
        if (base === this.#leaderBase && raw.status >= 500) this.#forgetLeader(`answered ${raw.status}`);
        else if (base !== this.#opts.baseUrl && raw.status < 500 && base !== this.#leaderBase) this.#rememberLeader(base);
        return raw;
      }
      const location = headerValue(raw.headers, 'location');
      const fields = { ...this.#fields(req, raw.origin), status: raw.status };
      if (location === undefined) throw new MarathonUnexpectedStatusError({ ...fields, reason: 'redirect without a Location header' });
      if (hop >= this.#opts.maxRedirects) {
        throw new MarathonUnexpectedStatusError({ ...fields, reason: `more than ${this.#opts.maxRedirects} redirects` });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new MarathonUnexpectedStatusError({ ...fields, reason: 'redirect to an invalid Location' });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new MarathonUnexpectedStatusError({ ...fields, reason: `redirect to a ${next.protocol} URL` });
      }
      if (url.protocol === 'https:' && next.protocol === 'http:') {
        // Credentials must not leave TLS because a standby said so.
        throw new MarathonUnexpectedStatusError({ ...fields, reason: 'refusing a redirect from https to http' });
      }
      this.#report(req, attempt, started, raw.status);
      this.#opts.logger?.debug({ method: req.method, route: req.route, from: url.origin, to: next.origin }, 'marathon redirect');
      base = leaderBaseFrom(next, req.path);
      url = next;
    }
  }

  /** One HTTP exchange, under a deadline that covers the headers and (in text mode) the body, consumed or read whole. */
  async #exchange(
    url: URL,
    req: HttpRequest,
    payload: string | undefined,
    mode: 'text' | 'stream',
    signal?: AbortSignal,
    consume?: BodyConsumer<unknown>,
  ): Promise<Raw> {
    const headers: Record<string, string> = {
      accept: req.accept ?? 'application/json',
      'user-agent': this.#opts.userAgent,
    };
    if (this.#authorization !== undefined) headers.authorization = this.#authorization;
    // Also without a payload (POST .../restart): Marathon's resources consume JSON only.
    if (payload !== undefined || req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
      headers['content-type'] = 'application/json';
    }

    const deadline = new AbortController();
    let timedOut = false;
    // The time a consumer spent on the body (BodyConsumer): owed back to the deadline.
    const busy = { ms: 0 };
    let credited = 0;
    const expire = (): void => {
      const owed = busy.ms - credited;
      if (owed >= 1) {
        credited = busy.ms;
        timer = setTimeout(expire, owed);
        return;
      }
      timedOut = true;
      deadline.abort();
    };
    let timer = setTimeout(expire, this.#opts.timeoutMs);
    const combined = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
    const fields = this.#fields(req, url.origin);
    try {
      const res = await this.#dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: req.method,
        headers,
        body: payload,
        signal: combined,
        headersTimeout: this.#opts.timeoutMs,
        bodyTimeout: mode === 'stream' ? 0 : this.#opts.timeoutMs,
      });
      const ok = res.statusCode >= 200 && res.statusCode <= 299;
      if (mode === 'stream' && ok) {
        clearTimeout(timer);
        return { status: res.statusCode, headers: res.headers, stream: res.body, origin: url.origin };
      }
      if (REDIRECTS.has(res.statusCode)) {
        await res.body.dump();
        return { status: res.statusCode, headers: res.headers, origin: url.origin };
      }
      const length = Number(headerValue(res.headers, 'content-length') ?? Number.NaN);
      if (consume !== undefined && ok) {
        try {
          if (length > this.#opts.maxBodyBytes) throw new BodyTooLargeError(this.#opts.maxBodyBytes);
          const value = await consume(boundedBody(res.body, this.#opts.maxBodyBytes), busy);
          return { status: res.statusCode, headers: res.headers, consumed: { value }, origin: url.origin };
        } catch (err) {
          // The rest of the body is of no use, and the connection is not reused (destroying a
          // body nobody reads emits an abort error: nothing is left to hear it).
          res.body.on('error', () => undefined);
          res.body.destroy();
          if (!(err instanceof BodyShapeError)) throw err;
          return { status: res.statusCode, headers: res.headers, consumed: { refused: err }, origin: url.origin };
        }
      }
      try {
        const body = await this.#bodies.read(res.body, length, this.#opts.maxBodyBytes);
        return { status: res.statusCode, headers: res.headers, body, origin: url.origin };
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          res.body.on('error', () => undefined);
          res.body.destroy();
        }
        throw err;
      }
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new MarathonBadBodyError({ ...fields, reason: err.message });
      throw transportError(err, fields, timedOut, this.#opts.timeoutMs, signal?.aborted === true);
    } finally {
      clearTimeout(timer);
    }
  }

  #rememberLeader(base: string): void {
    this.#leaderBase = base;
    this.#opts.logger?.debug({ leader: new URL(base).origin }, 'marathon leader remembered after redirect');
  }

  #forgetLeader(reason: string): void {
    this.#opts.logger?.debug({ leader: this.#leaderBase && new URL(this.#leaderBase).origin, reason }, 'marathon leader forgotten');
    this.#leaderBase = undefined;
  }

  #fields(req: HttpRequest, origin?: string): RequestFields {
    return { method: req.method, path: withQuery(req.path, req.query), origin, appId: req.appId };
  }

  #unknownError(err: unknown, req: HttpRequest): MarathonError {
    // A parse function threw something other than BodyShapeError: treat the body as unusable.
    return new MarathonBadBodyError({ ...this.#fields(req), reason: errorMessage(err), cause: err });
  }

  #report(req: HttpRequest, attempt: number, started: number, status: number | undefined, error?: MarathonError): void {
    const durationMs = Math.max(0, performance.now() - started);
    this.#opts.logger?.debug(
      { method: req.method, route: req.route, path: withQuery(req.path, req.query), status, durationMs: Math.round(durationMs), attempt, code: error?.code },
      'marathon request',
    );
    if (!this.#opts.onRequest) return;
    try {
      this.#opts.onRequest({ method: req.method, route: req.route, status, durationMs, attempt, error });
    } catch (hookErr) {
      // A broken metrics hook must not break the request it observes.
      this.#opts.logger?.warn({ err: (hookErr as Error).message }, 'marathon onRequest hook threw');
    }
  }
}

/**
 * The leader's base URL from a redirect Location: its origin plus whatever base path it put
 * in front of the path we asked for (Marathon behind a path-prefix proxy keeps the prefix).
 */
export function leaderBaseFrom(location: URL, requestPath: string): string {
  const path = location.pathname;
  const prefix = path.endsWith(requestPath) ? path.slice(0, path.length - requestPath.length) : '';
  return `${location.origin}${prefix.replace(/\/+$/, '')}`;
}

function transportError(err: unknown, fields: RequestFields, timedOut: boolean, timeoutMs: number, aborted: boolean): MarathonError {
  if (err instanceof MarathonError) return err;
  const code = codeOf(err);
  if (timedOut || isTimeoutCode(code)) {
    return new MarathonTimeoutError({ ...fields, timeoutMs, cause: err });
  }
  if (aborted || (code !== undefined && CLOSED_CODES.has(code))) return new MarathonClientClosedError({ ...fields, cause: err });
  if (isTlsCode(code)) return new MarathonTlsError({ ...fields, systemCode: code, cause: err });
  return new MarathonConnectionError({ ...fields, systemCode: code, cause: err });
}

/** A 2xx body a consumer was given is never parsed again: reaching here is a bug. */
function notRead(): never {
  throw new BodyShapeError('the body was consumed as it arrived');
}

/** The response a parse function sees; the text is decoded only when asked for. */
function response(raw: Raw): HttpResponse {
  const bytes = raw.body?.bytes ?? Buffer.alloc(0);
  let text: string | undefined;
  return {
    status: raw.status,
    headers: raw.headers,
    bytes,
    get text(): string {
      text ??= decodeBody(bytes);
      return text;
    },
    origin: raw.origin,
  };
}
