// The JSON contract of `GET /status`. Field names are public: portals poll them. Add fields;
// never rename or remove one. `maracker.app_status` in PostgreSQL carries the same values.

import type { ImageContribution } from '../model/desired.js';
import type { AppId } from '../model/app-id.js';
import type { GitCommit } from '../model/desired.js';
import type { InstallationOrigin } from '../model/installation.js';
import type { TaskEndpoint } from '../marathon/task-endpoints.js';
import type { Route } from '../model/route.js';
import type { HealthStatus, OutcomeAction, OutcomeResult, Phase, Role, SourceState, SyncStatus } from '../model/status.js';
import type { AppAbout } from './catalogue.js';
import type { InstanceCounts } from './health.js';
import type { PendingChange } from './pending.js';

export interface ErrorRecord {
  message: string;
  /** Stable error code (MRK_...) or problem code ("schema", "yaml-syntax"). */
  code?: string;
  file?: string;
  line?: number;
  column?: number;
  /** Database row (app id) for a database-declared app. */
  row?: string;
  /** JSON path inside the spec, e.g. "spec.instances". */
  jsonPath?: string;
}

export interface AppStatus {
  id: AppId;
  /** "web.yaml:3" for a file, "database row /demo/web" for a row; null when undeclared. */
  source: string | null;
  /** Git source only: the commit that last changed the app's manifest (the source's `commit` tells the one in force). */
  commit?: string;
  sync: SyncStatus;
  health: HealthStatus;
  instances: InstanceCounts;
  url: string | null;
  /** Last successful write by maracker (ISO 8601). */
  lastAppliedAt: string | null;
  lastError: ErrorRecord | null;
  /** Fields that differ, when OutOfSync (e.g. ["instances", "container.docker.image"]). */
  pendingChanges: string[];
  /**
   * The same fields with their values, old → new, as `maracker plan` shows them (./pending.ts;
   * environment values hidden). Empty for a create or delete; absent from older daemons.
   */
  pendingDiff?: PendingChange[];
  /**
   * Every problem of the app's declaration at once (an Invalid manifest or row: each with its
   * file, line, column and path), so a spec with two mistakes shows both; `lastError` keeps
   * the first, for older clients. Empty when the declaration is fine.
   */
  problems: ErrorRecord[];
  /**
   * What the app's image says of itself and gave it, when the app takes something from its
   * image's labels (docs/image-metadata.md): the reference and digest read, the definition
   * fields filled and the label each came from, its description and links, and the errors of
   * its labels that gave nothing.
   */
  image?: ImageContribution;
  /**
   * Where each of the app's tasks listens (host, host ports, the address of the routed or
   * first port), with its state and health, as Marathon last reported them: what runs can be
   * opened even with no Traefik in front. Kept as it was while Marathon cannot be read.
   */
  tasks: TaskEndpoint[];
  /**
   * The route maracker serves to Traefik v3 for this app (`--traefik v3` and `expose`), with
   * the servers Traefik is given: the addresses of the tasks that run and are healthy. null
   * otherwise (with v1/v2, Traefik reads the route from the app's labels).
   */
  route: RouteStatus | null;
  /**
   * What the catalogue shows of the declared app: image, resources, title, description and
   * links (./catalogue.ts). Null when no valid declaration says; absent from older daemons.
   */
  about?: AppAbout | null;
}

/**
 * One reconcile outcome worth remembering (./outcomes.ts): a write, a failure, a block, or
 * the return to sync after one of these. Passes with nothing to do record nothing.
 */
export interface OutcomeRecord {
  /** When it happened (ISO 8601); for a repeated failure, the first time. */
  at: string;
  /** The latest time; equal to `at` unless `count` > 1. */
  lastAt: string;
  /** Consecutive repetitions of the same failure, counted on one entry (a retry loop does not flush the history). */
  count: number;
  action: OutcomeAction;
  result: OutcomeResult;
  /** The Marathon deployment a write started, and the app version it wrote (`ok` writes). */
  deploymentId?: string;
  version?: string;
  /** Stable code: an MRK_... error code, a problem code, or a status reason. */
  code?: string;
  /** What went wrong or what it waits for (scrubbed of secrets, as lastError). */
  message?: string;
  /** Fields a write changed, as `maracker plan` shows them: `instances: 1 → 3` (environment values hidden). */
  changes?: string[];
}

