// The ownership label an installation writes. The manifest translator cannot know the
// installation (with a database it is read from there, after the sources start), so it
// writes LEGACY_MANAGED_BY and the planner claims the app for the installation: what is
// planned, and sent, always names the installation that sent it.

import type { DesiredApp } from '../model/desired.js';
import { LABEL_MANAGED_BY, managedByValue } from '../model/labels.js';

/** `app`, as the installation writes it: its ownership label names `installation`. Pure. */
export function claim(app: DesiredApp, installation: string): DesiredApp {
  const value = managedByValue(installation);
  if (app.definition.labels?.[LABEL_MANAGED_BY] === value) return app;
  return { ...app, definition: { ...app.definition, labels: { ...(app.definition.labels ?? {}), [LABEL_MANAGED_BY]: value } } };
}
