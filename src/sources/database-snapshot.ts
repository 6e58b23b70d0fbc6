// From the rows of maracker.apps to a source snapshot. Pure.
//
// A valid row is desired; a row whose spec, labels or id is invalid is *invalid* (its app is
// neither updated nor deleted, its status says why, with the JSON path). The primary key
// rules out an id declared twice inside the table.

import type { AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import type { Problem } from '../model/problem.js';
import type { RowResult } from '../manifest/row.js';
import type { SourceSnapshot } from './source.js';

export interface DatabaseRow {
  id: string;
  /** Translation of the row, reused while its revision is unchanged. */
  result: RowResult;
  revision: string;
}

export function databaseSnapshot(rows: ReadonlyMap<string, DatabaseRow>, base: Pick<SourceSnapshot, 'lastReadAt' | 'revision'>): SourceSnapshot {
  const apps = new Map<AppId, DesiredApp>();
  const invalid = new Map<AppId, readonly Problem[]>();
  const problems: Problem[] = [];
  for (const row of rows.values()) {
    if (row.result.app) {
      apps.set(row.id, row.result.app);
    } else {
      invalid.set(row.id, row.result.problems);
      problems.push(...row.result.problems);
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
