// Global cap on concurrent Marathon deployments started by maracker.
//
// A slot is taken before a write and held by the deployment it started until that
// deployment is seen to finish (event, or absence from GET /v2/deployments). When Marathon
// itself refuses with its deployment cap (403), the limit is halved and then grows back by
// one after `limit` deployments complete (additive increase, multiplicative decrease), so
// maracker settles just under whatever share of Marathon's cap is left to it.

export interface DeploymentGateOptions {
  /** Upper bound of concurrent deployments. */
  max: number;
  /** Lower bound after cap refusals. Default 1. */
  min?: number;
  /** Clock for deployment ages. Default Date.now. */
  now?: () => number;
}

export interface GateTicket {
  /** The write started this deployment: the slot is now held until it finishes. */
  bind(deploymentId: string): void;
  /** The write did not start a deployment (it failed, or was a no-op): free the slot. */
  cancel(): void;
}

export class DeploymentGate {
  readonly #max: number;
  readonly #min: number;
  #limit: number;
  #pending = 0;
  /** Deployments holding a slot, with when they started. */
  readonly #held = new Map<string, number>();
  readonly #now: () => number;
  readonly #listeners: Array<() => void> = [];
  #successesSinceChange = 0;
  #peak = 0;

  constructor(options: DeploymentGateOptions) {
    const { max } = options;
    const min = options.min ?? 1;
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError(`Expected \`max\` to be an integer from 1 and up, got \`${max}\``);
    }
    if (!Number.isInteger(min) || min < 1 || min > max) {
      throw new TypeError(`Expected \`min\` to be an integer from 1 to max (${max}), got \`${min}\``);
    }
    this.#max = max;
    this.#min = min;
    this.#limit = max;
    this.#now = options.now ?? Date.now;
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

  /**
   * Takes a slot when one is free. Never waits: a reconcile that finds none gives its worker
   * back and is re-queued when a slot frees (see onFree), so waiting writes cannot starve
   * every other app of reconciles and status.
   */
  tryAcquire(): GateTicket | undefined {
    return this.inFlight < this.#limit ? this.#take() : undefined;
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
    const cutoff = this.#now() - maxAgeMs;
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

  #take(): GateTicket {
    this.#pending++;
    this.#peak = Math.max(this.#peak, this.inFlight);
    let done = false;
    return {
      bind: (deploymentId) => {
        if (done) return;
        done = true;
        this.#pending--;
        this.#held.set(deploymentId, this.#now());
      },
      cancel: () => {
        if (done) return;
        done = true;
        this.#pending--;
        this.#wake();
      },
    };
  }

  #wake(): void {
    if (this.free > 0) for (const l of this.#listeners) l();
  }
}
