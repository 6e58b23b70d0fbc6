// LISTEN on one channel, supervised. pg-listen reconnects after a short loss and re-issues
// LISTEN, but (measured here) it gives up for good after about 3 s of downtime and loses
// notifications sent while it reconnects. So:
// - every (re)connection is reported (`onConnected`) once LISTEN is active again: the
//   caller re-reads the whole table then, which covers whatever was lost meanwhile;
// - when pg-listen gives up (or never connected), the subscriber is thrown away and a new
//   one created, with backoff, forever;
// - a health query runs on the listening connection every `healthIntervalMs` with a
//   client-side timeout, so a half-open connection (peer gone, no FIN) is noticed.

import type pg from 'pg';
import pgListen from 'pg-listen';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { BACKOFF, backoffDelay, type BackoffOptions } from '../base/backoff.js';
import { systemTimers, type Timers } from '../base/timers.js';
import { withTimeout } from './connection.js';

type Subscriber = ReturnType<typeof createSubscriber>;

// pg-listen is CommonJS with `exports.default`.
const createSubscriber = ((pgListen as unknown as { default?: typeof pgListen }).default ?? pgListen) as unknown as typeof import('pg-listen').default;

export interface ListenerOptions {
  /** Client configuration of the listening connection (see connection.ts). */
  connection: pg.ClientConfig;
  channel: string;
  logger: Logger;
  timers?: Timers;
  random?: () => number;
  /** Health query period on the listening connection. Default 1500 ms. */
  healthIntervalMs?: number;
  /**
   * How long the health query (and LISTEN) may take. Default 1500 ms: with the 1.5 s period
   * and the source's 1 s grace, a dead connection makes the source Unknown within 4 s.
   */
  healthTimeoutMs?: number;
  /** How long pg-listen retries by itself after a loss before the supervisor takes over. Default 3000 ms. */
  giveUpMs?: number;
  /** Delays between new subscribers. Default 250 ms doubling to 10 s. */
  backoff?: BackoffOptions;
  onNotification(payload: string): void;
  /** LISTEN is active (first connection or after a reconnection): re-read everything. */
  onConnected(): void;
  /** The listening connection is gone; notifications may be lost until onConnected. */
  onLost(reason: string): void;
}

export class SupervisedListener {
  readonly #o: ListenerOptions;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #backoff: BackoffOptions;
  readonly #log: Logger;
  #sub: Subscriber | undefined;
  /** Each subscriber's events are ignored once it has been replaced. */
  #generation = 0;
  #connected = false;
  #failures = 0;
  #retryTimer: unknown;
  #watchdog: unknown;
  #stopped = false;
  #lastError = 'not connected yet';
  /** Subscribers created so far (1 + how often the supervisor replaced one). */
  subscribers = 0;
  /** Times LISTEN became active (first connection and every reconnection). */
  connections = 0;

  constructor(options: ListenerOptions) {
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#backoff = options.backoff ?? BACKOFF.database;
    this.#log = options.logger;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get lastError(): string {
    return this.#lastError;
  }

  /** First connection attempt; resolves true once LISTEN is active, false if it failed (retried in the background). */
  start(): Promise<boolean> {
    return this.#spawn();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    for (const t of [this.#retryTimer, this.#watchdog]) if (t !== undefined) this.#timers.clearTimeout(t);
    const sub = this.#sub;
    this.#sub = undefined;
    this.#connected = false;
    if (sub) await this.#close(sub);
  }

