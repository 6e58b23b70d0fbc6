// Why maracker itself leaves an app where it is: the `lastError.code` values the reconciler
// and the prune guard write into an app's status (GET /status, maracker.app_status.code).
// A public contract, like the vocabulary of status.ts: portals match on these strings. Add
// values; never rename or remove one. docs/status.md lists them ("Status reasons"), and a
// test keeps that list and this one the same.
//
// An app's lastError can carry two other kinds of code, defined elsewhere: the MRK_... code
// of a failure (src/base/errors.ts) and the problem code of a declaration ("schema",
// "yaml-syntax", ...: src/model/problem.ts). "duplicate-id" is both a problem code (twice in
// one source) and a status reason (twice across sources): one meaning, one string.

export const STATUS_REASONS = [
  /** Declared more than once: none of the declarations is applied (Conflict). */
  'duplicate-id',
  /** An app with this id runs without maracker's ownership label (Conflict until adopted). */
  'unowned',
  /** Another maracker installation owns the app with this id (Conflict). */
  'foreign',
  /** The prune guard holds the delete back until its episode is approved. */
  'prune-blocked',
  /** The prune guard has not judged the delete yet, or is still reading its history. */
  'prune-waiting',
  /** A Marathon deployment of the app runs: the write waits for it (unless --force). */
  'deployment-in-progress',
  /** Every --max-deployments slot is taken: the write waits its turn. */
  'deployment-slot',
  /** The manifest declaring the app is being written: the write waits for its new content. */
  'manifest-changing',
  /** Tasks of an older configuration still run with no deployment: restarted once they have been seen for a while. */
  'older-tasks',
] as const;

export type StatusReason = (typeof STATUS_REASONS)[number];
