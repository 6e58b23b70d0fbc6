// The simulated Marathon: apps, their versions, tasks and deployments, and every write the REST
// API can make. HTTP lives elsewhere (api-*.ts); this module only knows Marathon's semantics.
//
// A write goes through `commit`, which mirrors GroupManager.updateRoot + DeploymentManager:
// deployment cap (403), service port assignment, versioning (a change of `instances` only is a
// scale: only versionInfo.lastScalingAt moves; anything else is a config change), lock check
// (409 unless force; with force the conflicting deployments are cancelled), then the new state
// and a deployment whose steps complete when the apps converge.

import type { JsonObject } from '../model/marathon.js';
import type { Logger } from '../log.js';
import { appInfoJson, openObject, withVersion, type VersionInfo } from './app-json.js';
import { configFingerprint, normalizeApp } from './app-normalize.js';
import { afterFailure, launchDelay, type BackoffState } from './backoff.js';
import { DeploymentManager, mergeSteps, type Action, type Deployment } from './deployments.js';
import { appAlreadyExists, appLocked, appNotFound, MarathonApiError, objectNotValid, tooManyDeployments } from './errors.js';
import type { EventBus } from './events.js';
import { parentOf } from './path-id.js';
import { PortPool, type PortRange } from './ports.js';
import type { TaskHooks, TaskRuntime, TerminalState } from './runtime.js';
import { converged, decide } from './scheduler.js';
import { assignServicePorts, servicePortsOf, type PortAssignment } from './service-ports.js';
import { countTasks, isAlive, newInstanceId, taskIdOf, taskJson, type HealthResult, type Task } from './tasks.js';
import type { Clock, Timer, VersionStamper } from './time.js';

export interface AppRecord {
  readonly id: string;
  def: JsonObject;
  version: string;
  versionInfo: VersionInfo;
  readonly tasks: Map<string, Task>;
  lastTaskFailure?: JsonObject;
  backoff?: BackoffState;
  /** Instances whose task died and that relaunch with the next incarnation. */
  relaunch: Array<{ instanceId: string; incarnation: number }>;
  /** Cached JSON of the definition, without the closing brace. */
  head?: string;
  /** Verbatim JSON of a seeded app: served as is and never scheduled until written to. */
  seedRaw?: string;
  timer?: Timer;
  /** Bumped on every change visible in the app's JSON; keys the serialisation cache. */
  rev: number;
  infoCache?: Map<number, { rev: number; text: string; bytes?: Buffer }>;
}

/** AppInfo fields of a seeded app that are not part of its definition. */
const SEEDED_INFO_FIELDS = [
  'version',
  'versionInfo',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'tasks',
  'lastTaskFailure',
  'tasksStats',
  'readinessCheckResults',
];

export type Embed = 'counts' | 'deployments' | 'tasks' | 'lastTaskFailure';

export interface EngineOptions {
  clock: Clock;
  stamper: VersionStamper;
  events: EventBus;
  logger: Logger;
  servicePortRange: PortRange;
  agentHost: string;
  slaveId: string;
  deploymentDurationMs: () => number;
  maxRunningDeployments: () => number;
}

export type AppChange =
  | { kind: 'put'; id: string; def: JsonObject; postEvent?: { clientIp: string; uri: string } }
  | { kind: 'restart'; id: string }
  | { kind: 'delete'; id: string };

export interface CommitResult {
  deployment: Deployment;
  version: string;
}

interface Planned {
  id: string;
  steps: Action[][];
  original: JsonObject | undefined;
  ports?: PortAssignment;
  apply: () => void;
}

