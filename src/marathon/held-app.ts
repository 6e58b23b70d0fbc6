// What maracker keeps of an app read from a listing, between passes: everything but its
// tasks' fields that nothing in maracker reads. A task as Marathon lists it carries about
// twenty fields (agent id, staging and start times, service ports, volumes, each health
// check's counters and times...), and the tasks are most of a listing: at 10,000 apps of two
// tasks the fields dropped here held 9 MiB of a 138 MiB live heap. The plan, the status and
// the routes read a task's id, state, host, ports, version, IP addresses and each health
// check's `alive` (src/plan/stale-tasks.ts, src/marathon/task-endpoints.ts,
// src/marathon/fingerprint.ts); that is what is kept. It drops, among the rest,
// `lastSuccess`, the one field a listing re-stamps while nothing else moves
// (./listing-volatile.ts): two apps with the same stable digest are the same once held. Pure.

import type { MarathonApp, MarathonTask } from '../model/marathon.js';
import { isObject } from '../model/json.js';

/** Replaces `app.tasks` (in place) by tasks of the read fields only; returns `app`. */
export function heldApp(app: MarathonApp): MarathonApp {
  if (!Array.isArray(app.tasks)) return app;
  app.tasks = app.tasks.map((task: unknown) => (isObject(task) ? heldTask(task, app.id) : task)) as MarathonTask[];
  return app;
}

function heldTask(task: Record<string, unknown>, appId: string): MarathonTask {
  // Always in this order: tasks held share their shape.
  const held: Record<string, unknown> = { id: task.id, appId: task.appId === appId ? appId : task.appId };
  if (task.host !== undefined) held.host = task.host;
  if (task.ports !== undefined) held.ports = task.ports;
  if (task.state !== undefined) held.state = task.state;
  if (task.version !== undefined) held.version = task.version;
  if (task.healthCheckResults !== undefined) held.healthCheckResults = heldResults(task.healthCheckResults);
  if (task.ipAddresses !== undefined) held.ipAddresses = task.ipAddresses;
  return held as MarathonTask;
}

function heldResults(results: unknown): unknown {
  return Array.isArray(results) ? results.map((r: unknown) => (isObject(r) ? { alive: r.alive } : r)) : results;
}
