// Tasks as Marathon 1.10 reports them. Since 1.8 an instance id is stable while the instance
// should run and each relaunch increments the task's incarnation (changelog "Changes from 1.7.xxx
// to 1.8.180"): "<safe app id>.instance-<uuid>._app.<incarnation>".

import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../model/marathon.js';
import { safeId } from './path-id.js';

export type TaskState = 'TASK_STAGING' | 'TASK_RUNNING' | 'TASK_KILLING' | 'TASK_KILLED' | 'TASK_FAILED' | 'TASK_FINISHED';

export interface HealthResult {
  alive: boolean;
  consecutiveFailures: number;
  firstSuccess: string | null;
  lastSuccess: string | null;
  lastFailure: string | null;
  lastFailureCause: string | null;
  /**
   * A simulated check that keeps passing: Marathon re-stamps lastSuccess at every successful
   * check, every intervalSeconds (HealthCheckActor's Tick), so lastSuccess is derived when the
   * task is serialised (the last tick at or before now) instead of one timer per task.
   */
  recheck?: Recheck;
}

/** Ticks at phaseMs + k * intervalMs (k >= 0); before the first tick lastSuccess stays as stored. */
export interface Recheck {
  readonly phaseMs: number;
  readonly intervalMs: number;
}

/** The interval a check runs at (normalised checks carry intervalSeconds; Marathon's default is 60). */
export function checkIntervalMs(check: JsonObject): number {
  const seconds = typeof check.intervalSeconds === 'number' && check.intervalSeconds > 0 ? check.intervalSeconds : 60;
  return seconds * 1000;
}

/** lastSuccess of `h` at `now`, formatted like every other sandbox timestamp. */
export function lastSuccessAt(h: HealthResult, now: number): string | null {
  const r = h.recheck;
  if (!r || !h.alive || now < r.phaseMs) return h.lastSuccess;
  return new Date(r.phaseMs + Math.floor((now - r.phaseMs) / r.intervalMs) * r.intervalMs).toISOString();
}

/** When lastSuccessAt(h, ·) next changes after `now` (Infinity: never). */
function nextTick(h: HealthResult, now: number): number {
  const r = h.recheck;
  if (!r || !h.alive) return Number.POSITIVE_INFINITY;
  if (now < r.phaseMs) return r.phaseMs;
  return r.phaseMs + (Math.floor((now - r.phaseMs) / r.intervalMs) + 1) * r.intervalMs;
}

export interface Task {
  readonly id: string;
  readonly instanceId: string;
  readonly incarnation: number;
  readonly appId: string;
  /** The app version string the task was launched with. */
  readonly version: string;
  /** lastConfigChangeAt of that version: tasks of another config are replaced by a deployment. */
  readonly configVersion: string;
  /** The agent's host and id: set when the task is placed on an agent. */
  host: string;
  slaveId: string;
  ports: number[];
  readonly servicePorts: number[];
  readonly role: string;
  /** Health checks of the launched version (JSON as in the app definition). */
  readonly healthChecks: JsonObject[];
  state: TaskState;
  stagedAt: string;
  stagedAtMs: number;
  startedAt?: string;
  startedAtMs?: number;
  /** One entry per health check once it has a result. */
  health: Array<HealthResult | undefined>;
  /** A kill was requested; the task no longer counts towards the instance target. */
  killRequested: boolean;
  /** Launched, but no offer has had its ports yet (it is in the launch queue). */
  waitingForOffer?: boolean;
  /** Verbatim task object from a seed file: returned exactly as given. */
  readonly seeded?: JsonObject;
  /** Serialised form, invalidated on every change. */
  json?: string;
  /** The serialised form is stale from this instant on (the next health check tick); absent: never. */
  jsonUntil?: number;
}

export function newInstanceId(appId: string): string {
  return `${safeId(appId)}.instance-${randomUUID()}`;
}

export function taskIdOf(instanceId: string, incarnation: number): string {
  return `${instanceId}._app.${incarnation}`;
}

/** Everything reads health through here: an app without checks is healthy when running. */
export function isHealthy(task: Task): boolean | undefined {
  if (task.healthChecks.length === 0) return undefined;
  if (task.health.length < task.healthChecks.length || task.health.some((h) => h === undefined)) return undefined;
  return task.health.every((h) => h?.alive === true);
}

/** Running and, when the app has health checks, healthy: what a deployment waits for. */
export function isReady(task: Task): boolean {
  if (task.killRequested) return false;
  if (task.state !== 'TASK_RUNNING') return false;
  return task.healthChecks.length === 0 || isHealthy(task) === true;
}

export function isAlive(task: Task): boolean {
  return task.state === 'TASK_STAGING' || task.state === 'TASK_RUNNING' || task.state === 'TASK_KILLING';
}

export interface TaskCounts {
  staged: number;
  running: number;
  healthy: number;
  unhealthy: number;
}

