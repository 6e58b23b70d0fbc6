// The names the database side shares with psql users and with other daemons. Public: they
// appear in docs/database.md; changing one breaks scripts and older daemons.

export const SCHEMA = 'maracker';

/** Channel of the apps trigger; the payload is one app id, or ALL_PAYLOAD. */
export const APPS_CHANNEL = 'maracker_apps';

/** Payload meaning "re-read everything" (TRUNCATE, or an id too long for a payload). */
export const ALL_PAYLOAD = '*';

/**
 * Advisory lock keys, two-int form (classid, objid in pg_locks). The first is "MRK" in ASCII,
 * so maracker's locks are recognisable and unlikely to collide with an application's.
 */
export const LOCK_NAMESPACE = 0x4d524b;
export const LEADER_LOCK = 1;
export const MIGRATION_LOCK = 2;
