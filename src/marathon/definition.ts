// What maracker sends as an app definition. Marathon's GET answers mix the definition with
// server-side state; sending that state back is at best ignored and at worst harmful:
// `version` in a PUT body makes Marathon roll the app back to that version instead of
// applying the body (AppsResource: "if version is defined, replace with version").

import { SERVER_ONLY_FIELDS, type MarathonAppDefinition } from '../model/marathon.js';

export { SERVER_ONLY_FIELDS };

/** A copy of `def` without server-only fields; everything else passes through untouched. */
export function toWriteBody(def: MarathonAppDefinition): MarathonAppDefinition {
  const body: Record<string, unknown> = { ...def };
  for (const field of SERVER_ONLY_FIELDS) delete body[field];
  return body as MarathonAppDefinition;
}