/** `GET /status/apps/{id}`: the app's record and its recent outcomes, newest first. */
export interface AppDetail extends AppStatus {
  outcomes: OutcomeRecord[];
}

/** A route served to Traefik v3 (GET /traefik/v3), as status shows it. */
export interface RouteStatus extends Route {
  /** `http://host:port` of each ready task, sorted; empty: Traefik answers 503 for the route. */
  servers: string[];
}

export interface SourceStatus {
  name: string;
  state: SourceState;
  lastReadAt: string | null;
  lastError: ErrorRecord | null;
  /** git HEAD commit of the manifests folder, or the database change counter. */
  revision: string | null;
  /** Uncommitted changes in the manifests work tree. */
  dirty?: boolean;
  /** Files only: why `revision` is null although the folder is in a git work tree (e.g. git refuses its owner). */
  revisionError?: string;
  /** Git source only: the commit whose tree is in force (kept, with `revision`, while the remote cannot be read). */
  commit?: GitCommit;
  /** Git source only: what it follows (the URL holds no credential). */
  remote?: { url: string; ref: string; path: string };
  /**
   * Folder only, present only then: files being written again, whose previous content stays
   * in force and is not written to Marathon until they are complete (manifest-changing).
   */
  changing?: string[];
  apps: number;
}

export interface MarathonStatus {
  url: string;
  reachable: boolean;
  lastReadAt: string | null;
  lastError: ErrorRecord | null;
}

export interface PruneStatus {
  blocked: boolean;
  /** Deletions allowed without approval per window (`budget.limit`; kept for older clients). */
  limit: number;
  /**
   * Managed apps no source declares that maracker will delete, or (when blocked) would delete
   * once approved. An app leaves the list as soon as it is deleted or declared again.
   */
  candidates: AppId[];
  /** Deletes go ahead beyond the budget: an approved episode, or the guard is disabled. */
  overridden: boolean;
  budget: PruneBudgetStatus;
  /** The episode awaiting approval, or the approved one being carried out; null otherwise. */
  episode: PruneEpisodeStatus | null;
}

export interface PruneBudgetStatus {
  /** Deletions without approval within the window. */
  used: number;
  /** Deletions allowed without approval within the window: max(--prune-min-apps, --prune-share × managed apps). */
  limit: number;
  /** Length of the sliding window (--prune-window). */
  windowSeconds: number;
  /** When the oldest counted deletion leaves the window, or null. */
  freesAt: string | null;
  /** Where the counted deletions are kept: `database` or `file` (both survive restarts), or `memory`. */
  history: 'database' | 'file' | 'memory';
  /** False until the history was read back from the database or the file: nothing is deleted before. */
  loaded: boolean;
}

export interface PruneEpisodeStatus {
  /** Names the episode in `POST /prune/approve?episode=...`: an approval of another episode is refused. */
  id: string;
  /** Exactly what the approval covers (and only this). */
  candidates: AppId[];
  blockedAt: string;
  /** Who approved (remote address, and the user the CLI named), or null while it awaits approval. */
  approvedBy: string | null;
  approvedAt: string | null;
}

/** This daemon's installation, and the apps on its Marathon it sees but does not own. */
export interface InstallationStatus {
  /** The installation, as its ownership label names it (`maracker.<name>`); null until known (read from the database). */
  name: string | null;
  /** `option` (--installation), `database` (generated once, stored there) or `derived` (from the manifests folder and the Marathon URL). */
  origin: InstallationOrigin | null;
  /** Apps of other maracker installations: never written by this one. Ids and owners only; at most 100 listed. */
  foreign: { count: number; apps: Array<{ id: AppId; installation: string }> };
  /**
   * Apps labelled by a maracker before installations (`maracker.managed-by=maracker`):
   * `claimed` ones are declared here and handled as ours, their label names this installation
   * after their next change; `unclaimed` ones no source here declares: never deleted from here.
   */
  legacy: { claimed: number; unclaimed: { count: number; apps: AppId[] } };
}

export interface DaemonStatus {
  phase: Phase;
  /** Why the phase is what it is, for humans. */
  message: string;
  role: Role;
  instance: string;
  installation: InstallationStatus;
  startedAt: string;
  /** The first full sync finished (what /readyz reports). */
  ready: boolean;
  sources: SourceStatus[];
  marathon: MarathonStatus;
  prune: PruneStatus;
  apps: AppStatus[];
}
