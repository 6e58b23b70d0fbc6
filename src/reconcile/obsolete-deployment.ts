// Whether the deployment running for an app deploys what its sources no longer declare.
// Pure.
//
// Marathon's app definition is the target of its running deployment, and maracker's writes
// label it with the spec hash they deploy. When the declaration's hash differs from that
// label, the declaration changed after the deployment began: the deployment brings up a
// version nobody wants any more, and waiting for it (a rolling upgrade of many tasks, or one
// that waits minutes for offers) only delays the fix a new commit carries. The write then
// replaces it (force=true), as a new Kubernetes rollout replaces the one in progress.
//
// Only then: a difference that is not the declaration's (an edit by hand during the
// deployment, a field Marathon writes back otherwise) leaves the hash alone, so the write
// waits for the deployment as before, and maracker cannot replace deployments in a loop
// (after its write the label is the declaration's hash). An app without the label (created
// by hand, adopted) waits as well: nothing says what its deployment deploys.
//
// A scale leaves the hash alone (it holds no `instances`): the deployment scales to a count
// the sources do not declare (theirs changed, or someone scaled by hand). It is replaced only
// when every task already runs the current configuration (launched at or after Marathon's
// `versionInfo.lastConfigChangeAt`): Marathon plans a deployment by comparing definitions
// (AppDefinition.isOnlyScaleChange), so a scale forced over a rolling restart would be
// planned as a scale, not as the rest of that restart, and would leave tasks of the old
// version running. That is the case of a count no offers can place (five instances where
// there is room for two), fixed by declaring fewer.

import { LABEL_SPEC_HASH } from '../model/labels.js';
import type { MarathonApp } from '../model/marathon.js';
import type { Action } from '../model/plan.js';

/** Why the deployment running for `action`'s app is obsolete, or undefined when it is not (or nothing says). */
export function obsoleteDeployment(action: Action): string | undefined {
  if (action.kind !== 'update') return undefined;
  const { actual, desired } = action;
  if (action.mode === 'scale') {
    if (!allOfCurrentConfig(actual)) return undefined;
    return `it scales to ${actual.instances ?? '?'} instance(s), and the sources now declare ${desired.definition.instances ?? 1}`;
  }
  const deploying = actual.labels?.[LABEL_SPEC_HASH];
  if (deploying === undefined || deploying === desired.specHash) return undefined;
  return `it deploys spec ${deploying}, and the sources now declare ${desired.specHash}`;
}

/** Every task was launched with the app's current configuration (false when Marathon does not say). */
function allOfCurrentConfig(app: MarathonApp): boolean {
  const since = Date.parse(app.versionInfo?.lastConfigChangeAt ?? '');
  if (Number.isNaN(since) || app.tasks === undefined) return false;
  return app.tasks.every((t) => Date.parse(t.version ?? '') >= since);
}
