// What maracker sends as an app definition. Marathon's GET answers mix the definition with
// server-side state; sending that state back is at best ignored and at worst harmful:
// `version` in a PUT body makes Marathon roll the app back to that version instead of
// applying the body (AppsResource: "if version is defined, replace with version").

import type { MarathonAppDefinition } from '../model/marathon.js';

/**
 * Fields of an AppInfo that Marathon computes (app.raml AppInfo, apps.raml embeds) and that
 * must never travel back in a write.
 */
export const SERVER_ONLY_FIELDS = [
  'version',
  'versionInfo',
  'tasks',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'lastTaskFailure',
  'taskStats',
  'readinessCheckResults',
] as const;

/** A copy of `def` without server-only fields; everything else passes through untouched. */
export function toWriteBody(def: MarathonAppDefinition): MarathonAppDefinition {
  const body: Record<string, unknown> = { ...def };
  for (const field of SERVER_ONLY_FIELDS) delete body[field];
  return body as MarathonAppDefinition;
}
