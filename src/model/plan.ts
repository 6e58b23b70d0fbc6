import type { AppId } from './app-id.js';
import type { DesiredApp } from './desired.js';
import type { MarathonApp } from './marathon.js';

/** One field that differs, as a dotted path into the normalised definition. */
export interface FieldChange {
  /** e.g. "instances", "container.docker.image", "labels.traefik.enable", "env.FOO". */
  path: string;
  /** undefined when the field is added. */
  before: unknown;
  /** undefined when the field is removed. */
  after: unknown;
  /** Where the new value comes from when not from the spec: "image label org.maracker.resources.mem". */
  origin?: string;
}

/**
 * `scale`: only `instances` differs; sent as an instances-only change, Marathon does not
 * restart running tasks. `restart`: anything else differs; Marathon performs a rolling
 * restart according to the app's upgradeStrategy. `finish-restart`: the definition is the
 * declared one, but tasks of an older configuration still run with no deployment to replace
 * them (src/plan/stale-tasks.ts); sent as POST /v2/apps/{id}/restart.
 */
export type UpdateMode = 'scale' | 'restart' | 'finish-restart';

export type Action =
  | { kind: 'create'; id: AppId; desired: DesiredApp }
  | {
      kind: 'update';
      id: AppId;
      mode: UpdateMode;
      changes: FieldChange[];
      desired: DesiredApp;
      actual: MarathonApp;
      /** `finish-restart` only: the ids of the tasks of an older configuration it replaces, sorted. */
      olderTasks?: readonly string[];
    }
  | { kind: 'delete'; id: AppId; actual: MarathonApp }
  | {
      /**
       * The id is declared, but Marathon has an app with that id that is not this
       * installation's: left alone. `unowned`: no maracker owns it and the manifest does not
       * ask to adopt it. `foreign`: another maracker installation (`owner`) owns it; `adopt`
       * does not take it over, or two installations would overwrite each other forever.
       */
      kind: 'conflict';
      id: AppId;
      reason: 'unowned' | 'foreign';
      /** For `foreign`: the installation that owns the app. */
      owner?: string;
      desired: DesiredApp;
      actual: MarathonApp;
    }
  | { kind: 'noop'; id: AppId; desired: DesiredApp; actual: MarathonApp };

export type ActionKind = Action['kind'];

/** The action of one kind. */
export type ActionOf<K extends ActionKind> = Extract<Action, { kind: K }>;

export interface Plan {
  /**
   * Ordered: creates and updates first (dependencies before dependents), then deletes
   * (dependents before dependencies), then conflicts and noops.
   */
  actions: Action[];
}

/** True when applying the plan would write nothing. */
export function isInSync(plan: Plan): boolean {
  return plan.actions.every((a) => a.kind === 'noop' || a.kind === 'conflict');
}
