// Running deployments: steps of actions that complete when the engine says the affected apps
// reached their target, listed by GET /v2/deployments, locking their apps against writes without
// force, cancelled by DELETE /v2/deployments/{id}. Events follow Marathon 1.10: deployment_info
// when a step starts, deployment_step_success when it ends, deployment_success or
// deployment_failed at the end, all carrying the light plan {id, steps, version} (1.8+, PR
// mesosphere/marathon#6679 "Remove API heavy events").

import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../model/marathon.js';
import type { EventBus } from './events.js';
import type { Clock, Timer } from './time.js';

export type ActionName = 'StartApplication' | 'StopApplication' | 'ScaleApplication' | 'RestartApplication';

export interface Action {
  action: ActionName;
  app: string;
}

export interface Deployment {
  readonly id: string;
  readonly version: string;
  readonly affectedApps: string[];
  readonly steps: Action[][];
  /** Index of the running step. */
  currentStep: number;
  readonly startedAt: number;
  readonly minDurationMs: number;
  /** App definitions before the change (undefined: the app did not exist), for the revert. */
  readonly original: ReadonlyMap<string, JsonObject | undefined>;
  timer?: Timer;
}

export interface DeploymentHooks {
  /** Whether an action's goal is reached (app converged, app stopped, ...). */
  isDone(action: Action, deployment: Deployment): boolean;
  started?(deployment: Deployment): void;
  finished?(deployment: Deployment, success: boolean): void;
}

function actionJson(a: Action): JsonObject {
  return { action: a.action, app: a.app };
}

export function lightPlan(d: Deployment): JsonObject {
  return { id: d.id, steps: d.steps.map((s) => ({ actions: s.map(actionJson) })), version: d.version };
}

/** Steps of several app changes merged position by position, as one plan. */
export function mergeSteps(perApp: Action[][][]): Action[][] {
  const out: Action[][] = [];
  for (const steps of perApp) {
    steps.forEach((actions, i) => {
      out[i] = [...(out[i] ?? []), ...actions];
    });
  }
  return out.filter((s) => s.length > 0);
}

export class DeploymentManager {
  readonly #running = new Map<string, Deployment>();
  #checking = false;
  #recheck = false;

  readonly #clock: Clock;

  readonly #events: EventBus;

  readonly #hooks: DeploymentHooks;

  constructor(clock: Clock, events: EventBus, hooks: DeploymentHooks) {
    this.#clock = clock;

    this.#events = events;

    this.#hooks = hooks;
  }

  get size(): number {
    return this.#running.size;
  }

  list(): Deployment[] {
    return [...this.#running.values()];
  }

  get(id: string): Deployment | undefined {
    return this.#running.get(id);
  }

  /** Running deployments that affect any of `appIds`. */
  conflicting(appIds: readonly string[]): Deployment[] {
    const ids = new Set(appIds);
    return this.list().filter((d) => d.affectedApps.some((a) => ids.has(a)));
  }

  idsFor(appId: string): string[] {
    return this.list()
      .filter((d) => d.affectedApps.includes(appId))
      .map((d) => d.id);
  }

  create(version: string, steps: Action[][], original: Map<string, JsonObject | undefined>, minDurationMs: number): Deployment {
    const affected = [...new Set(steps.flat().map((a) => a.app))];
    return { id: randomUUID(), version, affectedApps: affected, steps, currentStep: 0, startedAt: this.#clock.now(), minDurationMs, original };
  }

  start(d: Deployment): void {
    this.#running.set(d.id, d);
    this.#hooks.started?.(d);
    if (d.steps.length > 0) this.#publishStep('deployment_info', d);
    this.check();
  }

  #publishStep(type: string, d: Deployment): void {
    const step = d.steps[d.currentStep] ?? [];
    this.#events.publish(type, { plan: lightPlan(d), currentStep: { actions: step.map(actionJson) } });
  }

  /** Advances every deployment whose current step is done; re-entrant calls coalesce. */
  check(): void {
    if (this.#checking) {
      this.#recheck = true;
      return;
    }
    this.#checking = true;
    try {
      do {
        this.#recheck = false;
        for (const d of this.list()) this.#advance(d);
      } while (this.#recheck);
    } finally {
      this.#checking = false;
    }
  }

  #advance(d: Deployment): void {
    while (this.#running.has(d.id)) {
      const step = d.steps[d.currentStep];
      if (step === undefined) {
        this.#finish(d, true);
        return;
      }
      const last = d.currentStep === d.steps.length - 1;
      const remaining = d.startedAt + d.minDurationMs - this.#clock.now();
      if (last && remaining > 0) {
        // timers may fire a little before the wall clock agrees: look again when it does
        if (d.timer) this.#clock.clearTimeout(d.timer);
        d.timer = this.#clock.setTimeout(() => this.check(), remaining + 1);
        return;
      }
      if (!step.every((a) => this.#hooks.isDone(a, d))) return;
      this.#publishStep('deployment_step_success', d);
      d.currentStep++;
      if (d.currentStep < d.steps.length) this.#publishStep('deployment_info', d);
    }
  }

  #finish(d: Deployment, success: boolean): void {
    if (!this.#running.delete(d.id)) return;
    if (d.timer) this.#clock.clearTimeout(d.timer);
    this.#events.publish(success ? 'deployment_success' : 'deployment_failed', { id: d.id, plan: lightPlan(d) });
    this.#hooks.finished?.(d, success);
  }

  /** Stops a deployment without reverting anything (force cancel, or superseded by force). */
  cancel(d: Deployment): void {
    this.#finish(d, false);
  }

  clear(): void {
    for (const d of this.#running.values()) if (d.timer) this.#clock.clearTimeout(d.timer);
    this.#running.clear();
  }

  /** GET /v2/deployments entry (DeploymentsResource / raml deploymentInfo.DeploymentStepInfo). */
  static json(d: Deployment): JsonObject {
    const current = d.steps[d.currentStep] ?? [];
    return {
      id: d.id,
      version: d.version,
      affectedApps: d.affectedApps,
      affectedPods: [],
      steps: d.steps.map((s) => ({ actions: s.map(actionJson) })),
      currentActions: current.map((a) => ({ action: a.action, app: a.app, readinessCheckResults: [] })),
      currentStep: Math.min(d.currentStep + 1, d.steps.length),
      totalSteps: d.steps.length,
    };
  }
}
