// Task lifecycle of the simulated Marathon: launching and killing tasks so each app converges
// (scheduler.ts decides, this module acts), relaunching failed instances with the next
// incarnation after the launch backoff, and turning what the runtimes report into task state
// and Marathon events (status_update_event, instance_changed_event, health events).

import type { JsonObject } from '../model/marathon.js';
import type { AppRecord } from './app-record.js';
import { afterFailure, launchDelay } from './backoff.js';
import type { EventBus } from './events.js';
import type { TaskHooks, TaskRuntime, TerminalState } from './runtime.js';
import { decide } from './scheduler.js';
import { servicePortsOf } from './service-ports.js';
import { isAlive, newInstanceId, taskIdOf, type HealthResult, type Task } from './tasks.js';
import type { Clock, VersionStamper } from './time.js';

/** What the task lifecycle needs from the engine. */
export interface TaskHost {
  clock: Clock;
  stamper: VersionStamper;
  events: EventBus;
  agentHost: string;
  slaveId: string;
  /** Tasks held at once, all apps together: beyond, instances wait in the launch queue. */
  maxTasks: number;
  /** Whether `record` is the app currently registered under its id (not deleted, not replaced). */
  isCurrent(record: AppRecord): boolean;
  /** Whether a running deployment restarts the app: only then are tasks of an older configuration replaced. */
  replacing(record: AppRecord): boolean;
  touch(record?: AppRecord): void;
  /** Something changed that may complete a deployment step. */
  changed(): void;
  /** A task of `record` is gone: a deleted app may now be fully stopped. */
  stopped(record: AppRecord): void;
}

export class TaskControl {
  readonly #taskIndex = new Map<string, AppRecord>();
  /** Apps that wanted more tasks than there was room for, in the order they asked: fed as tasks end. */
  readonly #starved = new Set<AppRecord>();
  readonly #taskRuntime = new Map<string, TaskRuntime>();
  #closing = false;
  runtimeFor: (def: JsonObject) => TaskRuntime = () => {
    throw new Error('no task runtime configured');
  };

  readonly #host: TaskHost;

  constructor(host: TaskHost) {
    this.#host = host;
  }

  liveTasks(record: AppRecord): Task[] {
    return [...record.tasks.values()];
  }

  findTask(taskId: string): { record: AppRecord; task: Task } | undefined {
    const record = this.#taskIndex.get(taskId);
    const task = record?.tasks.get(taskId);
    return record && task ? { record, task } : undefined;
  }

  /** Every task of `apps`, in their order. */
  allTasks(apps: readonly AppRecord[]): Array<{ record: AppRecord; task: Task }> {
    const out: Array<{ record: AppRecord; task: Task }> = [];
    for (const record of apps) for (const task of record.tasks.values()) if (isAlive(task) || task.seeded) out.push({ record, task });
    return out;
  }

  /** Kills a task so it is replaced: by the next incarnation of its instance, or (wipe) a new instance. */
  killAndReplace(record: AppRecord, task: Task, wipe: boolean): void {
    if (!wipe) record.relaunch.push({ instanceId: task.instanceId, incarnation: task.incarnation + 1 });
    this.kill(record, task);
    this.reconcile(record);
  }

  /** No more launches or relaunches: the sandbox is closing. */
  beginClose(apps: Iterable<AppRecord>): void {
    this.#closing = true;
    for (const r of apps) if (r.timer) this.#host.clock.clearTimeout(r.timer);
  }

  kill(record: AppRecord, task: Task): void {
    if (task.killRequested) return;
    task.killRequested = true;
    task.json = undefined;
    this.#host.touch(record);
    if (task.state === 'TASK_RUNNING') {
      task.state = 'TASK_KILLING';
      this.#statusEvent(task, 'TASK_KILLING', '');
      this.#instanceEvent(task, 'Killing');
    }
    const grace = typeof record.def.taskKillGracePeriodSeconds === 'number' ? record.def.taskKillGracePeriodSeconds * 1000 : undefined;
    this.#taskRuntime.get(task.id)?.kill(task, grace);
  }

