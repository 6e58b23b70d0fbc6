// Tasks that still run a configuration Marathon's definition no longer has, with no
// deployment left to replace them. Pure.
//
// Marathon replaces running tasks only in a restart (its RestartApplication step). A change
// forced over a rolling restart that differs from the definition in `instances` alone is
// planned as a scale (DeploymentPlan asks AppDefinition.isOnlyScaleChange before
// needsRestart): the restart is cancelled, the scale counts the tasks of every version, and
// the tasks it had not replaced yet run on, for good. maracker forces exactly such a scale
// when the restart cannot finish (--deployment-timeout, crashing tasks). So do an operator's
// `PUT ?force=true {instances}` and a deployment stopped with `DELETE ?force=true`. The
// definition then matches the declaration while tasks run the old command or image: "in
// sync" would be false. A restart (POST /v2/apps/{id}/restart) finishes the job.
//
// Only said when Marathon shows no deployment for the app (one running may still replace
// them) and lists its tasks with their versions; a task launched at or after
// `versionInfo.lastConfigChangeAt` runs the current configuration. Only tasks starting or
// running count: one being killed is on its way out, and one unreachable (its agent gone)
// cannot be replaced by a restart either, which would then roll the app for nothing.

import type { MarathonApp } from '../model/marathon.js';

/**
 * The daemon restarts for such tasks only once it has seen them this long, plus the app's
 * kill grace period (--older-tasks-grace): a deployment that has just finished may still be
 * killing the tasks it replaced (src/reconcile/reconciler.ts).
 */
export const OLDER_TASKS_GRACE_MS = 30_000;

export interface StaleTasks {
  /** Tasks launched before the configuration in force. */
  stale: number;
  /** Their ids, sorted. */
  ids: string[];
  /** Tasks counted (killed ones left out). */
  of: number;
  /** When the configuration in force was deployed (`versionInfo.lastConfigChangeAt`). */
  since: string;
}

/** Mesos states of a task that starts or runs. */
const LIVE = new Set(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING']);

export function staleTasks(actual: MarathonApp): StaleTasks | undefined {
  if (!Array.isArray(actual.deployments) || actual.deployments.length > 0 || !Array.isArray(actual.tasks)) return undefined;
  const since = actual.versionInfo?.lastConfigChangeAt;
  const sinceMs = Date.parse(since ?? '');
  if (since === undefined || Number.isNaN(sinceMs)) return undefined;
  const ids: string[] = [];
  let of = 0;
  for (const task of actual.tasks) {
    if (typeof task?.state !== 'string' || !LIVE.has(task.state)) continue;
    of++;
    const launched = Date.parse(typeof task.version === 'string' ? task.version : '');
    if (!Number.isNaN(launched) && launched < sinceMs) ids.push(String(task.id));
  }
  return ids.length > 0 ? { stale: ids.length, ids: ids.sort(), of, since } : undefined;
}