export class Engine {
  readonly apps = new Map<string, AppRecord>();
  /** Deleted apps whose tasks are still being killed. */
  private readonly stopping = new Set<AppRecord>();
  private readonly versions = new Map<string, Map<string, JsonObject>>();
  private readonly taskIndex = new Map<string, AppRecord>();
  private readonly taskRuntime = new Map<string, TaskRuntime>();
  /** Number of apps below each group id, to refuse apps that clash with groups in O(depth). */
  private readonly groupApps = new Map<string, number>();
  private sortedCache?: AppRecord[];
  readonly servicePorts: PortPool;
  readonly deployments: DeploymentManager;
  private closing = false;
  /** Version of the last write to the root group. */
  rootVersion: string;
  /** Bumped on every change visible through the API; keys the listing caches. */
  revision = 0;
  runtimeFor: (def: JsonObject) => TaskRuntime = () => {
    throw new Error('no task runtime configured');
  };

  get slaveId(): string {
    return this.options.slaveId;
  }

  constructor(private readonly options: EngineOptions) {
    this.servicePorts = new PortPool(options.servicePortRange);
    this.rootVersion = options.stamper.timestamp();
    this.deployments = new DeploymentManager(options.clock, options.events, {
      isDone: (action) => this.isDone(action),
      started: (d) => this.touchApps(d.affectedApps),
      finished: (d) => this.touchApps(d.affectedApps),
    });
  }

  // ---------------------------------------------------------------- reading

  /**
   * Apps in creation order. Marathon's order is unspecified (a hash map inside the root group);
   * creation order keeps a seed file's order and makes tests readable.
   */
  sortedApps(): AppRecord[] {
    this.sortedCache ??= [...this.apps.values()];
    return this.sortedCache;
  }

  private invalidate(record: AppRecord): void {
    record.head = undefined;
    this.touch(record);
  }

  /** Marks a change of what the API shows for `record` (or for anything, without one). */
  touch(record?: AppRecord): void {
    this.revision++;
    if (record) record.rev++;
  }

  private touchApps(ids: readonly string[]): void {
    for (const id of ids) this.touch(this.apps.get(id));
  }

  liveTasks(record: AppRecord): Task[] {
    return [...record.tasks.values()];
  }

  findTask(taskId: string): { record: AppRecord; task: Task } | undefined {
    const record = this.taskIndex.get(taskId);
    const task = record?.tasks.get(taskId);
    return record && task ? { record, task } : undefined;
  }

  appVersions(id: string): string[] {
    return [...(this.versions.get(id)?.keys() ?? [])].sort().reverse();
  }

  appVersion(id: string, version: string): JsonObject | undefined {
    return this.versions.get(id)?.get(version);
  }

  /** The definition JSON with version and versionInfo (AppDefinition writes). */
  definitionJson(record: AppRecord): JsonObject {
    return withVersion(record.def, record.version, record.versionInfo);
  }

  appInfo(record: AppRecord, embed: ReadonlySet<Embed>): string {
    return this.cachedInfo(record, embed).text;
  }

  /** appInfo as UTF-8 bytes, cached too: listings concatenate bytes, not strings. */
  appInfoBytes(record: AppRecord, embed: ReadonlySet<Embed>): Buffer {
    const entry = this.cachedInfo(record, embed);
    entry.bytes ??= Buffer.from(entry.text);
    return entry.bytes;
  }

  private cachedInfo(record: AppRecord, embed: ReadonlySet<Embed>): { rev: number; text: string; bytes?: Buffer } {
    if (record.seedRaw !== undefined) return { rev: record.rev, text: record.seedRaw };
    const mask = (embed.has('counts') ? 1 : 0) | (embed.has('deployments') ? 2 : 0) | (embed.has('tasks') ? 4 : 0) | (embed.has('lastTaskFailure') ? 8 : 0);
    const cached = record.infoCache?.get(mask);
    if (cached && cached.rev === record.rev) return cached;
    const entry = { rev: record.rev, text: this.serialize(record, embed) };
    (record.infoCache ??= new Map()).set(mask, entry);
    return entry;
  }

  private serialize(record: AppRecord, embed: ReadonlySet<Embed>): string {
    record.head ??= openObject(this.definitionJson(record));
    const tasks = this.liveTasks(record);
    return appInfoJson(record.head, {
      counts: embed.has('counts') ? countTasks(tasks) : undefined,
      deploymentIds: embed.has('deployments') ? this.deployments.idsFor(record.id) : undefined,
      tasks: embed.has('tasks') ? tasks.map(taskJson) : undefined,
      lastTaskFailure: embed.has('lastTaskFailure') ? record.lastTaskFailure : undefined,
    });
  }

