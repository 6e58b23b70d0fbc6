// The simulated agent: tasks stage, run and pass their health checks on timers derived from
// the deployment duration, so a deployment "takes time" without any process. Host ports come
// from a pool (a Mesos agent's port resources); a task waits in staging until one is free.

import type { JsonObject } from '../model/marathon.js';
import type { PortPool } from './ports.js';
import type { LaunchSpec, TaskHooks, TaskRuntime } from './runtime.js';
import { checkIntervalMs, type Task } from './tasks.js';
import type { Clock, Timer } from './time.js';

export interface SimTimings {
  /** Staging -> running. */
  stagingMs: number;
  /** Running -> health checks passing. */
  healthyMs: number;
  /** Kill -> killed. */
  killMs: number;
}

/** A simulated Mesos agent: the host name and id its tasks report, and the ports it offers. */
export interface SimAgent {
  readonly host: string;
  readonly slaveId: string;
  readonly ports: PortPool;
}

export class SimRuntime implements TaskRuntime {
  readonly #timers = new Map<string, Set<Timer>>();

  readonly #clock: Clock;

  readonly #hooks: TaskHooks;

  readonly #agents: readonly SimAgent[];

  readonly #timings: () => SimTimings;

  readonly #timestamp: () => string;

  constructor(clock: Clock, hooks: TaskHooks, agents: readonly SimAgent[], timings: () => SimTimings, timestamp: () => string) {
    if (agents.length === 0) throw new Error('SimRuntime needs at least one agent');
    this.#clock = clock;

    this.#hooks = hooks;

    this.#agents = agents;

    this.#timings = timings;

    this.#timestamp = timestamp;
  }

  #after(task: Task, ms: number, fn: () => void): void {
    const set = this.#timers.get(task.id) ?? new Set<Timer>();
    this.#timers.set(task.id, set);
    const timer = this.#clock.setTimeout(() => {
      set.delete(timer);
      fn();
    }, ms);
    set.add(timer);
  }

  #cancel(task: Task): void {
    for (const t of this.#timers.get(task.id) ?? []) this.#clock.clearTimeout(t);
    this.#timers.delete(task.id);
  }

  /**
   * An agent and host ports for a task; undefined when no agent can satisfy it (the task keeps
   * waiting, as for an offer without the ports). Agents are tried in order, so with one agent
   * (the default) every task lands on it. A fixed host port is a resource like any other: one
   * task holds it at a time on an agent, whether another task asked for it by number or got it
   * as a dynamic port from the same range. Fixed ports are taken first, so a dynamic port of
   * the same task never lands on one of them.
   */
  allocatePorts(requested: number[]): { agent: SimAgent; ports: number[] } | undefined {
    for (const agent of this.#agents) {
      const ports = SimRuntime.#allocateOn(agent.ports, requested);
      if (ports) return { agent, ports };
    }
    return undefined;
  }

  static #allocateOn(pool: PortPool, requested: number[]): number[] | undefined {
    const fixed = requested.filter((p) => p !== 0);
    if (new Set(fixed).size !== fixed.length || fixed.some((p) => pool.isTaken(p))) return undefined;
    for (const p of fixed) pool.reserve(p);
    const out: number[] = [];
    for (const p of requested) {
      const port = p !== 0 ? p : pool.allocate();
      if (port === undefined) {
        for (const q of out) if (!fixed.includes(q)) pool.release(q);
        for (const q of fixed) pool.release(q);
        return undefined;
      }
      out.push(port);
    }
    return out;
  }

  /** The agent a task runs on (tasks of seed files name agents of their own: the first holds them). */
  #agentOf(task: Task): SimAgent {
    return this.#agents.find((a) => a.slaveId === task.slaveId) ?? (this.#agents[0] as SimAgent);
  }

  launch(spec: LaunchSpec): void {
    const { task } = spec;
    const placed = this.allocatePorts(spec.requestedPorts);
    if (placed === undefined) {
      // like a Marathon launch queue without matching offers: retry later
      this.#after(task, 1000, () => this.launch(spec));
      return;
    }
    this.#hooks.portsAssigned(task, placed.ports, placed.agent);
    const t = this.#timings();
    this.#after(task, t.stagingMs, () => {
      this.#hooks.running(task);
      this.#passChecks(task, spec.app, t.healthyMs);
    });
  }

  #passChecks(task: Task, _app: JsonObject, delayMs: number): void {
    if (task.healthChecks.length === 0) return;
    this.#after(task, delayMs, () => {
      const now = this.#timestamp();
      // each task's checks tick from the instant it first passed them, so tasks started at
      // different times age at different instants (no timer: see HealthResult.recheck)
      const phaseMs = this.#clock.now();
      task.healthChecks.forEach((check, i) => {
        // A check that needs a port and names none (no port, no portIndex: Marathon adds
        // portIndex 0 only to apps that declare ports) has no effective port: it never runs,
        // so the task never turns healthy, as on a real Marathon.
        if (check.protocol !== 'COMMAND' && check.port === undefined && check.portIndex === undefined) return;
        this.#hooks.health(task, i, {
          alive: true,
          consecutiveFailures: 0,
          firstSuccess: now,
          lastSuccess: now,
          lastFailure: null,
          lastFailureCause: null,
          recheck: { phaseMs, intervalMs: checkIntervalMs(check) },
        });
      });
    });
  }

  kill(task: Task): void {
    this.#cancel(task);
    this.#after(task, this.#timings().killMs, () => {
      this.#release(task);
      this.#hooks.exited(task, 'TASK_KILLED', 'Command terminated with signal Terminated');
    });
  }

  #release(task: Task): void {
    this.#cancel(task);
    const pool = this.#agentOf(task).ports;
    for (const p of task.ports) pool.release(p);
  }

  /** Places an already-running task (preloaded apps), holding its ports. */
  adopt(task: Task): void {
    const pool = this.#agentOf(task).ports;
    for (const p of task.ports) pool.reserve(p);
  }

  async close(): Promise<void> {
    for (const set of this.#timers.values()) for (const t of set) this.#clock.clearTimeout(t);
    this.#timers.clear();
  }

  pids(): number[] {
    return [];
  }
}
