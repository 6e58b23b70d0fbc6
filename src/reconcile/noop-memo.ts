// What the last reconcile of an app in sync saw, so that a pass whose inputs did not move
// costs a lookup instead of a plan and a status record (issue 20: a pass over 10,000 apps in
// sync planned and re-serialised all of them every 30 s). The reconcile stays level-triggered:
// every key is still looked at each pass; only the work on it is skipped, and only when
//
// - the desired app is the very object planned last time (sources hand out a new object for
//   anything that changed, the image labels included),
// - Marathon's app has the same fingerprint (src/marathon/fingerprint.ts: its version, the
//   task counts, deployments, last failure and tasks),
// - what else the status record was made of is unchanged (Marathon known or not, the
//   deployment gate's verdict, the record itself still in the store), and
// - the memo is younger than `maxAgeMs`: a backstop that plans everything again at least
//   that often, whatever a fingerprint might have missed.
//
// The rule is asked twice, with the same inputs gathered the same way (Reconciler's
// #noopInputs): by a pass before it queues a key (`unchangedBeforeQueue`, so a key whose
// inputs did not move costs no trip through the work queue at all), and by every reconcile
// (`unchanged`), since events, source changes and retries queue keys directly.

import type { Timers } from '../base/timers.js';
import type { AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import type { AppStatus } from '../status/model.js';

export interface NoopInputs {
  desired: DesiredApp;
  /** appFingerprint of Marathon's app; undefined never matches. */
  actual: string | undefined;
  marathonKnown: boolean;
  deploymentFailure: string | undefined;
  /** The app's record in the status store now. */
  record: AppStatus | undefined;
}

interface Entry extends NoopInputs {
  at: number;
}

/** Ten minutes: twenty passes at the default resync interval. */
export const NOOP_MEMO_MAX_AGE_MS = 10 * 60_000;

export class NoopMemo {
  readonly #entries = new Map<AppId, Entry>();
  readonly #timers: Pick<Timers, 'now'>;
  readonly #maxAgeMs: number;
  #hits = 0;
  #misses = 0;

  constructor(timers: Pick<Timers, 'now'>, maxAgeMs = NOOP_MEMO_MAX_AGE_MS) {
    this.#timers = timers;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The app was found in sync from exactly these inputs (and its record written). */
  remember(id: AppId, inputs: NoopInputs): void {
    if (inputs.actual === undefined) {
      this.#entries.delete(id);
      return;
    }
    this.#entries.set(id, { ...inputs, at: this.#timers.now() });
  }

  /**
   * True when the last reconcile saw the same inputs recently enough: nothing to do again.
   * A miss forgets the entry: the app is planned, and only a plan that finds it in sync
   * again remembers it anew.
   */
  unchanged(id: AppId, inputs: NoopInputs): boolean {
    const same = this.#same(id, inputs);
    if (same) this.#hits++;
    else {
      this.#misses++;
      this.#entries.delete(id);
    }
    return same;
  }

  /**
   * The very verdict of `unchanged`, asked by a pass before it queues the key. A hit counts
   * as one (the key is left out of the queue: no reconcile asks again). A miss forgets the
   * entry as `unchanged` does, so the key's reconcile plans it whatever moves back meanwhile
   * (a verdict of "changed" is never revised without a plan), but is not counted: that
   * reconcile's lookup counts it. Each look at a key counts once, either way.
   */
  unchangedBeforeQueue(id: AppId, inputs: NoopInputs): boolean {
    const same = this.#same(id, inputs);
    if (same) this.#hits++;
    else this.#entries.delete(id);
    return same;
  }

  #same(id: AppId, inputs: NoopInputs): boolean {
    const e = this.#entries.get(id);
    return (
      e !== undefined &&
      inputs.actual !== undefined &&
      e.desired === inputs.desired &&
      e.actual === inputs.actual &&
      e.marathonKnown === inputs.marathonKnown &&
      e.deploymentFailure === inputs.deploymentFailure &&
      e.record === inputs.record &&
      this.#timers.now() - e.at < this.#maxAgeMs
    );
  }

  forget(id: AppId): void {
    this.#entries.delete(id);
  }

  /** Lookups that skipped the work, and those that did it. */
  get counts(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }
}
