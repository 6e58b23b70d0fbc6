// The controller: a loop and its wiring. It builds the collaborators, starts and stops them,
// and keeps the one rule none of them can keep alone: no reconcile before every source has
// loaded once and Marathon has been listed once. A source not read yet would look empty, and
// acting on that partial view would delete its apps. It never writes to Marathon itself.
//
// Each concern is an object of its own, with its state:
// - DesiredState: the sources and their merged view (desired-state.ts);
// - MarathonListing: one listing of this installation's apps per pass, into the ActualCache,
//   and the other installations' for the OwnershipReport (marathon-listing.ts);
// - MarathonReachability: whether Marathon answers (marathon-reachability.ts);
// - Resync: the jittered periodic resync, coalesced, sources read within a deadline (resync.ts);
// - EventTrigger: Marathon's event stream, as apps to look at again (event-trigger.ts);
// - DeploymentGate: deployment slots, the apps waiting for one, deployment polling, failed
//   deployments (deployment-gate.ts);
// - PruneGuard and PruneCandidates: what may be deleted, and when (src/prune/);
// - WorkQueue, Reconciler, Writer: one app at a time.
// Triggers (a source change, an event, a resync, a new leader, a freed slot) only queue app
// ids; the reconcile decides what to do. A pass looks at every id but leaves out of the queue
// those the noop memo says are unchanged (#enqueueAll), by the reconcile's own rule.

import type { Logger } from '../base/log.js';
import { systemTimers, type Timers } from '../base/timers.js';
import type { AppId } from '../model/app-id.js';
import type { Installation } from '../model/installation.js';
import type { Leadership } from '../model/leadership.js';
import type { Action } from '../model/plan.js';
import { PruneCandidates } from '../prune/candidates.js';
import { DEFAULT_PRUNE_SETTLE_MS, PruneGuard, type PruneApproval, type PruneApprovalRequest, type PruneGuardOptions } from '../prune/guard.js';
import type { PruneLedger } from '../prune/ledger.js';
import type { Source, SourceChange } from '../sources/source.js';
import type { StatusStore } from '../status/store.js';
import { ActualCache } from './actual-cache.js';
import { DeploymentGate } from './deployment-gate.js';
import { DesiredState, type ImageCompletion } from './desired-state.js';
import { EventTrigger } from './event-trigger.js';
import { MarathonListing } from './marathon-listing.js';
import { MarathonReachability } from './marathon-reachability.js';
import { OwnershipReport } from './ownership-report.js';
import type { MarathonEvents, MarathonReader, MarathonWriter } from './ports.js';
import { Reconciler } from './reconciler.js';
import type { RememberedRoutes } from '../status/kept-route.js';
import { Resync } from './resync.js';
import { TokenBucket } from './token-bucket.js';
import { WorkQueue, type ReconcileResult } from './workqueue.js';
import { type ReplaceReason, Writer, type WriteKind, type WriteOutcome } from './writer.js';

/** See ControllerOptions.sourceConfirmMs. */
export const DEFAULT_SOURCE_CONFIRM_MS = 1_000;

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
  /** Default 1000: how soon to look again at an app waiting on Marathon (being deployed, being deleted); later looks grow apart. */
  progressPollMs?: number;
  /** Default 10000 (or progressPollMs when longer): the longest the looks at an app still waiting grow apart to. */
  progressPollMaxMs?: number;
  /** Default 1000: how soon to retry a write refused because a deployment locks the app. */
  lockRetryMs?: number;
  /** Default 1000: how often to poll /v2/deployments while maracker holds deployments. */
  deploymentsPollMs?: number;
  /** Default 1000: how often to retry the initial Marathon listing. */
  initialRetryMs?: number;
  /** Default 600000: a deployment running longer is taken as stuck: its app reads Degraded, and it stops holding a deployment slot (and is logged). */
  deploymentTimeoutMs?: number;
  /** Default 30000: tasks of an older configuration left running (a scale replaced a restart) are restarted once seen this long, plus the app's kill grace period. */
  olderTasksGraceMs?: number;
  /** Default 60000: a source's re-read taking longer no longer holds the resync. */
  sourceReadTimeoutMs?: number;
  /**
   * Default 1000: a write goes out only from a view of the sources checked readable at most
   * this long before (Source.confirm: a probe of the table, a look at the folder, when they
   * were not read meanwhile).
   */
  sourceConfirmMs?: number;
}

