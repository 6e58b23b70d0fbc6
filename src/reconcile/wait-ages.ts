// How long each app has been seen waiting on Marathon, on maracker's own clock: from the
// first read that showed the wait until no read shows it. An app waits either on a
// deployment (known by its id) or, with none running, for tasks Marathon has yet to start
// or to see pass their checks (a task lost with its agent, waiting for an offer). Either
// can last for good: a task no offer can place (resources, host ports, the hosts its
// constraints need) keeps its deployment running, or the app short of it; and the app would
// read Progressing for good. Past --deployment-timeout it reads Degraded instead
// (../status/health.ts), as a Kubernetes Deployment past its progress deadline does.
//
// The clock is maracker's, not Marathon's `version` time: no clock skew, and a restart of
// maracker only starts counting again (later, never sooner). A new wait (another
// deployment, or the first one ending with the app still short) counts from zero, but
// deployments replacing one another keep the age of the oldest still running.

import type { AppId } from '../model/app-id.js';

/** What an app is waiting on: the ids of its running deployments, or, with none, SHORT_OF_TASKS. */
export const SHORT_OF_TASKS = '(short of tasks)';

export class WaitAges {
  /** For each app seen waiting: each thing it waits on, and when that was first seen. */
  readonly #seen = new Map<AppId, Map<string, number>>();

  /**
   * Tells what a read of `id` showed it waiting on at `now` (deployment ids, SHORT_OF_TASKS,
   * or nothing); answers how long the oldest of them has been seen, or undefined when the
   * app waits on nothing.
   */
  observe(id: AppId, waits: readonly string[], now: number): number | undefined {
    if (waits.length === 0) {
      this.#seen.delete(id);
      return undefined;
    }
    const before = this.#seen.get(id);
    const next = new Map<string, number>();
    let oldest = now;
    for (const w of waits) {
      const since = before?.get(w) ?? now;
      next.set(w, since);
      if (since < oldest) oldest = since;
    }
    this.#seen.set(id, next);
    return now - oldest;
  }

  /** The app is gone (deleted, or no longer anyone's business here). */
  forget(id: AppId): void {
    this.#seen.delete(id);
  }

  /** Apps seen waiting now. */
  get size(): number {
    return this.#seen.size;
  }
}
