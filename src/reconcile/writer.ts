// Executes one planned write against Marathon, under the global limits (leadership,
// deployment gate, write rate), sends it only if the sources still declare what it was
// planned from once those waits are over, and says what a failure means for the app; which
// failure is which is answered once, by failureKind next to the Marathon error catalogue.
// Writes are never retried here: a timed-out write may have been applied, so the work queue
// brings the app back, the reconciler re-reads it and plans again.

import type { Timers } from '../base/timers.js';
import { failureKind, requestWentOut } from '../marathon/retry.js';
import type { Leadership } from '../model/leadership.js';
import type { DeploymentRef } from '../model/marathon.js';
import type { Action } from '../model/plan.js';
import type { ErrorRecord } from '../status/model.js';
import type { ActualCache } from './actual-cache.js';
import type { DeploymentGate } from './deployment-gate.js';
import { errorRecord } from './error-record.js';
import type { MarathonWriter } from './ports.js';
import type { TokenBucket } from './token-bucket.js';

export type WriteKind = 'create' | 'scale' | 'update' | 'restart' | 'delete';

export type WriteOutcome =
  | { kind: 'applied'; deploymentId: string; version: string; at: string }
  /** Another daemon leads: the write is its job. */
  | { kind: 'not-leader' }
  /** The daemon is shutting down. */
  | { kind: 'stopped' }
  /**
   * What the write was planned from changed while it waited (for leadership or the write
   * rate): nothing was sent; the app is planned again from what the sources say now.
   */
  | { kind: 'superseded' }
  /** Every deployment slot is taken: the app waits its turn (re-queued when one frees). */
  | { kind: 'no-slot'; inFlight: number; limit: number }
  /**
   * Transient: try again (after `afterMs` when the writer knows a better delay than backoff).
   * `sent`: the request went out, whatever came back, if anything (src/marathon/retry.ts).
   */
  | { kind: 'retry'; error: ErrorRecord; afterMs?: number; sent?: true }
  /** Marathon refused the definition itself: retrying the same input cannot succeed. `sent` as above. */
  | { kind: 'rejected'; error: ErrorRecord; sent?: true };

export interface WriterDeps {
  marathon: MarathonWriter;
  gate: DeploymentGate;
  bucket: TokenBucket;
  leadership: Leadership;
  cache: ActualCache;
  timers: Timers;
  /** Send force=true (override deployment locks). Off by default. */
  force: boolean;
  /** How soon to try again when the app is locked by a running deployment. */
  lockRetryMs: number;
  /** Aborted when the daemon stops: a write waiting for the rate is not sent. */
  signal: AbortSignal;
  /** Told of each write's outcome (metrics). */
  onWrite?: (kind: WriteKind, outcome: WriteOutcome['kind'], replaced?: ReplaceReason) => void;
  /** Called right before the request goes out (the safety harness records write order). */
  beforeWrite?: (action: Action) => void;
  /**
   * Awaited once every wait is over, before `stillWanted` is asked: brings the sources' view
   * up to date as to whether they can be read (DesiredState.confirm), so that a write is not
   * made from a source that went away while it waited.
   */
  confirmSources?: () => Promise<void>;
}

/** Why a write replaces a running deployment of its app: it cannot finish, or it deploys what the sources no longer declare. */
export type ReplaceReason = 'stuck' | 'obsolete';

export interface WriteOptions {
  supersede?: ReplaceReason;
  stillWanted?: () => boolean;
  /**
   * Awaited once the write may go out, before leadership and `stillWanted` are checked a last
   * time: what must be on record before the request (the prune guard's count of a delete).
   * An error record keeps the write from going out (`retry` with it).
   */
  beforeSend?: () => Promise<ErrorRecord | undefined>;
}

export function writeKind(action: Action): WriteKind | undefined {
  switch (action.kind) {
    case 'create':
      return 'create';
    case 'update':
      return action.mode === 'scale' ? 'scale' : action.mode === 'finish-restart' ? 'restart' : 'update';
    case 'delete':
      return 'delete';
    default:
      return undefined;
  }
}

export class Writer {
  readonly #d: WriterDeps;

  constructor(deps: WriterDeps) {
    this.#d = deps;
  }

  /**
   * `supersede`: send force=true for this write even without --force, replacing a running
   * deployment of the app that cannot finish or that deploys what the sources no longer
   * declare (the reconciler's judgement, and why).
   * `stillWanted`: asked once every wait is over, right before the request goes out: whether
   * the sources still declare what the action was planned from. Waiting for leadership or
   * the write rate can outlast a source change (a second commit, a row edited again, an app
   * removed or declared again, a source gone unreadable: see confirmSources); such a write
   * is not sent (`superseded`).
   */
  async write(action: Action, o: WriteOptions = {}): Promise<WriteOutcome> {
    const kind = writeKind(action);
    if (!kind) throw new TypeError(`not a write: ${action.kind}`);
    const outcome = await this.#write(action, kind, o);
    this.#d.onWrite?.(kind, outcome.kind, o.supersede);
    return outcome;
  }

