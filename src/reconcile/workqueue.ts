// A keyed work queue in the manner of client-go's workqueue, built on p-queue for the
// concurrency. The queue holds keys (app ids), never objects: a reconcile always re-reads
// the current desired and actual state of its key, so what is queued can never be stale.
//
// Invariants:
// - a key waiting is not queued twice (bursts of changes collapse into one reconcile);
// - a key never runs twice at once; a key added while it runs runs once more afterwards;
// - a key that fails is retried with per-key exponential backoff; one success resets it;
//   a caller's known delay (`afterMs`) counts for the first failure in a row only;
// - a handler that throws is treated as a transient failure (the "panic" is recovered).

import PQueue from 'p-queue';
import { BACKOFF, backoffDelay, checkBackoffOptions, type BackoffOptions } from '../base/backoff.js';
import { systemTimers, type Timers } from '../base/timers.js';

/** What one reconcile of a key concluded (controller-runtime's contract). */
export type ReconcileResult =
  /** Converged (or nothing to do). Optionally look again later, e.g. while Marathon deploys. */
  | { kind: 'done'; requeueAfterMs?: number }
  /**
   * Transient failure: retried with backoff. `afterMs`, when the caller knows a better delay,
   * is used for the first failure in a row; from the second on the delay is never shorter
   * than the backoff, so no failure path can loop faster than the backoff allows.
   */
  | { kind: 'retry'; error: unknown; afterMs?: number }
  /** Will not get better by retrying (invalid input, conflict): wait until the key is added again. */
  | { kind: 'terminal'; error: unknown };

export interface WorkQueueOptions {
  /** Keys reconciled at once. Default 4. */
  concurrency?: number;
  handler: (key: string) => Promise<ReconcileResult>;
  backoff?: Partial<BackoffOptions>;
  timers?: Timers;
  /** [0, 1) source for jitter. Default Math.random. */
  random?: () => number;
  /** Called after each reconcile with its outcome and duration (metrics, logs). */
  onResult?: (key: string, result: ReconcileResult, durationMs: number) => void;
}

export class WorkQueue {
  readonly #queue: PQueue;
  readonly #handler: (key: string) => Promise<ReconcileResult>;
  readonly #backoff: BackoffOptions;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #onResult: WorkQueueOptions['onResult'];
  /** Keys waiting to run (including keys that run now and must run once more). */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, { handle: unknown; at: number }>();
  /** Who waits for the next run of a key to end (runNow). */
  readonly #waiters = new Map<string, Array<(result: ReconcileResult | undefined) => void>>();
  #shutdown = false;
  #runs = 0;