/** Hooks for metrics and the safety harness; every one is optional. */
export interface ControllerObserver {
  reconciled?(id: AppId, result: ReconcileResult, durationMs: number): void;
  /**
   * Apps a pass looked at and left out of the work queue, as it finds them (once per slice of
   * its look at every id, each id once per pass): nothing their
   * reconcile reads moved since one found them in sync (Reconciler.skippable), so it would
   * have returned done without a call, a plan or a record. Not reconciles: `reconciled` is
   * not called for them.
   */
  unchanged?(ids: readonly AppId[]): void;
  /** `replaced`: the write replaced a running deployment of the app (force=true), and why. */
  wrote?(kind: WriteKind, outcome: WriteOutcome['kind'], replaced?: ReplaceReason): void;
  beforeWrite?(action: Action): void;
  sourceError?(source: string): void;
  eventGap?(): void;
  resynced?(durationMs: number, ok: boolean): void;
  /** The first full sync is done: every app was looked at once (the status is Ready from here). */
  firstSync?(): void;
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
  /** Resources of apps that leave them to their image's labels. Default: none (Marathon's defaults). */
  images?: ImageCompletion;
  /** What each app was last served, across restarts (status/route-memory.ts). Default: this process's records only. */
  routes?: RememberedRoutes;
  options: ControllerOptions;
}

/**
 * Keys a pass looks at (#enqueueAll) before it gives the event loop a turn: about 5 ms of
 * work on a quiet machine, 11 under load (10,000 in one block took 50 to over 200 ms).
 */
export const SWEEP_SLICE_KEYS = 512;

/** The first sync begins on the sources as read at start only that soon after; later, they are read again first. */
export const FIRST_SYNC_READ_MAX_AGE_MS = 1000;

/** How long a sync request waits for its reconciles before answering "still running". */
const SYNC_ANSWER_MS = 20_000;

export class Controller {
  readonly #d: ControllerDeps;
  readonly #timers: Timers;
  readonly #cache = new ActualCache();
  readonly #desired: DesiredState;
  readonly #reachability: MarathonReachability;
  readonly #report: OwnershipReport;
  readonly #listing: MarathonListing;
  readonly #gate: DeploymentGate;
  readonly #guard: PruneGuard;
  readonly #prune: PruneCandidates;
  readonly #writer: Writer;
  readonly #queue: WorkQueue;
  readonly #resync: Resync;
  readonly #events: EventTrigger | undefined;
  readonly #abort = new AbortController();
  /** Built once the installation is known: whose apps are ours is part of every decision. */
  #reconciler: Reconciler | undefined;
  #installation: Installation | undefined;
  #began = false;
  #stopped = false;
  /** Sweeps over every id begun (#enqueueAll): a newer one stops an older one. */
  #sweeps = 0;
  #initialTimer: unknown;
  /** start() is done: a source loading later may begin the first full sync. */
  #started = false;
  /** The first listing, begun while the sources are first read (start), taken by #initialSync. */
  #firstListing: Promise<boolean> | undefined;
  /** When (timers.now()) the sources were last read as a whole before the first sync began. */
  #sourcesReadAt = Number.NEGATIVE_INFINITY;
  #unsubscribeLeadership: (() => void) | undefined;
  readonly #unsubscribeImages: (() => void) | undefined;

