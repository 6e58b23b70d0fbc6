// How soon to look again at an app that waits on Marathon: a deployment running before a
// write, a delete Marathon is still carrying out, the deployment a write started, an app
// whose tasks are not all up and healthy yet. Marathon's events bring each of these changes
// at once; the timed look is there for the events that are lost. An app can wait for long
// (tasks that keep failing their health checks keep it Progressing for good), and a look
// reads the app with its tasks from Marathon: at one look a second, a few dozen such apps
// would put a steady load on Marathon for nothing. So the delay doubles while an app keeps
// waiting, from `firstMs` up to `maxMs`, and starts from `firstMs` again once the app stops
// waiting or a write of maracker's starts a new wait.
//
// Pure bookkeeping: the reconciler asks and tells it; the work queue keeps the timers.

import type { AppId } from '../model/app-id.js';

/** Doublings counted at most: enough to reach any maxMs from firstMs ≥ 1 ms, and no overflow. */
const MAX_DOUBLINGS = 40;

export class ProgressPace {
  readonly #firstMs: number;
  readonly #maxMs: number;
  /** Looks asked in a row for each app still waiting; apps not waiting have no entry. */
  readonly #looks = new Map<AppId, number>();

  constructor(firstMs: number, maxMs: number) {
    if (!(Number.isFinite(firstMs) && firstMs > 0)) throw new TypeError(`Expected \`firstMs\` to be a number above 0, got \`${firstMs}\``);
    if (!(Number.isFinite(maxMs) && maxMs >= firstMs))
      throw new TypeError(`Expected \`maxMs\` to be a number of at least \`firstMs\` (${firstMs}), got \`${maxMs}\``);
    this.#firstMs = firstMs;
    this.#maxMs = maxMs;
  }

  /** The delay before the next look at `id`, which is still waiting: each one in a row twice the last, up to maxMs. */
  next(id: AppId): number {
    const n = this.#looks.get(id) ?? 0;
    this.#looks.set(id, Math.min(n + 1, MAX_DOUBLINGS));
    return Math.min(this.#maxMs, this.#firstMs * 2 ** n);
  }

  /** `id` is not waiting any more, or a new wait begins: its next look comes after firstMs. */
  reset(id: AppId): void {
    this.#looks.delete(id);
  }

  /** Apps waiting now. */
  get size(): number {
    return this.#looks.size;
  }
}
