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
