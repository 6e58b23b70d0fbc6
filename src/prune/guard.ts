// The prune guard: Argo CD users lost whole clusters when a broken generator made the
// desired state look empty. It owns everything about deleting managed apps no source
// declares any more, so that no other component keeps a piece of it:
//
// - the candidates, and since when each is one (a candidate must stay one `settleMs`
//   before it is deleted: file events trickle in);
// - a budget over a sliding window (budget.ts): at most max(minApps, share × managed apps)
//   deletions nobody approved within `windowMs`, counted across passes and, with a ledger
//   (the database), across restarts. The managed apps are counted as they were before the
//   window's deletions began, not as they are now: apps created while deleting do not raise
//   it. Candidates beyond what is left of it are all held back: the guard is Blocked with the
//   list, and nothing is deleted;
// - episodes: one blocked list, with an id. An approval names (or takes) the episode it
//   answers, covers exactly its list, is logged with who gave it, and ends with the episode:
//   when every approved app is gone, when the list changes (an app joins it), or when the
//   deletions fit the budget again. A later episode needs a new approval.
//
// Time comes from the injected Timers; the counted deletions from its history
// (prune-history.ts), which is the only part that does I/O.

import { createHash } from 'node:crypto';
import { MarackerError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { AppId } from '../model/app-id.js';
import type { StatusReason } from '../model/status-reasons.js';
import type { ErrorRecord, PruneStatus } from '../status/model.js';
import type { BackoffOptions } from '../base/backoff.js';
import { DEFAULT_PRUNE_BUDGET, pruneLimit, type PruneBudgetOptions, type PruneDeletion } from './budget.js';
import type { PruneLedger } from './ledger.js';
import { PruneHistory } from './history.js';
import type { Timers } from '../base/timers.js';

/** A prune candidate must stay one this long before it is deleted: file events trickle in. */
export const DEFAULT_PRUNE_SETTLE_MS = 2000;

export { pruneLimit };

export interface PruneGuardOptions extends PruneBudgetOptions {
  /** Disable the guard (the `--allow-mass-prune` flag): every deletion goes ahead, logged. Default false. */
  disabled: boolean;
}

export const DEFAULT_PRUNE_GUARD: Readonly<PruneGuardOptions> = Object.freeze({ ...DEFAULT_PRUNE_BUDGET, disabled: false });

export interface PruneGuardDeps {
  options: PruneGuardOptions;
  /** A candidate must stay one this long before it is deleted. Default 2000 ms. */
  settleMs?: number;
  timers: Timers;
  logger: Logger;
  /** Keeps the counted deletions across restarts. Default: none (memory only). */
  ledger?: PruneLedger;
  /** Told after each change of what `status()` answers (the controller publishes it). */
  onChange?: (status: PruneStatus) => void;
  /** Told once the history is read, with the candidates held back meanwhile (to look at them again). */
  onLoaded?: (candidates: readonly AppId[]) => void;
  /** [0, 1) source for the jitter of history reads. Default Math.random. */
  random?: () => number;
  /** Between attempts to read the history back. Default 500 ms doubling to 30 s. */
  loadBackoff?: BackoffOptions;
}

export type PruneDecision =
  /** Delete it now (after a fresh read of the app). */
  | { kind: 'delete' }
  /** A candidate, allowed, not yet settled: look again after `afterMs`. */
  | { kind: 'settling'; afterMs: number }
  /** maracker deleted it already; Marathon may still be removing it. */
  | { kind: 'deleting' }
  /** Not to be deleted now; `code` and `message` say why (the app's status shows them). */
  | { kind: 'held'; reason: 'blocked' | 'unjudged' | 'history'; code: PruneHoldReason; message: string };

/** A held delete's status reason: `prune-blocked` needs an approval, `prune-waiting` passes by itself. */
export type PruneHoldReason = Extract<StatusReason, 'prune-blocked' | 'prune-waiting'>;

export interface PruneApprovalRequest {
  /** Who approves: remote address, and the user a CLI names. Logged and kept with each deletion. */
  by: string;
  /** The episode the approver looked at. Omitted: whatever episode is blocked now. */
  episode?: string;
}

export interface PruneApproval {
  /** The apps the approval covers; empty when nothing awaited approval. */
  approved: AppId[];
  episode: string | null;
  /** Why nothing was approved, when nothing was. */
  message?: string;
}

/** An approval named an episode that is not the one blocked now: the approver saw another list. */
export class PruneEpisodeError extends MarackerError {
  constructor(
    readonly episode: string,
    readonly current: string,
    count: number,
  ) {
    super(
      'MRK_PRUNE_EPISODE_STALE',
      `prune episode ${episode} is over: the guard now holds back episode ${current} (${count} apps), a different list; look at it (GET /status, maracker prune show) and approve that one`,
    );
  }
}

type State =
  /** No candidate. */
  | 'clear'
  /** Every candidate fits the budget. */
  | 'allowed'
  /** Every candidate belongs to the approved episode. */
  | 'approved'
  /** More candidates than the budget has left: nothing is deleted. */
  | 'blocked'
  /** --allow-mass-prune. */
  | 'disabled'
  /** The history has not been read back yet: nothing is deleted. */
  | 'unknown';

interface Episode {
  id: string;
  /** Sorted. */
  ids: readonly AppId[];
  set: ReadonlySet<AppId>;
  blockedAt: number;
  approval: { by: string; at: number } | undefined;
}

export class PruneGuard {
  readonly options: Readonly<PruneGuardOptions>;
  readonly #settleMs: number;
  readonly #timers: Timers;
  readonly #log: Logger;
  readonly #onChange: ((s: PruneStatus) => void) | undefined;
  readonly #onLoaded: ((ids: readonly AppId[]) => void) | undefined;
  readonly #history: PruneHistory;
  /** The candidates, and when each became one. */
  readonly #since = new Map<AppId, number>();
  /** Deleted by maracker; Marathon still listed them last time (its deployment removes them). */
  readonly #deleting = new Set<AppId>();
  /**
   * Candidates whose delete went out unconfirmed (deleteUnconfirmed): counted in the budget
   * already, as Marathon may have deleted them; their retry is not counted again.
   */
  readonly #uncertain = new Set<AppId>();
  #sorted: AppId[] | undefined;
  #managed = 0;
  #state: State;
  #episode: Episode | undefined;
  #episodeCount = 0;
  #lastPublished = '';
  #overriding = false;

  constructor(deps: PruneGuardDeps) {
    const o = deps.options;
    if (!Number.isInteger(o.minApps) || o.minApps < 0) throw new TypeError(`Expected \`minApps\` to be an integer from 0 and up, got \`${o.minApps}\``);
    if (!(Number.isFinite(o.share) && o.share >= 0 && o.share <= 1)) throw new TypeError(`Expected \`share\` to be a number from 0 to 1, got \`${o.share}\``);
    if (!(Number.isFinite(o.windowMs) && o.windowMs > 0)) throw new TypeError(`Expected \`windowMs\` to be a number above 0, got \`${o.windowMs}\``);
    const settleMs = deps.settleMs ?? DEFAULT_PRUNE_SETTLE_MS;
    if (!(Number.isFinite(settleMs) && settleMs >= 0)) throw new TypeError(`Expected \`settleMs\` to be a number from 0 and up, got \`${settleMs}\``);
    this.options = Object.freeze({ ...o });
    this.#settleMs = settleMs;
    this.#timers = deps.timers;
    this.#log = deps.logger;
    this.#onChange = deps.onChange;
    this.#onLoaded = deps.onLoaded;
    this.#history = new PruneHistory({
      windowMs: o.windowMs,
      timers: deps.timers,
      logger: deps.logger,
      ...(deps.ledger ? { ledger: deps.ledger } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      ...(deps.loadBackoff ? { loadBackoff: deps.loadBackoff } : {}),
      onLoaded: (list) => this.#historyRead(list),
    });
    this.#state = this.#history.loaded ? 'clear' : 'unknown';
  }

  /** Reads the history back from the ledger (retried until it answers). Nothing is deleted before. */
  start(): void {
    this.#history.start();
  }

  /**
   * Reads the history again before deleting anything more: this daemon became the leader,
   * and the one before it may have deleted apps meanwhile.
   */
  reload(): void {
    this.#history.reload();
    this.#judge();
    this.#publish();
  }

  /** Stops reading the history and waits for the deletions being recorded. */
  stop(): Promise<void> {
    return this.#history.stop();
  }

  /**
   * Judges the whole candidate list of a pass: every managed app no source declares, with
   * `managedCount` the managed apps Marathon lists.
   */
  observe(candidates: Iterable<AppId>, managedCount: number): void {
    const now = this.#timers.now();
    const raw = new Set(candidates);
    // A deleted app that Marathon no longer lists is gone; one it still lists is being
    // removed by Marathon's deployment, and is not a new candidate.
    for (const id of this.#deleting) if (!raw.has(id)) this.#deleting.delete(id);
    for (const id of this.#since.keys()) {
      if (!raw.has(id)) {
        this.#since.delete(id);
        this.#sorted = undefined;
      }
    }
    for (const id of raw) {
      if (!this.#deleting.has(id) && !this.#since.has(id)) {
        this.#since.set(id, now);
        this.#sorted = undefined;
      }
    }
    for (const id of this.#uncertain) if (!this.#since.has(id)) this.#uncertain.delete(id);
    this.#managed = managedCount;
    this.#judge(now);
    this.#publish();
  }

  /** Whether `id` may be deleted now. A `delete` is to be confirmed by `deleted()` once Marathon accepted it. */
  decide(id: AppId): PruneDecision {
    if (this.#deleting.has(id)) return { kind: 'deleting' };
    const since = this.#since.get(id);
    if (since === undefined) return { kind: 'held', reason: 'unjudged', code: 'prune-waiting', message: 'waiting to be judged by the prune guard' };
    const now = this.#timers.now();
    switch (this.#state) {
      case 'unknown':
        return {
          kind: 'held',
          reason: 'history',
          code: 'prune-waiting',
          message: `waiting for the prune guard to read its deletion history from the ${this.#history.kind === 'file' ? 'ledger file' : 'database'} before deleting anything`,
        };
      case 'blocked': {
        // Its delete went out within the budget and was counted then: trying it again spends nothing.
        if (this.#uncertain.has(id)) return { kind: 'delete' };
        const { used, limit } = this.#budget(now);
        return {
          kind: 'held',
          reason: 'blocked',
          code: 'prune-blocked',
          message: `deletion blocked by the prune guard (${this.#since.size} apps would be deleted, limit ${limit}; ${used} deleted without approval in the last ${describeWindow(this.options.windowMs)}): approve episode ${this.#episode?.id ?? '?'} to proceed`,
        };
      }
      case 'clear':
        return { kind: 'held', reason: 'unjudged', code: 'prune-waiting', message: 'waiting to be judged by the prune guard' };
      case 'allowed':
      case 'approved':
      case 'disabled': {
        const waited = now - since;
        if (waited < this.#settleMs) return { kind: 'settling', afterMs: this.#settleMs - waited };
        return { kind: 'delete' };
      }
    }
  }

  /** Marathon accepted the delete of `id`: counts it (unless it was counted when it went out unconfirmed), records it, and takes it off the list. */
  deleted(id: AppId): void {
    const now = this.#timers.now();
    if (!this.#uncertain.delete(id)) void this.#history.record(this.#deletion(id, now));
    this.#since.delete(id);
    this.#deleting.add(id);
    this.#sorted = undefined;
    // Within 'allowed', 'approved' and 'disabled' a deletion keeps the verdict (the budget
    // left shrinks by the one it spent); only the end of the list changes it. A delete
    // decided before the list grew beyond the budget was within it: the list is judged again.
    if (this.#since.size === 0 || this.#state === 'blocked' || this.#state === 'unknown') this.#judge(now);
    this.#publish();
  }

  /**
   * A delete of `id` went out and Marathon did not confirm it: its answer was lost (a
   * timeout, a connection cut, a garbled answer) or was a refusal (a deployment holds the
   * app). It is counted against the budget now, as if it had deleted the app, so that what
   * reaches Marathon never exceeds the budget whatever the answers were; it stays a candidate,
   * and its retry is not counted again. When it turns out that it was not deleted and is
   * declared again, the budget stays spent: the guard errs on the side of deleting less.
   */
  deleteUnconfirmed(id: AppId): void {
    if (this.#uncertain.has(id) || !this.#since.has(id)) return;
    void this.#countAhead(id);
    this.#log.info({ appId: id }, `delete of ${id} went out unconfirmed: counted against the prune budget, as it may have happened`);
  }

  /**
   * The delete of `id` is about to go out: it is counted now and put on record first (in the
   * database or the ledger file), so that a crash between Marathon's answer and the count
   * cannot hide a deletion from the next start. Counted as an unconfirmed delete is (once,
   * whatever comes back, retries included). Resolves with why the delete must not go out
   * when the record could not be written: it counts in memory, and is tried again.
   */
  async aboutToDelete(id: AppId): Promise<ErrorRecord | undefined> {
    if (!this.#since.has(id)) return undefined;
    // A retry was counted the first time; its record may still be waiting to be written.
    if (await (this.#uncertain.has(id) ? this.#history.flushed() : this.#countAhead(id))) return undefined;
    return {
      code: 'prune-waiting',
      message: `delete of ${id} not sent: the prune guard could not record it in its deletion history (${this.#history.kind}); it is tried again`,
    };
  }

  #countAhead(id: AppId): Promise<boolean> {
    const now = this.#timers.now();
    const saved = this.#history.record(this.#deletion(id, now));
    this.#uncertain.add(id);
    this.#judge(now);
    this.#publish();
    return saved;
  }

  #deletion(id: AppId, now: number): PruneDeletion {
    const ep = this.#episode;
    const approval = this.#state === 'approved' && ep?.set.has(id) ? ep.approval : undefined;
    return { id, at: now, approvedBy: approval?.by ?? null, episode: approval ? (ep?.id ?? null) : null, managedBefore: this.#remaining() };
  }

  /** `id` is no candidate any more: a read found it gone, or not maracker's. */
  resolved(id: AppId): void {
    this.#uncertain.delete(id);
    const deleting = this.#deleting.delete(id);
    const candidate = this.#since.delete(id);
    // It was in the last listing (a candidate is one of the managed apps listed), and is not
    // managed any more: the count of the managed apps, of which the budget is a share, drops.
    if (deleting || candidate) this.#managed = Math.max(0, this.#managed - 1);
    if (!candidate) return;
    this.#sorted = undefined;
    if (this.#since.size === 0 || this.#state === 'blocked') this.#judge();
    this.#publish();
  }

  /**
   * A fresh read found `id`, which maracker deleted, still there with no deployment removing
   * it: the delete did not take (or someone put it back). It is a candidate again, judged anew.
   */
  reappeared(id: AppId): void {
    if (!this.#deleting.delete(id)) return;
    this.#since.set(id, this.#timers.now());
    this.#sorted = undefined;
    this.#judge();
    this.#publish();
  }

  /** Approves the blocked episode (the one named, if any). */
  approve(request: PruneApprovalRequest): PruneApproval {
    const ep = this.#episode;
    if (!ep || ep.approval) {
      const message = ep?.approval ? `nothing awaits approval: episode ${ep.id} was approved by ${ep.approval.by}` : 'nothing awaits approval';
      return { approved: [], episode: null, message };
    }
    if (request.episode !== undefined && request.episode !== ep.id) throw new PruneEpisodeError(request.episode, ep.id, ep.ids.length);
    const now = this.#timers.now();
    ep.approval = { by: request.by, at: now };
    this.#log.warn(
      { by: request.by, episode: ep.id, approved: ep.ids },
      `prune approved by ${request.by}: episode ${ep.id}, ${ep.ids.length} apps will be deleted`,
    );
    this.#judge(now);
    this.#publish();
    return { approved: [...ep.ids], episode: ep.id };
  }

  status(): PruneStatus {
    const now = this.#timers.now();
    const { used, limit, freesAt } = this.#budget(now);
    const ep = this.#episode;
    return {
      blocked: this.#state === 'blocked',
      limit,
      candidates: [...this.#candidates()],
      overridden: this.#state === 'approved' || (this.#state === 'disabled' && this.#since.size > Math.max(0, limit - used)),
      budget: {
        used,
        limit,
        windowSeconds: this.options.windowMs / 1000,
        freesAt: freesAt === undefined ? null : new Date(freesAt).toISOString(),
        history: this.#history.kind,
        loaded: this.#history.loaded,
      },
      episode: ep
        ? {
            id: ep.id,
            candidates: [...ep.ids],
            blockedAt: new Date(ep.blockedAt).toISOString(),
            approvedBy: ep.approval?.by ?? null,
            approvedAt: ep.approval ? new Date(ep.approval.at).toISOString() : null,
          }
        : null,
    };
  }

  #budget(now: number): { used: number; limit: number; freesAt: number | undefined } {
    return { ...this.#history.budget(now), limit: this.#history.limit(now, this.#managed, this.#remaining(), this.options) };
  }

  /** The managed apps not deleted yet: those Marathon listed, less those maracker deleted that it still lists. */
  #remaining(): number {
    return Math.max(0, this.#managed - this.#deleting.size);
  }

  #candidates(): readonly AppId[] {
    this.#sorted ??= [...this.#since.keys()].sort();
    return this.#sorted;
  }

  #judge(now = this.#timers.now()): void {
    const ep = this.#episode;
    // What still needs budget: the candidates, less those whose unconfirmed delete was counted.
    let paid = 0;
    for (const id of this.#uncertain) if (this.#since.has(id)) paid++;
    const n = this.#since.size - paid;
    const { used, limit } = this.#budget(now);
    const left = Math.max(0, limit - used);
    if (!this.#history.loaded) {
      // Keeps the episode as it is: an approval given meanwhile still answers it.
      this.#state = 'unknown';
    } else if (this.#since.size === 0) {
      if (ep) this.#endEpisode(ep, ep.approval ? 'done' : 'resolved');
      this.#state = 'clear';
    } else if (this.options.disabled) {
      this.#state = 'disabled';
      // Logged once each time the deletions go beyond the budget, not at every pass.
      const beyond = n > left;
      if (beyond && !this.#overriding)
        this.#log.warn(
          { candidates: this.#candidates() },
          `prune guard disabled (--allow-mass-prune): deleting ${n} apps, more than the limit of ${limit} allows`,
        );
      this.#overriding = beyond;
    } else if (ep?.approval && this.#within(ep.set)) {
      this.#state = 'approved';
    } else if (n <= left) {
      if (ep) this.#endEpisode(ep, ep.approval ? 'changed' : 'fits');
      this.#state = 'allowed';
    } else {
      if (!ep || ep.approval || !this.#same(ep)) {
        if (ep) this.#endEpisode(ep, 'changed');
        this.#startEpisode(now, used, limit);
      }
      this.#state = 'blocked';
    }
  }

  #startEpisode(now: number, used: number, limit: number): void {
    const ids = [...this.#candidates()];
    const id = createHash('sha256')
      .update(`${++this.#episodeCount}\n${now}\n${ids.join('\n')}`)
      .digest('hex')
      .slice(0, 12);
    this.#episode = { id, ids, set: new Set(ids), blockedAt: now, approval: undefined };
    this.#log.warn(
      { episode: id, candidates: ids, limit, used, windowSeconds: this.options.windowMs / 1000 },
      `prune guard: blocked deleting ${ids.length} apps (limit ${limit} per ${describeWindow(this.options.windowMs)}, ${used} used); nothing deleted until episode ${id} is approved`,
    );
  }

  #endEpisode(ep: Episode, why: 'done' | 'resolved' | 'changed' | 'fits'): void {
    this.#episode = undefined;
    const fields = { episode: ep.id, approvedBy: ep.approval?.by ?? null };
    switch (why) {
      case 'done':
        this.#log.info(fields, `prune episode ${ep.id} done: no approved app is left to delete`);
        return;
      case 'resolved':
        this.#log.info(fields, `prune episode ${ep.id} over: no app awaits deletion any more`);
        return;
      case 'fits':
        this.#log.info(fields, `prune episode ${ep.id} over: the deletions fit the budget again`);
        return;
      case 'changed':
        if (ep.approval)
          this.#log.warn(
            { ...fields, candidates: this.#candidates() },
            `prune approval of episode ${ep.id} by ${ep.approval.by} expired: the list of apps to delete changed`,
          );
        else this.#log.info(fields, `prune episode ${ep.id} over: the list of apps to delete changed`);
        return;
    }
  }

  /** Every candidate is in `set`. */
  #within(set: ReadonlySet<AppId>): boolean {
    for (const id of this.#since.keys()) if (!set.has(id)) return false;
    return true;
  }

  #same(ep: Episode): boolean {
    return ep.ids.length === this.#since.size && this.#within(ep.set);
  }

  #publish(): void {
    if (!this.#onChange) return;
    const s = this.status();
    const json = JSON.stringify(s);
    if (json === this.#lastPublished) return;
    this.#lastPublished = json;
    this.#onChange(s);
  }

  /** The history has been read back: deletions Marathon still lists are being removed, not candidates. */
  #historyRead(list: readonly PruneDeletion[]): void {
    for (const d of list) {
      // Deleted shortly before a restart, and still listed: Marathon's deployment is
      // removing it. A fresh read tells (reappeared() when it is not).
      if (this.#since.delete(d.id)) {
        this.#deleting.add(d.id);
        this.#sorted = undefined;
      }
    }
    this.#judge();
    this.#publish();
    this.#onLoaded?.(this.#candidates());
  }
}

/** "1 h", "10 min", "90 s". */
export function describeWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
