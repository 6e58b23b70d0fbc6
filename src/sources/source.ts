// The contract between a source of desired state (folder of manifests, database table)
// and the controller. A source publishes snapshots; the controller never reaches into a
// source's internals.
//
// Three states matter for safety:
// - an app declared validly: it is desired;
// - an id declared but unreadable (broken file, invalid row): it is *unknown*: neither
//   updated nor deleted, reported Invalid;
// - the whole source unreadable (missing folder, database down): the source is *unknown*
//   and nothing it may declare is deleted. A source that cannot be read is never empty.

import type { AppId } from '../model/app-id.js';
import type { DesiredApp, ExposedRoute, GitCommit, SourceRef } from '../model/desired.js';
import type { Problem } from '../model/problem.js';
import type { SourceState } from '../model/status.js';

export interface SourceSnapshot {
  /** "folder" or "database". */
  name: string;
  state: SourceState;
  /** Valid declarations. */
  apps: ReadonlyMap<AppId, DesiredApp>;
  /**
   * Ids declared but not readable, with why. Also holds ids the source last declared when
   * a part of it broke (a file became invalid), so they stay protected.
   */
  invalid: ReadonlyMap<AppId, readonly Problem[]>;
  /** Ids declared more than once inside this source (two files), with every declaration. */
  conflicts: ReadonlyMap<AppId, readonly SourceRef[]>;
  /**
   * Source labels (`maracker.source` values) whose apps must be treated as unknown, e.g.
   * `file:web.yaml` while web.yaml is broken: protects apps the daemon never saw valid
   * (it started while the file was already broken).
   */
  unknownSourceLabels: ReadonlySet<string>;
  /** Every problem, for status and logs. */
  problems: readonly Problem[];
  /**
   * Files (paths as in a file SourceRef) whose content changed on disk and is not in force
   * yet, because they are still being written (src/sources/settle.ts): what they declare now
   * is about to be replaced, so it is not written to Marathon meanwhile.
   */
  changing?: ReadonlySet<string>;
  /**
   * New files (paths as in a file SourceRef) still being written, not read yet: what they
   * declare is not known, so no app is created meanwhile from any source: one of them may
   * declare it too (desired-view.ts). A file that keeps changing past the folder's warning
   * is left out (it would hold creations back for good).
   */
  unreadFiles?: ReadonlySet<string>;
  /**
   * Hosts routed at (`expose`) by apps of files that cannot be applied now (the last valid
   * version of a file that is broken now, an app two files declare), each with what holds it,
   * as a problem says it (`the apps of web.yaml as its last valid version declared them (it
   * is invalid now)`): those apps keep running and routed, so the hosts are still claimed
   * (src/reconcile/route-clash.ts).
   */
  heldHosts?: ReadonlyMap<string, string>;
  /**
   * The rows that cannot be applied now (broken, or over the quota), with the routes their
   * apps run on (the last valid version's `expose`): another row at one of them is held back
   * (src/reconcile/route-clash.ts).
   */
  heldRoutes?: ReadonlyMap<AppId, readonly ExposedRoute[]>;
  /**
   * While the source cannot be read: the ids it declared (valid or not) when it was last
   * read. They may still be declared there, alone or in conflict with another source, so
   * another source's declaration of them must not be applied meanwhile.
   */
  lastKnownIds?: ReadonlySet<AppId>;
  /** Git source: the commit whose tree is in force (hash, subject, author, time). */
  commit?: GitCommit;
  /** Git source: where it fetches from (no credential in it), which ref, which folder. */
  remote?: { url: string; ref: string; path: string };
  /** git HEAD commit for a folder inside a work tree, the commit of a git source; a change counter for the database. */
  revision?: string;
  /** The git work tree has uncommitted changes. */
  dirty?: boolean;
  /** Why there is no revision although the folder is inside a git work tree (git refused it, git missing). */
  revisionError?: string;
  lastReadAt?: Date;
  /** Why the source is Unknown, or the first problem. */
  lastError?: { message: string; file?: string; line?: number; column?: number; row?: string };
}

/** What changed: some ids, or everything (after a rescan or reconnect). */
export type SourceChange = { ids: ReadonlySet<AppId> } | { all: true };

export interface Source {
  readonly name: string;
  /** Starts watching; resolves after the first read attempt (successful or not). */
  start(onChange: (change: SourceChange) => void): Promise<void>;
  snapshot(): SourceSnapshot;
  /** Re-reads everything (periodic resync, after bursts). Never throws: failures become Unknown. */
  resync(): Promise<void>;
  /**
   * Makes sure the snapshot says no more than `maxAgeMs` late whether the source can be read:
   * when it was last read or checked longer ago, checks it now (a cheap probe, not a read),
   * and a source found unreadable turns Unknown (its change emitted) before this resolves.
   * Asked before each write, so that nothing is written from a view of a source that went
   * away unnoticed (a renamed table, a folder moved away: no notification says so). Never
   * throws. Absent: the snapshot cannot go stale that way (a git commit's tree).
   */
  confirm?(maxAgeMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Ids a snapshot declares (valid, invalid, in conflict, or last known while unreadable). */
export function snapshotIds(s: SourceSnapshot): Set<AppId> {
  return new Set([...s.apps.keys(), ...s.invalid.keys(), ...s.conflicts.keys(), ...(s.lastKnownIds ?? [])]);
}

export function emptySnapshot(name: string, state: SourceState, lastError?: SourceSnapshot['lastError']): SourceSnapshot {
  return {
    name,
    state,
    apps: new Map(),
    invalid: new Map(),
    conflicts: new Map(),
    unknownSourceLabels: new Set(),
    problems: [],
    ...(lastError ? { lastError } : {}),
  };
}
