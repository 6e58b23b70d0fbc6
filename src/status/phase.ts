// The daemon's phase (Flux's Ready / Reconciling / Stalled, in maracker's words). Pure.
// Precedence, most urgent first: Stopping, Blocked, Degraded, Progressing, Ready.

import type { Phase } from '../model/status.js';
import type { AppStatus, MarathonStatus, PruneStatus, SourceStatus } from './model.js';
import { statusMessage } from './table-row.js';

export interface PhaseInput {
  stopping: boolean;
  ready: boolean;
  sources: readonly SourceStatus[];
  marathon: MarathonStatus;
  prune: PruneStatus;
  apps: Iterable<AppStatus>;
  /** Ids some source declares validly: each must have a record, Synced, before Ready. */
  declared?: ReadonlySet<string>;
}

export function derivePhase(s: PhaseInput): { phase: Phase; message: string } {
  if (s.stopping) return { phase: 'Stopping', message: 'shutting down' };
  if (s.prune.blocked) {
    return {
      phase: 'Blocked',
      message: `prune guard: ${s.prune.candidates.length} apps would be deleted (limit ${s.prune.limit}); approve to proceed`,
    };
  }
  const unknown = s.sources.filter((x) => x.state === 'Unknown');
  if (unknown.length > 0) {
    return {
      phase: 'Degraded',
      message: `source ${unknown.map((x) => x.name).join(', ')} cannot be read: ${unknown[0]?.lastError?.message ?? 'unknown error'}`,
    };
  }
  if (!s.marathon.reachable && s.marathon.lastError) {
    return { phase: 'Degraded', message: `Marathon cannot be read: ${s.marathon.lastError.message}` };
  }
  let invalid = 0;
  let conflict = 0;
  let degraded = 0;
  let unknownApps = 0;
  let moving = 0;
  let declaredSeen = 0;
  for (const a of s.apps) {
    if (a.sync === 'Invalid') invalid++;
    else if (a.sync === 'Conflict') conflict++;
    else if (a.sync === 'Unknown') unknownApps++;
    if (a.health === 'Degraded') degraded++;
    if (a.sync === 'OutOfSync' || a.health === 'Progressing' || a.health === 'Missing') moving++;
    if (s.declared?.has(a.id)) declaredSeen++;
  }
  if (invalid + conflict + degraded + unknownApps > 0) {
    const parts = [
      invalid && `${invalid} invalid`,
      conflict && `${conflict} in conflict`,
      degraded && `${degraded} degraded`,
      unknownApps && `${unknownApps} unknown`,
    ].filter(Boolean);
    return { phase: 'Degraded', message: `apps: ${parts.join(', ')}` };
  }
  // A source that reads but has problems (a file that cannot be read or parsed, whose apps
  // may not even be known): not everything declared is in force.
  const troubled = s.sources.filter((x) => x.lastError);
  if (troubled.length > 0) {
    const first = troubled[0] as SourceStatus;
    // Located as app_status.message locates an app's error: `file:line:column: message`.
    return { phase: 'Degraded', message: `source ${troubled.map((x) => x.name).join(', ')} has problems: ${statusMessage(first.lastError) ?? ''}` };
  }
  if (!s.ready) return { phase: 'Progressing', message: 'first sync in progress' };
  const unreconciled = (s.declared?.size ?? 0) - declaredSeen;
  if (unreconciled > 0) return { phase: 'Progressing', message: `${unreconciled} declared apps not reconciled yet` };
  if (moving > 0) return { phase: 'Progressing', message: `${moving} apps converging` };
  return { phase: 'Ready', message: 'all apps in sync' };
}
