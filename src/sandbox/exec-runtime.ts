// Runs tasks as local processes (`maracker sandbox --exec`): `/bin/sh -c <cmd>` in its own
// process group, with the environment a Mesos command executor gives a Marathon task, on real
// free ports of 127.0.0.1. Kills are SIGTERM to the whole group, then SIGKILL after the grace
// period. Every group is killed on close(), on process exit (including an uncaught crash), and
// by the Reaper if the sandbox process is killed outright.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { freePorts } from '../net/free-ports.js';
import { join } from 'node:path';
import type { JsonObject } from '../model/marathon.js';
import type { Logger } from '../base/log.js';
import { HealthProber } from './health.js';
import { Reaper } from './reaper.js';
import type { LaunchSpec, TaskHooks, TaskRuntime } from './runtime.js';
import type { Task } from './tasks.js';
import type { Clock, Timer } from './time.js';

export interface ExecRuntimeOptions {
  clock: Clock;
  hooks: TaskHooks;
  timestamp: () => string;
  /** Directory for task sandboxes, logs and the reaper's group list. */
  workDir: string;
  /** Keep per-task stdout/stderr files under workDir/tasks/<taskId>/ (discarded otherwise). */
  keepLogs: boolean;
  /** workDir is a temporary folder of this sandbox's own: removed even if the process is killed. */
  scratchWorkDir?: boolean;
  /** Base environment of every task (PATH, HOME, ...). */
  baseEnv: Record<string, string>;
  /** Kill grace period when the app sets no taskKillGracePeriodSeconds. */
  defaultKillGraceMs: number;
  logger: Logger;
}

interface Proc {
  task: Task;
  child: ChildProcess;
  pgid: number;
  killRequested: boolean;
  killTimer?: Timer;
  exited: Promise<void>;
}

function envName(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** The environment Marathon's TaskBuilder/EnvironmentHelper gives a task. */
export function taskEnvironment(task: Task, app: JsonObject, host: string, base: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...base };
  const appEnv = (app.env ?? {}) as JsonObject;
  for (const [k, v] of Object.entries(appEnv)) if (typeof v === 'string') env[k] = v;
  env.MARATHON_APP_ID = task.appId;
  env.MARATHON_APP_VERSION = task.version;
  env.MARATHON_APP_RESOURCE_CPUS = String(app.cpus);
  env.MARATHON_APP_RESOURCE_MEM = String(app.mem);
  env.MARATHON_APP_RESOURCE_DISK = String(app.disk);
  env.MARATHON_APP_RESOURCE_GPUS = String(app.gpus);
  const labels = (app.labels ?? {}) as Record<string, string>;
  env.MARATHON_APP_LABELS = Object.keys(labels).map(envName).join(' ');
  for (const [k, v] of Object.entries(labels)) env[`MARATHON_APP_LABEL_${envName(k)}`] = v;
  env.MESOS_TASK_ID = task.id;
  env.HOST = host;
  const definitions = (Array.isArray(app.portDefinitions) ? app.portDefinitions : []) as JsonObject[];
  task.ports.forEach((port, i) => {
    env[`PORT${i}`] = String(port);
    const def = definitions[i];
    if (def && typeof def.port === 'number' && def.port !== 0) env[`PORT_${def.port}`] = String(port);
    if (def && typeof def.name === 'string') env[`PORT_${envName(def.name)}`] = String(port);
  });
  if (task.ports.length > 0) {
    env.PORT = String(task.ports[0]);
    env.PORTS = task.ports.join(',');
  }
  return env;
}

export class ExecRuntime implements TaskRuntime {
  readonly #procs = new Map<string, Proc>();
  readonly #prober: HealthProber;
  readonly #reaper: Reaper;
  #closed = false;
  readonly #onExit = (): void => this.#killAllNow();

  readonly #options: ExecRuntimeOptions;

