// Marathon's event stream as a trigger: it only says which apps to look at again. The
// stream is unordered and lossy, so an event never carries state into a decision: it marks
// the app's cache entry stale and queues the app, and the reconcile re-reads Marathon. That
// is how a hand edit in Marathon is repaired within seconds instead of at the next resync.
//
// - A deployment that ended frees its slot in the deployment gate (and tells it whether the
//   deployment failed, which health shows).
// - Only apps maracker knows (cached, in status, or declared by a source) are queued: the
//   stream names every app on Marathon, most of them none of this installation's business.
//   A declared app counts from its declaration on: the events of an app maracker just
//   created can come before its first read is cached or its record written.
// - A gap (the stream broke and reconnected: events were lost) asks for a resync at once.
// Which apps an event names is read from every place Marathon puts them (appIdsOfEvent, pure).

import type { Logger } from '../base/log.js';
import type { AppId } from '../model/app-id.js';
import type { MarathonEvent } from '../model/marathon.js';
import type { StatusStore } from '../status/store.js';
import type { ActualCache } from './actual-cache.js';
import type { DeploymentGate } from './deployment-gate.js';
import { errorRecord } from './error-record.js';
import type { EventSubscription, MarathonEvents } from './ports.js';

/**
 * Marathon's event stream sends a heartbeat every 10 s: a minute of silence is a dead
 * (half-open) connection, and reconnecting reports a gap, which triggers a resync.
 */
export const EVENT_IDLE_TIMEOUT_MS = 60_000;

export interface EventTriggerDeps {
  marathon: MarathonEvents;
  /** Largest event, bytes; a larger one drops and reconnects the stream. Default: the client's. */
  maxEventBytes?: number;
  gate: DeploymentGate;
  cache: ActualCache;
  status: StatusStore;
  /** Whether a source declares `id` (an app, or a broken or conflicting declaration of it). Default: none. */
  declared?: (id: AppId) => boolean;
  /** Looks at one app again (the controller queues it, once the first full sync began). */
  look: (id: AppId) => void;
  /** Looks at everything again (the controller resyncs, once the first full sync began). */
  resync: (reason: string) => void;
  /** Told of each gap (metrics). */
  gap?: () => void;
  logger: Logger;
}

export class EventTrigger {
  readonly #d: EventTriggerDeps;
  #subscription: EventSubscription | undefined;

  constructor(deps: EventTriggerDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#subscription) return;
    this.#subscription = this.#d.marathon.events({
      eventTypes: [...RECONCILE_EVENT_TYPES],
      idleTimeoutMs: EVENT_IDLE_TIMEOUT_MS,
      ...(this.#d.maxEventBytes !== undefined ? { maxEventBytes: this.#d.maxEventBytes } : {}),
      onEvent: (e) => this.handle(e),
      onGap: (reason) => {
        this.#d.gap?.();
        this.#d.logger.info({ reason }, 'event stream gap: resyncing');
        this.#d.resync(`event gap: ${reason}`);
      },
      onError: (err) => this.#d.logger.debug({ err: errorRecord(err) }, 'event stream error'),
    });
  }

  /** One event from the stream. */
  handle(e: MarathonEvent): void {
    const ids = appIdsOfEvent(e);
    if (e.eventType === 'deployment_success' || e.eventType === 'deployment_failed') {
      const plan = e.plan as { id?: string } | undefined;
      this.#d.gate.ended(plan?.id, e.eventType === 'deployment_success', ids);
    }
    for (const id of ids) {
      const known = this.#d.cache.get(id) !== undefined || this.#d.status.getApp(id) !== undefined || this.#d.declared?.(id) === true;
      if (!known) continue;
      this.#d.cache.markStale(id);
      this.#d.look(id);
    }
  }

  async close(): Promise<void> {
    await this.#subscription?.close();
  }
}

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
    const actions = isObject(step) && Array.isArray(step.actions) ? step.actions : [step];
    for (const a of actions) if (isObject(a) && typeof a.app === 'string') into.add(a.app);
  }
}

export function appIdsOfEvent(e: MarathonEvent): Set<AppId> {
  const ids = new Set<AppId>();
  if (typeof e.appId === 'string') ids.add(e.appId);
  const def = e.appDefinition;
  if (isObject(def) && typeof def.id === 'string') ids.add(def.id);
  const plan = e.plan;
  if (isObject(plan)) {
    appsOfSteps(plan.steps, ids);
    for (const side of ['original', 'target']) {
      const group = plan[side];
      if (isObject(group) && Array.isArray(group.apps)) {
        for (const a of group.apps) if (isObject(a) && typeof a.id === 'string') ids.add(a.id);
      }
    }
  }
  const current = e.currentStep;
  if (isObject(current)) appsOfSteps([current], ids);
  return ids;
}