  /** Host ports a task of `def` asks for: explicit ones with requirePorts, 0 for any. */
  requestedPorts(def: JsonObject): number[] {
    if (Array.isArray(def.portDefinitions)) {
      return (def.portDefinitions as JsonObject[]).map((p) => (def.requirePorts === true ? Number(p.port) : 0));
    }
    const container = def.container as JsonObject | undefined;
    const mappings = (Array.isArray(container?.portMappings) ? container?.portMappings : []) as JsonObject[];
    return mappings.filter((m) => typeof m.hostPort === 'number').map((m) => Number(m.hostPort));
  }

  /** Launches and kills tasks so the app moves towards its target. */
  reconcile(record: AppRecord): void {
    if (this.#closing || record.seedRaw !== undefined || !this.#host.isCurrent(record)) return;
    const upgrade = (record.def.upgradeStrategy ?? {}) as JsonObject;
    const decision = decide({
      target: Number(record.def.instances),
      configVersion: record.versionInfo.lastConfigChangeAt,
      replacing: this.#host.replacing(record),
      tasks: this.liveTasks(record),
      minimumHealthCapacity: Number(upgrade.minimumHealthCapacity ?? 1),
      maximumOverCapacity: Number(upgrade.maximumOverCapacity ?? 1),
      killSelection: String(record.def.killSelection ?? 'YOUNGEST_FIRST'),
    });
    for (const t of decision.kill) this.kill(record, t);
    if (decision.launch <= 0) {
      record.relaunch = [];
      this.#starved.delete(record);
      return;
    }
    const wait = launchDelay(record.backoff, this.#host.clock.now());
    if (wait > 0) {
      if (!record.timer) {
        record.timer = this.#host.clock.setTimeout(() => {
          record.timer = undefined;
          this.reconcile(record);
          this.#host.changed();
        }, wait);
      }
      return;
    }
    const launch = Math.min(decision.launch, Math.max(0, this.#host.maxTasks - this.#taskIndex.size));
    if (launch < decision.launch) this.#starved.add(record);
    else this.#starved.delete(record);
    for (let i = 0; i < launch; i++) this.#launch(record);
  }

  /** Room was made: apps waiting for it launch, first come first served (one fed in part keeps its turn). */
  #feedStarved(): void {
    for (const record of [...this.#starved]) {
      if (this.#taskIndex.size >= this.#host.maxTasks) return;
      if (this.#host.isCurrent(record)) this.reconcile(record);
      else this.#starved.delete(record);
    }
  }

  #launch(record: AppRecord): void {
    const reuse = record.relaunch.shift();
    const instanceId = reuse?.instanceId ?? newInstanceId(record.id);
    const incarnation = reuse?.incarnation ?? 1;
    const now = this.#host.clock.now();
    const task: Task = {
      id: taskIdOf(instanceId, incarnation),
      instanceId,
      incarnation,
      appId: record.id,
      version: record.version,
      configVersion: record.versionInfo.lastConfigChangeAt,
      host: this.#host.agentHost,
      slaveId: this.#host.slaveId,
      ports: [],
      servicePorts: servicePortsOf(record.def),
      role: String(record.def.role ?? '*'),
      healthChecks: (Array.isArray(record.def.healthChecks) ? record.def.healthChecks : []) as JsonObject[],
      state: 'TASK_STAGING',
      stagedAt: new Date(now).toISOString(),
      stagedAtMs: now,
      health: [],
      killRequested: false,
    };
    record.tasks.set(task.id, task);
    this.#taskIndex.set(task.id, record);
    this.#host.touch(record);
    const runtime = this.runtimeFor(record.def);
    this.#taskRuntime.set(task.id, runtime);
    task.waitingForOffer = true;
    runtime.launch({ task, app: record.def, requestedPorts: this.requestedPorts(record.def) });
  }

  /** Adds a task that is already running (preloaded and seeded apps). */
  adopt(record: AppRecord, task: Task, runtime: TaskRuntime): void {
    this.#host.touch(record);
    record.tasks.set(task.id, task);
    this.#taskIndex.set(task.id, record);
    this.#taskRuntime.set(task.id, runtime);
  }

  #statusEvent(task: Task, status: string, message: string): void {
    this.#host.events.publish('status_update_event', {
      slaveId: task.slaveId,
      taskId: task.id,
      taskStatus: status,
      message,
      appId: task.appId,
      host: task.host,
      ipAddresses: [{ ipAddress: task.host, protocol: 'IPv4' }],
      ports: task.ports,
      version: task.version,
    });
  }

