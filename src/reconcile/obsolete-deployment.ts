// Whether the deployment running for an app deploys a spec its sources no longer declare.
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
// (after its write the label is the declaration's hash). A scale alone leaves the hash
// alone too (it holds no `instances`) and waits: Marathon plans a deployment by comparing
// definitions (AppDefinition.isOnlyScaleChange), so a scale forced over a rolling restart
// would be planned as a scale, not as the rest of that restart, and could leave tasks of the
// old version running. An app without the label (created by hand, adopted) waits as well:
// nothing says what its deployment deploys.

import { LABEL_SPEC_HASH } from '../model/labels.js';
import type { Action } from '../model/plan.js';

/** Why the deployment running for `action`'s app is obsolete, or undefined when it is not (or nothing says). */
export function obsoleteDeployment(action: Action): string | undefined {
  if (action.kind !== 'update' || action.mode === 'scale') return undefined;
  const deploying = action.actual.labels?.[LABEL_SPEC_HASH];
  if (deploying === undefined || deploying === action.desired.specHash) return undefined;
  return `it deploys spec ${deploying}, and the sources now declare ${action.desired.specHash}`;
}
