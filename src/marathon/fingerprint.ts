// A short string that changes whenever anything maracker reads of an app in Marathon changes:
// what the plan compares (the configuration, which Marathon stamps with a new `version` on
// every change, scaling included: AppDefinition.versionInfo) and what status shows (task
// counts, deployments, the last failure, each task's state, health, host, ports and
// addresses). Equal fingerprints let a pass skip an app whose inputs did not move; an app
// without a `version` has none (undefined), so nothing is ever skipped on a guess. Pure; a
// frozen app (which cannot change) is fingerprinted once.

import type { MarathonApp, MarathonTask } from '../model/marathon.js';

/** Fingerprints of frozen apps (a listing's, shared from pass to pass: listing-cache.ts). */
const ofFrozen = new WeakMap<MarathonApp, string | undefined>();

export function appFingerprint(app: MarathonApp | undefined): string | undefined {
  if (app === undefined) return 'absent';
  if (!Object.isFrozen(app)) return compute(app);
  if (ofFrozen.has(app)) return ofFrozen.get(app);
  const fingerprint = compute(app);
  ofFrozen.set(app, fingerprint);
  return fingerprint;
}

function compute(app: MarathonApp): string | undefined {
  if (typeof app.version !== 'string' || app.version.length === 0) return undefined;
  const parts: unknown[] = [
    app.version,
    app.instances,
    app.tasksStaged,
    app.tasksRunning,
    app.tasksHealthy,
    app.tasksUnhealthy,
    (app.deployments ?? []).map((d) => d?.id),
    app.lastTaskFailure ? [app.lastTaskFailure.timestamp, app.lastTaskFailure.state, app.lastTaskFailure['taskId'], app.lastTaskFailure['version']] : null,
    (app.tasks ?? []).map(taskPart),
  ];
  return JSON.stringify(parts);
}

function taskPart(t: MarathonTask): unknown[] {
  return [
    t?.id,
    t?.state,
    t?.host,
    t?.ports,
    Array.isArray(t?.healthCheckResults) ? t.healthCheckResults.map((r) => r?.alive) : null,
    Array.isArray(t?.['ipAddresses']) ? t['ipAddresses'] : null,
  ];
}
