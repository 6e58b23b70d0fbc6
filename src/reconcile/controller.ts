// The controller: wires sources, the actual-state cache, the work queue and the reconciler,
// and decides when reconciles happen. It never writes to Marathon itself.
//
// Triggers (all only enqueue app ids; the reconcile decides what to do):
// - a source changed some ids (or everything, after a rescan);
// - Marathon's event stream named an app (out-of-band edits are repaired promptly);
// - the periodic, jittered full resync (sources re-read, owned apps listed once);
// - an event-stream gap: resync at once, since events were lost.
// Safety: no reconcile runs before every source has loaded once and Marathon has been
// listed once, and prune candidates are judged as a whole by the prune guard.
// Ownership: only this installation's apps are listed for acting on (with the legacy ones,
// which are ours while declared), only this installation's are pruned; other installations'
// apps are listed separately, for the report only.

import type { Logger } from '../base/log.js';
import type { AppId } from '../model/app-id.js';
import type { Installation } from '../model/installation.js';
import { LABEL_SOURCE, othersSelector, ownershipOf, ownershipSelector } from '../model/labels.js';
import type { MarathonApp, MarathonEvent } from '../model/marathon.js';
import type { StatusStore } from '../status/store.js';
import type { SourceStatus } from '../status/model.js';
import type { Source, SourceChange, SourceSnapshot } from '../sources/source.js';
import { ActualCache } from './actual-cache.js';
import { DeploymentGate } from './deployment-gate.js';
import { DesiredView } from './desired-view.js';
import { appIdsOfEvent, RECONCILE_EVENT_TYPES } from './events.js';
import type { MarathonEvents, MarathonReader, MarathonWriter, EventSubscription } from './ports.js';
import type { Leadership } from '../model/leadership.js';
import { OwnershipReport } from './ownership-report.js';
import { PruneGuard, type PruneApproval, type PruneApprovalRequest, type PruneGuardOptions } from '../prune/guard.js';
import type { PruneLedger } from '../prune/ledger.js';
import { Reconciler } from './reconciler.js';
import { systemTimers, type Timers } from '../base/timers.js';
import { TokenBucket } from './token-bucket.js';
import { WorkQueue, type ReconcileResult } from './workqueue.js';
import { errorRecord, Writer, type WriteKind, type WriteOutcome } from './writer.js';
import type { Action } from '../model/plan.js';

export interface ControllerOptions {
  resyncIntervalMs: number;
  concurrency: number;
  maxDeployments: number;
  writeRatePerSecond: number;
  force: boolean;
  prune: boolean;
  pruneGuard: PruneGuardOptions;
  events: boolean;
  /** Largest event-stream event, bytes; a larger one drops and reconnects the stream. Default: the client's (16 MiB). */
  eventMaxBytes?: number;
  /** Default 2000: a prune candidate must stay one this long (file events trickle in; the prune guard keeps the time). */
  pruneSettleMs?: number;
  /** Default 1000: how soon to look again at an app being deployed. */
  progressPollMs?: number;
  /** Default 1000: how soon to retry a write refused because a deployment locks the app. */
  lockRetryMs?: number;
  /** Default 1000: how often to poll /v2/deployments while maracker holds deployments. */
  deploymentsPollMs?: number;
  /** Default 1000: how often to retry the initial Marathon listing. */
  initialRetryMs?: number;
  /** Default 600000: a deployment running longer stops holding a deployment slot (and is logged). */
  deploymentTimeoutMs?: number;
  /** Default 60000: a source's re-read taking longer no longer holds the resync. */
  sourceReadTimeoutMs?: number;
}

/** Hooks for metrics and the safety harness; every one is optional. */
export interface ControllerObserver {
  reconciled?(id: AppId, result: ReconcileResult, durationMs: number): void;
  wrote?(kind: WriteKind, outcome: WriteOutcome['kind']): void;
  beforeWrite?(action: Action): void;
  sourceError?(source: string): void;
  eventGap?(): void;
  resynced?(durationMs: number, ok: boolean): void;
}

export type ControllerMarathon = MarathonReader & MarathonWriter & Partial<MarathonEvents>;

