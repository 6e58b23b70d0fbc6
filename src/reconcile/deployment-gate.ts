// The deployment gate: at most `max` Marathon deployments started by maracker at once, and
// everything about them, so no other component keeps a piece of it.
//
// - Slots. One is taken before a write and held by the deployment it started until that
//   deployment is seen to finish (its event, or its absence from GET /v2/deployments). When
//   Marathon itself refuses with its deployment cap (403), the limit is halved, then grows
//   back by one after `limit` deployments complete (additive increase, multiplicative
//   decrease), so maracker settles just under whatever share of Marathon's cap is left to it.
// - Waiters. A reconcile that finds no free slot never waits for one: it gives its worker
//   back and joins a FIFO, and the gate hands the app back (`admit`) as slots free, oldest
//   first. Waiting writes so cannot starve every other app of reconciles and status.
// - Polling. While it holds deployments, the gate lists Marathon's every `pollMs`: events are
//   lost, so the list is the authority, and a slot never leaks for longer than one poll. A
//   deployment still running after `timeoutMs` stops counting (and is logged).
// - Failures. What the latest deployment of each app ended with, from Marathon's events:
//   health shows a failed one as Degraded.

import type { Logger } from '../base/log.js';
import { systemTimers, type Timers } from '../base/timers.js';
import type { AppId } from '../model/app-id.js';
import type { MarathonReader } from './ports.js';
import { errorRecord } from './error-record.js';

/** A deployment running longer stops holding a slot (and is logged): 10 min. */
export const DEFAULT_DEPLOYMENT_TIMEOUT_MS = 600_000;

export interface DeploymentGateOptions {
  /** Upper bound of concurrent deployments. */
  max: number;
  /** Lower bound after cap refusals. Default 1. */
  min?: number;
  /** Clock for deployment ages and polls. Default: the system's. */
  timers?: Timers;
  /** Where running deployments are listed. Without it, slots free by `settle` and `syncActive` only. */
  marathon?: Pick<MarathonReader, 'listDeployments'>;
  /** How often to list deployments while the gate holds some. Default 1000 ms. */
  pollMs?: number;
  /** A deployment running longer stops holding a slot. Default 600000 ms (10 min). */
  timeoutMs?: number;
  /** Told of each app that waited for a slot and may try again now (the controller queues it). */
  admit?: (id: AppId) => void;
  logger?: Logger;
}

export interface GateTicket {
  /** The write started this deployment: the slot is now held until it finishes. */
  bind(deploymentId: string): void;
  /** The write did not start a deployment (it failed, or was a no-op): free the slot. */
  cancel(): void;
}

/** Replaced deployments remembered at most (their ends are normally told within seconds). */
const MAX_REPLACED = 1000;

export class DeploymentGate {
  readonly #max: number;
  readonly #min: number;
  readonly #timers: Timers;
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  readonly #o: DeploymentGateOptions;
  #limit: number;
  #pending = 0;
  /** Deployments holding a slot, with when they started. */
  readonly #held = new Map<string, number>();
  readonly #listeners: Array<() => void> = [];
  /** Apps waiting for a slot, oldest first. */
  readonly #waiters = new Set<AppId>();
  /** Why the latest deployment of each app failed (until one succeeds, or maracker starts another). */
  readonly #failures = new Map<AppId, string>();
  /** Deployments a write of maracker's replaced (force): their end is no failure of the app. */
  readonly #replaced = new Set<string>();
  #successesSinceChange = 0;
  #peak = 0;
  #pollTimer: unknown;
  #stopped = false;

  constructor(options: DeploymentGateOptions) {
    const { max } = options;
    const min = options.min ?? 1;
    const pollMs = options.pollMs ?? 1000;
    const timeoutMs = options.timeoutMs ?? DEFAULT_DEPLOYMENT_TIMEOUT_MS;
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError(`Expected \`max\` to be an integer from 1 and up, got \`${max}\``);
    }
    if (!Number.isInteger(min) || min < 1 || min > max) {
      throw new TypeError(`Expected \`min\` to be an integer from 1 to max (${max}), got \`${min}\``);
    }
    if (!(Number.isFinite(pollMs) && pollMs > 0)) throw new TypeError(`Expected \`pollMs\` to be a number above 0, got \`${pollMs}\``);
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError(`Expected \`timeoutMs\` to be a number above 0, got \`${timeoutMs}\``);
    this.#max = max;
    this.#min = min;
    this.#limit = max;
    this.#timers = options.timers ?? systemTimers;
    this.#pollMs = pollMs;
    this.#timeoutMs = timeoutMs;
    this.#o = options;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Slots in use: writes under way plus deployments not yet finished. */
  get inFlight(): number {
    return this.#pending + this.#held.size;
  }

  /** Largest inFlight ever observed (benchmarks check it against the cap). */
  get peak(): number {
    return this.#peak;
  }