  #instanceEvent(task: Task, condition: string): void {
    this.#host.events.publish(
      'instance_changed_event',
      { instanceId: task.instanceId, condition, runSpecId: task.appId, agentId: task.slaveId, host: task.host, runSpecVersion: task.version },
      true,
    );
  }

  #changed(record: AppRecord | undefined): void {
    if (record) this.reconcile(record);
    this.#host.changed();
  }

  readonly hooks: TaskHooks = {
    portsAssigned: (task, ports, agent) => {
      task.ports = ports;
      if (agent) {
        task.host = agent.host;
        task.slaveId = agent.slaveId;
      }
      task.waitingForOffer = false;
      task.json = undefined;
      this.#host.touch(this.#taskIndex.get(task.id));
      this.#statusEvent(task, 'TASK_STAGING', '');
      this.#instanceEvent(task, 'Staging');
    },
    running: (task) => {
      const record = this.#taskIndex.get(task.id);
      if (!record || task.state !== 'TASK_STAGING') return;
      const now = this.#host.clock.now();
      task.state = task.killRequested ? 'TASK_KILLING' : 'TASK_RUNNING';
      task.startedAt = new Date(now).toISOString();
      task.startedAtMs = now;
      task.json = undefined;
      this.#host.touch(record);
      this.#statusEvent(task, 'TASK_RUNNING', '');
      this.#instanceEvent(task, 'Running');
      this.#changed(record);
    },
    health: (task, index, result) => this.#onHealth(task, index, result),
    unhealthy: (task, cause) => {
      const record = this.#taskIndex.get(task.id);
      if (!record || task.killRequested) return;
      this.#host.events.publish('unhealthy_instance_kill_event', {
        appId: task.appId,
        taskId: task.id,
        instanceId: task.instanceId,
        version: task.version,
        reason: cause,
        host: task.host,
        slaveId: task.slaveId,
      });
      this.#recordFailure(record);
      record.relaunch.push({ instanceId: task.instanceId, incarnation: task.incarnation + 1 });
      this.kill(record, task);
      this.#changed(record);
    },
    exited: (task, state, message) => this.#onExit(task, state, message),
  };

  #onHealth(task: Task, index: number, result: HealthResult): void {
    const record = this.#taskIndex.get(task.id);
    if (!record) return;
    const before = task.health[index]?.alive;
    task.health[index] = result;
    task.json = undefined;
    this.#host.touch(record);
    if (before !== result.alive) {
      this.#host.events.publish('health_status_changed_event', { appId: task.appId, instanceId: task.instanceId, version: task.version, alive: result.alive });
      this.#host.events.publish(
        'instance_health_changed_event',
        { instanceId: task.instanceId, runSpecVersion: task.version, healthy: result.alive, runSpecId: task.appId },
        true,
      );
    }
    this.#changed(record);
  }

  #recordFailure(record: AppRecord): void {
    record.backoff = afterFailure(
      {
        backoffSeconds: Number(record.def.backoffSeconds ?? 1),
        backoffFactor: Number(record.def.backoffFactor ?? 1.15),
        maxLaunchDelaySeconds: Number(record.def.maxLaunchDelaySeconds ?? 300),
      },
      record.backoff,
      this.#host.clock.now(),
    );
  }

  #onExit(task: Task, state: TerminalState, message: string): void {
    const record = this.#taskIndex.get(task.id);
    this.#taskIndex.delete(task.id);
    this.#taskRuntime.delete(task.id);
    if (!record) return;
    this.#host.touch(record);
    record.tasks.delete(task.id);
    task.state = state;
    task.json = undefined;
    this.#statusEvent(task, state, message);
    this.#instanceEvent(task, state === 'TASK_KILLED' ? 'Killed' : state === 'TASK_FAILED' ? 'Failed' : 'Finished');
    if (!task.killRequested && !this.#closing) {
      record.lastTaskFailure = {
        appId: task.appId,
        host: task.host,
        message,
        state,
        taskId: task.id,
        timestamp: this.#host.stamper.timestamp(),
        version: task.version,
        slaveId: task.slaveId,
      };
      this.#recordFailure(record);
      record.relaunch.push({ instanceId: task.instanceId, incarnation: task.incarnation + 1 });
    }
    this.#host.stopped(record);
    this.#changed(this.#host.isCurrent(record) ? record : undefined);
    if (this.#starved.size > 0) this.#feedStarved();
  }
}
