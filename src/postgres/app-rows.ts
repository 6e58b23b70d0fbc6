// Writes to maracker.apps that maracker itself makes: only the dashboard's start, stop and
// scale of a database-declared app. The row stays the truth: the write is an UPDATE like a
// portal's, the trigger gives it a new revision, NOTIFY wakes the database source, and the
// change is reconciled as any other (nothing here talks to Marathon).

import type pg from 'pg';

/** Sets `spec.instances` of the row of `id`; false when there is no such row. */
export async function setRowInstances(pool: Pick<pg.Pool, 'query'>, id: string, instances: number): Promise<boolean> {
  if (!Number.isSafeInteger(instances) || instances < 0) throw new TypeError(`Expected \`instances\` to be an integer from 0 and up, got \`${instances}\``);
  const result = await pool.query("UPDATE maracker.apps SET spec = jsonb_set(spec, '{instances}', to_jsonb($2::integer)) WHERE id = $1", [id, instances]);
  return (result.rowCount ?? 0) > 0;
}
