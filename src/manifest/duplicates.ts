// One app id, one declaration. Two declarations of an id (in two files, or twice in one)
// would make the desired state depend on reading order, so both are reported and neither
// is applied.

import type { AppId } from '../model/app-id.js';
import type { Location, Problem } from '../model/problem.js';
import type { ManifestFileResult } from './parse.js';

function where(l: Location): string {
  return l.line !== undefined ? `${l.file ?? ''}:${l.line}:${l.column ?? 1}` : (l.file ?? '');
}

/** A problem at every declaration of an id declared more than once, in input order. */
export function findDuplicateIds(results: readonly ManifestFileResult[]): Problem[] {
  const byId = new Map<AppId, Location[]>();
  for (const r of results) {
    for (const d of r.declarations) {
      const list = byId.get(d.id) ?? [];
      list.push(d.location);
      byId.set(d.id, list);
    }
  }
  const problems: Problem[] = [];
  for (const [id, locations] of byId) {
    if (locations.length < 2) continue;
    for (const here of locations) {
      const others = locations.filter((l) => l !== here).map(where);
      problems.push({ code: 'duplicate-id', message: `app ${id} is declared more than once (also at ${others.join(', ')})`, location: here });
    }
  }
  return problems;
}

/** The ids declared more than once. */
export function duplicatedIds(results: readonly ManifestFileResult[]): Set<AppId> {
  const seen = new Set<AppId>();
  const dup = new Set<AppId>();
  for (const r of results) {
    for (const d of r.declarations) {
      if (seen.has(d.id)) dup.add(d.id);
      seen.add(d.id);
    }
  }
  return dup;
}