  heldDeployments(): string[] {
    return [...this.#held.keys()];
  }

  /** Free slots under the current limit. */
  get free(): number {
    return Math.max(0, this.#limit - this.inFlight);
  }

  /** Takes a slot when one is free. Never waits: see `wait`. */
  tryAcquire(): GateTicket | undefined {
    return this.inFlight < this.#limit ? this.#take() : undefined;
  }

  /** `id` found no free slot: it is handed to `admit` when one frees, after the apps that waited longer. */
  wait(id: AppId): void {
    // Waiting again (a re-queued app that lost the race for the slot) goes to the back.
    this.#waiters.delete(id);
    this.#waiters.add(id);
  }

  /** Called whenever slots may have freed (a deployment finished, a write failed, the limit grew). */
  onFree(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** A deployment maracker holds a slot for has finished (successfully or not). */
  settle(deploymentId: string, succeeded = true): void {
    if (!this.#held.delete(deploymentId)) return;
    if (succeeded) {
      this.#successesSinceChange++;
      if (this.#successesSinceChange >= this.#limit && this.#limit < this.#max) {
        this.#limit++;
        this.#successesSinceChange = 0;
      }
    }
    this.#wake();
  }

  /**
   * Marathon's event stream says a deployment ended (`deploymentId`: its plan id, when the
   * event had one), touching `apps`. Frees its slot, and remembers a failure for each app
   * until one of its deployments succeeds.
   */
  ended(deploymentId: string | undefined, succeeded: boolean, apps: Iterable<AppId>): void {
    if (deploymentId) this.settle(deploymentId, succeeded);
    // Cancelled by maracker's own write, which Marathon reports as deployment_failed (before
    // or after the write's answer): the app's latest deployment is the write's.
    if (deploymentId !== undefined && this.#replaced.delete(deploymentId)) return;
    for (const id of apps) {
      if (succeeded) this.#failures.delete(id);
      else this.#failures.set(id, `Marathon deployment ${deploymentId ?? ''} failed`.trim());
    }
  }

  /**
   * A write of maracker's started a deployment of `id`, replacing the deployments `replaced`
   * were running (force): a failure of an earlier deployment is no longer the app's latest,
   * and the end of a replaced one is none. Replaced ids whose end is never told (a lost event)
   * are forgotten oldest first.
   */
  started(id: AppId, replaced: Iterable<string> = []): void {
    this.#failures.delete(id);
    for (const d of replaced) this.#replaced.add(d);
    for (const d of this.#replaced) {
      if (this.#replaced.size <= MAX_REPLACED) break;
      this.#replaced.delete(d);
    }
  }

  /** Why the latest deployment of `id` failed, if it did. */
  failureOf(id: AppId): string | undefined {
    return this.#failures.get(id);
  }

  /**
   * Frees every held deployment Marathon no longer lists. Events can be lost, so the
   * deployments list is the authority; a slot never leaks for longer than one poll.
   */
  syncActive(active: ReadonlySet<string>): void {
    for (const id of [...this.#held.keys()]) if (!active.has(id)) this.settle(id);
  }

  /**
   * Stops counting deployments older than `maxAgeMs` and returns them. A deployment that can
   * never finish (no agent offers the resources, a health check that never passes) is not
   * load on Marathon; left in, a few of them would stop every other write for good, the
   * deletes and scale-downs that could free resources included.
   */
  expire(maxAgeMs: number): string[] {
    const cutoff = this.#timers.now() - maxAgeMs;
    const old = [...this.#held].filter(([, since]) => since <= cutoff).map(([id]) => id);
    for (const id of old) {
      this.#held.delete(id);
    }
    if (old.length > 0) this.#wake();
    return old;
  }

  /** Marathon refused a deployment because its own cap is reached. */
  capExceeded(): void {
    this.#limit = Math.max(this.#min, Math.floor(this.#limit / 2));
    this.#successesSinceChange = 0;
  }

  /** Lists Marathon's deployments (when the gate holds any): frees the finished, expires the stuck. */
  async poll(): Promise<void> {
    const marathon = this.#o.marathon;
    if (!marathon || this.#held.size === 0) return;
    try {
      const deployments = await marathon.listDeployments();
      this.syncActive(new Set(deployments.map((d) => d.id)));
      for (const id of this.expire(this.#timeoutMs)) {
        const apps = deployments.find((d) => d.id === id)?.affectedApps ?? [];
        this.#o.logger?.warn(
          { deploymentId: id, apps },
          `Marathon deployment ${id} still running after ${Math.round(this.#timeoutMs / 1000)} s: no longer counted against --max-deployments`,
        );
      }
    } catch (err) {
      // The next poll, or the next resync, tries again; slots stay held meanwhile.
      this.#o.logger?.debug({ err: errorRecord(err) }, 'cannot list deployments');
    }
  }

  /** Stops polling and admitting waiters (the daemon stops). */
  stop(): void {
    this.#stopped = true;
    if (this.#pollTimer !== undefined) this.#timers.clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  #take(): GateTicket {
    this.#pending++;
    this.#peak = Math.max(this.#peak, this.inFlight);
    let done = false;
    return {
      bind: (deploymentId) => {
        if (done) return;
        done = true;
        this.#pending--;
        this.#held.set(deploymentId, this.#timers.now());
        this.#watch();
      },
      cancel: () => {
        if (done) return;
        done = true;
        this.#pending--;
        this.#wake();
      },
    };
  }

  /** Polls while deployments are held, one timer at a time. */
  #watch(): void {
    if (this.#pollTimer !== undefined || this.#stopped || !this.#o.marathon) return;
    this.#pollTimer = this.#timers.setTimeout(() => {
      void this.poll().finally(() => {
        this.#pollTimer = undefined;
        if (this.#held.size > 0) this.#watch();
      });
    }, this.#pollMs);
  }

  #wake(): void {
    if (this.free === 0) return;
    for (const l of this.#listeners) l();
    this.#admit();
  }

  /** Hands back as many waiters as there are free slots, oldest first. */
  #admit(): void {
    let free = this.free;
    for (const id of this.#waiters) {
      if (free-- <= 0 || this.#stopped) break;
      this.#waiters.delete(id);
      this.#o.admit?.(id);
    }
  }
}
