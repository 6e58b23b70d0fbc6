// The vocabulary of `GET /status` and of `maracker.app_status`. These strings are a
// public contract: portals poll for them. Add values; never rename or remove one.

/** Whether Marathon matches what the sources declare (Argo CD's "sync status"). */
export const SYNC = ['Synced', 'OutOfSync', 'Invalid', 'Conflict', 'Unknown'] as const;
export type SyncStatus = (typeof SYNC)[number];

/** Whether the app works (Argo CD's "health status"), independent of sync. */
export const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Missing', 'Suspended', 'Unknown'] as const;
export type HealthStatus = (typeof HEALTH)[number];

/** The daemon as a whole. */
export const PHASES = ['Ready', 'Progressing', 'Degraded', 'Blocked', 'Stopping'] as const;
export type Phase = (typeof PHASES)[number];

/** A source: loaded (state known), or unknown (cannot be read; never treated as empty). */
export const SOURCE_STATES = ['Pending', 'Ready', 'Unknown'] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

export const ROLES = ['leader', 'follower', 'standalone'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What one recorded reconcile outcome was about (`outcomes` of `GET /status/apps/{id}`):
 * a write (`create`, `scale`: instances only, no restart; `update`: a rolling restart;
 * `restart`: the rolling restart of an unchanged definition, to replace tasks of an older
 * configuration a scale left running; `delete`), the read of the app from Marathon (`read`),
 * or nothing to write (`none`: the app is blocked, or back in sync).
 */
export const OUTCOME_ACTIONS = ['create', 'scale', 'update', 'restart', 'delete', 'read', 'none'] as const;
export type OutcomeAction = (typeof OUTCOME_ACTIONS)[number];

/**
 * How it ended. `ok`: Marathon accepted the write. `failed`: the write or read failed and is
 * retried with backoff. `rejected`: Marathon refused the definition (400/422); not retried
 * until the declaration changes. `blocked`: maracker leaves the app alone until someone acts
 * (invalid or conflicting declaration, unreadable source, prune guard awaiting approval,
 * pruning disabled). `waiting`: the write waits its turn (a deployment in progress, a
 * deployment slot, the prune guard's judgement). `synced`: back in sync after one of these.
 */
export const OUTCOME_RESULTS = ['ok', 'failed', 'rejected', 'blocked', 'waiting', 'synced'] as const;
export type OutcomeResult = (typeof OUTCOME_RESULTS)[number];