  // ---------------------------------------------------------------- writes

  /** POST /v2/apps: the normalised definition (service ports still 0, as Marathon answers). */
  createApp(def: JsonObject, force: boolean, postEvent?: { clientIp: string; uri: string }): CommitResult {
    if (this.apps.has(String(def.id))) throw appAlreadyExists(String(def.id));
    return this.commit([{ kind: 'put', id: String(def.id), def, postEvent }], force);
  }

  commit(changes: AppChange[], force: boolean, afterApply?: () => void): CommitResult {
    const max = this.options.maxRunningDeployments();
    if (this.deployments.size >= max) throw tooManyDeployments(max);
    const version = this.options.stamper.next();
    const planned: Planned[] = [];
    const previousRoot = this.rootVersion;
    try {
      for (const change of changes) planned.push(this.plan(change, version));
      const affected = planned.filter((p) => p.steps.length > 0).map((p) => p.id);
      const conflicting = this.deployments.conflicting(affected);
      if (conflicting.length > 0 && !force) throw appLocked(conflicting.map((d) => d.id));
      for (const d of conflicting) this.deployments.cancel(d);
    } catch (err) {
      for (const p of planned) for (const port of p.ports?.reserved ?? []) this.servicePorts.release(port);
      this.rootVersion = previousRoot;
      throw err;
    }
    this.rootVersion = version;
    for (const p of planned) {
      for (const port of p.ports?.previous ?? []) this.servicePorts.release(port);
      p.apply();
    }
    afterApply?.();
    const original = new Map(planned.map((p) => [p.id, p.original] as const));
    const deployment = this.deployments.create(
      version,
      mergeSteps(planned.map((p) => p.steps)),
      original,
      this.options.deploymentDurationMs(),
    );
    const first = changes[0];
    this.options.events.publish('group_change_success', { groupId: first ? parentOf(first.id) : '/', version });
    for (const change of changes) {
      const record = this.apps.get(change.id);
      if (change.kind === 'put' && change.postEvent && record) {
        this.options.events.publish('api_post_event', { ...change.postEvent, appDefinition: this.definitionJson(record) });
      }
    }
    this.deployments.start(deployment);
    for (const p of planned) {
      const record = this.apps.get(p.id);
      if (record) this.reconcile(record);
    }
    return { deployment, version };
  }

  private static ancestors(id: string): string[] {
    const segs = id.split('/').filter((x) => x.length > 0);
    return segs.slice(0, -1).map((_, i) => '/' + segs.slice(0, i + 1).join('/'));
  }

  private checkGroupClash(id: string): void {
    const clash = this.groupApps.has(id) || Engine.ancestors(id).some((a) => this.apps.has(a));
    if (clash) throw objectNotValid([{ path: '/', errors: ['Groups and Applications may not have the same identifier.'] }]);
  }

  private countGroups(id: string, delta: number): void {
    for (const g of Engine.ancestors(id)) {
      const n = (this.groupApps.get(g) ?? 0) + delta;
      if (n <= 0) this.groupApps.delete(g);
      else this.groupApps.set(g, n);
    }
  }