  async #write(action: Action, kind: WriteKind, o: WriteOptions): Promise<WriteOutcome> {
    if (!(await this.#d.leadership.canWrite())) return { kind: 'not-leader' };
    if (this.#d.signal.aborted) return { kind: 'stopped' };
    const ticket = this.#d.gate.tryAcquire();
    if (!ticket) return { kind: 'no-slot', inFlight: this.#d.gate.inFlight, limit: this.#d.gate.limit };
    if (!(await this.#d.bucket.take(this.#d.signal))) {
      ticket.cancel();
      return { kind: 'stopped' };
    }
    if (this.#d.confirmSources) {
      await this.#d.confirmSources();
      if (this.#d.signal.aborted) {
        ticket.cancel();
        return { kind: 'stopped' };
      }
    }
    if (o.beforeSend) {
      // Not for a write the checks below would stop anyway (a delete counted for nothing).
      const early = (await this.#d.leadership.canWrite()) ? this.#unwanted(o) : { kind: 'not-leader' as const };
      const refused = early ? undefined : await o.beforeSend();
      if (early || refused || this.#d.signal.aborted) {
        ticket.cancel();
        return early ?? (refused ? { kind: 'retry', error: refused } : { kind: 'stopped' });
      }
    }
    // Waiting for the write rate can take a while: a daemon that lost its lock meanwhile must not write.
    if (!(await this.#d.leadership.canWrite())) {
      ticket.cancel();
      return { kind: 'not-leader' };
    }
    // Nothing is awaited from here to the request: what is checked now is what is sent.
    const unwanted = this.#unwanted(o);
    if (unwanted) {
      ticket.cancel();
      return unwanted;
    }
    this.#d.beforeWrite?.(action);
    this.#d.cache.recordWrite(action.id, this.#d.timers.now());
    let ref: DeploymentRef;
    try {
      ref = await this.#send(action, kind, o.supersede !== undefined);
    } catch (err) {
      ticket.cancel();
      return this.#classify(err);
    }
    ticket.bind(ref.deploymentId);
    return { kind: 'applied', deploymentId: ref.deploymentId, version: ref.version, at: new Date(this.#d.timers.now()).toISOString() };
  }

  #unwanted(o: WriteOptions): { kind: 'superseded' } | undefined {
    return o.stillWanted && !o.stillWanted() ? { kind: 'superseded' } : undefined;
  }

  #send(action: Action, kind: WriteKind, supersede: boolean): Promise<DeploymentRef> {
    const force = this.#d.force || supersede ? { force: true } : {};
    switch (action.kind) {
      case 'create':
        return this.#d.marathon.createApp(action.desired.definition);
      case 'update':
        if (kind === 'scale') return this.#d.marathon.scaleApp(action.id, action.desired.definition.instances ?? 1, force);
        if (kind === 'restart') return this.#d.marathon.restartApp(action.id, force);
        return this.#d.marathon.updateApp(action.id, action.desired.definition, force);
      case 'delete':
        return this.#d.marathon.deleteApp(action.id, force);
      default:
        throw new TypeError(`not a write: ${action.kind}`);
    }
  }

  /** What a failed write means for the app; which failure is which is failureKind's answer. */
  #classify(err: unknown): WriteOutcome {
    const error = errorRecord(err);
    const sent = requestWentOut(err) ? { sent: true as const } : {};
    switch (failureKind(err)) {
      case 'wait-lock':
        // Wait for the running deployment (its deployment_success event also re-queues the app).
        // The read before the write showed none, so a lock that keeps coming is a contradiction
        // as below: the queue backs off from the second one on.
        return { kind: 'retry', error, afterMs: this.#d.lockRetryMs, ...sent };
      case 'cap':
        this.#d.gate.capExceeded();
        return { kind: 'retry', error, ...sent };
      case 'contradiction':
        // Re-read at once and plan again. Once only: a Marathon (a proxy, a standby) whose
        // reads and writes keep disagreeing would otherwise be written to in a tight loop;
        // from the second failure in a row the work queue backs off (workqueue.ts, retryDelay).
        return { kind: 'retry', error, afterMs: 0, ...sent };
      case 'rejected':
        return { kind: 'rejected', error, ...sent };
      case 'retry-read':
      case 'transient':
        // A write is never sent again as it was (a timed-out one may have been applied): the
        // queue backs off, re-reads the app and plans again.
        return { kind: 'retry', error, ...sent };
    }
  }
}
