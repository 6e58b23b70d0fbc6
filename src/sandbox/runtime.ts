// What runs tasks: the simulated agent (sim-runtime.ts) or real local processes
// (exec-runtime.ts). A runtime reports back through TaskHooks; the engine owns task state.

import type { JsonObject } from '../model/marathon.js';
import type { HealthResult, Task } from './tasks.js';

export type TerminalState = 'TASK_FAILED' | 'TASK_FINISHED' | 'TASK_KILLED';

export interface TaskHooks {
  /** The task's host ports are known (exec runtime allocates real free ports), and its agent when the runtime chose one. */
  portsAssigned(task: Task, ports: number[], agent?: { host: string; slaveId: string }): void;
  running(task: Task): void;
  health(task: Task, checkIndex: number, result: HealthResult): void;
  /** A health check failed more than maxConsecutiveFailures times: Marathon kills the task. */
  unhealthy(task: Task, cause: string): void;
  exited(task: Task, state: TerminalState, message: string): void;
}

export interface LaunchSpec {
  task: Task;
  /** The app definition the task runs (canonical JSON). */
  app: JsonObject;
  /** Ports requested by the definition: host ports when requirePorts, otherwise 0s. */
  requestedPorts: number[];
}

export interface TaskRuntime {
  launch(spec: LaunchSpec): void;
  /** Sends the kill; `exited(task, 'TASK_KILLED', ...)` follows once it is gone. */
  kill(task: Task, gracePeriodMs: number | undefined): void;
  /** Kills everything and waits until it is gone. */
  close(): Promise<void>;
  /** Pids of live child processes (exec runtime), for tests and diagnostics. */
  pids(): number[];
}