  private plan(change: AppChange, version: string): Planned {
    const existing = this.apps.get(change.id);
    const original = existing ? existing.def : undefined;
    if (change.kind === 'delete') {
      if (!existing) throw appNotFound(change.id);
      return {
        id: change.id,
        steps: [[{ action: 'StopApplication', app: change.id }]],
        original,
        ports: { def: existing.def, reserved: [], previous: servicePortsOf(existing.def) },
        apply: () => this.removeApp(existing),
      };
    }
    if (change.kind === 'restart') {
      if (!existing) throw appNotFound(change.id);
      return {
        id: change.id,
        steps: [[{ action: 'RestartApplication', app: change.id }]],
        original,
        apply: () => this.setConfig(existing, existing.def, version),
      };
    }
    if (!existing) this.checkGroupClash(change.id);
    const ports = assignServicePorts(change.def, existing?.def, this.servicePorts);
    const def = ports.def;
    if (!existing) {
      return {
        id: change.id,
        steps: [[{ action: 'StartApplication', app: change.id }], [{ action: 'ScaleApplication', app: change.id }]],
        original,
        ports,
        apply: () => this.addApp(def, version),
      };
    }
    const configChanged = existing.seedRaw !== undefined || configFingerprint(def) !== configFingerprint(existing.def);
    if (configChanged) {
      return { id: change.id, steps: [[{ action: 'RestartApplication', app: change.id }]], original, ports, apply: () => this.setConfig(existing, def, version) };
    }
    if (def.instances !== existing.def.instances) {
      return { id: change.id, steps: [[{ action: 'ScaleApplication', app: change.id }]], original, ports, apply: () => this.setScale(existing, def, version) };
    }
    // nothing changed: an empty plan, the app keeps its version
    return { id: change.id, steps: [], original, ports, apply: () => undefined };
  }

  private storeVersion(record: AppRecord): void {
    const map = this.versions.get(record.id) ?? new Map<string, JsonObject>();
    map.set(record.version, record.def);
    this.versions.set(record.id, map);
  }

  private addApp(def: JsonObject, version: string): AppRecord {
    const record: AppRecord = {
      id: String(def.id),
      def,
      version,
      versionInfo: { lastScalingAt: version, lastConfigChangeAt: version },
      tasks: new Map(),
      relaunch: [],
      rev: 0,
    };
    this.apps.set(record.id, record);
    this.countGroups(record.id, 1);
    this.touch(record);
    this.sortedCache = undefined;
    this.storeVersion(record);
    return record;
  }

  private setConfig(record: AppRecord, def: JsonObject, version: string): void {
    record.def = def;
    record.version = version;
    record.versionInfo = { lastScalingAt: version, lastConfigChangeAt: version };
    record.seedRaw = undefined;
    record.backoff = undefined;
    record.relaunch = [];
    this.invalidate(record);
    this.storeVersion(record);
  }

  private setScale(record: AppRecord, def: JsonObject, version: string): void {
    record.def = def;
    record.version = version;
    record.versionInfo = { ...record.versionInfo, lastScalingAt: version };
    record.seedRaw = undefined;
    this.invalidate(record);
    this.storeVersion(record);
  }

  private removeApp(record: AppRecord): void {
    this.touch(record);
    this.apps.delete(record.id);
    this.countGroups(record.id, -1);
    this.sortedCache = undefined;
    this.versions.delete(record.id);
    if (record.timer) this.options.clock.clearTimeout(record.timer);
    record.relaunch = [];
    this.stopping.add(record);
    for (const task of this.liveTasks(record)) this.killTask(record, task);
    this.checkStopped(record);
  }

  private checkStopped(record: AppRecord): void {
    if (this.stopping.has(record) && record.tasks.size === 0) {
      this.stopping.delete(record);
      this.options.events.publish('app_terminated_event', { appId: record.id });
    }
  }

  /** Kills one task; `scale` lowers the instance count (a deployment), otherwise it is replaced. */
  killOne(record: AppRecord, task: Task, opts: { scale: boolean; wipe: boolean; force: boolean }): CommitResult | undefined {
    if (opts.scale) return this.killAndScale(record, [task], opts.force);
    if (!opts.wipe) record.relaunch.push({ instanceId: task.instanceId, incarnation: task.incarnation + 1 });
    this.killTask(record, task);
    this.reconcile(record);
    return undefined;
  }

  killAndScale(record: AppRecord, tasks: Task[], force: boolean): CommitResult {
    const instances = Math.max(0, Number(record.def.instances) - tasks.length);
    // the named tasks die first, so the scale-down does not pick others
    return this.commit([{ kind: 'put', id: record.id, def: { ...record.def, instances } }], force, () => {
      for (const t of tasks) this.killTask(record, t);
    });
  }

