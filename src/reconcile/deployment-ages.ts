// How long each app has been seen deploying, on maracker's own clock: from the first read
// that showed a deployment of the app until no read shows one. Marathon's deployment of a
// version whose tasks cannot start (no offer has the resources, the ports or the hosts its
// constraints need) or never pass their checks runs for good, and its app would read
// Progressing for good; past --deployment-timeout it reads Degraded instead (health.ts), as
// a Kubernetes Deployment past its progress deadline does.
//
// The clock is maracker's, not Marathon's `version` time: no clock skew, and a restart of
// maracker only starts counting again (later, never sooner). Deployments replacing one
// another (a new write while one runs) keep the age of the oldest still running.

import type { AppId } from '../model/app-id.js';

export class DeploymentAges {
  /** For each app seen deploying: each deployment id still running, and when it was first seen. */
  readonly #seen = new Map<AppId, Map<string, number>>();

  /**
   * Tells what a read of `id` showed (its running deployments' ids) at `now`; answers how
   * long the oldest of them has been seen running, or undefined when none runs.
   */
  observe(id: AppId, deploymentIds: readonly string[], now: number): number | undefined {
    if (deploymentIds.length === 0) {
      this.#seen.delete(id);
      return undefined;
    }
    const before = this.#seen.get(id);
    const next = new Map<string, number>();
    let oldest = now;
    for (const d of deploymentIds) {
      const since = before?.get(d) ?? now;
      next.set(d, since);
      if (since < oldest) oldest = since;
    }
    this.#seen.set(id, next);
    return now - oldest;
  }

  /** The app is gone (deleted, or no longer anyone's business here). */
  forget(id: AppId): void {
    this.#seen.delete(id);
  }

  /** Apps seen deploying now. */
  get size(): number {
    return this.#seen.size;
  }
}
