// From the rows of maracker.apps to a source snapshot. Pure.
//
// A valid row is desired; a row whose spec, labels or id is invalid is *invalid* (its app is
// neither updated nor deleted, its status says why, with the JSON path). The primary key
// rules out an id declared twice inside the table. An invalid row's app runs on, routed where
// its last valid version said (`heldRoutes`), and so does a valid row held back by the quota.

import { LIMIT_EXCEEDED, limitSuffix } from '../manifest/limits.js';
import type { AppId } from '../model/app-id.js';
import type { DesiredApp, ExposedRoute } from '../model/desired.js';
import type { Problem } from '../model/problem.js';
import type { RowResult } from '../manifest/row.js';
import type { SourceSnapshot } from './source.js';

export interface DatabaseRow {
  id: string;
  /** Translation of the row, reused while its revision is unchanged. */
  result: RowResult;
  revision: string;
  /** Where the row's last valid version routed its app (`expose`): its app runs on there while the row is broken. */
  lastGoodRoutes?: readonly ExposedRoute[];
}

/** What a row read anew leaves as its last valid routes: this version's when it is valid, else the ones before. */
export function lastGoodRoutes(result: RowResult, before: DatabaseRow | undefined): readonly ExposedRoute[] | undefined {
  if (result.app) return result.app.exposes;
  return before?.result.app ? before.result.app.exposes : before?.lastGoodRoutes;
}

export function databaseSnapshot(
  rows: ReadonlyMap<string, DatabaseRow>,
  base: Pick<SourceSnapshot, 'lastReadAt' | 'revision'>,
  /** Apps the rows may declare in all (--max-row-apps). */
  maxApps = Number.POSITIVE_INFINITY,
): SourceSnapshot {
  const apps = new Map<AppId, DesiredApp>();
  const invalid = new Map<AppId, readonly Problem[]>();
  const problems: Problem[] = [];
  const heldRoutes = new Map<AppId, readonly ExposedRoute[]>();
  const over = rowsHeldBack(rows, maxApps);
  for (const row of rows.values()) {
    if (row.result.app && !over.has(row.id)) {
      apps.set(row.id, row.result.app);
    } else {
      const said = row.result.app ? [quotaProblem(row.id, maxApps)] : row.result.problems;
      invalid.set(row.id, said);
      problems.push(...said);
      const routes = row.result.app ? row.result.app.exposes : row.lastGoodRoutes;
      if (routes && routes.length > 0) heldRoutes.set(row.id, routes);
    }
  }
  const first = problems[0];
  return {
    name: 'database',
    state: 'Ready',
    apps,
    invalid,
    conflicts: new Map(),
    unknownSourceLabels: new Set(),
    problems,
    ...(heldRoutes.size > 0 ? { heldRoutes } : {}),
    ...base,
    ...(first
      ? {
          lastError: {
            message: first.location.jsonPath ? `${first.location.jsonPath}: ${first.message}` : first.message,
            ...(first.location.row !== undefined ? { row: first.location.row } : {}),
          },
        }
      : {}),
  };
}

/** The larger of two revisions (decimal bigint strings); undefined counts as none. */
export function maxRevision(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return BigInt(a) >= BigInt(b) ? a : b;
}

/**
 * The valid rows beyond the quota: the last in id order (code points), so that which rows
 * are held back does not change when a row is updated, only when rows come and go. Invalid
 * rows declare no app and take no room.
 */
function rowsHeldBack(rows: ReadonlyMap<string, DatabaseRow>, maxApps: number): ReadonlySet<string> {
  let valid = 0;
  for (const row of rows.values()) if (row.result.app) valid++;
  if (valid <= maxApps) return new Set();
  const ids = [...rows.values()].filter((r) => r.result.app).map((r) => r.id);
  ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Set(ids.slice(maxApps));
}

function quotaProblem(id: string, maxApps: number): Problem {
  return {
    code: LIMIT_EXCEEDED,
    message: `the rows declare more than ${maxApps} apps ${limitSuffix('maxRowApps')}: this row is held back (the first ${maxApps} valid rows in id order are applied); its app is neither created nor changed`,
    location: { row: id },
  };
}
