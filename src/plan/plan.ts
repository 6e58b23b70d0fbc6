// From desired apps and Marathon's apps to an ordered list of actions. Pure: the daemon
// reconciles one id at a time with planApp; `maracker plan` and the full resync use plan.
//
// Safety rules, in the order they apply:
//   - an app of another installation is never updated or deleted: a declared id it holds is
//     a conflict, `adopt` or not (two installations would overwrite each other forever);
//   - an app without maracker's ownership label is never updated or deleted: a declared id
//     that exists unowned is a conflict unless the manifest sets `adopt`;
//   - an app labelled before installations existed (LEGACY_MANAGED_BY) is updated only when
//     declared, and never deleted: it may be another installation's;
//   - only this installation's apps that no source declares are deleted, and never when
//     pruning is off or the id is in `keep` (declared by a source that cannot be read now).

import type { AppId } from '../model/app-id.js';
import { FROM_EXPOSED_PORTS, type DesiredApp } from '../model/desired.js';
import { installationOf, LABEL_MANAGED_BY, ownershipOf } from '../model/labels.js';
import type { MarathonApp } from '../model/marathon.js';
import type { Action, FieldChange, Plan, UpdateMode } from '../model/plan.js';
import { claim } from './claim.js';
import { diffNormalized } from './diff.js';
import { PlanInputError } from './errors.js';
import { dependenciesOf, normalizeApp } from './normalize.js';
import { compareIds, dependencyOrder } from './order.js';
import { staleTasks } from './stale-tasks.js';

export interface PlanOptions {
  /** Delete owned apps that no source declares. Default: true. False never emits a delete. */
  prune?: boolean;
  /**
   * Ids that must not be deleted even if nothing declares them, e.g. those last declared by
   * a file that is now invalid or a source that cannot be read. Default: none.
   */
  keep?: ReadonlySet<AppId>;
  /**
   * The installation the plan is for: declared apps are claimed for it (their ownership
   * label names it) and only its own apps may be deleted. Absent: desired apps are planned
   * with the ownership label they carry, and nothing is deleted.
   */
  installation?: string;
}

/**
 * The action for one app id, or undefined when there is nothing to say about it: neither side
 * has it, or Marathon has an app this installation does not own and no source declares it,
 * or an owned undeclared app must be kept (pruning off, or id in `keep`).
 */
export function planApp(desired: DesiredApp, actual: MarathonApp | undefined, options?: PlanOptions): Action;
export function planApp(desired: DesiredApp | undefined, actual: MarathonApp | undefined, options?: PlanOptions): Action | undefined;
export function planApp(desired: DesiredApp | undefined, actual: MarathonApp | undefined, options: PlanOptions = {}): Action | undefined {
  if (desired !== undefined && actual !== undefined && desired.id !== actual.id) {
    throw new PlanInputError(desired.id, `cannot compare with Marathon app ${actual.id}`);
  }
  if (desired === undefined) {
    if (actual === undefined || !mayDelete(actual, options)) return undefined;
    return { kind: 'delete', id: actual.id, actual };
  }
  const mine = options.installation === undefined ? desired : claim(desired, options.installation);
  if (actual === undefined) return { kind: 'create', id: mine.id, desired: mine };
  // Judged against the installation the desired app names ('' names none, matching no owner).
  const owner = ownershipOf(actual.labels, installationOf(mine.definition.labels?.[LABEL_MANAGED_BY]) ?? '');
  if (owner.kind === 'foreign') return { kind: 'conflict', id: mine.id, reason: 'foreign', owner: owner.installation, desired: mine, actual };
  if (owner.kind === 'unmanaged' && !mine.adopt) return { kind: 'conflict', id: mine.id, reason: 'unowned', desired: mine, actual };
  // A legacy app declared here is ours: its label moves to the installation with the next
  // real change (diff.ts does not count it as one, so there is no restart for the label alone).
  const changes = withOrigins(diffNormalized(normalizeApp(mine.definition), normalizeApp(actual)), mine);
  if (changes.length === 0) {
    // The definition is the declared one; what runs may not be (./stale-tasks.ts).
    const stale = staleTasks(actual);
    if (stale === undefined) return { kind: 'noop', id: mine.id, desired: mine, actual };
    const change: FieldChange = {
      path: 'tasks',
      before: `${stale.stale} of ${stale.of} launched before the configuration of ${stale.since}`,
      after: 'restarted with it',
    };
    return { kind: 'update', id: mine.id, mode: 'finish-restart', changes: [change], desired: mine, actual, olderTasks: stale.ids };
  }
  return { kind: 'update', id: mine.id, mode: updateMode(changes), changes, desired: mine, actual };
}