  constructor(deps: ControllerDeps) {
    this.#d = deps;
    const { status, logger, observer, marathon, options: o } = deps;
    const timers = (this.#timers = deps.timers ?? systemTimers);
    const random = deps.random ?? Math.random;
    const look = (id: AppId): void => this.#look(id);

    this.#desired = new DesiredState({
      sources: deps.sources,
      status,
      ...(deps.images ? { images: deps.images } : {}),
      ...(deps.routes ? { routes: deps.routes } : {}),
    });
    // An image read (or failing for the first time, or its tag moved): its apps are due.
    this.#unsubscribeImages = deps.images?.metadata.subscribe((image) => {
      this.#desired.changed();
      for (const id of this.#desired.usersOf(image)) look(id);
    });
    this.#reachability = new MarathonReachability({ url: deps.marathonUrl, status, timers, logger });
    // Marathon is back: every decision held back while it was not is due now.
    // Every one: a rare event, and the decisions it releases are due whatever the memo says.
    this.#reachability.onKnown(() => {
      if (this.#began) void this.#enqueueAll(false);
    });
    this.#report = new OwnershipReport({ logger, publish: (report) => status.setOwnership(report) });
    this.#listing = new MarathonListing({
      marathon,
      cache: this.#cache,
      reachability: this.#reachability,
      report: this.#report,
      desired: this.#desired,
      timers,
      logger,
    });
    this.#gate = new DeploymentGate({
      max: o.maxDeployments,
      marathon,
      ...(o.deploymentsPollMs !== undefined ? { pollMs: o.deploymentsPollMs } : {}),
      ...(o.deploymentTimeoutMs !== undefined ? { timeoutMs: o.deploymentTimeoutMs } : {}),
      admit: look,
      timers,
      logger,
    });
    this.#guard = new PruneGuard({
      options: o.pruneGuard,
      settleMs: o.pruneSettleMs ?? DEFAULT_PRUNE_SETTLE_MS,
      timers,
      random,
      logger,
      ...(deps.pruneLedger ? { ledger: deps.pruneLedger } : {}),
      onChange: (s) => status.setPrune(s),
      onLoaded: (ids) => ids.forEach(look),
    });
    status.setPrune(this.#guard.status());
    this.#prune = new PruneCandidates({ guard: this.#guard, enabled: o.prune, desired: this.#desired, actual: this.#listing, look });
    this.#writer = new Writer({
      marathon,
      gate: this.#gate,
      bucket: new TokenBucket({ ratePerSecond: o.writeRatePerSecond, timers }),
      leadership: deps.leadership,
      cache: this.#cache,
      timers,
      force: o.force,
      lockRetryMs: o.lockRetryMs ?? 1000,
      signal: this.#abort.signal,
      onWrite: (kind, outcome, replaced) => observer?.wrote?.(kind, outcome, replaced),
      confirmSources: () => this.#desired.confirm(o.sourceConfirmMs ?? DEFAULT_SOURCE_CONFIRM_MS),
      ...(observer?.beforeWrite ? { beforeWrite: observer.beforeWrite.bind(observer) } : {}),
    });
    this.#queue = new WorkQueue({
      concurrency: o.concurrency,
      handler: (id) => this.#reconcile(id),
      timers,
      random,
      onResult: (id, result, ms) => observer?.reconciled?.(id, result, ms),
    });
    this.#resync = new Resync({
      sources: deps.sources,
      intervalMs: o.resyncIntervalMs,
      ...(o.sourceReadTimeoutMs !== undefined ? { sourceReadTimeoutMs: o.sourceReadTimeoutMs } : {}),
      pass: () => this.#pass(),
      resynced: (ms, ok) => observer?.resynced?.(ms, ok),
      timers,
      random,
      logger,
    });
    if (o.events && marathon.events) {
      this.#events = new EventTrigger({
        marathon: { events: marathon.events.bind(marathon) },
        ...(o.eventMaxBytes !== undefined ? { maxEventBytes: o.eventMaxBytes } : {}),
        gate: this.#gate,
        cache: this.#cache,
        status,
        declared: (id) => this.#desired.view().get(id).kind !== 'absent',
        look,
        resync: (reason) => {
          if (this.#began) void this.resync(reason);
        },
        gap: () => observer?.eventGap?.(),
        logger,
      });
    }
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

  get began(): boolean {
    return this.#began;
  }

  /** Starts sources and triggers. Resolves once every source made its first read attempt. */
  async start(): Promise<void> {
    this.#guard.start();
    const sourcesRead = Promise.all(this.#d.sources.map((s) => s.start((change) => this.#onSourceChange(s, change))));
    // Marathon is listed while the sources are first read, not after: neither needs the
    // other, and at 10,000 apps each takes about a second. Nothing is reconciled before both.
    this.#firstListing = this.#knowInstallation().then(
      (known) => (known && this.#installation ? this.#listing.list(this.#installation.name, sourcesRead) : false),
      // #initialSync asks for the installation itself, and meets the failure there.
      () => false,
    );
    await sourcesRead;
    this.#sourcesReadAt = this.#timers.now();
    this.#desired.changed();
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
    this.#events?.start();
    this.#started = true;
    void this.#initialSync();
  }

  /** Re-reads every source and lists Marathon once, then looks at every app and queues those whose inputs moved. Coalesced. */
  resync(reason: string): Promise<void> {
    return this.#resync.run(reason);
  }

  /**
   * Reconciles now, as an operator asks (`maracker sync`): the named apps (each read afresh
   * from Marathon by its reconcile), or with none every app, after re-reading every source
   * and listing Marathon. Apps nobody declares or lists are answered as unknown.
   */
  async requestSync(apps: readonly AppId[], by: string): Promise<{ queued: readonly AppId[] | 'all'; unknown: readonly AppId[]; message: string }> {
    if (!this.#began || this.#stopped) {
      return {
        queued: [],
        unknown: [],
        message: this.#stopped ? 'the daemon is stopping' : 'the daemon is still starting: its first full sync will reconcile every app',
      };
    }
    if (apps.length === 0) {
      await this.resync(`sync requested by ${by}`);
      const finished = await this.#within(SYNC_ANSWER_MS, this.#queue.onIdle());
      return { queued: 'all', unknown: [], message: `every source re-read, Marathon listed, every app ${finished ? 'reconciled' : 'queued (still running)'}` };
    }
    const known = new Set<AppId>(this.#desired.view().declaredIds());
    for (const id of this.#listing.listedIds()) known.add(id);
    for (const id of this.#d.status.appIds()) known.add(id);
    const unique = [...new Set(apps)];
    const queued = unique.filter((id) => known.has(id));
    const unknown = unique.filter((id) => !known.has(id));
    // Each is read afresh from Marathon: what changed there since the last look is seen.
    for (const id of queued) this.#cache.markStale(id);
    const finished = await this.#within(SYNC_ANSWER_MS, Promise.all(queued.map((id) => this.#queue.runNow(id))));
    const done = `${queued.length} app(s) ${finished ? 'reconciled' : 'queued (still running)'}`;
    const message = `${done}${unknown.length > 0 ? `; not declared by any source nor in Marathon: ${unknown.join(', ')}` : ''}`;
    return { queued, unknown, message };
  }

  /** Whether `work` ends within `ms` (it goes on either way). */
  async #within(ms: number, work: Promise<unknown>): Promise<boolean> {
    let timer: unknown;
    const timeout = new Promise<false>((resolve) => {
      timer = this.#timers.setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([work.then(() => true as const), timeout]);
    this.#timers.clearTimeout(timer);
    return result;
  }

  /** Approves the episode the prune guard blocks (command or API call); the guard logs who. */
  approvePrune(request: PruneApprovalRequest): PruneApproval {
    const result = this.#guard.approve(request);
    for (const id of result.approved) this.#look(id);
    return result;
  }

  /** Stops triggers, lets running reconciles finish within the deadline, stops sources. */
  async stop(deadlineMs: number): Promise<boolean> {
    if (this.#stopped) return true;
    this.#stopped = true;
    this.#d.status.markStopping();
    this.#unsubscribeLeadership?.();
    this.#unsubscribeImages?.();
    this.#d.images?.metadata.stop();
    if (this.#initialTimer !== undefined) this.#timers.clearTimeout(this.#initialTimer);
    this.#resync.stop();
    this.#gate.stop();
    this.#prune.stop();
    this.#abort.abort();
    const [finished] = await Promise.all([this.#queue.shutdown(deadlineMs), this.#events?.close(), ...this.#d.sources.map((s) => s.stop())]);
    // After the last reconcile: the deletions it made are recorded before the daemon exits.
    await this.#guard.stop();
    return finished;
  }

  /** Lists Marathon until it answers, then begins reconciling once every source is loaded. */
  async #initialSync(): Promise<void> {
    if (this.#stopped || this.#began) return;
    // Before the first sync nothing else re-reads a source that could not be read (the
    // periodic resync starts with it, and a folder that was missing has no watcher): a
    // manifests folder mounted or cloned after the daemon started would never be seen.
    const unknown = this.#d.sources.filter((s) => s.snapshot().state === 'Unknown');
    if (unknown.length > 0) await this.#resync.readSources(unknown);
    if (this.#stopped || this.#began) return;
    if (!(await this.#knowInstallation())) return;
    // The listing begun with the sources' first read, once; a retry lists again.
    const first = this.#firstListing;
    this.#firstListing = undefined;
    const ok = await (first ?? this.#list());
    if (this.#stopped) return;
    if (ok && this.#desired.view().allReady && this.#sourcesReadAt < this.#timers.now() - FIRST_SYNC_READ_MAX_AGE_MS) {
      // The first sync waited (the installation's name, leadership, Marathon): a source
      // without a watcher yet (the folder's starts with the first sync) would be acted on as
      // it was read then, and write what its files said seconds or hours ago.
      await this.#resync.readSources(this.#d.sources);
      this.#sourcesReadAt = this.#timers.now();
      if (this.#stopped || this.#began) return;
    }
    if (ok && this.#desired.view().allReady) {
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
    const { marathon, status, logger, options: o } = this.#d;
    this.#reconciler = new Reconciler({
      installation: installation.name,
      marathon,
      desired: this.#desired,
      cache: this.#cache,
      reachability: this.#reachability,
      writer: this.#writer,
      gate: this.#gate,
      guard: this.#guard,
      ownership: this.#report,
      status,
      ...(this.#d.routes ? { routes: this.#d.routes } : {}),
      logger,
      timers: this.#timers,
      options: {
        prune: o.prune,
        force: o.force,
        progressPollMs: o.progressPollMs ?? 1000,
        ...(o.deploymentTimeoutMs !== undefined ? { deploymentDeadlineMs: o.deploymentTimeoutMs } : {}),
        ...(o.olderTasksGraceMs !== undefined ? { olderTasksGraceMs: o.olderTasksGraceMs } : {}),
        ...(o.progressPollMaxMs !== undefined ? { progressPollMaxMs: o.progressPollMaxMs } : {}),
      },
    });
    return true;
  }

  /** The gate: every source loaded once, Marathon listed once. From here on, apps are reconciled. */
  #begin(): void {
    // Both the first listing and a source loading may find everything ready; one begins.
    if (this.#began || this.#stopped) return;
    this.#began = true;
    this.#d.logger.info({ apps: this.#listing.ours().length }, 'sources loaded and Marathon listed: reconciling');
    this.#prune.evaluate();
    // The first pass queues every app: nothing was found in sync yet.
    void this.#enqueueAll(false);
    void this.#queue.onIdle().then(() => {
      if (!this.#stopped) {
        this.#d.status.markReady();
        this.#d.logger.info('first full sync done');
        this.#d.observer?.firstSync?.();
      }
    });
    this.#resync.start();
  }

  /** A resync once the sources are re-read: list Marathon, free finished deployments, look at everything. */
  async #pass(): Promise<boolean> {
    this.#desired.changed();
    const ok = await this.#list();
    if (ok) await this.#gate.poll();
    if (this.#began) {
      this.#prune.evaluate();
      await this.#enqueueAll(true);
    } else if (ok && this.#desired.view().allReady) {
      this.#begin();
    }
    return ok;
  }

  #list(): Promise<boolean> {
    return this.#installation ? this.#listing.list(this.#installation.name) : Promise.resolve(false);
  }

  #onSourceChange(source: Source, change: SourceChange): void {
    this.#desired.changed();
    if (source.snapshot().state === 'Unknown') this.#d.observer?.sourceError?.(source.name);
    if (!this.#began) {
      // Not while start() runs (the first listing may be done before the sources are):
      // #initialSync, called at its end, begins then.
      if (this.#started && this.#listing.listed && this.#desired.view().allReady) this.#begin();
      return;
    }
    if ('all' in change) void this.#enqueueAll(true);
    else for (const id of change.ids) this.#queue.add(id);
    this.#prune.evaluateSoon();
  }

  /**
   * Every id anyone knows of: declared, listed in Marathon, in status (so it leaves status
   * when gone), or in the route memory (so it leaves that too). Each is looked at; with
   * `skipUnchanged`, those whose reconcile would find nothing to do are left out of the
   * queue (issue 20: 10,000 trips through it, each a handful of promises, were a quarter of
   * an idle pass). Left out only when the queue owes the key no run (waiting, running, a
   * later look or a retry: WorkQueue.isPending) and the noop memo says its inputs did not
   * move (Reconciler.skippable, the rule the reconcile asks too). Every other key is queued
   * and its reconcile decides, memo included.
   *
   * Looking at 10,000 keys takes tens of milliseconds, so it is cut into slices of
   * SWEEP_SLICE_KEYS that yield to the event loop; a key whose state moves meanwhile is judged
   * on its state when its turn comes. A newer sweep makes an older one stop (it looks at
   * every id again, on a fresher view). Without `skipUnchanged` every id is queued at once.
   */
  async #enqueueAll(skipUnchanged: boolean): Promise<void> {
    const sweep = ++this.#sweeps;
    const ids = new Set<AppId>(this.#desired.view().declaredIds());
    for (const id of this.#listing.listedIds()) ids.add(id);
    for (const id of this.#d.status.appIds()) ids.add(id);
    // An app the route memory holds hosts for, gone while no daemon ran: its look forgets it.
    for (const [id] of this.#d.routes?.entries() ?? []) ids.add(id);
    const sorted = [...ids].sort();
    const reconciler = skipUnchanged ? this.#reconciler : undefined;
    if (reconciler === undefined) {
      for (const id of sorted) this.#queue.add(id);
      return;
    }
    let unchanged: AppId[] = [];
    for (let i = 0; i < sorted.length; i++) {
      const id = sorted[i] as AppId;
      if (!this.#queue.isPending(id) && reconciler.skippable(id)) unchanged.push(id);
      else this.#queue.add(id);
      if (i % SWEEP_SLICE_KEYS === SWEEP_SLICE_KEYS - 1 && i < sorted.length - 1) {
        this.#tellUnchanged(unchanged);
        unchanged = [];
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (sweep !== this.#sweeps || this.#stopped) return;
      }
    }
    this.#tellUnchanged(unchanged);
  }

  #tellUnchanged(ids: AppId[]): void {
    if (ids.length === 0) return;
    try {
      this.#d.observer?.unchanged?.(ids);
    } catch {
      // An observer must never break a pass.
    }
  }

  /** Queues one app, from the first full sync on: before it, nothing is reconciled. */
  #look(id: AppId): void {
    if (this.#began && !this.#stopped) this.#queue.add(id);
  }

  /** The work queue's handler. Nothing is queued before #begin, which follows #knowInstallation. */
  #reconcile(id: AppId): Promise<ReconcileResult> {
    if (!this.#reconciler) return Promise.reject(new Error(`${id} queued before the installation is known`));
    return this.#reconciler.reconcile(id);
  }
}