export function countTasks(tasks: Iterable<Task>): TaskCounts {
  const counts = { staged: 0, running: 0, healthy: 0, unhealthy: 0 };
  for (const t of tasks) {
    if (t.seeded) {
      const state = t.seeded.state;
      if (state === 'TASK_STAGING' || state === 'TASK_STARTING') counts.staged++;
      if (state === 'TASK_RUNNING') counts.running++;
      const results = Array.isArray(t.seeded.healthCheckResults) ? t.seeded.healthCheckResults : [];
      if (results.length > 0) {
        if (results.every((r) => (r as JsonObject).alive === true)) counts.healthy++;
        else counts.unhealthy++;
      }
      continue;
    }
    if (t.state === 'TASK_STAGING') counts.staged++;
    if (t.state === 'TASK_RUNNING' || t.state === 'TASK_KILLING') counts.running++;
    const healthy = isHealthy(t);
    if (healthy === true) counts.healthy++;
    if (t.health.some((h) => h?.alive === false)) counts.unhealthy++;
  }
  return counts;
}

/** The task object of AppInfo.tasks and /v2/apps/{id}/tasks at `now` (order as in the 1.5.0 responses). */
export function taskJson(task: Task, now: number): string {
  if (task.json !== undefined && now < (task.jsonUntil ?? Number.POSITIVE_INFINITY)) return task.json;
  task.jsonUntil = undefined;
  if (task.seeded) {
    task.json = JSON.stringify(task.seeded);
    return task.json;
  }
  const out: JsonObject = {
    ipAddresses: [{ ipAddress: task.host, protocol: 'IPv4' }],
    stagedAt: task.stagedAt,
    state: task.state,
    ports: task.ports,
  };
  if (task.startedAt) out.startedAt = task.startedAt;
  out.version = task.version;
  out.id = task.id;
  out.appId = task.appId;
  out.slaveId = task.slaveId;
  out.host = task.host;
  out.servicePorts = task.servicePorts;
  const results = task.health.flatMap((h) =>
    h
      ? [
          {
            alive: h.alive,
            consecutiveFailures: h.consecutiveFailures,
            firstSuccess: h.firstSuccess,
            lastFailure: h.lastFailure,
            lastSuccess: lastSuccessAt(h, now),
            lastFailureCause: h.lastFailureCause,
            instanceId: task.instanceId,
          },
        ]
      : [],
  );
  if (task.healthChecks.length > 0) out.healthCheckResults = results;
  out.role = task.role;
  let until = Number.POSITIVE_INFINITY;
  for (const h of task.health) if (h) until = Math.min(until, nextTick(h, now));
  if (until !== Number.POSITIVE_INFINITY) task.jsonUntil = until;
  task.json = JSON.stringify(out);
  return task.json;
}

/** Until when taskJson(task, ·) keeps its last answer (call after taskJson). */
export function taskJsonUntil(task: Task): number {
  return task.jsonUntil ?? Number.POSITIVE_INFINITY;
}

/** Counts and life time of a set of tasks (task.raml TaskStats; lifeTime only with running tasks). */
function stats(tasks: readonly Task[], now: number): JsonObject {
  const c = countTasks(tasks);
  const out: JsonObject = { counts: { staged: c.staged, running: c.running, healthy: c.healthy, unhealthy: c.unhealthy } };
  const ages = tasks.flatMap((t) => (t.state === 'TASK_RUNNING' && t.startedAtMs !== undefined ? [(now - t.startedAtMs) / 1000] : [])).sort((a, b) => a - b);
  if (ages.length > 0) {
    const mid = Math.floor(ages.length / 2);
    const median = ages.length % 2 === 1 ? (ages[mid] as number) : ((ages[mid - 1] as number) + (ages[mid] as number)) / 2;
    out.lifeTime = { averageSeconds: ages.reduce((a, b) => a + b, 0) / ages.length, medianSeconds: median };
  }
  return { stats: out };
}

/**
 * AppInfo.tasksStats (embed=apps.taskStats, task.raml TaskStatsByVersion): statistics of the
 * tasks started after the last scaling or restart, of those running the latest configuration,
 * of the outdated ones, and of all; a group without tasks is left out.
 */
export function taskStats(record: { versionInfo: { lastScalingAt: string; lastConfigChangeAt: string } }, tasks: readonly Task[], now: number): JsonObject {
  const out: JsonObject = {};
  const put = (name: string, group: Task[]): void => {
    if (group.length > 0) out[name] = stats(group, now);
  };
  const scaledAt = Date.parse(record.versionInfo.lastScalingAt);
  put(
    'startedAfterLastScaling',
    tasks.filter((t) => t.stagedAtMs >= scaledAt),
  );
  put(
    'withLatestConfig',
    tasks.filter((t) => t.configVersion === record.versionInfo.lastConfigChangeAt),
  );
  put(
    'withOutdatedConfig',
    tasks.filter((t) => t.configVersion !== record.versionInfo.lastConfigChangeAt),
  );
  put('totalSummary', [...tasks]);
  return out;
}