  private killTask(record: AppRecord, task: Task): void {
    if (task.killRequested) return;
    task.killRequested = true;
    task.json = undefined;
    this.touch(record);
    if (task.state === 'TASK_RUNNING') {
      task.state = 'TASK_KILLING';
      this.statusEvent(task, 'TASK_KILLING', '');
      this.instanceEvent(task, 'Killing');
    }
    const grace = typeof record.def.taskKillGracePeriodSeconds === 'number' ? record.def.taskKillGracePeriodSeconds * 1000 : undefined;
    this.taskRuntime.get(task.id)?.kill(task, grace);
  }

  /** Cancels a deployment: with force just stops it, otherwise reverts its apps (a new deployment). */
  cancelDeployment(deployment: Deployment, force: boolean): CommitResult | undefined {
    if (force) {
      this.deployments.cancel(deployment);
      return undefined;
    }
    const changes: AppChange[] = [];
    for (const [id, before] of deployment.original) {
      const now = this.apps.get(id);
      if (before === undefined) {
        if (now) changes.push({ kind: 'delete', id });
      } else changes.push({ kind: 'put', id, def: before });
    }
    // DeploymentsResource reverts with force=true: the original deployment is superseded
    return this.commit(changes, true);
  }

  // ---------------------------------------------------------------- scheduling

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
    if (this.closing || record.seedRaw !== undefined || !this.apps.has(record.id) || this.apps.get(record.id) !== record) return;
    const upgrade = (record.def.upgradeStrategy ?? {}) as JsonObject;
    const decision = decide({
      target: Number(record.def.instances),
      configVersion: record.versionInfo.lastConfigChangeAt,
      tasks: this.liveTasks(record),
      minimumHealthCapacity: Number(upgrade.minimumHealthCapacity ?? 1),
      maximumOverCapacity: Number(upgrade.maximumOverCapacity ?? 1),
      killSelection: String(record.def.killSelection ?? 'YOUNGEST_FIRST'),
    });
    for (const t of decision.kill) this.killTask(record, t);
    if (decision.launch <= 0) {
      record.relaunch = [];
      return;
    }
    const wait = launchDelay(record.backoff, this.options.clock.now());
    if (wait > 0) {
      if (!record.timer) {
        record.timer = this.options.clock.setTimeout(() => {
          record.timer = undefined;
          this.reconcile(record);
          this.deployments.check();
        }, wait);
      }
      return;
    }
    for (let i = 0; i < decision.launch; i++) this.launch(record);
  }

  private launch(record: AppRecord): void {
    const reuse = record.relaunch.shift();
    const instanceId = reuse?.instanceId ?? newInstanceId(record.id);
    const incarnation = reuse?.incarnation ?? 1;
    const now = this.options.clock.now();
    const task: Task = {
      id: taskIdOf(instanceId, incarnation),
      instanceId,
      incarnation,
      appId: record.id,
      version: record.version,
      configVersion: record.versionInfo.lastConfigChangeAt,
      host: this.options.agentHost,
      slaveId: this.options.slaveId,
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
    this.taskIndex.set(task.id, record);
    this.touch(record);
    const runtime = this.runtimeFor(record.def);
    this.taskRuntime.set(task.id, runtime);
    runtime.launch({ task, app: record.def, requestedPorts: this.requestedPorts(record.def) });
  }

  /** Adds a task that is already running (preloaded and seeded apps). */
  adoptTask(record: AppRecord, task: Task, runtime: TaskRuntime): void {
    this.touch(record);
    record.tasks.set(task.id, task);
    this.taskIndex.set(task.id, record);
    this.taskRuntime.set(task.id, runtime);
  }

  private isDone(action: Action): boolean {
    if (action.action === 'StartApplication') return true;
    if (action.action === 'StopApplication') return ![...this.stopping].some((r) => r.id === action.app);
    const record = this.apps.get(action.app);
    if (!record || record.seedRaw !== undefined) return true;
    return converged({ target: Number(record.def.instances), configVersion: record.versionInfo.lastConfigChangeAt, tasks: this.liveTasks(record) });
  }

  // ---------------------------------------------------------------- task events

  private statusEvent(task: Task, status: string, message: string): void {
    this.options.events.publish('status_update_event', {
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

  private instanceEvent(task: Task, condition: string): void {
    this.options.events.publish(
      'instance_changed_event',
      { instanceId: task.instanceId, condition, runSpecId: task.appId, agentId: task.slaveId, host: task.host, runSpecVersion: task.version },
      true,
    );
  }

  private changed(record: AppRecord | undefined): void {
    if (record) this.reconcile(record);
    this.deployments.check();
  }

  readonly hooks: TaskHooks = {
    portsAssigned: (task, ports) => {
      task.ports = ports;
      task.json = undefined;
      this.touch(this.taskIndex.get(task.id));
      this.statusEvent(task, 'TASK_STAGING', '');
      this.instanceEvent(task, 'Staging');
    },
    running: (task) => {
      const record = this.taskIndex.get(task.id);
      if (!record || task.state !== 'TASK_STAGING') return;
      const now = this.options.clock.now();
      task.state = task.killRequested ? 'TASK_KILLING' : 'TASK_RUNNING';
      task.startedAt = new Date(now).toISOString();
      task.startedAtMs = now;
      task.json = undefined;
      this.touch(record);
      this.statusEvent(task, 'TASK_RUNNING', '');
      this.instanceEvent(task, 'Running');
      this.changed(record);
    },
    health: (task, index, result) => this.onHealth(task, index, result),
    unhealthy: (task, cause) => {
      const record = this.taskIndex.get(task.id);
      if (!record || task.killRequested) return;
      this.options.events.publish('unhealthy_instance_kill_event', {
        appId: task.appId,
        taskId: task.id,
        instanceId: task.instanceId,
        version: task.version,
        reason: cause,
        host: task.host,
        slaveId: task.slaveId,
      });
      this.recordFailure(record);
      record.relaunch.push({ instanceId: task.instanceId, incarnation: task.incarnation + 1 });
      this.killTask(record, task);
      this.changed(record);
    },
    exited: (task, state, message) => this.onExit(task, state, message),
  };

  private onHealth(task: Task, index: number, result: HealthResult): void {
    const record = this.taskIndex.get(task.id);
    if (!record) return;
    const before = task.health[index]?.alive;
    task.health[index] = result;
    task.json = undefined;
    this.touch(record);
    if (before !== result.alive) {
      this.options.events.publish('health_status_changed_event', { appId: task.appId, instanceId: task.instanceId, version: task.version, alive: result.alive });
      this.options.events.publish(
        'instance_health_changed_event',
        { instanceId: task.instanceId, runSpecVersion: task.version, healthy: result.alive, runSpecId: task.appId },
        true,
      );
    }
    this.changed(record);
  }

  private recordFailure(record: AppRecord): void {
    record.backoff = afterFailure(
      {
        backoffSeconds: Number(record.def.backoffSeconds ?? 1),
        backoffFactor: Number(record.def.backoffFactor ?? 1.15),
        maxLaunchDelaySeconds: Number(record.def.maxLaunchDelaySeconds ?? 300),
      },
      record.backoff,
      this.options.clock.now(),
    );
  }

  private onExit(task: Task, state: TerminalState, message: string): void {
    const record = this.taskIndex.get(task.id);
    this.taskIndex.delete(task.id);
    this.taskRuntime.delete(task.id);
    if (!record) return;
    this.touch(record);
    record.tasks.delete(task.id);
    task.state = state;
    task.json = undefined;
    this.statusEvent(task, state, message);
    this.instanceEvent(task, state === 'TASK_KILLED' ? 'Killed' : state === 'TASK_FAILED' ? 'Failed' : 'Finished');
    if (!task.killRequested && !this.closing) {
      record.lastTaskFailure = {
        appId: task.appId,
        host: task.host,
        message,
        state,
        taskId: task.id,
        timestamp: this.options.stamper.timestamp(),
        version: task.version,
        slaveId: task.slaveId,
      };
      this.recordFailure(record);
      record.relaunch.push({ instanceId: task.instanceId, incarnation: task.incarnation + 1 });
    }
    this.checkStopped(record);
    this.changed(this.apps.get(record.id) === record ? record : undefined);
  }

  /** Marks the engine as shutting down: no more launches or relaunches. */
  beginClose(): void {
    this.closing = true;
    for (const r of this.apps.values()) if (r.timer) this.options.clock.clearTimeout(r.timer);
    this.deployments.clear();
  }

  /** Drops every app, task and deployment (POST /sandbox/reset). */
  reset(): void {
    this.deployments.clear();
    for (const record of [...this.apps.values()]) {
      if (record.timer) this.options.clock.clearTimeout(record.timer);
      this.apps.delete(record.id);
      this.countGroups(record.id, -1);
      this.stopping.add(record);
      for (const task of this.liveTasks(record)) this.killTask(record, task);
      if (record.tasks.size === 0) this.stopping.delete(record);
    }
    this.sortedCache = undefined;
    this.versions.clear();
    this.servicePorts.clear();
    this.touch();
  }

  /** Adds an app that has been running for a while: no deployment, no events. */
  addRunning(def: JsonObject, version: string, runtime: TaskRuntime, makeTask: (record: AppRecord, index: number) => Task | undefined): AppRecord {
    this.checkGroupClash(String(def.id));
    if (this.apps.has(String(def.id))) throw appAlreadyExists(String(def.id));
    const ports = assignServicePorts(def, undefined, this.servicePorts);
    const record = this.addApp(ports.def, version);
    for (let i = 0; i < Number(ports.def.instances); i++) {
      const task = makeTask(record, i);
      if (task) this.adoptTask(record, task, runtime);
    }
    return record;
  }

  /** Adds a seeded app, served verbatim until it is written to. */
  addSeeded(raw: string, json: JsonObject, tasks: Task[], runtime: TaskRuntime): AppRecord {
    const id = String(json.id);
    const def: JsonObject = { ...json };
    for (const k of SEEDED_INFO_FIELDS) delete def[k];
    const version = json.version;
    const versionInfo = json.versionInfo;
    const lastTaskFailure = json.lastTaskFailure;
    const v = typeof version === 'string' ? version : this.options.stamper.next();
    const vi = (versionInfo ?? {}) as JsonObject;
    const record: AppRecord = {
      id,
      def: { ...def, id },
      version: v,
      versionInfo: { lastScalingAt: String(vi.lastScalingAt ?? v), lastConfigChangeAt: String(vi.lastConfigChangeAt ?? v) },
      tasks: new Map(),
      relaunch: [],
      rev: 0,
      seedRaw: raw,
      lastTaskFailure: lastTaskFailure as JsonObject | undefined,
    };
    for (const p of servicePortsOf(record.def)) if (p !== 0) this.servicePorts.reserve(p);
    this.apps.set(id, record);
    this.countGroups(id, 1);
    this.sortedCache = undefined;
    this.storeVersion(record);
    for (const t of tasks) this.adoptTask(record, t, runtime);
    this.touch(record);
    return record;
  }

  /** Validates and normalises, for callers that build definitions in-process. */
  static normalize(def: JsonObject): JsonObject {
    return normalizeApp(def);
  }

  allTasks(): Array<{ record: AppRecord; task: Task }> {
    const out: Array<{ record: AppRecord; task: Task }> = [];
    for (const record of this.sortedApps()) for (const task of record.tasks.values()) if (isAlive(task) || task.seeded) out.push({ record, task });
    return out;
  }

  static apiError(status: number, message: string): MarathonApiError {
    return new MarathonApiError(status, { message });
  }
}
