// The simulated Marathon: apps, their versions, tasks and deployments, and every write the REST
// API can make. HTTP lives elsewhere (api-*.ts); this module only knows Marathon's semantics.
//
// A write goes through `commit`, which mirrors GroupManager.updateRoot + DeploymentManager:
// deployment cap (403), service port assignment, versioning (a change of `instances` only is a
// scale: only versionInfo.lastScalingAt moves; anything else is a config change), lock check
// (409 unless force; with force the conflicting deployments are cancelled), then the new state
// and a deployment whose steps complete when the apps converge.

import type { JsonObject } from '../model/marathon.js';
import type { Logger } from '../base/log.js';
import { appInfoJson, openObject, withVersion } from './app-json.js';
import { configFingerprint } from './app-normalize.js';
import type { AppConfig } from './app-validate.js';
import type { AppRecord, InfoCacheEntry } from './app-record.js';
import { createsCycle } from './dependency-cycle.js';
import { DeploymentManager, mergeSteps, type Action, type Deployment } from './deployments.js';
import { appAlreadyExists, appLocked, appNotFound, objectNotValid, tooManyDeployments } from './errors.js';
import type { EventBus } from './events.js';
import { parentOf } from './path-id.js';
import { PortPool, type PortRange } from './ports.js';
import type { TaskRuntime } from './runtime.js';
import { converged, scaled } from './scheduler.js';
import { assignServicePorts, servicePortsOf, type PortAssignment } from './service-ports.js';
import { TaskControl } from './task-control.js';
import { countTasks, taskJson, taskJsonUntil, taskStats, type Task } from './tasks.js';
import type { Clock, VersionStamper } from './time.js';

export type { AppRecord } from './app-record.js';

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

