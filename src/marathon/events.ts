// Subscription to Marathon's event stream (GET /v2/events, SSE). Marathon's events are
// unordered and lost whenever the connection drops (leader change, proxy timeout, network),
// so they are hints, never state: every time the stream had to be re-established the
// subscriber is told there was a *gap* and must re-read everything it cares about.
//
// Lifecycle: connect -> onConnected -> events... -> stream breaks -> backoff -> connect ->
// onConnected -> onGap(reason) -> events... until close() (or the signal) stops it. The first
// connection reports no gap; any failure before it does.

import type { Logger } from '../base/log.js';
import type { MarathonEvent } from '../model/marathon.js';
import { isObject } from '../model/json.js';
import { MarathonBadBodyError, MarathonError, MarathonEventTooLargeError } from './errors.js';
import type { HttpTransport } from './http.js';
import type { Sleep } from './options.js';
import { backoffDelay, readRetryBackoff } from '../base/backoff.js';
import { ROUTES, type Query } from './routes.js';
import { SseParser, type SseMessage } from './sse.js';
import { codeOf, errorMessage } from '../base/errors.js';
import { checkInteger } from '../base/options.js';
import type { Timers } from '../base/timers.js';

export interface EventsOptions {
  /** Only these event types (`event_type=` repeated). Default: all. */
  eventTypes?: string[];
  onEvent(event: MarathonEvent): void;
  /** Events may have been lost (the stream broke, or an event could not be parsed): re-read. */
  onGap(reason: string): void;
  /** Called on every successful (re)connection, before any onGap for it. */
  onConnected?(): void;
  /** Connection failures and unparseable events, for logging; the subscription carries on. */
  onError?(err: MarathonError): void;
  /** Aborting it is the same as close(). */
  signal?: AbortSignal;
  /**
   * Reconnect when no byte arrived for this long (half-open connection, silent proxy).
   * Marathon's Jetty EventSourceServlet writes a heartbeat line every 10 s, so 30000-60000
   * is safe against a real Marathon. Default 0: off.
   */
  idleTimeoutMs?: number;
  /** First reconnect delay, doubled per consecutive failure, with jitter. Default 1000. */
  reconnectBaseDelayMs?: number;
  /** Longest reconnect delay. Default 30000. */
  reconnectMaxDelayMs?: number;
  /**
   * Largest event (its data lines, UTF-8 bytes): a larger one drops the stream, which then
   * reconnects and reports a gap. Default 16 MiB (EVENTS_DEFAULTS.maxEventBytes, see there why).
   */
  maxEventBytes?: number;
}

export interface EventSubscription {
  /** Whether a stream is currently open. */
  readonly connected: boolean;
  /** Stops the subscription for good; resolves once the connection is released. */
  close(): Promise<void>;
}

export interface EventsDeps {
  transport: HttpTransport;
  sleep: Sleep;
  random: () => number;
  /** Runs the idle timeout. */
  timers: Pick<Timers, 'setTimeout' | 'clearTimeout'>;
  logger: Logger | undefined;
}

/**
 * maxEventBytes: Marathon's deployment events (deployment_info, deployment_step_success,
 * group_change_success ...) carry the whole plan: the original and the target definition of
 * every app of the group. For a group of about a thousand apps of a few KB each that is a few
 * MB; 16 MiB leaves room for that and bounds what a broken or hostile peer can make the
 * daemon hold (the parsed event costs a small multiple more while it is handled).
 */
export const EVENTS_DEFAULTS = { idleTimeoutMs: 0, reconnectBaseDelayMs: 1_000, reconnectMaxDelayMs: 30_000, maxEventBytes: 16 * 1024 * 1024 } as const;

export function checkEventsOptions(opts: EventsOptions): void {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('Expected events options to be an object');
  for (const name of ['onEvent', 'onGap'] as const) {
    if (typeof opts[name] !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got \`${typeof opts[name]}\``);
  }
  for (const name of ['idleTimeoutMs', 'reconnectBaseDelayMs', 'reconnectMaxDelayMs'] as const) {
    if (opts[name] !== undefined) checkInteger(name, opts[name], 0);
  }
  if (opts.maxEventBytes !== undefined) checkInteger('maxEventBytes', opts.maxEventBytes, 1);
  if (opts.eventTypes !== undefined && (!Array.isArray(opts.eventTypes) || opts.eventTypes.some((t) => typeof t !== 'string' || t === ''))) {
    throw new TypeError('Expected `eventTypes` to be an array of non-empty strings');
  }
}

export class MarathonEventSubscription implements EventSubscription {
  readonly #stop = new AbortController();
  readonly #done: Promise<void>;
  #open = false;
  readonly #idleTimeoutMs: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxEventBytes: number;
  readonly #opts: EventsOptions;
  readonly #deps: EventsDeps;
  readonly #onClosed: (s: MarathonEventSubscription) => void;

