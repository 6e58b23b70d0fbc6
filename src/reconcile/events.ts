// Which apps a Marathon event concerns. Events are hints, never state: the stream is
// unordered and lossy, so an event only marks an app stale and queues it; the reconcile
// re-reads Marathon. Pure.

import type { AppId } from '../model/app-id.js';
import type { MarathonEvent } from '../model/marathon.js';

/** Event types that can mean a managed app changed under maracker (self-heal) or progressed. */
export const RECONCILE_EVENT_TYPES = [
  'api_post_event',
  'deployment_info',
  'deployment_success',
  'deployment_failed',
  'deployment_step_success',
  'deployment_step_failure',
  'status_update_event',
  'instance_changed_event',
  'health_status_changed_event',
  'instance_health_changed_event',
  'app_terminated_event',
  'unhealthy_task_kill_event',
  'unhealthy_instance_kill_event',
] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function appsOfSteps(steps: unknown, into: Set<AppId>): void {
  if (!Array.isArray(steps)) return;
  for (const step of steps) {
    const actions = isObject(step) && Array.isArray(step['actions']) ? step['actions'] : [step];
    for (const a of actions) if (isObject(a) && typeof a['app'] === 'string') into.add(a['app']);
  }
}

export function appIdsOfEvent(e: MarathonEvent): Set<AppId> {
  const ids = new Set<AppId>();
  if (typeof e.appId === 'string') ids.add(e.appId);
  const def = e['appDefinition'];
  if (isObject(def) && typeof def['id'] === 'string') ids.add(def['id']);
  const plan = e['plan'];
  if (isObject(plan)) {
    appsOfSteps(plan['steps'], ids);
    for (const side of ['original', 'target']) {
      const group = plan[side];
      if (isObject(group) && Array.isArray(group['apps'])) {
        for (const a of group['apps']) if (isObject(a) && typeof a['id'] === 'string') ids.add(a['id']);
      }
    }
  }
  const current = e['currentStep'];
  if (isObject(current)) appsOfSteps([current], ids);
  return ids;
}
