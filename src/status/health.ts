// Health of one app, from what Marathon reports. Separate from sync, as in Argo CD: an app
// can be Synced and Degraded (its tasks crash), or OutOfSync and Healthy (old version runs).
// Pure.

import type { MarathonApp } from '../model/marathon.js';
import type { HealthStatus } from '../model/status.js';

export interface InstanceCounts {
  desired: number;
  running: number;
  healthy: number;
}

export interface HealthInput {
  /** Instances the sources ask for; undefined when no source declares the app. */
  desiredInstances: number | undefined;
  /** The app in Marathon (with counts, deployments, lastTaskFailure); undefined when absent. */
  actual: MarathonApp | undefined;
  /** Marathon answered the last read. */
  marathonKnown: boolean;
  /** A failure maracker observed for this app's last deployment (deployment_failed, 422). */
  deploymentFailure?: string;
  /**
   * How long the app has been seen waiting on what waitsOf names (../reconcile/wait-ages.ts),
   * and how long it may before it is taken as stuck (--deployment-timeout).
   */
  waiting?: { forMs: number; deadlineMs: number };
}

/** What waitsOf names when an app runs no deployment yet has fewer tasks running or healthy than wanted. */
export const SHORT_OF_TASKS = '(short of tasks)';

export interface HealthVerdict {
  health: HealthStatus;
  instances: InstanceCounts;
  message?: string;
}

function counts(input: HealthInput): InstanceCounts {
  const a = input.actual;
  const running = a?.tasksRunning ?? 0;
  const hasChecks = (a?.healthChecks?.length ?? 0) > 0;
  return {
    desired: input.desiredInstances ?? a?.instances ?? 0,
    running,
    // Without health checks Marathon reports tasksHealthy 0; a running task is then as
    // healthy as Marathon can tell.
    healthy: hasChecks ? (a?.tasksHealthy ?? 0) : running,
  };
}

export function appHealth(input: HealthInput): HealthVerdict {
  const instances = counts(input);
  if (!input.marathonKnown) return { health: 'Unknown', instances, message: 'Marathon cannot be read' };
  const a = input.actual;
  if (!a) return { health: 'Missing', instances, message: 'not in Marathon' };
  if (input.deploymentFailure) return { health: 'Degraded', instances, message: input.deploymentFailure };

  const target = a.instances ?? 1;
  const deploying = (a.deployments?.length ?? 0) > 0;
  if (target === 0 && instances.running === 0) {
    return deploying ? { health: 'Progressing', instances, message: 'stopping' } : { health: 'Suspended', instances };
  }
  const failure = a.lastTaskFailure;
  // A failure of the version now deployed, while fewer tasks run than wanted: the app is
  // crashing (Marathon keeps relaunching it with backoff), not merely starting.
  if (failure && instances.running < target && (failure.version === undefined || failure.version === a.version)) {
    return { health: 'Degraded', instances, message: failure.message ?? `task ${failure.state ?? 'failed'}` };
  }
  // Marathon counts a task unhealthy only once a check failed after its grace period (or
  // after it had been healthy): it is broken, not starting. A deployment does not mend it:
  // Marathon's deployment waits for its new tasks to pass their checks, so a version whose
  // checks fail keeps its deployment running for good (and with maxConsecutiveFailures 0 its
  // tasks are never even replaced). Degraded, then, deployment or not: Progressing would
  // say "on its way" for as long as it fails.
  const unhealthy = a.tasksUnhealthy ?? 0;
  if (unhealthy > 0) {
    const during = deploying ? ' (deployment in progress)' : '';
    return { health: 'Degraded', instances, message: `${unhealthy} of ${instances.running} running task(s) failing health checks${during}` };
  }
  const short = instances.running < target || instances.healthy < target;
  // Marathon deploys until the new tasks run and pass their checks, and relaunches lost
  // tasks, however long that takes: one that no offer can place (its resources, ports or
  // hosts) keeps the deployment running, or the app short of it, for good.
  if ((deploying || short) && input.waiting !== undefined && input.waiting.forMs >= input.waiting.deadlineMs) {
    const deadline = formatDuration(input.waiting.deadlineMs);
    const what = deploying ? `deployment still running after ${deadline}` : `fewer tasks running and healthy than wanted for ${deadline}`;
    return {
      health: 'Degraded',
      instances,
      message: `${what} (--deployment-timeout): ${instances.running} of ${target} task(s) running, ${instances.healthy} healthy`,
    };
  }
  if (deploying || short) {
    return { health: 'Progressing', instances, ...(deploying ? { message: 'deployment in progress' } : {}) };
  }
  return { health: 'Healthy', instances };
}

/**
 * What a read of the app shows it waiting on, for how long it has waited to be told
 * (../reconcile/wait-ages.ts): its running deployments' ids; with none, SHORT_OF_TASKS when
 * fewer tasks run or pass their checks than Marathon wants (what makes it Progressing above).
 */
export function waitsOf(actual: MarathonApp | undefined): string[] {
  if (actual === undefined) return [];
  const ids: string[] = [];
  for (const d of actual.deployments ?? []) if (typeof d?.id === 'string') ids.push(d.id);
  if (ids.length > 0) return ids;
  const instances = counts({ desiredInstances: undefined, actual, marathonKnown: true });
  const target = actual.instances ?? 1;
  return instances.running < target || instances.healthy < target ? [SHORT_OF_TASKS] : [];
}

/** 600000 → "10 min", 90000 → "90 s". */
function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 120 && s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}
