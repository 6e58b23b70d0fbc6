// One app's status record as a row of maracker.app_status. Pure.
//
// `message` carries the error with where it is, so `SELECT id, sync, message` is enough for
// a psql user: "spec.instances: must be >= 0" for a row (the row is the id), and
// "manifests/web.yaml:3:5: ..." for a file, as `maracker validate` prints it; for an invalid
// declaration every problem, joined with "; ", and each one in `problems` (jsonb).

import type { AppStatus, ErrorRecord } from './model.js';

export interface StatusRow {
  id: string;
  sync: string;
  health: string;
  desired: number;
  running: number;
  healthy: number;
  url: string | null;
  message: string | null;
  code: string | null;
  source: string | null;
  /** Git source: the commit that last changed the app's manifest. */
  source_commit: string | null;
  last_applied_at: string | null;
  pending_changes: string[];
  problems: ErrorRecord[];
  instance: string;
}

export function statusMessage(e: ErrorRecord | null): string | null {
  if (!e) return null;
  if (e.file !== undefined) {
    const pos = e.line !== undefined ? `:${e.line}:${e.column ?? 1}` : '';
    return `${e.file}${pos}: ${e.message}`;
  }
  if (e.jsonPath) return `${e.jsonPath}: ${e.message}`;
  return e.message;
}

export function statusRow(s: AppStatus, instance: string): StatusRow {
  return {
    id: s.id,
    sync: s.sync,
    health: s.health,
    desired: s.instances.desired,
    running: s.instances.running,
    healthy: s.instances.healthy,
    url: s.url,
    message: s.problems.length > 0 ? s.problems.map(statusMessage).join('; ') : statusMessage(s.lastError),
    code: s.lastError?.code ?? null,
    source: s.source,
    source_commit: s.commit ?? null,
    last_applied_at: s.lastAppliedAt,
    pending_changes: s.pendingChanges,
    problems: s.problems,
    instance,
  };
}
