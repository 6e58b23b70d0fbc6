// Reconciles ONE app id: reads its desired state (merged sources) and its actual state
// (cache, re-read when stale), computes the action with the pure plan, executes it, and
// writes the app's status. Level-triggered: it never relies on what triggered it.
//
// Every outcome is sorted into the controller-runtime contract (workqueue.ts):
// done (maybe look again soon), retry (transient, with backoff or a known delay), or
// terminal (will not improve until the input changes).
//
// It is given its collaborators (desired state, cache, reachability, writer, deployment gate,
// prune guard, ownership report, status), each holding its own state, rather than callbacks
// into the controller's fields: what it may change of each is what their methods allow.
//
// Besides the app's status record, it reports the outcomes worth remembering (a write, a
// failure, a block, a wait) to the status store's per-app history; the store's log decides
// what is new (src/status/outcomes.ts), so a pass with nothing to do records nothing.

import { errorCode } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { Timers } from '../base/timers.js';
import { type AppId, isValidAppId } from '../model/app-id.js';
import { describeSource, type DesiredApp } from '../model/desired.js';
import { LABEL_SOURCE, ownershipOf, type Ownership } from '../model/labels.js';
import type { MarathonApp } from '../model/marathon.js';
import type { Action, ActionOf } from '../model/plan.js';
import type { StatusReason } from '../model/status-reasons.js';
import type { SyncStatus } from '../model/status.js';
import { OLDER_TASKS_GRACE_MS } from '../plan/stale-tasks.js';
import { planApp } from '../plan/plan.js';
import type { PruneGuard } from '../prune/guard.js';
import { aboutApp } from '../status/catalogue.js';
import { type PendingChange, pendingDiff } from '../status/pending.js';
import { appHealth, waitsOf } from '../status/health.js';
import type { AppStatus, ErrorRecord, RouteStatus } from '../status/model.js';
import { appFingerprint } from '../marathon/fingerprint.js';
import { serverUrls, taskEndpoints } from '../marathon/task-endpoints.js';
import type { Route } from '../model/route.js';
import type { KeptRoute, RememberedRoutes } from '../status/kept-route.js';
import type { OutcomeInput } from '../status/outcomes.js';
import type { StatusStore } from '../status/store.js';
import type { ActualCache } from './actual-cache.js';
import type { DeploymentGate } from './deployment-gate.js';
import type { DesiredState } from './desired-state.js';
import { type DesiredEntry, sameDefinition } from './desired-view.js';
import { errorRecord } from './error-record.js';
import { APP_EMBED } from './marathon-listing.js';
import { type MarathonReachability, saysMarathonUnreadable } from './marathon-reachability.js';
import { NoopMemo, type NoopInputs } from './noop-memo.js';
import { obsoleteDeployment } from './obsolete-deployment.js';
import type { OwnershipReport } from './ownership-report.js';
import type { MarathonReader } from './ports.js';
import { ProgressPace } from './progress-pace.js';
import { DEFAULT_DEPLOYMENT_TIMEOUT_MS } from './deployment-gate.js';
import { WaitAges } from './wait-ages.js';
import type { ReconcileResult } from './workqueue.js';
import { type ReplaceReason, type WriteOutcome, type Writer, writeKind } from './writer.js';
import type { Problem } from '../model/problem.js';

export interface ReconcilerOptions {
  /** Delete managed apps no source declares (when the prune guard allows). */
  prune: boolean;
  /** How soon to look again at an app that waits on Marathon (a deployment, a delete): the first look (./progress-pace.ts). */
  progressPollMs: number;
  /** The longest the looks at an app still waiting grow apart to (default: 10 s, or progressPollMs when longer). */
  progressPollMaxMs?: number;
  /** How long an app may be seen waiting on Marathon (a deployment, tasks it is short of) before it reads Degraded (--deployment-timeout; default 10 min). */
  deploymentDeadlineMs?: number;
  /** How long tasks of an older configuration must be seen before the app is restarted (--older-tasks-grace; default OLDER_TASKS_GRACE_MS), plus its kill grace period. */
  olderTasksGraceMs?: number;
  /**
   * Write even while a deployment holds the app (force=true). Off by default: maracker
   * waits for the deployment to finish instead.
   */
  force: boolean;
  /** The longest an app in sync is skipped on unchanged inputs before it is planned again (default 10 min). */
  noopMemoMaxAgeMs?: number;
}

