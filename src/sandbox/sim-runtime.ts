// The simulated agent: tasks stage, run and pass their health checks on timers derived from
// the deployment duration, so a deployment "takes time" without any process. Host ports come
// from a pool (a Mesos agent's port resources); a task waits in staging until one is free.

import type { JsonObject } from '../model/marathon.js';
import { PortPool } from './ports.js';
import type { LaunchSpec, TaskHooks, TaskRuntime } from './runtime.js';
import type { Task } from './tasks.js';
import type { Clock, Timer } from './time.js';

export interface SimTimings {
  /** Staging -> running. */
  stagingMs: number;
  /** Running -> health checks passing. */
  healthyMs: number;
  /** Kill -> killed. */
  killMs: number;
}

export class SimRuntime implements TaskRuntime {
  private readonly timers = new Map<string, Set<Timer>>();

  constructor(
    private readonly clock: Clock,
    private readonly hooks: TaskHooks,
    private readonly hostPorts: PortPool,
    private readonly timings: () => SimTimings,
    private readonly timestamp: () => string,
  ) {}

  private after(task: Task, ms: number, fn: () => void): void {
    const set = this.timers.get(task.id) ?? new Set<Timer>();
    this.timers.set(task.id, set);
    const timer = this.clock.setTimeout(() => {
      set.delete(timer);
      fn();
    }, ms);
    set.add(timer);
  }

  private cancel(task: Task): void {
    for (const t of this.timers.get(task.id) ?? []) this.clock.clearTimeout(t);
    this.timers.delete(task.id);
  }

  /** Host ports for a task; undefined when the pool cannot satisfy it (the task keeps waiting). */
  allocatePorts(requested: number[]): number[] | undefined {
    const out: number[] = [];
    for (const p of requested) {
      const port = p !== 0 ? p : this.hostPorts.allocate();
      if (port === undefined) {
        for (const q of out) this.hostPorts.release(q);
        return undefined;
      }
      if (p !== 0) this.hostPorts.reserve(p);
      out.push(port);
    }
    return out;
  }

  launch(spec: LaunchSpec): void {
    const { task } = spec;
    const ports = this.allocatePorts(spec.requestedPorts);
    if (ports === undefined) {
      // like a Marathon launch queue without matching offers: retry later
      this.after(task, 1000, () => this.launch(spec));
      return;
    }
    this.hooks.portsAssigned(task, ports);
    const t = this.timings();
    this.after(task, t.stagingMs, () => {
      this.hooks.running(task);
      this.passChecks(task, spec.app, t.healthyMs);
    });
  }

  private passChecks(task: Task, _app: JsonObject, delayMs: number): void {
    if (task.healthChecks.length === 0) return;
    this.after(task, delayMs, () => {
      const now = this.timestamp();
      task.healthChecks.forEach((_, i) =>
        this.hooks.health(task, i, { alive: true, consecutiveFailures: 0, firstSuccess: now, lastSuccess: now, lastFailure: null, lastFailureCause: null }),
      );
    });
  }

  kill(task: Task): void {
    this.cancel(task);
    this.after(task, this.timings().killMs, () => {
      this.release(task);
      this.hooks.exited(task, 'TASK_KILLED', 'Command terminated with signal Terminated');
    });
  }

  private release(task: Task): void {
    this.cancel(task);
    for (const p of task.ports) this.hostPorts.release(p);
  }

  /** Places an already-running task (preloaded apps), holding its ports. */
  adopt(task: Task): void {
    for (const p of task.ports) this.hostPorts.reserve(p);
  }

  async close(): Promise<void> {
    for (const set of this.timers.values()) for (const t of set) this.clock.clearTimeout(t);
    this.timers.clear();
  }

  pids(): number[] {
    return [];
  }
}
