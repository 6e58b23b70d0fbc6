// Which managed apps are prune candidates: this installation's apps that Marathon lists and
// no source declares. The guard (guard.ts) judges them as one list per pass, never one by
// one: a source that looks empty by mistake shows as a list far beyond the budget, which
// one-by-one decisions would only notice after spending it. So the list is whole each time:
// after a resync, and once per burst of source changes.
//
// No list at all while any source is not Ready or Marathon was never listed: a missing
// declaration means nothing then (a source that cannot be read is unknown, never empty).

import { LABEL_SOURCE } from '../model/labels.js';
import type { AppId } from '../model/app-id.js';
import type { MarathonApp } from '../model/marathon.js';
import type { PruneGuard } from './guard.js';

/** What the sources declare, merged (the reconciler's DesiredView satisfies it). */
export interface DeclaredView {
  /** Every source was read: "declared nowhere" can be believed. */
  readonly allReady: boolean;
  /** `absent`: nobody declares `id` (and the file its `maracker.source` label names was read). */
  get(id: AppId, sourceLabel?: string): { kind: string };
}

export interface PruneCandidatesDeps {
  guard: PruneGuard;
  /** --prune: without it there are no candidates, and the guard shows none. */
  enabled: boolean;
  /** What the sources declare now. */
  desired: { view(): DeclaredView };
  /** What Marathon holds of this installation's, as last listed. */
  actual: { readonly listed: boolean; ours(): readonly MarathonApp[] };
  /** Looks at a candidate (the controller queues it): its reconcile asks the guard. */
  look: (id: AppId) => void;
}

export class PruneCandidates {
  readonly #d: PruneCandidatesDeps;
  #scheduled = false;
  #stopped = false;

  constructor(deps: PruneCandidatesDeps) {
    this.#d = deps;
  }

  /** Hands the whole list to the guard, then looks at each candidate. */
  evaluate(): void {
    const view = this.#d.desired.view();
    const ours = this.#d.actual.ours();
    const candidates: AppId[] = [];
    if (this.#d.enabled && view.allReady && this.#d.actual.listed) {
      for (const app of ours) if (view.get(app.id, app.labels?.[LABEL_SOURCE]).kind === 'absent') candidates.push(app.id);
    }
    this.#d.guard.observe(candidates, ours.length);
    for (const id of candidates) this.#d.look(id);
  }

  /** One evaluation per burst of changes, after the current tick's changes are in. */
  evaluateSoon(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#stopped) this.evaluate();
    });
  }

  stop(): void {
    this.#stopped = true;
  }
}