  constructor(options: WorkQueueOptions) {
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`Expected \`concurrency\` to be an integer from 1 and up, got \`${concurrency}\``);
    }
    this.#queue = new PQueue({ concurrency });
    this.#handler = options.handler;
    this.#backoff = checkBackoffOptions({ ...BACKOFF.reconcile, ...options.backoff });
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#onResult = options.onResult;
  }

  /** Queues the key unless it is already waiting. */
  add(key: string): void {
    if (this.#shutdown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // runs again when the current run ends
    void this.#queue.add(() => this.#run(key));
  }

  /**
   * Queues the key and resolves with the outcome of its next run, one that starts after this
   * call (a run in progress does not count: it may have read the state too early). Resolves
   * undefined when the queue shuts down first.
   */
  runNow(key: string): Promise<ReconcileResult | undefined> {
    if (this.#shutdown) return Promise.resolve(undefined);
    const done = new Promise<ReconcileResult | undefined>((resolve) => {
      const list = this.#waiters.get(key);
      if (list) list.push(resolve);
      else this.#waiters.set(key, [resolve]);
    });
    this.add(key);
    return done;
  }

  /** Queues the key after `ms`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shutdown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#timers.now() + ms;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#timers.clearTimeout(existing.handle);
    const handle = this.#timers.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { handle, at });
  }

  /** Consecutive failures of a key (0 after a success). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Keys waiting to run now (not counting delayed retries). */
  get depth(): number {
    let n = 0;
    for (const k of this.#dirty) if (!this.#processing.has(k)) n++;
    return n;
  }

  /** Keys scheduled for a later retry or look. */
  get delayed(): number {
    return this.#delayed.size;
  }

  get running(): number {
    return this.#processing.size;
  }

  isWaiting(key: string): boolean {
    return this.#dirty.has(key);
  }

  /**
   * Whether the queue still owes the key a run: it waits, runs, has a later look or retry
   * scheduled (backoff included), or its last outcome was a failure. A caller deciding to
   * leave a key out of a pass (the controller's unchanged keys) must not while this is true:
   * such a key's next run is already decided by the queue, not by its inputs.
   */
  isPending(key: string): boolean {
    return this.#dirty.has(key) || this.#processing.has(key) || this.#delayed.has(key) || this.#failures.has(key);
  }

  /** Resolves when nothing waits and nothing runs (delayed keys do not count). */
  async onIdle(): Promise<void> {
    while (this.#dirty.size > 0 || this.#processing.size > 0) {
      await this.#queue.onIdle();
    }
  }

  /**
   * Stops accepting keys, drops waiting and delayed ones, and waits for running reconciles
   * up to `deadlineMs`. Resolves true when they all finished in time.
   */
  async shutdown(deadlineMs: number): Promise<boolean> {
    this.#shutdown = true;
    for (const { handle } of this.#delayed.values()) this.#timers.clearTimeout(handle);
    this.#delayed.clear();
    this.#queue.clear();
    this.#dirty.clear();
    // Runs in progress took their waiters already; the others wait for runs that will not come.
    for (const list of this.#waiters.values()) for (const w of list) w(undefined);
    this.#waiters.clear();
    if (this.#processing.size === 0) return true;
    let timer: unknown;
    const timeout = new Promise<false>((resolve) => {
      timer = this.#timers.setTimeout(() => resolve(false), deadlineMs);
    });
    const finished = this.#queue.onIdle().then(() => true as const);
    const result = await Promise.race([finished, timeout]);
    this.#timers.clearTimeout(timer);
    return result;
  }

  async #run(key: string): Promise<void> {
    // Reconciles answered from the cache never wait for I/O, so a pass over 10,000 apps
    // would run as one chain of microtasks and starve the status server and the event
    // stream. Every 64 runs, give the event loop a turn.
    if (++this.#runs % 64 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    this.#dirty.delete(key);
    this.#processing.add(key);
    const waiters = this.#waiters.get(key);
    this.#waiters.delete(key);
    // Level-triggered: this run sees the latest state, so a pending delayed look is redundant.
    const pending = this.#delayed.get(key);
    if (pending) {
      this.#timers.clearTimeout(pending.handle);
      this.#delayed.delete(key);
    }
    const started = this.#timers.now();
    let result: ReconcileResult;
    try {
      result = await this.#handler(key);
    } catch (error) {
      result = { kind: 'retry', error };
    }
    // Settled while still processing: an immediate retry (afterMs 0) only marks the key dirty
    // and the last line queues it once. Settled after, the retry queued a run of its own, and
    // when no worker was free to start it at once, the last line queued a second one.
    this.#settle(key, result);
    this.#processing.delete(key);
    for (const w of waiters ?? []) w(result);
    try {
      this.#onResult?.(key, result, this.#timers.now() - started);
    } catch {
      // An observer must never break the queue.
    }
    if (this.#dirty.has(key) && !this.#shutdown) void this.#queue.add(() => this.#run(key));
  }

  #settle(key: string, result: ReconcileResult): void {
    switch (result.kind) {
      case 'done':
        this.#failures.delete(key);
        if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
        return;
      case 'retry': {
        const n = (this.#failures.get(key) ?? 0) + 1;
        this.#failures.set(key, n);
        this.addAfter(
          key,
          retryDelay(n, result.afterMs, () => backoffDelay(n, this.#backoff, this.#random)),
        );
        return;
      }
      case 'terminal':
        // Not retried: the key comes back when its input changes (a source event adds it).
        this.#failures.delete(key);
        return;
    }
  }
}

/**
 * Delay before retry number `failures` of a key. A known delay is a hint for one retry, not a
 * schedule: a Marathon whose reads and writes of one app disagree (a read says 404, the
 * create says 409 "already exists") made an "immediate" retry loop forever, 260 POSTs in
 * 12 s, the whole write budget. So a first failure may be retried promptly; repeated ones
 * back off like any other failure.
 */
export function retryDelay(failures: number, afterMs: number | undefined, backoff: () => number): number {
  if (afterMs === undefined) return backoff();
  if (failures <= 1) return afterMs;
  return Math.max(afterMs, backoff());
}