  constructor(opts: EventsOptions, deps: EventsDeps, onClosed: (s: MarathonEventSubscription) => void) {
    this.#opts = opts;
    this.#deps = deps;
    this.#onClosed = onClosed;
    checkEventsOptions(opts);
    this.#idleTimeoutMs = opts.idleTimeoutMs ?? EVENTS_DEFAULTS.idleTimeoutMs;
    this.#baseDelayMs = opts.reconnectBaseDelayMs ?? EVENTS_DEFAULTS.reconnectBaseDelayMs;
    this.#maxDelayMs = Math.max(this.#baseDelayMs, opts.reconnectMaxDelayMs ?? EVENTS_DEFAULTS.reconnectMaxDelayMs);
    this.#maxEventBytes = opts.maxEventBytes ?? EVENTS_DEFAULTS.maxEventBytes;
    const onAbort = () => this.#stop.abort();
    if (opts.signal?.aborted) this.#stop.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.#done = this.#run().finally(() => {
      // A long-lived signal shared by many subscriptions must not collect their listeners.
      opts.signal?.removeEventListener('abort', onAbort);
      this.#onClosed(this);
    });
  }

  get connected(): boolean {
    return this.#open;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }

  get #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    const query: Query = (this.#opts.eventTypes ?? []).map((t) => ['event_type', t]);
    let failures = 0;
    let gap: string | undefined;
    while (!this.#stopped) {
      const attempt = new AbortController();
      const signal = AbortSignal.any([attempt.signal, this.#stop.signal]);
      let reason: string;
      try {
        const stream = await this.#deps.transport.open(
          { method: 'GET', path: ROUTES.events, query, route: ROUTES.events, accept: 'text/event-stream' },
          signal,
        );
        this.#open = true;
        this.#deps.logger?.debug({ origin: stream.origin, gap }, 'marathon events connected');
        this.#safely(() => this.#opts.onConnected?.());
        if (gap !== undefined) {
          const g = gap;
          gap = undefined;
          this.#safely(() => this.#opts.onGap(g));
        }
        reason = await this.#consume(stream.body, attempt, () => {
          failures = 0;
        });
      } catch (err) {
        if (this.#stopped) break;
        const error = err instanceof MarathonError ? err : undefined;
        if (error) this.#safely(() => this.#opts.onError?.(error));
        // The client was closed under us: nothing to reconnect with.
        if (error?.code === 'MRK_MARATHON_CLOSED') break;
        reason = `connect failed: ${error?.code ?? String(err)}`;
      } finally {
        this.#open = false;
        attempt.abort();
      }
      if (this.#stopped) break;
      gap ??= reason;
      failures++;
      const delayMs = backoffDelay(failures, readRetryBackoff(this.#baseDelayMs, this.#maxDelayMs), this.#deps.random);
      this.#deps.logger?.debug({ reason, delayMs, failures }, 'marathon events reconnecting');
      await this.#deps.sleep(delayMs, this.#stop.signal);
    }
  }

  /** Reads the stream until it ends; resolves with why it ended. */
  async #consume(body: AsyncIterable<Buffer | string> & { destroy(err?: Error): void }, attempt: AbortController, onBytes: () => void): Promise<string> {
    const parser = new SseParser((m) => this.#deliver(m), { maxEventBytes: this.#maxEventBytes });
    let idle = false;
    const timers = this.#deps.timers;
    let timer: unknown;
    const arm = () => {
      if (this.#idleTimeoutMs <= 0) return;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = timers.setTimeout(() => {
        idle = true;
        attempt.abort();
      }, this.#idleTimeoutMs);
    };
    arm();
    let first = true;
    try {
      for await (const chunk of body) {
        if (first) {
          first = false;
          onBytes();
        }
        arm();
        parser.push(chunk);
        const size = parser.tooLarge;
        if (size !== undefined) {
          // Sizes only: the content is whatever the peer chose to send.
          const error = new MarathonEventTooLargeError({ method: 'GET', path: ROUTES.events, status: 200, limitBytes: this.#maxEventBytes, sizeBytes: size });
          this.#deps.logger?.warn({ limitBytes: this.#maxEventBytes, sizeBytes: size }, 'marathon event too large: dropping the event stream');
          this.#safely(() => this.#opts.onError?.(error));
          return `event larger than ${this.#maxEventBytes} bytes (${size} bytes read)`;
        }
      }
      parser.end();
      return 'stream ended by the server';
    } catch (err) {
      parser.end();
      if (idle) return `no data for ${this.#idleTimeoutMs} ms`;
      const code = codeOf(err);
      return `stream broke (${code ?? (err as Error).name ?? 'error'})`;
    } finally {
      if (timer !== undefined) timers.clearTimeout(timer);
      body.destroy();
    }
  }

  #deliver(message: SseMessage): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      parsed = undefined;
    }
    if (isObject(parsed) && typeof parsed.eventType !== 'string' && message.event !== 'message') {
      parsed.eventType = message.event;
    }
    if (!isObject(parsed) || typeof parsed.eventType !== 'string') {
      const error = new MarathonBadBodyError({
        method: 'GET',
        path: ROUTES.events,
        status: 200,
        // Its size only: an event's content is whatever the peer chose to send.
        reason: `unparseable event (${Buffer.byteLength(message.data)} bytes)`,
      });
      this.#safely(() => this.#opts.onError?.(error));
      // The event is lost, and with it whatever it would have told the caller.
      this.#safely(() => this.#opts.onGap(`unparseable ${message.event} event`));
      return;
    }
    const event = parsed as MarathonEvent;
    this.#safely(() => this.#opts.onEvent(event));
  }

  /** Subscriber callbacks must not kill the subscription. */
  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#deps.logger?.warn({ err: errorMessage(err) }, 'marathon events callback threw');
    }
  }
}