  constructor(options: ExecRuntimeOptions) {
    this.#options = options;
    mkdirSync(join(options.workDir, 'tasks'), { recursive: true });
    this.#prober = new HealthProber(options.clock, options.hooks, options.timestamp);
    this.#reaper = new Reaper(join(options.workDir, 'process-groups'), process.pid, options.scratchWorkDir ? options.workDir : '');
    process.on('exit', this.#onExit);
  }

  launch(spec: LaunchSpec): void {
    void this.#start(spec).catch((err: unknown) => {
      this.#options.logger.error({ err, taskId: spec.task.id }, 'task launch failed');
      this.#options.hooks.exited(spec.task, 'TASK_FAILED', `Failed to launch: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  async #start(spec: LaunchSpec): Promise<void> {
    const { task, app } = spec;
    const dynamic = spec.requestedPorts.filter((p) => p === 0).length;
    const free = await freePorts(dynamic);
    const ports = spec.requestedPorts.map((p) => (p === 0 ? (free.shift() as number) : p));
    if (this.#closed || task.killRequested) {
      this.#options.hooks.exited(task, 'TASK_KILLED', 'Task killed before it started');
      return;
    }
    this.#options.hooks.portsAssigned(task, ports);
    const sandboxDir = join(this.#options.workDir, 'tasks', task.id);
    mkdirSync(sandboxDir, { recursive: true });
    const env = taskEnvironment(task, app, task.host, { ...this.#options.baseEnv, MESOS_SANDBOX: sandboxDir });
    let out: number | 'ignore' = 'ignore';
    let err: number | 'ignore' = 'ignore';
    if (this.#options.keepLogs) {
      out = openSync(join(sandboxDir, 'stdout'), 'a');
      err = openSync(join(sandboxDir, 'stderr'), 'a');
    }
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', String(app.cmd)], { cwd: sandboxDir, env, detached: true, stdio: ['ignore', out, err] });
    } finally {
      if (typeof out === 'number') closeSync(out);
      if (typeof err === 'number') closeSync(err);
    }
    const pgid = child.pid;
    if (pgid === undefined) {
      await new Promise<void>((resolve) => child.once('error', () => resolve()));
      this.#options.hooks.exited(task, 'TASK_FAILED', 'Failed to launch: spawn failed');
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const proc: Proc = { task, child, pgid, killRequested: false, exited };
    this.#procs.set(task.id, proc);
    this.#reaper.update(this.#groups());
    child.once('exit', (code, signal) => this.#exited(proc, code, signal));
    this.#options.hooks.running(task);
    if (task.healthChecks.length > 0) this.#prober.start(task, env, sandboxDir);
  }

  #groups(): number[] {
    return [...this.#procs.values()].map((p) => p.pgid);
  }

  #signalGroup(pgid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pgid, signal);
    } catch {
      // the group is already gone
    }
  }

  #exited(proc: Proc, code: number | null, signal: NodeJS.Signals | null): void {
    this.#prober.stop(proc.task);
    if (proc.killTimer) this.#options.clock.clearTimeout(proc.killTimer);
    // the shell is gone; make sure nothing it started survives it
    this.#signalGroup(proc.pgid, 'SIGKILL');
    this.#procs.delete(proc.task.id);
    if (!this.#closed) this.#reaper.update(this.#groups());
    if (proc.killRequested) {
      this.#options.hooks.exited(proc.task, 'TASK_KILLED', 'Command terminated with signal Terminated');
    } else if (code === 0) {
      this.#options.hooks.exited(proc.task, 'TASK_FINISHED', 'Command exited with status 0');
    } else {
      const message = signal ? `Command terminated with signal ${signal}` : `Command exited with status ${code}`;
      this.#options.hooks.exited(proc.task, 'TASK_FAILED', message);
    }
  }

  kill(task: Task, gracePeriodMs: number | undefined): void {
    const proc = this.#procs.get(task.id);
    // not started yet: start() notices killRequested and reports it killed
    if (!proc) return;
    if (proc.killRequested) return;
    proc.killRequested = true;
    this.#prober.stop(task);
    this.#signalGroup(proc.pgid, 'SIGTERM');
    proc.killTimer = this.#options.clock.setTimeout(() => this.#signalGroup(proc.pgid, 'SIGKILL'), gracePeriodMs ?? this.#options.defaultKillGraceMs);
  }

  /** Synchronous last resort (process 'exit' handler): SIGKILL every group. */
  #killAllNow(): void {
    for (const p of this.#procs.values()) this.#signalGroup(p.pgid, 'SIGKILL');
    this.#prober.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#prober.close();
    const procs = [...this.#procs.values()];
    for (const p of procs) {
      p.killRequested = true;
      this.#signalGroup(p.pgid, 'SIGTERM');
      p.killTimer = this.#options.clock.setTimeout(() => this.#signalGroup(p.pgid, 'SIGKILL'), Math.min(this.#options.defaultKillGraceMs, 2000));
    }
    await Promise.all(procs.map((p) => p.exited));
    process.off('exit', this.#onExit);
    await this.#reaper.stop();
  }

  pids(): number[] {
    const pids = [...this.#procs.values()].map((p) => p.pgid);
    const reaper = this.#reaper.pid;
    return reaper === undefined ? pids : [...pids, reaper];
  }
}
