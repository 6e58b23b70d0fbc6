// The prune guard: Argo CD users lost whole clusters when a broken generator made the
// desired state look empty. A pass that would delete more than max(minApps, share × managed
// apps) deletes nothing and reports Blocked with the list, until someone approves exactly
// that list (command or authenticated API call) or the daemon runs with the guard disabled
// (flag, logged at every use).

import type { AppId } from '../model/app-id.js';

export interface PruneGuardOptions {
  /** Deleting up to this many apps is always allowed. Default 5. */
  minApps: number;
  /** Deleting up to this share of managed apps is allowed. Default 0.1. */
  share: number;
  /** Disable the guard (the `--allow-mass-prune` flag). Default false. */
  disabled: boolean;
}

export const DEFAULT_PRUNE_GUARD: Readonly<PruneGuardOptions> = Object.freeze({ minApps: 5, share: 0.1, disabled: false });

export function pruneLimit(managedCount: number, o: Pick<PruneGuardOptions, 'minApps' | 'share'>): number {
  return Math.max(o.minApps, Math.floor(o.share * managedCount));
}

export interface PruneVerdict {
  /** Apps that would be deleted in this pass, sorted. */
  candidates: readonly AppId[];
  limit: number;
  blocked: boolean;
  /** The deletes are allowed only because someone approved them (or the guard is disabled). */
  overridden: boolean;
}

/** Pure: whether deleting `candidates` out of `managedCount` managed apps may proceed. */
export function judgePrune(
  candidates: Iterable<AppId>,
  managedCount: number,
  options: PruneGuardOptions,
  approved: ReadonlySet<AppId>,
): PruneVerdict {
  const sorted = [...candidates].sort();
  const limit = pruneLimit(managedCount, options);
  if (sorted.length <= limit) return { candidates: sorted, limit, blocked: false, overridden: false };
  if (options.disabled) return { candidates: sorted, limit, blocked: false, overridden: true };
  // An approval covers the exact list it was given: if more apps join the list, the pass is
  // blocked again, because the new ones were never looked at by a human.
  const covered = sorted.every((id) => approved.has(id));
  return { candidates: sorted, limit, blocked: !covered, overridden: covered };
}

/** Holds the approvals given while the daemon runs. */
export class PruneGuard {
  #approved: ReadonlySet<AppId> = new Set();
  #verdict: PruneVerdict = { candidates: [], limit: 0, blocked: false, overridden: false };
  #candidates: ReadonlySet<AppId> = new Set();

  constructor(readonly options: PruneGuardOptions) {}

  /** Re-judges the pass with the current candidates; returns the verdict. */
  evaluate(candidates: Iterable<AppId>, managedCount: number): PruneVerdict {
    this.#verdict = judgePrune(candidates, managedCount, this.options, this.#approved);
    this.#candidates = new Set(this.#verdict.candidates);
    return this.#verdict;
  }

  get verdict(): PruneVerdict {
    return this.#verdict;
  }

  /** True when `id` may be deleted under the latest verdict. */
  allows(id: AppId): boolean {
    return !this.#verdict.blocked && this.#candidates.has(id);
  }

  /**
   * Approves the currently blocked list. Returns the approved ids (empty when nothing was
   * blocked). The caller logs who approved.
   */
  approveBlocked(): readonly AppId[] {
    if (!this.#verdict.blocked) return [];
    this.#approved = new Set(this.#verdict.candidates);
    this.#verdict = { ...this.#verdict, blocked: false, overridden: true };
    return this.#verdict.candidates;
  }
}