/** `scale` when instances is the only difference: Marathon then starts or stops tasks only. */
/** Changes of fields the app's image filled say so, down to the fields inside them. */
function withOrigins(changes: FieldChange[], desired: DesiredApp): FieldChange[] {
  const filled = desired.image?.filled;
  if (!filled) return changes;
  return changes.map((c) => {
    const field = Object.keys(filled).find((f) => c.path === f || c.path.startsWith(`${f}.`) || c.path.startsWith(`${f}[`));
    if (field === undefined) return c;
    return { ...c, origin: imageOrigin(filled[field] as string) };
  });
}

/** Where a filled value comes from, as plan says it: "image label org.maracker.http.port". */
export function imageOrigin(from: string): string {
  if (from.startsWith('the digest of')) return from;
  // The HTTP port of an image that exposes one TCP port and labels none (image-http.ts).
  if (from === FROM_EXPOSED_PORTS) return "the image's one exposed port (ExposedPorts)";
  return `image label ${from}`;
}

export function updateMode(changes: readonly FieldChange[]): UpdateMode {
  return changes.every((c) => c.path === 'instances') ? 'scale' : 'restart';
}

function mayDelete(actual: MarathonApp, options: PlanOptions): boolean {
  if (options.installation === undefined || ownershipOf(actual.labels, options.installation).kind !== 'ours') return false;
  return options.prune !== false && !(options.keep?.has(actual.id) ?? false);
}

/**
 * Every action needed to make Marathon match `desired`, ordered as Plan documents: creates
 * and updates (dependencies first), deletes (dependents first), conflicts, noops.
 */
export function plan(desired: readonly DesiredApp[], actual: readonly MarathonApp[], options: PlanOptions = {}): Plan {
  const desiredById = indexById(desired, (d) => d.id, 'declared');
  const actualById = indexById(actual, (a) => a.id, 'listed by Marathon');

  const writes = new Map<AppId, Action>();
  const deletes = new Map<AppId, Action>();
  const conflicts: Action[] = [];
  const noops: Action[] = [];
  for (const d of desired) {
    const action = planApp(d, actualById.get(d.id), options);
    if (action.kind === 'create' || action.kind === 'update') writes.set(d.id, action);
    else if (action.kind === 'conflict') conflicts.push(action);
    else noops.push(action);
  }
  for (const a of actual) {
    if (desiredById.has(a.id)) continue;
    const action = planApp(undefined, a, options);
    if (action !== undefined) deletes.set(a.id, action);
  }

  const writeOrder = dependencyOrder([...writes.keys()], (id) => {
    const d = desiredById.get(id) as DesiredApp;
    return dependenciesOf(d.id, d.definition.dependencies);
  });
  // Deletes run dependents first: "must come before X" is "depends on X".
  const dependents = new Map<AppId, AppId[]>();
  for (const id of deletes.keys()) {
    const a = actualById.get(id) as MarathonApp;
    for (const dep of dependenciesOf(a.id, a.dependencies)) {
      const list = dependents.get(dep);
      if (list) list.push(id);
      else dependents.set(dep, [id]);
    }
  }
  const deleteOrder = dependencyOrder([...deletes.keys()], (id) => dependents.get(id) ?? []);

  const byId = (x: Action, y: Action): number => compareIds(x.id, y.id);
  return {
    actions: [
      ...writeOrder.map((id) => writes.get(id) as Action),
      ...deleteOrder.map((id) => deletes.get(id) as Action),
      ...conflicts.sort(byId),
      ...noops.sort(byId),
    ],
  };
}

function indexById<T>(items: readonly T[], idOf: (item: T) => AppId, what: string): Map<AppId, T> {
  const map = new Map<AppId, T>();
  for (const item of items) {
    const id = idOf(item);
    if (map.has(id)) throw new PlanInputError(id, `${what} twice`);
    map.set(id, item);
  }
  return map;
}