export type Embed = 'counts' | 'deployments' | 'tasks' | 'lastTaskFailure' | 'taskStats' | 'readiness';

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
  /** Tasks held at once, all apps together (SandboxOptions.maxTasks). */
  maxTasks: number;
  /** --default_network_name and --enable_features, which app validation and normalisation read. */
  appConfig: AppConfig;
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
  readonly #stopping = new Set<AppRecord>();
  readonly #versions = new Map<string, Map<string, JsonObject>>();
  /** Number of apps below each group id, to refuse apps that clash with groups in O(depth). */
  readonly #groupApps = new Map<string, number>();
  /** Groups created through /v2/groups: they stay while empty, unlike those apps imply. */
  readonly explicitGroups = new Set<string>();
  /** Versions of each group, newest last: every write to something below it (GET /v2/groups/{id}/versions). */
  readonly #groupVersions = new Map<string, string[]>();
  #sortedCache?: AppRecord[];
  readonly servicePorts: PortPool;
  readonly deployments: DeploymentManager;
  /** Version of the last write to the root group. */
  rootVersion: string;
  /** Bumped on every change visible through the API; keys the listing caches. */
  revision = 0;
  readonly tasks: TaskControl;

  get slaveId(): string {
    return this.#options.slaveId;
  }

  get appConfig(): AppConfig {
    return this.#options.appConfig;
  }

  readonly #options: EngineOptions;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.servicePorts = new PortPool(options.servicePortRange);
    this.tasks = new TaskControl({
      clock: options.clock,
      stamper: options.stamper,
      events: options.events,
      agentHost: options.agentHost,
      slaveId: options.slaveId,
      maxTasks: options.maxTasks,
      isCurrent: (record) => this.apps.get(record.id) === record,
      replacing: (record) => this.#restarting(record.id),
      touch: (record) => this.touch(record),
      changed: () => this.deployments.check(),
      stopped: (record) => this.#checkStopped(record),
    });
    this.rootVersion = options.stamper.timestamp();
    this.deployments = new DeploymentManager(options.clock, options.events, {
      isDone: (action) => this.#isDone(action),
      started: (d) => this.#touchApps(d.affectedApps),
      finished: (d) => this.#touchApps(d.affectedApps),
    });
  }

  // ---------------------------------------------------------------- reading

  /**
   * Apps in creation order. Marathon's order is unspecified (a hash map inside the root group);
   * creation order keeps a seed file's order and makes tests readable.
   */
  sortedApps(): AppRecord[] {
    this.#sortedCache ??= [...this.apps.values()];
    return this.#sortedCache;
  }

  #invalidate(record: AppRecord): void {
    record.head = undefined;
    this.touch(record);
  }

  /** Marks a change of what the API shows for `record` (or for anything, without one). */
  touch(record?: AppRecord): void {
    this.revision++;
    if (record) record.rev++;
  }

  #touchApps(ids: readonly string[]): void {
    for (const id of ids) this.touch(this.apps.get(id));
  }

  appVersions(id: string): string[] {
    return [...(this.#versions.get(id)?.keys() ?? [])].sort().reverse();
  }

  appVersion(id: string, version: string): JsonObject | undefined {
    return this.#versions.get(id)?.get(version);
  }

  /** The definition JSON with version and versionInfo (AppDefinition writes). */
  definitionJson(record: AppRecord): JsonObject {
    return withVersion(record.def, record.version, record.versionInfo);
  }

  /** The sandbox's clock: what health results are derived from when serialised. */
  now(): number {
    return this.#options.clock.now();
  }

  appInfo(record: AppRecord, embed: ReadonlySet<Embed>): string {
    return this.#cachedInfo(record, embed).text;
  }

  /**
   * appInfo as UTF-8 bytes, cached too: listings concatenate bytes, not strings. `until`: the
   * instant the bytes go stale without any write (a health check tick of one of the tasks).
   */
  appInfoBytes(record: AppRecord, embed: ReadonlySet<Embed>): { bytes: Buffer; until: number } {
    const entry = this.#cachedInfo(record, embed);
    entry.bytes ??= Buffer.from(entry.text);
    return { bytes: entry.bytes, until: entry.until };
  }

  #cachedInfo(record: AppRecord, embed: ReadonlySet<Embed>): InfoCacheEntry {
    const never = Number.POSITIVE_INFINITY;
    if (record.seedRaw !== undefined) return { rev: record.rev, text: record.seedRaw, until: never };
    const now = this.now();
    // task statistics carry ages: computed on every request, as Marathon does ("expensive")
    if (embed.has('taskStats')) return { rev: record.rev, text: this.#serialize(record, embed, now), until: now };
    const mask =
      (embed.has('counts') ? 1 : 0) |
      (embed.has('deployments') ? 2 : 0) |
      (embed.has('tasks') ? 4 : 0) |
      (embed.has('lastTaskFailure') ? 8 : 0) |
      (embed.has('readiness') ? 16 : 0);
    const cached = record.infoCache?.get(mask);
    if (cached && cached.rev === record.rev && now < cached.until) return cached;
    const text = this.#serialize(record, embed, now);
    let until = never;
    // the tasks' health results age (lastSuccess moves at every check): only they expire by time
    if (embed.has('tasks')) for (const t of this.tasks.liveTasks(record)) until = Math.min(until, taskJsonUntil(t));
    const entry: InfoCacheEntry = { rev: record.rev, text, until };
    (record.infoCache ??= new Map()).set(mask, entry);
    return entry;
  }

  #serialize(record: AppRecord, embed: ReadonlySet<Embed>, now: number): string {
    record.head ??= openObject(this.definitionJson(record));
    const tasks = this.tasks.liveTasks(record);
    return appInfoJson(record.head, {
      counts: embed.has('counts') ? countTasks(tasks) : undefined,
      deploymentIds: embed.has('deployments') ? this.deployments.idsFor(record.id) : undefined,
      // readinessCheckResults: results of running deployments' readiness checks; the sandbox
      // runs none, so the list is empty (and present, as forceOptional makes it)
      readinessCheckResults: embed.has('readiness') ? [] : undefined,
      tasks: embed.has('tasks') ? tasks.map((t) => taskJson(t, now)) : undefined,
      lastTaskFailure: embed.has('lastTaskFailure') ? record.lastTaskFailure : undefined,
      tasksStats: embed.has('taskStats') ? taskStats(record, tasks, now) : undefined,
    });
  }

  // ---------------------------------------------------------------- writes

  /** POST /v2/apps: the normalised definition (service ports still 0, as Marathon answers). */
  createApp(def: JsonObject, force: boolean, postEvent?: { clientIp: string; uri: string }): CommitResult {
    if (this.apps.has(String(def.id))) throw appAlreadyExists(String(def.id));
    return this.commit([{ kind: 'put', id: String(def.id), def, postEvent }], force);
  }

  commit(changes: AppChange[], force: boolean, afterApply?: () => void): CommitResult {
    const max = this.#options.maxRunningDeployments();
    if (this.deployments.size >= max) throw tooManyDeployments(max);
    const version = this.#options.stamper.next();
    const planned: Planned[] = [];
    const previousRoot = this.rootVersion;
    try {
      for (const change of changes) planned.push(this.#plan(change, version));
      this.#checkDependencies(changes);
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
    for (const id of changes.map((c) => c.id)) for (const g of ['/', ...Engine.#ancestors(id)]) this.stampGroup(g, version);
    const original = new Map(planned.map((p) => [p.id, p.original] as const));
    const deployment = this.deployments.create(version, mergeSteps(planned.map((p) => p.steps)), original, this.#options.deploymentDurationMs());
    const first = changes[0];
    this.#options.events.publish('group_change_success', { groupId: first ? parentOf(first.id) : '/', version });
    for (const change of changes) {
      const record = this.apps.get(change.id);
      if (change.kind === 'put' && change.postEvent && record) {
        this.#options.events.publish('api_post_event', { ...change.postEvent, appDefinition: this.definitionJson(record) });
      }
    }
    this.deployments.start(deployment);
    for (const p of planned) {
      const record = this.apps.get(p.id);
      if (record) this.tasks.reconcile(record);
    }
    return { deployment, version };
  }

  /** Records a version of a group (its own write, or one below it). */
  stampGroup(groupId: string, version: string): void {
    const list = this.#groupVersions.get(groupId) ?? [];
    if (list.at(-1) !== version) list.push(version);
    this.#groupVersions.set(groupId, list);
  }

  groupVersionsOf(groupId: string): string[] {
    return [...(this.#groupVersions.get(groupId) ?? [])].reverse();
  }

  /** Whether a group exists: the root, one created by the group API, or one an app lives in. */
  groupExists(id: string): boolean {
    return id === '/' || this.explicitGroups.has(id) || this.#groupApps.has(id);
  }

  /** Apps waiting to be launched (GET /v2/queue): not yet launched for the backoff, or waiting for an offer. */
  queue(): Array<{ record: AppRecord; count: number; delayMs: number; since: string }> {
    const now = this.#options.clock.now();
    const out: Array<{ record: AppRecord; count: number; delayMs: number; since: string }> = [];
    for (const record of this.sortedApps()) {
      if (record.seedRaw !== undefined) continue;
      const live = this.tasks.liveTasks(record).filter((t) => !t.killRequested);
      const waiting = live.filter((t) => t.waitingForOffer === true);
      const missing = Math.max(0, Number(record.def.instances) - live.length);
      const count = waiting.length + missing;
      if (count === 0) continue;
      const since = waiting.map((t) => t.stagedAt).sort()[0] ?? record.versionInfo.lastScalingAt;
      out.push({ record, count, delayMs: record.backoff ? Math.max(0, record.backoff.until - now) : 0, since });
    }
    return out;
  }

  /** DELETE /v2/queue/{id}/delay: the launch backoff is forgotten and launches resume at once. */
  resetDelay(record: AppRecord): void {
    record.backoff = undefined;
    if (record.timer) this.#options.clock.clearTimeout(record.timer);
    record.timer = undefined;
    this.tasks.reconcile(record);
    this.touch(record);
  }

  static #ancestors(id: string): string[] {
    const segs = id.split('/').filter((x) => x.length > 0);
    return segs.slice(0, -1).map((_, i) => `/${segs.slice(0, i + 1).join('/')}`);
  }

  #checkGroupClash(id: string): void {
    const clash = this.#groupApps.has(id) || this.explicitGroups.has(id) || Engine.#ancestors(id).some((a) => this.apps.has(a));
    if (clash) throw objectNotValid([{ path: '/', errors: ['Groups and Applications may not have the same identifier.'] }]);
  }

  /** RootGroup.noCyclicDependencies, on the apps as the write leaves them (./dependency-cycle.ts). */
  #checkDependencies(changes: readonly AppChange[]): void {
    const puts = new Map<string, readonly string[]>();
    const deleted = new Set<string>();
    for (const c of changes) {
      if (c.kind === 'put') puts.set(c.id, dependencyIds(c.def));
      else if (c.kind === 'delete') deleted.add(c.id);
    }
    const from = [...puts].filter(([, deps]) => deps.length > 0).map(([id]) => id);
    if (from.length === 0) return;
    let ids: string[] | undefined;
    const view = {
      dependenciesOf: (id: string): readonly string[] | undefined => {
        if (deleted.has(id)) return undefined;
        const put = puts.get(id);
        if (put !== undefined) return put;
        const record = this.apps.get(id);
        return record ? dependencyIds(record.def) : undefined;
      },
      appIds: () => (ids ??= [...new Set([...this.apps.keys(), ...puts.keys()])].filter((id) => !deleted.has(id))),
    };
    if (createsCycle(from, view)) throw objectNotValid([{ path: '/', errors: ['Dependency graph has cyclic dependencies.'] }]);
  }

  #countGroups(id: string, delta: number): void {
    for (const g of Engine.#ancestors(id)) {
      const n = (this.#groupApps.get(g) ?? 0) + delta;
      if (n <= 0) this.#groupApps.delete(g);
      else this.#groupApps.set(g, n);
    }
  }

  #plan(change: AppChange, version: string): Planned {
    const existing = this.apps.get(change.id);
    const original = existing ? existing.def : undefined;
    if (change.kind === 'delete') {
      if (!existing) throw appNotFound(change.id);
      return {
        id: change.id,
        steps: [[{ action: 'StopApplication', app: change.id }]],
        original,
        ports: { def: existing.def, reserved: [], previous: servicePortsOf(existing.def) },
        apply: () => this.#removeApp(existing),
      };
    }
    if (change.kind === 'restart') {
      if (!existing) throw appNotFound(change.id);
      return {
        id: change.id,
        steps: [[{ action: 'RestartApplication', app: change.id }]],
        original,
        apply: () => this.#setConfig(existing, existing.def, version),
      };
    }
    if (!existing) this.#checkGroupClash(change.id);
    const ports = assignServicePorts(change.def, existing?.def, this.servicePorts);
    const def = ports.def;
    if (!existing) {
      return {
        id: change.id,
        steps: [[{ action: 'StartApplication', app: change.id }], [{ action: 'ScaleApplication', app: change.id }]],
        original,
        ports,
        apply: () => this.#addApp(def, version),
      };
    }
    const configChanged = existing.seedRaw !== undefined || configFingerprint(def) !== configFingerprint(existing.def);
    if (configChanged) {
      return {
        id: change.id,
        steps: [[{ action: 'RestartApplication', app: change.id }]],
        original,
        ports,
        apply: () => this.#setConfig(existing, def, version),
      };
    }
    if (def.instances !== existing.def.instances) {
      return { id: change.id, steps: [[{ action: 'ScaleApplication', app: change.id }]], original, ports, apply: () => this.#setScale(existing, def, version) };
    }
    // nothing changed: an empty plan, the app keeps its version
    return { id: change.id, steps: [], original, ports, apply: () => undefined };
  }

  #storeVersion(record: AppRecord): void {
    const map = this.#versions.get(record.id) ?? new Map<string, JsonObject>();
    map.set(record.version, record.def);
    this.#versions.set(record.id, map);
  }

  #addApp(def: JsonObject, version: string): AppRecord {
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
    this.#countGroups(record.id, 1);
    this.touch(record);
    this.#sortedCache = undefined;
    this.#storeVersion(record);
    return record;
  }

  #setConfig(record: AppRecord, def: JsonObject, version: string): void {
    record.def = def;
    record.version = version;
    record.versionInfo = { lastScalingAt: version, lastConfigChangeAt: version };
    record.seedRaw = undefined;
    record.backoff = undefined;
    record.relaunch = [];
    this.#invalidate(record);
    this.#storeVersion(record);
  }

  #setScale(record: AppRecord, def: JsonObject, version: string): void {
    record.def = def;
    record.version = version;
    record.versionInfo = { ...record.versionInfo, lastScalingAt: version };
    record.seedRaw = undefined;
    this.#invalidate(record);
    this.#storeVersion(record);
  }

  #removeApp(record: AppRecord): void {
    this.touch(record);
    this.apps.delete(record.id);
    this.#countGroups(record.id, -1);
    this.#sortedCache = undefined;
    this.#versions.delete(record.id);
    if (record.timer) this.#options.clock.clearTimeout(record.timer);
    record.relaunch = [];
    this.#stopping.add(record);
    for (const task of this.tasks.liveTasks(record)) this.tasks.kill(record, task);
    this.#checkStopped(record);
  }

  #checkStopped(record: AppRecord): void {
    if (this.#stopping.has(record) && record.tasks.size === 0) {
      this.#stopping.delete(record);
      this.#options.events.publish('app_terminated_event', { appId: record.id });
    }
  }

  /** Kills one task; `scale` lowers the instance count (a deployment), otherwise it is replaced. */
  killAndScale(record: AppRecord, tasks: Task[], force: boolean): CommitResult {
    const instances = Math.max(0, Number(record.def.instances) - tasks.length);
    // the named tasks die first, so the scale-down does not pick others
    return this.commit([{ kind: 'put', id: record.id, def: { ...record.def, instances } }], force, () => {
      for (const t of tasks) this.tasks.kill(record, t);
    });
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

  #isDone(action: Action): boolean {
    if (action.action === 'StartApplication') return true;
    if (action.action === 'StopApplication') return ![...this.#stopping].some((r) => r.id === action.app);
    const record = this.apps.get(action.app);
    if (!record || record.seedRaw !== undefined) return true;
    const target = Number(record.def.instances);
    const tasks = this.tasks.liveTasks(record);
    if (action.action === 'RestartApplication') return converged({ target, configVersion: record.versionInfo.lastConfigChangeAt, tasks });
    return scaled({ target, tasks });
  }

  /** Whether a running deployment restarts the app (RestartApplication in any of its steps). */
  #restarting(id: string): boolean {
    return this.deployments.list().some((d) => d.steps.some((step) => step.some((a) => a.action === 'RestartApplication' && a.app === id)));
  }

  /** Marks the engine as shutting down: no more launches or relaunches. */
  beginClose(): void {
    this.tasks.beginClose(this.apps.values());
    this.deployments.clear();
  }

  /** Drops every app, task and deployment (POST /sandbox/reset). */
  reset(): void {
    this.deployments.clear();
    this.explicitGroups.clear();
    this.#groupVersions.clear();
    for (const record of [...this.apps.values()]) {
      if (record.timer) this.#options.clock.clearTimeout(record.timer);
      this.apps.delete(record.id);
      this.#countGroups(record.id, -1);
      this.#stopping.add(record);
      for (const task of this.tasks.liveTasks(record)) this.tasks.kill(record, task);
      if (record.tasks.size === 0) this.#stopping.delete(record);
    }
    this.#sortedCache = undefined;
    this.#versions.clear();
    this.servicePorts.clear();
    this.touch();
  }

  /** Adds an app that has been running for a while: no deployment, no events. */
  addRunning(def: JsonObject, version: string, runtime: TaskRuntime, makeTask: (record: AppRecord, index: number) => Task | undefined): AppRecord {
    this.#checkGroupClash(String(def.id));
    if (this.apps.has(String(def.id))) throw appAlreadyExists(String(def.id));
    const ports = assignServicePorts(def, undefined, this.servicePorts);
    const record = this.#addApp(ports.def, version);
    for (let i = 0; i < Number(ports.def.instances); i++) {
      const task = makeTask(record, i);
      if (task) this.tasks.adopt(record, task, runtime);
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
    const v = typeof version === 'string' ? version : this.#options.stamper.next();
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
    this.#countGroups(id, 1);
    this.#sortedCache = undefined;
    this.#storeVersion(record);
    for (const t of tasks) this.tasks.adopt(record, t, runtime);
    this.touch(record);
    return record;
  }
}

/** The app's dependencies, absolute (normalisation made them so). */
function dependencyIds(def: JsonObject): readonly string[] {
  return Array.isArray(def.dependencies) ? def.dependencies.filter((d): d is string => typeof d === 'string') : [];
}
