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
// `versionInfo.lastConfigChangeAt` runs the current configuration. Tasks being killed are on
// their way out and do not count.

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
  /** Tasks counted (killed ones left out). */
  of: number;
  /** When the configuration in force was deployed (`versionInfo.lastConfigChangeAt`). */
  since: string;
}

const LEAVING = new Set(['TASK_KILLING', 'TASK_KILLED', 'TASK_FINISHED', 'TASK_FAILED', 'TASK_LOST', 'TASK_GONE', 'TASK_DROPPED', 'TASK_ERROR']);

export function staleTasks(actual: MarathonApp): StaleTasks | undefined {
  if (!Array.isArray(actual.deployments) || actual.deployments.length > 0 || !Array.isArray(actual.tasks)) return undefined;
  const since = actual.versionInfo?.lastConfigChangeAt;
  const sinceMs = Date.parse(since ?? '');
  if (since === undefined || Number.isNaN(sinceMs)) return undefined;
  let stale = 0;
  let of = 0;
  for (const task of actual.tasks) {
    if (typeof task?.state === 'string' && LEAVING.has(task.state)) continue;
    of++;
    const launched = Date.parse(typeof task?.version === 'string' ? task.version : '');
    if (!Number.isNaN(launched) && launched < sinceMs) stale++;
  }
  return stale > 0 ? { stale, of, since } : undefined;
}
