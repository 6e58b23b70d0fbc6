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