  async #spawn(): Promise<boolean> {
    if (this.#stopped) return false;
    const gen = ++this.#generation;
    const healthTimeoutMs = this.#o.healthTimeoutMs ?? 1_500;
    const sub = createSubscriber(
      // The client-side query timeout is what turns the health query on a half-open socket
      // into an error (and a reconnection) instead of an eternal wait.
      { ...this.#o.connection, query_timeout: healthTimeoutMs },
      {
        paranoidChecking: this.#o.healthIntervalMs ?? 1_500,
        retryTimeout: this.#o.giveUpMs ?? 3_000,
        retryInterval: (attempt: number) => backoffDelay(attempt + 1, { ...this.#backoff, maxMs: Math.min(this.#backoff.maxMs, 1_000) }, this.#random),
        // Payloads are bare app ids, not JSON.
        parse: (s: string) => s,
        serialize: (s: unknown) => String(s),
      },
    );
    this.#sub = sub;
    this.subscribers++;
    let initial = true;
    const current = (): boolean => gen === this.#generation && !this.#stopped;
    sub.events.on('notification', (n: { payload?: unknown }) => {
      if (current()) this.#o.onNotification(String(n.payload ?? ''));
    });
    sub.events.on('reconnect', (attempt: number) => {
      if (current() && attempt === 1) this.#lost('connection to the database lost; reconnecting');
    });
    sub.events.on('connected', () => {
      if (initial) return;
      // A replaced subscriber can still finish reconnecting (pg-listen's loop does not look
      // at close()): close the connection it just made, or it would listen forever.
      if (!current()) return void this.#close(sub);
      this.#up();
    });
    sub.events.on('error', (err: Error) => {
      if (current()) this.#giveUp(err);
    });
    try {
      await sub.connect();
      await withTimeout(Promise.resolve(sub.listenTo(this.#o.channel)), healthTimeoutMs, `LISTEN ${this.#o.channel}`, this.#timers);
    } catch (err) {
      initial = false;
      if (current()) this.#giveUp(err);
      else void this.#close(sub);
      return false;
    }
    initial = false;
    if (!current()) {
      void this.#close(sub);
      return false;
    }
    this.#up();
    return true;
  }

  #up(): void {
    if (this.#watchdog !== undefined) this.#timers.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    const again = this.connections > 0;
    this.#connected = true;
    this.#failures = 0;
    this.connections++;
    this.#log.info({ channel: this.#o.channel }, again ? 'listening again after reconnecting' : 'listening for changes');
    this.#o.onConnected();
  }

  #lost(reason: string): void {
    this.#lastError = reason;
    if (this.#connected) {
      this.#connected = false;
      this.#log.warn({ reason }, 'database listener lost its connection');
      this.#o.onLost(reason);
    }
    // pg-listen is expected to reconnect or give up (an 'error') within giveUpMs; if it
    // does neither (a connect that hangs), the supervisor replaces it anyway.
    if (this.#watchdog === undefined) {
      const gen = this.#generation;
      const ms = (this.#o.giveUpMs ?? 3_000) + 2 * (this.#o.connection.connectionTimeoutMillis ?? 5_000) + 1_000;
      this.#watchdog = this.#timers.setTimeout(() => {
        this.#watchdog = undefined;
        if (gen === this.#generation && !this.#connected && !this.#stopped) this.#giveUp(new Error('reconnection stalled'));
      }, ms);
    }
  }

  /** pg-listen gave up (or the first connection failed): replace the subscriber after a backoff. */
  #giveUp(err: unknown): void {
    const reason = errorMessage(err);
    this.#lost(reason);
    this.#lastError = reason;
    if (this.#watchdog !== undefined) this.#timers.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    const sub = this.#sub;
    this.#sub = undefined;
    this.#generation++;
    if (sub) void this.#close(sub);
    if (this.#stopped) return;
    this.#failures++;
    const delay = backoffDelay(this.#failures, this.#backoff, this.#random);
    this.#log.debug({ err: reason, retryInMs: delay, failures: this.#failures }, 'database listener: new connection after backoff');
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#spawn();
    }, delay);
  }

  /** close() ends the client; on a half-open socket that never completes, so it is not awaited long. */
  async #close(sub: Subscriber): Promise<void> {
    await withTimeout(sub.close(), 1_000, 'closing the listener', this.#timers).catch(() => undefined);
  }
}
