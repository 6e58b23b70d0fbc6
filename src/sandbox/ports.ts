// Port allocation. Service ports are Marathon's cluster-wide unique ports assigned for every
// requested port 0 from [local_port_min, local_port_max] (command-line-flags.md: 10000-20000;
// 1.10 uses an inclusive range, taking the lowest free port, GroupManagerImpl /
// AssignDynamicServiceLogic). Host ports are what a simulated agent offers to tasks.

export interface PortRange {
  min: number;
  max: number;
}

/** Lowest-free allocation over an inclusive range, amortised O(1) with a cursor. */
export class PortPool {
  readonly #taken = new Map<number, number>(); // port -> reference count
  #cursor: number;

  constructor(readonly range: PortRange) {
    this.#cursor = range.min;
  }

  /** Marks a port as used (explicit ports, ports of seeded apps). Ports outside the range count too. */
  reserve(port: number): void {
    this.#taken.set(port, (this.#taken.get(port) ?? 0) + 1);
  }

  release(port: number): void {
    const n = this.#taken.get(port);
    if (n === undefined) return;
    if (n <= 1) {
      this.#taken.delete(port);
      if (port >= this.range.min && port < this.#cursor) this.#cursor = port;
    } else this.#taken.set(port, n - 1);
  }

  isTaken(port: number): boolean {
    return this.#taken.has(port);
  }

  /** The lowest free port, reserved; undefined when the range is exhausted. */
  allocate(): number | undefined {
    for (let p = this.#cursor; p <= this.range.max; p++) {
      if (!this.#taken.has(p)) {
        this.reserve(p);
        this.#cursor = p + 1;
        return p;
      }
    }
    this.#cursor = this.range.max + 1;
    return undefined;
  }

  clear(): void {
    this.#taken.clear();
    this.#cursor = this.range.min;
  }
}
