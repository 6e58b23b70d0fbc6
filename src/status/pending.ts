// The pending changes of an OutOfSync app, field by field, old → new, as `maracker plan`
// prints them (the plan's own formatting), for status readers and the dashboard. Status is
// read by anyone with the status token, so values that may be secrets are not shown: an
// environment variable's change is named, its values hidden. Pure.

import type { FieldChange } from '../model/plan.js';
import { formatValue } from '../plan/render.js';

export interface PendingChange {
  /** e.g. "instances", "container.docker.image", "env.DB_PASSWORD". */
  path: string;
  /** As `maracker plan` shows it: `"img:1"`, `3`, `(unset)`; `(hidden)` for env values. */
  before: string;
  after: string;
}

/** Longest value shown; a longer one is cut with "…" (a whole cmd script is not a diff). */
export const PENDING_VALUE_MAX = 200;

const HIDDEN = /^env\./;

export function pendingDiff(changes: readonly FieldChange[]): PendingChange[] {
  return changes.map((c) => {
    if (HIDDEN.test(c.path)) return { path: c.path, before: shown(c.before, true), after: shown(c.after, true) };
    return { path: c.path, before: shown(c.before, false), after: shown(c.after, false) };
  });
}

function shown(value: unknown, hidden: boolean): string {
  if (value === undefined) return formatValue(value);
  if (hidden) return '(hidden)';
  const text = formatValue(value);
  return text.length > PENDING_VALUE_MAX ? `${text.slice(0, PENDING_VALUE_MAX - 1)}…` : text;
}
