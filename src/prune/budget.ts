// The prune guard's budget: how many deletions maracker may make without a human looking,
// over a sliding window of time rather than per pass. Judging one pass at a time let a slow
// trickle through (removing 5 of 30 manifests every 3.5 s deleted all 30 without a block);
// counting every deletion of the last hour stops it once the budget is spent. Pure: the
// caller passes the time.

import type { AppId } from '../model/app-id.js';

export interface PruneBudgetOptions {
  /** Deleting up to this many apps per window is always allowed. Default 5. */
  minApps: number;
  /** Deleting up to this share of the managed apps per window is allowed. Default 0.1. */
  share: number;
  /** Length of the sliding window, ms. Default 3600000 (one hour). */
  windowMs: number;
}

export const DEFAULT_PRUNE_BUDGET: Readonly<PruneBudgetOptions> = Object.freeze({ minApps: 5, share: 0.1, windowMs: 3_600_000 });

/** Deletions allowed per window without approval: max(minApps, floor(share × managed apps)). */
export function pruneLimit(managedCount: number, o: Pick<PruneBudgetOptions, 'minApps' | 'share'>): number {
  return Math.max(o.minApps, Math.floor(o.share * managedCount));
}

/** One deletion maracker performed (what the database's prune_deletions table holds). */
export interface PruneDeletion {
  id: AppId;
  /** When Marathon accepted the delete, ms since the epoch. */
  at: number;
  /** Who approved it (its blocked episode's approval), or null: it came out of the budget. */
  approvedBy: string | null;
  /** The episode whose approval covered it, or null. */
  episode: string | null;
  /**
   * The managed apps just before it (apps maracker had deleted and Marathon still listed left
   * out): the budget of a window beginning with this deletion is a share of them. Null when
   * not known (a row written before the database kept it).
   */
  managedBefore: number | null;
}

/**
 * The deletions of the last `windowMs`, oldest first. Approved deletions are kept (status
 * shows them, the database keeps them) but do not count against the budget: a human looked
 * at them, and the budget is for the deletions nobody looked at.
 */
export class DeletionWindow {
  readonly #entries: PruneDeletion[] = [];
  readonly #keys = new Set<string>();
  #counted = 0;

  constructor(readonly windowMs: number) {}

  /** Adds deletions (a new one, or the history read back from the database); duplicates are ignored. */
  add(...deletions: readonly PruneDeletion[]): void {
    let unordered = false;
    for (const d of deletions) {
      const key = keyOf(d);
      if (this.#keys.has(key)) continue;
      this.#keys.add(key);
      const last = this.#entries.at(-1);
      if (last && last.at > d.at) unordered = true;
      this.#entries.push(d);
      if (d.approvedBy === null) this.#counted++;
    }
    if (unordered) this.#entries.sort((a, b) => a.at - b.at);
  }

  /** Forgets deletions older than the window ending at `now`. */
  trim(now: number): void {
    const cutoff = now - this.windowMs;
    let n = 0;
    while (n < this.#entries.length && (this.#entries[n] as PruneDeletion).at <= cutoff) {
      const d = this.#entries[n] as PruneDeletion;
      this.#keys.delete(keyOf(d));
      if (d.approvedBy === null) this.#counted--;
      n++;
    }
    if (n > 0) this.#entries.splice(0, n);
  }

  /** Deletions without approval in the window (call trim first). */
  get used(): number {
    return this.#counted;
  }

  /**
   * Deletions allowed without approval within the window, those made included (call trim
   * first). The budget is a share of the managed apps, and the count it is a share of must
   * not grow with the deletions it allows under way: apps created meanwhile (a commit that
   * renames apps creates the new ids and deletes the old) would raise it, and the fleet that
   * was there when the deleting began would lose more than its share. So it is the smallest of
   * - the share of `managed`, the managed apps Marathon lists now;
   * - for each counted deletion of the window, the share of the managed apps just before it,
   *   plus the counted deletions made before it (they belong to windows that began earlier);
   * - the deletions made plus the share of `remaining` (the managed apps now, less those
   *   deleted and still listed): what a window beginning now allows.
   */
  limit(managed: number, remaining: number, o: Pick<PruneBudgetOptions, 'minApps' | 'share'>): number {
    let limit = Math.min(pruneLimit(managed, o), this.#counted + pruneLimit(Math.max(0, remaining), o));
    // Deletions of one instant begin one window together: its share is of the managed apps
    // before the first of them (the largest count), and only earlier deletions are before it.
    let before = 0;
    for (let i = 0; i < this.#entries.length; ) {
      const at = (this.#entries[i] as PruneDeletion).at;
      let count: number | null = null;
      let n = 0;
      for (let d = this.#entries[i]; d !== undefined && d.at === at; d = this.#entries[++i]) {
        if (d.approvedBy !== null) continue;
        n++;
        if (d.managedBefore !== null) count = Math.max(count ?? 0, d.managedBefore);
      }
      if (count !== null) limit = Math.min(limit, before + pruneLimit(count, o));
      before += n;
    }
    return limit;
  }

  /** When the oldest counted deletion leaves the window (the budget grows by one), or undefined. */
  get freesAt(): number | undefined {
    const oldest = this.#entries.find((d) => d.approvedBy === null);
    return oldest === undefined ? undefined : oldest.at + this.windowMs;
  }

  entries(): readonly PruneDeletion[] {
    return this.#entries;
  }
}

function keyOf(d: PruneDeletion): string {
  return `${d.at}\u0000${d.id}`;
}