export interface ControllerDeps {
  sources: readonly Source[];
  /**
   * This installation. A promise when it is read from the database: nothing is listed or
   * reconciled before it resolves (undefined: the daemon stopped first).
   */
  installation: Installation | Promise<Installation | undefined>;
  marathon: ControllerMarathon;
  marathonUrl: string;
  status: StatusStore;
  leadership: Leadership;
  logger: Logger;
  timers?: Timers;
  random?: () => number;
  observer?: ControllerObserver;
  /** Where the prune guard keeps the deletions it counts (the database). Default: memory only. */
  pruneLedger?: PruneLedger;
  options: ControllerOptions;
}

export class Controller {
  readonly #d: ControllerDeps;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #cache = new ActualCache();
  readonly #guard: PruneGuard;
  readonly #gate: DeploymentGate;
  readonly #queue: WorkQueue;
  readonly #reconciler: Reconciler;
  readonly #report: OwnershipReport;
  readonly #abort = new AbortController();
  readonly #deploymentFailures = new Map<AppId, string>();
  /** Apps waiting for a deployment slot, oldest first. */
  readonly #slotWaiters = new Set<AppId>();
  #view: DesiredView | undefined;
  #began = false;
  #stopped = false;
  #marathonKnown = false;
  #events: EventSubscription | undefined;
  #resyncTimer: unknown;
  #initialTimer: unknown;
  #deploymentsTimer: unknown;
  #resyncing: Promise<void> | undefined;
  #unsubscribeLeadership: (() => void) | undefined;
  #resyncAgain = false;
  #pruneScheduled = false;
  #installation: Installation | undefined;
  #reportScheduled = false;
  /** This installation's apps: changed, and deleted when no source declares them. */
  readonly #ours = (app: MarathonApp): boolean => this.#installation !== undefined && ownershipOf(app.labels, this.#installation.name).kind === 'ours';
  /** What the ownership listing shows: this installation's apps and the legacy ones. */
  readonly #listable = (app: MarathonApp): boolean => {
    const kind = this.#installation === undefined ? 'unmanaged' : ownershipOf(app.labels, this.#installation.name).kind;
    return kind === 'ours' || kind === 'legacy';
  };

  constructor(deps: ControllerDeps) {
    this.#d = deps;
    this.#timers = deps.timers ?? systemTimers;
    this.#random = deps.random ?? Math.random;
    const o = deps.options;
    this.#guard = new PruneGuard({
      options: o.pruneGuard,
      settleMs: o.pruneSettleMs ?? 2000,
      timers: this.#timers,
      random: this.#random,
      logger: deps.logger,
      ...(deps.pruneLedger ? { ledger: deps.pruneLedger } : {}),
      onChange: (s) => deps.status.setPrune(s),
      onLoaded: (ids) => {
        if (this.#began && !this.#stopped) for (const id of ids) this.#queue.add(id);
      },
    });
    deps.status.setPrune(this.#guard.status());
    this.#gate = new DeploymentGate({ max: o.maxDeployments, now: () => this.#timers.now() });
    this.#gate.onFree(() => this.#admitSlotWaiters());
    this.#report = new OwnershipReport({ logger: deps.logger, onChange: () => this.#publishReport() });
    const writer = new Writer({
      marathon: deps.marathon,
      gate: this.#gate,
      bucket: new TokenBucket({ ratePerSecond: o.writeRatePerSecond, timers: this.#timers }),
      leadership: deps.leadership,
      cache: this.#cache,
      timers: this.#timers,
      force: o.force,
      lockRetryMs: o.lockRetryMs ?? 1000,
      signal: this.#abort.signal,
      onWrite: (kind, outcome) => {
        deps.observer?.wrote?.(kind, outcome);
        if (outcome === 'applied') this.#watchDeployments();
      },
      ...(deps.observer?.beforeWrite ? { beforeWrite: deps.observer.beforeWrite.bind(deps.observer) } : {}),
    });
    this.#reconciler = new Reconciler({
      marathon: deps.marathon,
      installation: () => (this.#installation as Installation).name,
      ownership: this.#report,
      writer,
      cache: this.#cache,
      view: () => this.#desiredView(),
      guard: this.#guard,
      status: deps.status,
      deploymentFailures: this.#deploymentFailures,
      marathonKnown: () => this.#marathonKnown,
      onMarathonError: (err) => this.#marathonError(err),
      onMarathonOk: () => this.#marathonOk(),
      waitForSlot: (id) => {
        this.#slotWaiters.delete(id);
        this.#slotWaiters.add(id);
      },
      logger: deps.logger,
      timers: this.#timers,
      options: { prune: o.prune, force: o.force, progressPollMs: o.progressPollMs ?? 1000 },
    });
    this.#queue = new WorkQueue({
      concurrency: o.concurrency,
      handler: (id) => this.#reconciler.reconcile(id),
      timers: this.#timers,
      random: this.#random,
      onResult: (id, result, ms) => deps.observer?.reconciled?.(id, result, ms),
    });
  }

  get queueDepth(): number {
    return this.#queue.depth;
  }

  /** Resolves when no reconcile waits or runs (delayed looks do not count): tests wait for it. */
  whenIdle(): Promise<void> {
    return this.#queue.onIdle();
  }

  get deploymentsInFlight(): number {
    return this.#gate.inFlight;
  }

  /** Largest number of concurrent deployments maracker held (benchmarks compare it to the cap). */
  get deploymentsPeak(): number {
    return this.#gate.peak;
  }

  /** Re-queues as many slot waiters as there are free slots, oldest first. */
  #admitSlotWaiters(): void {
    let free = this.#gate.free;
    for (const id of this.#slotWaiters) {
      if (free-- <= 0 || this.#stopped) break;
      this.#slotWaiters.delete(id);
      this.#queue.add(id);
    }
  }

  get began(): boolean {
    return this.#began;
  }

  /** Starts sources and triggers. Resolves once every source made its first read attempt. */
  async start(): Promise<void> {
    this.#guard.start();
    await Promise.all(this.#d.sources.map((s) => s.start((change) => this.#onSourceChange(s, change))));
    this.#publishSources();
    // A follower that becomes leader must look at everything: the old leader may have died
    // half-way through a pass, and followers do not write.
    this.#unsubscribeLeadership = this.#d.leadership.subscribe?.((leader) => {
      // The previous leader may have deleted apps: count them before deleting any more.
      if (leader && !this.#stopped) this.#guard.reload();
      if (leader && this.#began && !this.#stopped) {
        this.#d.logger.info('became leader: reconciling every app');
        void this.resync('became leader');
      }
    });
    if (this.#d.options.events && this.#d.marathon.events) this.#subscribeEvents(this.#d.marathon.events.bind(this.#d.marathon));
    void this.#initialSync();
  }

  /** Lists Marathon until it answers, then begins reconciling once every source is loaded. */
  async #initialSync(): Promise<void> {
    if (this.#stopped || this.#began) return;
    // Before the first sync nothing else re-reads a source that could not be read (the
    // periodic resync starts with it, and a folder that was missing has no watcher): a
    // manifests folder mounted or cloned after the daemon started would never be seen.
    const unknown = this.#d.sources.filter((s) => s.snapshot().state === 'Unknown');
    if (unknown.length > 0) await this.#readSources(unknown);
    if (this.#stopped || this.#began) return;
    if (!(await this.#knowInstallation())) return;
    const ok = await this.#listMarathon();
    if (this.#stopped) return;
    if (ok && this.#desiredView().allReady) {
      this.#begin();
      return;
    }
    this.#initialTimer = this.#timers.setTimeout(() => void this.#initialSync(), this.#d.options.initialRetryMs ?? 1000);
  }

  /** Waits for the installation's name (read from the database); false when stopped first. */
  async #knowInstallation(): Promise<boolean> {
    if (this.#installation) return true;
    const installation = await this.#d.installation;
    if (!installation || this.#stopped) return false;
    this.#installation = installation;
    this.#d.status.setInstallation(installation);
    return true;
  }

  #begin(): void {
    this.#began = true;
    this.#d.logger.info({ apps: this.#cache.ownedIds(this.#ours).length }, 'sources loaded and Marathon listed: reconciling');
    this.#evaluatePrune();
    this.#enqueueAll();
    void this.#queue.onIdle().then(() => {
      if (!this.#stopped) {
        this.#d.status.markReady();
        this.#d.logger.info('first full sync done');
      }
    });
    this.#scheduleResync();
  }

  #scheduleResync(): void {
    const base = this.#d.options.resyncIntervalMs;
    const jittered = Math.round(base * (0.9 + 0.2 * this.#random()));
    this.#resyncTimer = this.#timers.setTimeout(() => {
      void this.resync('periodic').finally(() => {
        if (!this.#stopped) this.#scheduleResync();
      });
    }, jittered);
  }

  /** Re-reads every source and lists Marathon once, then enqueues every app. Coalesced. */
  resync(reason: string): Promise<void> {
    if (this.#resyncing) {
      this.#resyncAgain = true;
      return this.#resyncing;
    }
    this.#resyncing = (async () => {
      do {
        this.#resyncAgain = false;
        const started = this.#timers.now();
        this.#d.logger.debug({ reason }, 'resync');
        await this.#readSources(this.#d.sources);
        this.#view = undefined;
        this.#publishSources();
        const ok = await this.#listMarathon();
        if (ok) await this.#pollDeployments();
        if (this.#began) {
          this.#evaluatePrune();
          this.#enqueueAll();
        } else if (ok && this.#desiredView().allReady) {
          this.#begin();
        }
        this.#d.observer?.resynced?.(this.#timers.now() - started, ok);
      } while (this.#resyncAgain && !this.#stopped);
    })().finally(() => {
      this.#resyncing = undefined;
    });
    return this.#resyncing;
  }

  async #listMarathon(): Promise<boolean> {
    const installation = this.#installation;
    if (!installation) return false;
    const startedAt = this.#timers.now();
    try {
      // The selector names the installation: an app of another one is never in this list,
      // so nothing decided from it (prune candidates above all) can be about such an app.
      const apps = await this.#d.marathon.listApps({ label: ownershipSelector(installation.name), embed: ['apps.counts', 'apps.deployments', 'apps.lastTaskFailure'] });
      this.#cache.replaceOwned(apps, startedAt, this.#listable);
      const listed = new Set(apps.map((a) => a.id));
      this.#report.retainLegacy((id) => listed.has(id));
      this.#marathonOk();
      await this.#listOthers(installation);
      return true;
    } catch (err) {
      // Logged when Marathon becomes unreachable, not at every retry of an outage.
      if (this.#marathonKnown || !this.#d.status.marathon.lastError) this.#d.logger.warn({ err: errorRecord(err) }, 'cannot list Marathon apps');
      else this.#d.logger.debug({ err: errorRecord(err) }, 'cannot list Marathon apps');
      this.#marathonError(err);
      return false;
    }
  }

  /** Lists other installations' apps for the report (ids and owners); a failure only leaves it as it was. */
  async #listOthers(installation: Installation): Promise<void> {
    try {
      const apps = await this.#d.marathon.listApps({ label: othersSelector(installation.name) });
      const view = this.#desiredView();
      const foreign: Array<{ id: AppId; installation: string }> = [];
      for (const app of apps) {
        const owner = ownershipOf(app.labels, installation.name);
        if (owner.kind === 'foreign') foreign.push({ id: app.id, installation: owner.installation });
      }
      this.#report.replaceForeign(foreign, (id) => view.get(id).kind !== 'absent');
    } catch (err) {
      this.#d.logger.debug({ err: errorRecord(err) }, 'cannot list the apps of other installations');
    }
  }

  /** Publishes the ownership report once per burst of changes (a pass observes every app). */
  #publishReport(): void {
    if (this.#reportScheduled) return;
    this.#reportScheduled = true;
    setImmediate(() => {
      this.#reportScheduled = false;
      this.#d.status.setOwnership(this.#report.snapshot());
    });
  }

  /** Frees deployment slots Marathon no longer lists and re-queues their apps. */
  async #pollDeployments(): Promise<void> {
    if (this.#gate.heldDeployments().length === 0) return;
    try {
      const deployments = await this.#d.marathon.listDeployments();
      const active = new Set(deployments.map((d) => d.id));
      this.#gate.syncActive(active);
      const timeout = this.#d.options.deploymentTimeoutMs ?? 600_000;
      for (const id of this.#gate.expire(timeout)) {
        const apps = deployments.find((d) => d.id === id)?.affectedApps ?? [];
        this.#d.logger.warn({ deploymentId: id, apps }, `Marathon deployment ${id} still running after ${Math.round(timeout / 1000)} s: no longer counted against --max-deployments`);
      }
    } catch (err) {
      this.#d.logger.debug({ err: errorRecord(err) }, 'cannot list deployments');
    }
  }

  #watchDeployments(): void {
    if (this.#deploymentsTimer !== undefined || this.#stopped) return;
    this.#deploymentsTimer = this.#timers.setTimeout(() => {
      void this.#pollDeployments().finally(() => {
        this.#deploymentsTimer = undefined;
        if (this.#gate.heldDeployments().length > 0) this.#watchDeployments();
      });
    }, this.#d.options.deploymentsPollMs ?? 1000);
  }

  #marathonOk(): void {
    const now = new Date(this.#timers.now()).toISOString();
    const wasKnown = this.#marathonKnown;
    if (!wasKnown && this.#d.status.marathon.lastError) this.#d.logger.info('Marathon reachable again');
    this.#marathonKnown = true;
    this.#d.status.setMarathon({ url: this.#d.marathonUrl, reachable: true, lastReadAt: now, lastError: null });
    if (!wasKnown && this.#began) this.#enqueueAll();
  }

  #marathonError(err: unknown): void {
    this.#marathonKnown = false;
    const prev = this.#d.status.marathon;
    this.#d.status.setMarathon({ url: this.#d.marathonUrl, reachable: false, lastReadAt: prev.lastReadAt, lastError: errorRecord(err) });
  }

  #desiredView(): DesiredView {
    this.#view ??= new DesiredView(this.#d.sources.map((s) => s.snapshot()));
    return this.#view;
  }

  #onSourceChange(source: Source, change: SourceChange): void {
    this.#view = undefined;
    this.#publishSources();
    if (source.snapshot().state === 'Unknown') this.#d.observer?.sourceError?.(source.name);
    if (!this.#began) {
      if (this.#cache.listed && this.#desiredView().allReady) this.#begin();
      return;
    }
    if ('all' in change) this.#enqueueAll();
    else for (const id of change.ids) this.#queue.add(id);
    this.#schedulePrune();
  }

  #enqueueAll(): void {
    const view = this.#desiredView();
    const ids = new Set<AppId>(view.declaredIds());
    for (const id of this.#cache.ownedIds(this.#listable)) ids.add(id);
    for (const id of this.#d.status.appIds()) ids.add(id);
    for (const id of [...ids].sort()) this.#queue.add(id);
  }

  #schedulePrune(): void {
    if (this.#pruneScheduled) return;
    this.#pruneScheduled = true;
    // One evaluation per burst of changes, after the current tick's changes are in.
    setImmediate(() => {
      this.#pruneScheduled = false;
      if (!this.#stopped) this.#evaluatePrune();
    });
  }

  /** Hands every prune candidate to the guard, which judges them together; queues them. */
  #evaluatePrune(): void {
    const view = this.#desiredView();
    const owned = this.#cache.ownedIds(this.#ours);
    const candidates: AppId[] = [];
    if (this.#d.options.prune && view.allReady && this.#cache.listed) {
      for (const id of owned) {
        const app = this.#cache.get(id)?.app;
        if (view.get(id, app?.labels?.[LABEL_SOURCE]).kind === 'absent') candidates.push(id);
      }
    }
    this.#guard.observe(candidates, owned.length);
    if (this.#began) for (const id of candidates) this.#queue.add(id);
  }

  /** Approves the episode the prune guard blocks (command or API call); the guard logs who. */
  approvePrune(request: PruneApprovalRequest): PruneApproval {
    const result = this.#guard.approve(request);
    if (this.#began) for (const id of result.approved) this.#queue.add(id);
    return result;
  }

  #subscribeEvents(subscribe: MarathonEvents['events']): void {
    this.#events = subscribe({
      eventTypes: [...RECONCILE_EVENT_TYPES],
      // Marathon's event stream sends a heartbeat every 10 s: a minute of silence is a dead
      // (half-open) connection, and reconnecting reports a gap, which triggers a resync.
      idleTimeoutMs: 60_000,
      ...(this.#d.options.eventMaxBytes !== undefined ? { maxEventBytes: this.#d.options.eventMaxBytes } : {}),
      onEvent: (e) => this.#onEvent(e),
      onGap: (reason) => {
        this.#d.observer?.eventGap?.();
        this.#d.logger.info({ reason }, 'event stream gap: resyncing');
        if (this.#began) void this.resync(`event gap: ${reason}`);
      },
      onError: (err) => this.#d.logger.debug({ err: errorRecord(err) }, 'event stream error'),
    });
  }

  #onEvent(e: MarathonEvent): void {
    const plan = e['plan'] as { id?: string } | undefined;
    if ((e.eventType === 'deployment_success' || e.eventType === 'deployment_failed') && plan?.id) {
      this.#gate.settle(plan.id, e.eventType === 'deployment_success');
    }
    for (const id of appIdsOfEvent(e)) {
      if (e.eventType === 'deployment_failed') this.#deploymentFailures.set(id, `Marathon deployment ${plan?.id ?? ''} failed`.trim());
      if (e.eventType === 'deployment_success') this.#deploymentFailures.delete(id);
      const known = this.#cache.get(id) !== undefined || this.#d.status.getApp(id) !== undefined;
      if (!known) continue;
      this.#cache.markStale(id);
      if (this.#began) this.#queue.add(id);
    }
  }

  #publishSources(): void {
    this.#d.status.setSources(this.#d.sources.map((s) => sourceStatus(s.snapshot())));
    this.#d.status.setDeclared(this.#desiredView().appIds());
  }

  /**
   * Re-reads the sources, each within a deadline: a source whose read hangs (a dead network
   * mount, a watcher that never gets ready) must not stop every later resync, and with it
   * the whole daemon. It keeps what it last published; its read may still finish later.
   */
  async #readSources(sources: readonly Source[]): Promise<void> {
    const deadlineMs = this.#d.options.sourceReadTimeoutMs ?? 60_000;
    await Promise.all(
      sources.map(async (s) => {
        let timer: unknown;
        const timedOut = new Promise<true>((resolve) => (timer = this.#timers.setTimeout(() => resolve(true), deadlineMs)));
        const late = await Promise.race([s.resync().then(() => false as const), timedOut]);
        this.#timers.clearTimeout(timer);
        if (late) this.#d.logger.error({ source: s.name, deadlineMs }, `source ${s.name} did not finish reading within ${Math.round(deadlineMs / 1000)} s: going on with what it last read`);
      }),
    );
  }

  /** Stops triggers, lets running reconciles finish within the deadline, stops sources. */
  async stop(deadlineMs: number): Promise<boolean> {
    if (this.#stopped) return true;
    this.#stopped = true;
    this.#d.status.markStopping();
    this.#unsubscribeLeadership?.();
    for (const t of [this.#resyncTimer, this.#initialTimer, this.#deploymentsTimer]) if (t !== undefined) this.#timers.clearTimeout(t);
    this.#abort.abort();
    const [finished] = await Promise.all([
      this.#queue.shutdown(deadlineMs),
      this.#events?.close(),
      ...this.#d.sources.map((s) => s.stop()),
    ]);
    // After the last reconcile: the deletions it made are recorded before the daemon exits.
    await this.#guard.stop();
    return finished;
  }
}

export function sourceStatus(s: SourceSnapshot): SourceStatus {
  return {
    name: s.name,
    state: s.state,
    lastReadAt: s.lastReadAt?.toISOString() ?? null,
    lastError: s.lastError ?? null,
    revision: s.revision ?? null,
    ...(s.dirty !== undefined ? { dirty: s.dirty } : {}),
    ...(s.revisionError !== undefined ? { revisionError: s.revisionError } : {}),
    apps: s.apps.size,
  };
}