export interface ReconcilerDeps {
  /** This installation's name: whose apps are ours to change and delete. */
  installation: string;
  marathon: MarathonReader;
  /** What the sources declare. */
  desired: DesiredState;
  /** What Marathon held when last read; re-read here when stale. */
  cache: ActualCache;
  /** Told of every read of one app; health is Unknown while Marathon is. */
  reachability: MarathonReachability;
  /** Executes a write under the global limits. */
  writer: Writer;
  /** Where an app waits for a deployment slot, and what its last deployment ended with. */
  gate: DeploymentGate;
  /** Decides every delete: candidates, settle time, budget, approvals. */
  guard: PruneGuard;
  /** Where foreign and legacy apps are reported. */
  ownership: OwnershipReport;
  status: StatusStore;
  /** What each app was last served, across restarts (status/route-memory.ts). */
  routes?: RememberedRoutes;
  logger: Logger;
  timers: Timers;
  options: ReconcilerOptions;
}

export class Reconciler {
  readonly #d: ReconcilerDeps;
  /** Apps found in sync, and from what: a pass skips those whose inputs did not move. */
  readonly #memo: NoopMemo;
  /** How far apart the looks at each app still waiting on Marathon are. */
  readonly #pace: ProgressPace;
  /**
   * What a reconcile returns to be looked at again because its app waits on Marathon; only
   * `reconcile` sees it, and replaces it with the delay the pace gives (compared by identity).
   */
  readonly #lookAgain: ReconcileResult;
  /** How long each app has been seen waiting on Marathon: past the deadline it reads Degraded. */
  readonly #ages = new WaitAges();
  /** How long the same tasks of an older configuration have been seen running (finish-restart). */
  readonly #olderTasks = new WaitAges();
  /** The tasks each app's last restart for older tasks was for: a restart that left any of them running is not repeated. */
  readonly #restartedFor = new Map<AppId, ReadonlySet<string>>();
  #seq = 0;

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.#memo = new NoopMemo(deps.timers, deps.options.noopMemoMaxAgeMs);
    const first = deps.options.progressPollMs;
    this.#pace = new ProgressPace(first, deps.options.progressPollMaxMs ?? Math.max(first, 10_000));
    this.#lookAgain = Object.freeze({ kind: 'done', requeueAfterMs: first });
  }

  /** How often a reconcile found its app's inputs unchanged (and skipped the plan). */
  get memoCounts(): { hits: number; misses: number } {
    return this.#memo.counts;
  }

  /**
   * Whether a pass may leave `id` out of the work queue because its reconcile would find
   * nothing to do without a call, a plan or a record: what `reconcile` would do up to its memo
   * lookup, synchronously, and that lookup itself (the noop memo's one rule, on the inputs
   * #noopInputs gathers for both). False whenever the reconcile could not answer from memory:
   * no cached read of the app or a stale one (it would read Marathon), or an entry that is
   * not one declared app (invalid, in conflict, unknown because a source cannot be read, or
   * absent: the prune guard's to judge). Its only effects are the memo's: a hit is counted,
   * a miss forgets the entry (NoopMemo.unchangedBeforeQueue).
   *
   * The reconcile also tells the ownership report what it found; a skipped key does not, and
   * need not: the memo holds only apps found in sync, so ours or legacy ones (a foreign or
   * unmanaged app is a conflict, never remembered), declared, seen with the same Marathon
   * fingerprint (its `version` moves with the labels that say the owner), and the report's
   * listings drop an id only when the owned listing no longer shows it, which changes that
   * fingerprint. What the report holds for the id is what the last reconcile told it.
   */
  skippable(id: AppId): boolean {
    const cached = this.#d.cache.get(id);
    if (cached === undefined || cached.stale) return false;
    const entry = this.#d.desired.view().get(id, cached.app?.labels?.[LABEL_SOURCE]);
    if (entry.kind !== 'app') return false;
    return this.#memo.unchangedBeforeQueue(entry.app.id, this.#noopInputs(entry.app, cached.app));
  }

  /** What an app found in sync was last planned from (noop-memo.ts): one gathering for the pass and the reconcile. */
  #noopInputs(desired: DesiredApp, actual: MarathonApp | undefined): NoopInputs {
    return {
      desired,
      actual: appFingerprint(actual),
      marathonKnown: this.#d.reachability.known,
      deploymentFailure: this.#d.gate.failureOf(desired.id),
      record: this.#d.status.getApp(desired.id),
    };
  }

  async reconcile(id: AppId): Promise<ReconcileResult> {
    const seq = ++this.#seq;
    const result = await this.#reconcile(
      id,
      lazyChild(this.#d.logger, () => ({ appId: id, reconcileId: `r${seq}` })),
      false,
    );
    if (result !== this.#lookAgain) {
      this.#pace.reset(id);
      return result;
    }
    return { kind: 'done', requeueAfterMs: this.#pace.next(id) };
  }

  /** Apps waiting on Marathon now, looked at again on a timer (./progress-pace.ts). */
  get waiting(): number {
    return this.#pace.size;
  }

  /**
   * Decides from the cached view; a decision to write is taken again on a fresh read of the
   * app (`fresh`), so maracker never writes on the strength of a stale or failing Marathon.
   */
  async #reconcile(id: AppId, log: ReconcileLog, fresh: boolean): Promise<ReconcileResult> {
    if (fresh) this.#d.cache.markStale(id);
    const read = await this.#actual(id);
    if (!read.ok) {
      this.#writeStatus(id, { sync: 'Unknown', entry: this.#d.desired.view().get(id), actual: undefined, lastError: errorRecord(read.error), unread: true });
      this.#record(id, 'read', 'failed', errorRecord(read.error));
      log.debug({ err: errorRecord(read.error) }, 'cannot read app from Marathon');
      return { kind: 'retry', error: read.error };
    }
    const actual = read.app;
    const entry = this.#d.desired.view().get(id, actual?.labels?.[LABEL_SOURCE]);
    // Ours to change: this installation's apps, and legacy ones while declared here (the
    // plan judges declared ones again). Only this installation's are ever deleted.
    const owner = actual === undefined ? undefined : ownershipOf(actual.labels, this.#d.installation);
    this.#d.ownership.observe(id, owner, entry.kind !== 'absent');

    switch (entry.kind) {
      case 'invalid': {
        const p = entry.problems[0];
        const lastError: ErrorRecord = p ? problemRecord(p) : { message: 'invalid declaration' };
        this.#writeStatus(id, { sync: 'Invalid', entry, actual, lastError });
        this.#record(id, 'none', 'blocked', lastError);
        return { kind: 'terminal', error: new Error(lastError.message) };
      }
      case 'conflict': {
        const where = entry.declarations.map(describeSource).join(' and ');
        const lastError = because('duplicate-id', `declared more than once: ${where}`);
        this.#writeStatus(id, { sync: 'Conflict', entry, actual, lastError });
        this.#record(id, 'none', 'blocked', lastError);
        return { kind: 'terminal', error: new Error(`${id} declared more than once`) };
      }
      case 'unknown':
        if (entry.declared || (actual && (owner?.kind === 'ours' || owner?.kind === 'legacy'))) {
          this.#writeStatus(id, { sync: 'Unknown', entry, actual, lastError: { message: entry.reason } });
          this.#record(id, 'none', 'blocked', { message: entry.reason });
        }
        return { kind: 'done' };
      case 'absent':
        this.#memo.forget(id);
        return this.#prune(id, actual, owner, log, read.fresh);
      case 'app':
        return this.#converge(entry, actual, log, read.fresh);
    }
  }

  async #actual(id: AppId): Promise<{ ok: true; app: MarathonApp | undefined; fresh: boolean } | { ok: false; error: unknown }> {
    // A key Marathon would refuse as an app id (a row's `/x/../y`, `/x/tasks`, an id asked for
    // by `maracker sync`) names no app Marathon can hold: absent, known without asking, and
    // never a request whose path could name something else.
    if (!isValidAppId(id)) return { ok: true, app: undefined, fresh: true };
    const cached = this.#d.cache.get(id);
    if (cached && !cached.stale) return { ok: true, app: cached.app, fresh: false };
    try {
      const app = await this.#d.marathon.getApp(id, { embed: [...APP_EMBED] });
      this.#d.cache.set(id, app, this.#d.timers.now());
      this.#d.reachability.answered();
      return { ok: true, app, fresh: true };
    } catch (err) {
      // A 404 is an answer, not a failure: there is no such app.
      if (errorCode(err) === 'MRK_MARATHON_NOT_FOUND') {
        this.#d.cache.set(id, undefined, this.#d.timers.now());
        this.#d.reachability.answered();
        return { ok: true, app: undefined, fresh: true };
      }
      // Only Marathon's own failures (the connection, its answers) say it cannot be read; any
      // other error is this app's, and must not turn every app Unknown.
      if (saysMarathonUnreadable(err)) this.#d.reachability.failed(err);
      return { ok: false, error: err };
    }
  }

  async #prune(id: AppId, actual: MarathonApp | undefined, owner: Ownership | undefined, log: ReconcileLog, fresh: boolean): Promise<ReconcileResult> {
    if (!actual || owner?.kind !== 'ours') {
      // Not declared and not this installation's (or gone): nothing to report per app, nothing
      // to delete. A legacy app might be another installation's: never deleted, listed in the
      // status document's installation.legacy.unclaimed instead.
      this.#d.guard.resolved(id);
      this.#d.status.removeApp(id);
      this.#d.routes?.remember(id, undefined);
      this.#d.cache.forget(id);
      this.#ages.forget(id);
      this.#olderTasks.forget(id);
      this.#restartedFor.delete(id);
      return { kind: 'done' };
    }
    const entry: DesiredEntry = { kind: 'absent' };
    if (!this.#d.options.prune) {
      const lastError = { message: 'no source declares this app; pruning is disabled' };
      this.#writeStatus(id, { sync: 'OutOfSync', entry, actual, lastError });
      this.#record(id, 'delete', 'blocked', lastError);
      return { kind: 'done' };
    }
    const decision = this.#d.guard.decide(id);
    switch (decision.kind) {
      case 'held': {
        this.#writeStatus(id, { sync: 'OutOfSync', entry, actual, lastError: because(decision.code, decision.message) });
        this.#record(id, 'delete', decision.code === 'prune-blocked' ? 'blocked' : 'waiting', because(decision.code, decision.message));
        // Looked at again when the verdict changes: a source change, a resync, an approval,
        // or the guard's history read (the controller queues the candidates each time).
        return { kind: 'done' };
      }
      case 'settling':
        this.#writeStatus(id, { sync: 'OutOfSync', entry, actual, lastError: null, pending: ['(delete)'] });
        return { kind: 'done', requeueAfterMs: decision.afterMs };
      case 'deleting':
        // Deleted already: only a fresh read tells whether Marathon is still removing it.
        if (!fresh) return this.#reconcile(id, log, true);
        if ((actual.deployments ?? []).length > 0) {
          this.#writeStatus(id, { sync: 'OutOfSync', entry, actual, lastError: null, pending: ['(delete)'] });
          return this.#lookAgain;
        }
        // Still there and nothing removes it: the delete did not take, or it was put back.
        this.#d.guard.reappeared(id);
        return this.#prune(id, actual, owner, log, fresh);
      case 'delete':
        if (!fresh) return this.#reconcile(id, log, true);
        return this.#apply({ kind: 'delete', id, actual }, actual, entry, log);
    }
  }

  async #converge(entry: DesiredEntry & { kind: 'app' }, actual: MarathonApp | undefined, log: ReconcileLog, fresh: boolean): Promise<ReconcileResult> {
    const desired = entry.app;
    const installation = this.#d.installation;
    const inputs = this.#noopInputs(desired, actual);
    if (this.#memo.unchanged(desired.id, inputs)) return { kind: 'done' };
    const action = planApp(desired, actual, { installation });
    if (action.kind === 'conflict') {
      const lastError = conflictError(action, installation);
      this.#writeStatus(desired.id, { sync: 'Conflict', entry, actual, lastError });
      this.#record(desired.id, 'none', 'blocked', lastError);
      return { kind: 'terminal', error: new Error(`${action.reason} app`) };
    }
    if (action.kind !== 'update' || action.mode !== 'finish-restart') this.#olderTasks.forget(desired.id);
    // Kept through the restart's own deployment, until none of the tasks it was for is listed.
    const restarted = this.#restartedFor.get(desired.id);
    if (restarted !== undefined && !(actual?.tasks ?? []).some((t) => restarted.has(t.id))) this.#restartedFor.delete(desired.id);
    if (action.kind === 'noop') {
      const verdict = this.#writeStatus(desired.id, { sync: 'Synced', entry, actual, lastError: null });
      // Recorded only as the end of a failure, block or wait (the log's rule): most passes add nothing.
      this.#record(desired.id, 'none', 'synced');
      if (verdict !== 'Progressing') this.#memo.remember(desired.id, { ...inputs, record: this.#d.status.getApp(desired.id) });
      if (verdict !== 'Progressing') return { kind: 'done' };
      // Keep watching while Marathon deploys, so status reaches Healthy without waiting for a
      // resync: the next look reads Marathon again. Events say so sooner, but they are lossy,
      // and those of a new app can come before it is known (then they are not for us).
      this.#d.cache.markStale(desired.id);
      return this.#lookAgain;
    }
    // A write is decided on a fresh read only. This also shows apps maracker does not own
    // (the owned-apps list cannot), so an unowned id is a conflict rather than a 409.
    if (!fresh) return this.#reconcile(desired.id, log, true);
    if (action.kind === 'update' && action.mode === 'finish-restart') {
      const older = action.olderTasks ?? [];
      const said = String(action.changes[0]?.before);
      if (older.some((t) => this.#restartedFor.get(desired.id)?.has(t))) {
        // maracker's restart did not replace them: another would not either (a task that cannot
        // be killed, an agent Marathon still waits for), and would roll the rest of the app each time.
        const lastError = because('older-tasks', `${said}, and still run after maracker restarted the app for them: Marathon did not replace them`);
        this.#writeStatus(desired.id, { sync: 'OutOfSync', entry, actual, lastError, pending: ['tasks'] });
        this.#record(desired.id, 'restart', 'blocked', lastError);
        return { kind: 'done' };
      }
      const leftMs = this.#olderTasksLeftMs(action.actual, older);
      if (leftMs > 0) {
        const lastError = because('older-tasks', `${said}: restarted if they still run in ${Math.ceil(leftMs / 1000)} s`);
        this.#writeStatus(desired.id, { sync: 'OutOfSync', entry, actual, lastError, pending: ['tasks'] });
        this.#record(desired.id, 'restart', 'waiting', lastError);
        this.#d.cache.markStale(desired.id);
        return { kind: 'done', requeueAfterMs: leftMs };
      }
    }
    return this.#apply(action, actual, entry, log);
  }

  /**
   * How much longer the tasks of an older configuration `actual` runs must be seen before the
   * restart that replaces them (src/plan/stale-tasks.ts): --older-tasks-grace (30 s), plus the app's kill grace
   * period, from the first read that showed these very tasks. A deployment that has just
   * finished may still be killing the tasks it replaced (without Marathon's task_killing
   * feature they read TASK_RUNNING until they are gone, up to taskKillGracePeriodSeconds);
   * restarting for them would roll the app again, and again after that restart.
   */
  #olderTasksLeftMs(actual: MarathonApp, older: readonly string[]): number {
    const seenMs = this.#olderTasks.observe(actual.id, [older.join(' ')], this.#d.timers.now()) ?? 0;
    const graceMs = (this.#d.options.olderTasksGraceMs ?? OLDER_TASKS_GRACE_MS) + Math.max(0, Number(actual.taskKillGracePeriodSeconds ?? 0) * 1000);
    return Math.max(0, graceMs - seenMs);
  }

  async #apply(action: Action, actual: MarathonApp | undefined, entry: DesiredEntry, log: ReconcileLog): Promise<ReconcileResult> {
    const pending = action.kind === 'update' ? action.changes.map((c) => c.path) : [`(${action.kind})`];
    const diff = action.kind === 'update' ? pendingDiff(action.changes) : [];
    const running = actual?.deployments ?? [];
    const what = writeKind(action) ?? 'none';
    const changes = diff.map((c) => `${c.path}: ${c.before} → ${c.after}`);
    if (entry.kind === 'app' && entry.changing !== undefined) {
      // Its manifest is being written again: what it declares now is about to be replaced,
      // and writing it would roll the app twice. The new content, once read, queues the app;
      // the timed look covers a file rewritten with the same content (no change to queue).
      const lastError = because('manifest-changing', `${entry.changing} is being written: its new content is applied once it is complete`);
      this.#writeStatus(action.id, { sync: 'OutOfSync', entry, actual, lastError, pending, diff });
      this.#record(action.id, what, 'waiting', lastError);
      return this.#lookAgain;
    }
    // A deployment that cannot finish (its tasks crash or fail their checks, or it has run
    // past --deployment-timeout) would make the app wait for good, a fixed manifest never
    // applied; one that deploys what the sources no longer declare (another spec, or another
    // count) only delays the new one (./obsolete-deployment.ts). The write replaces either
    // (force=true), as a new Kubernetes rollout replaces the one in progress.
    const locked = running.length > 0 && !this.#d.options.force;
    const replace = locked ? this.#replaceable(action, actual) : undefined;
    if (replace === undefined && locked) {
      // Marathon would answer 409 (app locked): wait for the deployment to finish. Its
      // deployment_success event re-queues the app; the timed look covers lost events.
      const ids = running.map((d) => d.id).join(', ');
      const lastError = because('deployment-in-progress', `waiting for Marathon deployment ${ids} to finish`);
      this.#writeStatus(action.id, { sync: 'OutOfSync', entry, actual, lastError, pending, diff });
      this.#record(action.id, what, 'waiting', lastError);
      this.#d.cache.markStale(action.id);
      return this.#lookAgain;
    }
    const outcome: WriteOutcome = await this.#d.writer.write(action, {
      ...(replace !== undefined ? { supersede: replace.reason } : {}),
      stillWanted: () => this.#stillWanted(action, entry, actual),
      // Write-ahead: a delete is on the prune guard's record before it goes out.
      ...(action.kind === 'delete' ? { beforeSend: () => this.#d.guard.aboutToDelete(action.id) } : {}),
    });
    switch (outcome.kind) {
      case 'applied':
        // Said once the write is in: one waiting for a slot or the rate may not go out at all.
        if (replace !== undefined)
          log.warn({ action: action.kind, deployments: running.map((d) => d.id), reason: replace.reason }, `replaced Marathon deployment ${replace.why}`);
        log.info(
          { action: action.kind, ...(action.kind === 'update' ? { mode: action.mode, changes: pending } : {}), deploymentId: outcome.deploymentId },
          `${action.kind === 'update' ? action.mode : action.kind} applied`,
        );
        // A new deployment: an earlier one's failure is history, and the end of one it replaced is none.
        this.#d.gate.started(
          action.id,
          running.map((d) => d.id),
        );
        this.#writeStatus(action.id, { sync: 'OutOfSync', entry, actual, lastError: null, pending, diff, appliedAt: outcome.at });
        this.#record(action.id, what, 'ok', null, {
          deploymentId: outcome.deploymentId,
          version: outcome.version,
          ...(changes.length ? { changes } : {}),
        });
        if (action.kind === 'update' && action.olderTasks !== undefined) this.#restartedFor.set(action.id, new Set(action.olderTasks));
        if (action.kind === 'delete') {
          this.#d.guard.deleted(action.id);
          this.#d.status.removeApp(action.id);
          this.#d.routes?.remember(action.id, undefined);
          this.#ages.forget(action.id);
        }
        // The wait this write begins is a new one: its first look comes soon.
        this.#pace.reset(action.id);
        return this.#lookAgain;
      case 'not-leader':
        this.#writeStatus(action.id, { sync: 'OutOfSync', entry, actual, lastError: null, pending, diff });
        return { kind: 'done' };
      case 'stopped':
        return { kind: 'done' };
      case 'superseded':
        // The change that moved the view queued the app too; planned again on it at once.
        log.debug({ action: action.kind }, `${action.kind} not sent: the sources changed while it waited`);
        return { kind: 'done', requeueAfterMs: 0 };
      case 'no-slot': {
        const lastError = because('deployment-slot', `waiting for a deployment slot (${outcome.inFlight} of ${outcome.limit} in use)`);
        this.#writeStatus(action.id, { sync: 'OutOfSync', entry, actual, lastError, pending, diff });
        this.#record(action.id, what, 'waiting', lastError);
        this.#d.gate.wait(action.id);
        return { kind: 'done' };
      }
      case 'retry':
        // A delete that went out counts against the prune budget, whatever came back (a lost
        // answer may hide a deletion).
        if (action.kind === 'delete' && outcome.sent) this.#d.guard.deleteUnconfirmed(action.id);
        log.warn({ action: action.kind, err: outcome.error }, `${action.kind} deferred: ${outcome.error.message}`);
        this.#writeStatus(action.id, { sync: 'OutOfSync', entry, actual, lastError: outcome.error, pending, diff });
        this.#record(action.id, what, 'failed', outcome.error, changes.length ? { changes } : {});
        return { kind: 'retry', error: outcome.error, ...(outcome.afterMs !== undefined ? { afterMs: outcome.afterMs } : {}) };
      case 'rejected':
        if (action.kind === 'delete' && outcome.sent) this.#d.guard.deleteUnconfirmed(action.id);
        log.error({ action: action.kind, err: outcome.error }, `${action.kind} rejected by Marathon: ${outcome.error.message}`);
        this.#writeStatus(action.id, { sync: 'OutOfSync', entry, actual, lastError: outcome.error, pending, diff, rejected: true });
        this.#record(action.id, what, 'rejected', outcome.error, changes.length ? { changes } : {});
        return { kind: 'terminal', error: outcome.error };
    }
  }

  /**
   * Whether the sources still declare what `action` was planned from (`planned`, as the
   * source handed it out: the action's own copy is claimed for the installation), asked by
   * the writer right before it sends: for a create or an update, the same definition, its
   * file not being written again; for a delete, nothing, and the prune guard still says
   * delete (an app declared again, or a deletion the guard blocked, while the delete waited
   * is kept).
   */
  #stillWanted(action: Action, planned: DesiredEntry, actual: MarathonApp | undefined): boolean {
    const now = this.#d.desired.view().get(action.id, actual?.labels?.[LABEL_SOURCE]);
    switch (action.kind) {
      case 'create':
      case 'update':
        return planned.kind === 'app' && now.kind === 'app' && now.changing === undefined && sameDefinition(now.app, planned.app);
      case 'delete':
        return now.kind === 'absent' && this.#d.guard.decide(action.id).kind === 'delete';
      default:
        return false;
    }
  }

  /**
   * Reports an outcome to the app's history, after its record (the store keeps outcomes of
   * apps it reports on only). The error's code and message, as the record's lastError.
   */
  #record(
    id: AppId,
    action: OutcomeInput['action'],
    result: OutcomeInput['result'],
    error: ErrorRecord | null = null,
    extra: Pick<OutcomeInput, 'deploymentId' | 'version' | 'changes'> = {},
  ): void {
    this.#d.status.recordOutcome(id, {
      action,
      result,
      ...extra,
      ...(error?.code !== undefined ? { code: error.code } : {}),
      ...(error ? { message: error.message } : {}),
    });
  }

  /**
   * Why the deployment `actual` shows running cannot finish, or undefined: what the app's
   * health says of it (health.ts), without the parts that are maracker's own view (the
   * declared instances, a failure maracker recorded): its tasks of this version crash, fail
   * their checks, or it has been seen running past --deployment-timeout.
   */
  /** How long an app may wait on Marathon before it reads Degraded (--deployment-timeout). */
  get #deadlineMs(): number {
    return this.#d.options.deploymentDeadlineMs ?? DEFAULT_DEPLOYMENT_TIMEOUT_MS;
  }

  /** Why the running deployment may be replaced by the write (`why` follows "replaced Marathon deployment" in the log), or undefined. */
  #replaceable(action: Action, actual: MarathonApp | undefined): { reason: ReplaceReason; why: string } | undefined {
    const stuck = this.#stuck(action.id, actual);
    if (stuck !== undefined) return { reason: 'stuck', why: `that could not finish: ${stuck}` };
    const obsolete = obsoleteDeployment(action);
    return obsolete === undefined ? undefined : { reason: 'obsolete', why: `of what the sources no longer declare: ${obsolete}` };
  }

  #stuck(id: AppId, actual: MarathonApp | undefined): string | undefined {
    const forMs = this.#ages.observe(id, waitsOf(actual), this.#d.timers.now());
    const h = appHealth({
      desiredInstances: undefined,
      actual,
      marathonKnown: true,
      ...(forMs !== undefined ? { waiting: { forMs, deadlineMs: this.#deadlineMs } } : {}),
    });
    return h.health === 'Degraded' ? (h.message ?? 'degraded') : undefined;
  }

  /** Writes the app's status record; returns its health. */
  #writeStatus(
    id: AppId,
    s: {
      sync: SyncStatus;
      entry: DesiredEntry;
      actual: MarathonApp | undefined;
      lastError: ErrorRecord | null;
      pending?: string[];
      /** With `pending`: the values of an update's changes. */
      diff?: PendingChange[];
      appliedAt?: string;
      rejected?: boolean;
      /** Marathon could not be read: `actual` says nothing, tasks and servers stay as last read. */
      unread?: boolean;
    },
  ): string {
    // Synced and OutOfSync compare with Marathon. While it cannot be read they would compare
    // with what it held when last read: a portal would see "in sync" throughout an outage.
    // Invalid and Conflict are about the declarations, and stay.
    if (!this.#d.reachability.known && (s.sync === 'Synced' || s.sync === 'OutOfSync')) {
      s = { ...s, sync: 'Unknown', lastError: s.lastError ?? MARATHON_UNREAD };
    }
    const desired = s.entry.kind === 'app' ? s.entry.app : undefined;
    const previous = this.#d.status.getApp(id);
    const failure = s.rejected ? s.lastError?.message : this.#d.gate.failureOf(id);
    // An app whose declaration cannot be applied keeps running, and so keeps its route (a
    // broken manifest must not take an app off Traefik); so does one no source declares until
    // it is deleted (the prune guard may hold the delete back: the app must stay reachable
    // meanwhile, as it stayed routed by its labels). A declaration without expose has none.
    // A row held back because a manifest's app is routed at its host does not: that route,
    // and that URL, are the manifest app's (route-clash.ts).
    const taken = s.entry.kind === 'invalid' && s.entry.routeTaken === true;
    const keeps = !desired && !taken && (s.actual !== undefined || s.unread);
    // After a restart no record is there: the route memory says what the app was served.
    const kept = keeps ? this.#d.routes?.get(id) : undefined;
    const routeSpec = desired ? desired.route : keeps ? (specOf(previous?.route) ?? kept?.route) : undefined;
    const tasks = s.unread ? (previous?.tasks ?? []) : taskEndpoints(s.actual, routeSpec?.port);
    const waitingForMs = s.unread ? undefined : this.#ages.observe(id, waitsOf(s.actual), this.#d.timers.now());
    const h = appHealth({
      desiredInstances: desired ? (desired.definition.instances ?? 1) : undefined,
      actual: s.actual,
      marathonKnown: this.#d.reachability.known,
      ...(failure !== undefined ? { deploymentFailure: failure } : {}),
      ...(waitingForMs !== undefined ? { waiting: { forMs: waitingForMs, deadlineMs: this.#deadlineMs } } : {}),
    });
    const record: AppStatus = {
      id,
      source: desired ? describeSource(desired.source) : sourceOfEntry(s.entry, s.actual),
      ...(desired?.source.kind === 'file' && desired.source.commit !== undefined ? { commit: desired.source.commit } : {}),
      sync: s.sync,
      health: h.health,
      instances: h.instances,
      // An app whose declaration cannot be applied (invalid, in conflict, unknown) keeps
      // running as it was: so does the URL that reaches it.
      url: desired ? (desired.url ?? null) : s.actual && s.entry.kind !== 'absent' && !taken ? (previous?.url ?? kept?.url ?? null) : null,
      lastAppliedAt: s.appliedAt ?? previous?.lastAppliedAt ?? null,
      lastError: s.lastError ?? (h.health === 'Degraded' && h.message ? { message: h.message } : null),
      pendingChanges: s.sync === 'OutOfSync' ? (s.pending ?? previous?.pendingChanges ?? []) : [],
      pendingDiff: s.sync !== 'OutOfSync' ? [] : s.pending !== undefined ? (s.diff ?? []) : (previous?.pendingDiff ?? []),
      problems: s.entry.kind === 'invalid' ? s.entry.problems.map(problemRecord) : [],
      ...(desired?.image ? { image: { ...desired.image } } : {}),
      tasks,
      route: routeSpec ? { ...routeSpec, servers: serverUrls(tasks).sort() } : null,
      about: desired ? aboutApp(desired) : null,
    };
    this.#d.status.setApp(record);
    if (desired) this.#d.routes?.remember(id, keptOf(desired));
    return h.health;
  }
}

/** Why an app's sync is Unknown while Marathon cannot be read (status.marathon.lastError says why not). */
const MARATHON_UNREAD: ErrorRecord = Object.freeze({ message: 'Marathon cannot be read: whether this app is in sync is not known' });

/** What a valid declaration serves, as the route memory keeps it. */
function keptOf(app: DesiredApp): KeptRoute | undefined {
  if (app.route === undefined && app.url === undefined && !app.exposes?.length) return undefined;
  return {
    ...(app.route ? { route: app.route } : {}),
    ...(app.url !== undefined ? { url: app.url } : {}),
    ...(app.exposes !== undefined && app.exposes.length > 0 ? { exposes: app.exposes, source: app.source.kind } : {}),
  };
}

/** The route of a status record without its servers. */
function specOf(route: RouteStatus | null | undefined): Route | undefined {
  if (!route) return undefined;
  const { servers: _servers, ...spec } = route;
  return spec;
}

/** A problem of a declaration as status shows it: where it is, what is wrong. */
function problemRecord(p: Problem): ErrorRecord {
  return { message: p.message, code: p.code, ...p.location };
}

/** Why a declared id is left alone (the app in Marathon is not this installation's). */
function conflictError(action: ActionOf<'conflict'>, installation: string): ErrorRecord {
  if (action.reason === 'foreign') {
    const owner = action.owner ?? '?';
    return because(
      'foreign',
      `an app with this id belongs to maracker installation "${owner}"; installation "${installation}" never changes it. Declare it in one installation only (if "${owner}" was this daemon's own name, start it with --installation ${owner})`,
    );
  }
  return because('unowned', 'an app with this id exists in Marathon and is not managed by maracker; set metadata.adopt: true to take it over');
}

/** A status record of why maracker itself leaves the app as it is: the reason is a checked constant. */
function because(code: StatusReason, message: string): ErrorRecord {
  return { message, code };
}

function sourceOfEntry(entry: DesiredEntry, actual: MarathonApp | undefined): string | null {
  if (entry.kind === 'conflict') return entry.declarations.map(describeSource).join(', ');
  if (entry.kind === 'invalid') {
    const loc = entry.problems[0]?.location;
    if (loc?.file) return loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file;
    if (loc?.row) return `database row ${loc.row}`;
  }
  const label = actual?.labels?.[LABEL_SOURCE];
  return label ?? null;
}

/** The logging a reconcile does: one line per outcome, always with its app and reconcile ids. */
interface ReconcileLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * A child logger made on first use: most reconciles of a pass log nothing, and building a
 * pino child (with redaction) for each of 10,000 apps was a measurable share of a pass.
 */
function lazyChild(parent: Logger, bindings: () => Record<string, unknown>): ReconcileLog {
  let child: Logger | undefined;
  const get = (): Logger => (child ??= parent.child(bindings()));
  return {
    debug: (obj, msg) => get().debug(obj, msg),
    info: (obj, msg) => get().info(obj, msg),
    warn: (obj, msg) => get().warn(obj, msg),
    error: (obj, msg) => get().error(obj, msg),
  };
}
