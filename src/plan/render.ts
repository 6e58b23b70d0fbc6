// How a plan reads, for people (`maracker plan`, like `terraform plan`) and for scripts
// (`--output json`). Pure string/object output; the command prints it.

import type { JsonValue } from '../model/marathon.js';
import type { Action, FieldChange, Plan, UpdateMode } from '../model/plan.js';
import { APP_DEFAULTS } from './defaults.js';
import { imageOrigin } from './plan.js';

export const CONFLICT_NOTE = 'conflict: exists in Marathon, not managed by maracker; set metadata.adopt to take it over';

/** Why a foreign app is left alone: another installation owns it. */
export function foreignNote(owner: string | undefined): string {
  return `conflict: exists in Marathon, owned by maracker installation "${owner ?? '?'}"; never changed from here`;
}
export const IN_SYNC_SUMMARY = 'No changes. Marathon matches the manifests.';

/** Counts per kind; `scale` counts the updates that only change instances. */
export interface PlanSummary {
  create: number;
  update: number;
  scale: number;
  delete: number;
  conflict: number;
  noop: number;
}

export function summarize(plan: Plan): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, scale: 0, delete: 0, conflict: 0, noop: 0 };
  for (const a of plan.actions) {
    s[a.kind]++;
    if (a.kind === 'update' && a.mode === 'scale') s.scale++;
  }
  return s;
}

/**
 * One block per action that does something (noops are left out), then the summary line:
 *   + /demo/web                 create, with its key fields
 *   ~ /demo/web (scale only)    update, each change as "path: before → after"
 *   ~ /demo/web (restart)
 *   - /demo/old                 delete
 *   ! /demo/x (conflict: ...)   left alone
 */
export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  for (const action of plan.actions) lines.push(...renderAction(action));
  if (lines.length > 0) lines.push('');
  lines.push(renderSummary(summarize(plan)));
  return `${lines.join('\n')}\n`;
}

export function renderAction(action: Action): string[] {
  switch (action.kind) {
    case 'create':
      return [`+ ${action.id}`, ...createDetails(action).map((line) => `    ${line}`)];
    case 'update':
      if (action.mode === 'finish-restart') {
        // The change is a sentence, not a field's values (src/plan/stale-tasks.ts).
        return [
          `~ ${action.id} (restart: tasks of an older configuration still run)`,
          ...action.changes.map((c) => `    ${c.path}: ${String(c.before)} → ${String(c.after)}`),
        ];
      }
      return [`~ ${action.id} (${action.mode === 'scale' ? 'scale only' : 'restart'})`, ...action.changes.map((c) => `    ${renderChange(c)}`)];
    case 'delete':
      return [`- ${action.id}`];
    case 'conflict':
      return [`! ${action.id} (${action.reason === 'foreign' ? foreignNote(action.owner) : CONFLICT_NOTE})`];
    case 'noop':
      return [];
  }
}

export function renderChange(change: FieldChange): string {
  const origin = change.origin === undefined ? '' : ` (from ${change.origin})`;
  return `${change.path}: ${formatValue(change.before)} → ${formatValue(change.after)}${origin}`;
}

/** "Plan: 1 to create, 2 to update (1 scale only), 1 to delete." or the in-sync sentence. */
export function renderSummary(s: PlanSummary): string {
  if (s.create + s.update + s.delete === 0) {
    return s.conflict === 0 ? IN_SYNC_SUMMARY : `No changes to apply. ${s.conflict} in conflict.`;
  }
  const update = s.scale > 0 ? `${s.update} to update (${s.scale} scale only)` : `${s.update} to update`;
  const conflict = s.conflict > 0 ? `, ${s.conflict} in conflict` : '';
  return `Plan: ${s.create} to create, ${update}, ${s.delete} to delete${conflict}.`;
}

/** Strings quoted, numbers and booleans as is, lists and objects as compact JSON. */
export function formatValue(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

function createDetails(action: Extract<Action, { kind: 'create' }>): string[] {
  const def = action.desired.definition;
  const out: string[] = [];
  const image = def.container?.docker?.image;
  if (image !== undefined) out.push(`image: ${formatValue(image)}`);
  if (def.cmd !== undefined) out.push(`cmd: ${formatValue(def.cmd)}`);
  if (def.args !== undefined) out.push(`args: ${formatValue(def.args)}`);
  const filled = action.desired.image?.filled ?? {};
  const from = (key: string): string => (filled[key] === undefined ? '' : ` (from ${imageOrigin(filled[key])})`);
  for (const key of ['instances', 'cpus', 'mem'] as const) {
    out.push(`${key}: ${formatValue(def[key] ?? (APP_DEFAULTS[key] as JsonValue))}${from(key)}`);
  }
  // What the image gave beyond resources: its HTTP port and health check, when filled.
  const mapping = def.container?.portMappings?.[0];
  if (filled['container.portMappings'] !== undefined && mapping !== undefined) {
    out.push(`port: container port ${formatValue(mapping.containerPort)}${from('container.portMappings')}`);
  }
  const check = def.healthChecks?.[0];
  if (filled['healthChecks'] !== undefined && check !== undefined) {
    out.push(`health check: ${String(check.protocol)} ${String(check.path)} on port index ${String(check.portIndex)}${from('healthChecks')}`);
  }
  if (action.desired.url !== undefined) out.push(`url: ${action.desired.url}`);
  return out;
}

/** The stable machine-readable form of a plan (`--output json`). */
export interface PlanJson {
  /** True when applying the plan writes nothing (only noops and conflicts). */
  inSync: boolean;
  summary: PlanSummary;
  actions: PlanJsonAction[];
}

export interface PlanJsonAction {
  kind: Action['kind'];
  id: string;
  /** update only. */
  mode?: UpdateMode;
  /** conflict only. */
  reason?: 'unowned' | 'foreign';
  /** conflict `foreign` only: the installation that owns the app. */
  owner?: string;
  /** update only. `before`/`after` are left out when the field is unset on that side. */
  changes?: Array<{ path: string; before?: unknown; after?: unknown; origin?: string }>;
}

export function planToJson(plan: Plan): PlanJson {
  const summary = summarize(plan);
  return {
    inSync: summary.create + summary.update + summary.delete === 0,
    summary,
    actions: plan.actions.map((a): PlanJsonAction => {
      switch (a.kind) {
        case 'update':
          return {
            kind: a.kind,
            id: a.id,
            mode: a.mode,
            changes: a.changes.map((c) => ({
              path: c.path,
              ...(c.before !== undefined ? { before: c.before } : {}),
              ...(c.after !== undefined ? { after: c.after } : {}),
              ...(c.origin !== undefined ? { origin: c.origin } : {}),
            })),
          };
        case 'conflict':
          return { kind: a.kind, id: a.id, reason: a.reason, ...(a.owner !== undefined ? { owner: a.owner } : {}) };
        default:
          return { kind: a.kind, id: a.id };
      }
    }),
  };
}
