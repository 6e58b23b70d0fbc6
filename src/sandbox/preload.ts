// Apps that exist before the first request: preloaded definitions (in-process, for benchmarks
// and tests: deployed long ago, tasks running and healthy) and the tasks of seeded apps.

import { randomUUID } from 'node:crypto';
import type { JsonObject, MarathonAppDefinition } from '../model/marathon.js';
import { APP_SCHEMA } from './app-schema.js';
import { normalizeApp } from './app-normalize.js';
import type { Engine } from './engine.js';
import { invalidJson } from './errors.js';
import { errorList, readJson } from './json-reads.js';
import { servicePortsOf } from './service-ports.js';
import type { SimRuntime } from './sim-runtime.js';
import { checkIntervalMs, newInstanceId, taskIdOf, type Recheck, type Task, type TaskState } from './tasks.js';
import type { Clock, VersionStamper } from './time.js';

/** Validates, normalises and adds `definition` with its tasks already running (and healthy). */
export function preloadApp(engine: Engine, sim: SimRuntime, stamper: VersionStamper, clock: Clock, definition: MarathonAppDefinition): void {
  const errors = new Map<string, string[]>();
  const read = readJson(APP_SCHEMA, definition as unknown as JsonObject, '', errors) as JsonObject | undefined;
  if (errors.size > 0 || !read) throw invalidJson(errorList(errors));
  const def = normalizeApp(read, engine.appConfig);
  const version = stamper.next();
  engine.addRunning(def, version, sim, (record, index) => {
    const placed = sim.allocatePorts(engine.tasks.requestedPorts(record.def));
    if (!placed) return undefined;
    const instanceId = newInstanceId(record.id);
    const now = clock.now();
    const at = new Date(now).toISOString();
    const healthChecks = (Array.isArray(record.def.healthChecks) ? record.def.healthChecks : []) as JsonObject[];
    return {
      id: taskIdOf(instanceId, 1),
      instanceId,
      incarnation: 1,
      appId: record.id,
      version,
      configVersion: version,
      host: placed.agent.host,
      slaveId: placed.agent.slaveId,
      ports: placed.ports,
      servicePorts: servicePortsOf(record.def),
      role: String(record.def.role ?? '*'),
      healthChecks,
      state: 'TASK_RUNNING',
      stagedAt: at,
      stagedAtMs: now,
      startedAt: at,
      startedAtMs: now,
      health: healthChecks.map((check, c) => ({
        alive: true,
        consecutiveFailures: 0,
        firstSuccess: at,
        lastSuccess: at,
        lastFailure: null,
        lastFailureCause: null,
        recheck: preloadedRecheck(record.id, index, c, now, checkIntervalMs(check)),
      })),
      killRequested: false,
    };
  });
}

/**
 * Preloaded tasks all start at the same instant; ticking together they would all age at once
 * (one listing changing everywhere every interval, then none). Each check's first re-check is
 * spread over the interval instead, from a hash of app id, instance index and check index: the
 * same preload ticks at the same offsets run after run (task ids are random, these are not).
 */
function preloadedRecheck(appId: string, instance: number, check: number, now: number, intervalMs: number): Recheck {
  return { phaseMs: now + (fnv1a(`${appId}#${instance}#${check}`) % intervalMs), intervalMs };
}

/** 32-bit FNV-1a: a stable, well-spread hash of a short string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A task of a seeded app: reported verbatim, never scheduled. */
export function seededTask(raw: JsonObject, appId: string): Task {
  const id = String(raw.id ?? `${appId.slice(1).replaceAll('/', '_')}.seeded-${randomUUID()}`);
  const staged = Date.parse(String(raw.stagedAt ?? '')) || 0;
  return {
    id,
    instanceId: id.replace(/\._app\.\d+$/, ''),
    incarnation: 1,
    appId,
    version: String(raw.version ?? ''),
    configVersion: String(raw.version ?? ''),
    host: String(raw.host ?? ''),
    slaveId: String(raw.slaveId ?? ''),
    ports: Array.isArray(raw.ports) ? (raw.ports as number[]) : [],
    servicePorts: Array.isArray(raw.servicePorts) ? (raw.servicePorts as number[]) : [],
    role: String(raw.role ?? '*'),
    healthChecks: [],
    state: (typeof raw.state === 'string' ? raw.state : 'TASK_RUNNING') as TaskState,
    stagedAt: String(raw.stagedAt ?? ''),
    stagedAtMs: staged,
    health: [],
    killRequested: false,
    seeded: raw,
  };
}
