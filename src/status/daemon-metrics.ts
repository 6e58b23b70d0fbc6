// maracker's metrics: their names and labels are a public contract (dashboards and alerts
// query them; docs/status.md lists them). Add metrics or label values; never rename one.
//
// Events are counted where they happen, through the typed `record*` functions below.
// Gauges that mirror live state (apps by sync, queue depth, leadership...) are computed from
// probes when scraped, never pushed: a pushed gauge goes stale the moment someone forgets
// to update it on one exit path.

import { Counter, Histogram, Registry } from 'prom-client';
import { HEALTH, SYNC } from '../model/status.js';
import { computedGauge, type Labels, type Reading } from './metrics.js';
import { registerProcessMetrics } from './process-metrics.js';
import type { StatusStore } from './store.js';

/** How one reconcile ended (label `result` of maracker_reconciles_total). */
export const RECONCILE_RESULTS = [
  /** Nothing to do: Marathon already matched. */
  'synced',
  /** maracker wrote to Marathon (create, scale, update or delete). */
  'applied',
  /** Transient failure, retried with backoff. */
  'retry',
  /** Will not get better by retrying (invalid, conflict): waits for its input to change. */
  'terminal',
  /** Not reconciled on purpose (not owned, prune blocked, not leader, source unknown). */
  'skipped',
] as const;
export type ReconcileMetricResult = (typeof RECONCILE_RESULTS)[number];

/**
 * Writes sent to Marathon (label `kind` of maracker_writes_total). `update` restarts; `scale`
 * does not; `restart` finishes a rolling restart a scale replaced (POST /v2/apps/{id}/restart).
 */
export const WRITE_KINDS = ['create', 'scale', 'update', 'restart', 'delete'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];
/** Why a write replaced a running deployment (force=true): it could not finish, or it deployed what the sources no longer declare. */
export const REPLACE_REASONS = ['stuck', 'obsolete'] as const;
export type ReplaceReason = (typeof REPLACE_REASONS)[number];

/** What the Marathon client reports after each HTTP exchange (see MarathonRequestInfo). */
export interface MarathonRequestSample {
  method: string;
  /** Route template, e.g. `/v2/apps/{id}`: never a concrete app id (label cardinality). */
  route: string;
  /** HTTP status; undefined when no answer arrived (the `status` label is then "error"). */
  status?: number;
  durationMs: number;
}

/** Live state, read when /metrics is scraped. A probe left out exposes no sample. */
export interface MetricProbes {
  /** Keys waiting in the work queue. */
  queueDepth?: () => number;
  /** Marathon deployments started by maracker and not finished yet. */
  deploymentsInFlight?: () => number;
  /** The prune guard holds back a pass's deletes. */
  pruneBlocked?: () => boolean;
  /** This instance writes to Marathon (leader, or standalone). Default: from the store's role. */
  leader?: () => boolean;
  /** Each source and whether it can be read now. */
  sources?: () => Iterable<{ name: string; up: boolean }>;
}

export interface DaemonMetricsOptions {
  /** Source of maracker_apps and maracker_apps_health (and of maracker_leader by default). */
  store?: StatusStore;
  probes?: MetricProbes;
  /** Told when a probe throws; its gauge is left out of that scrape. */
  onProbeError?: (metric: string, error: unknown) => void;
  /**
   * Also expose the process's metrics, event-loop lag included (./process-metrics.ts). Default
   * false: the daemon turns them on; tests and examples keep an exposition without live values.
   */
  processMetrics?: boolean;
}

export interface DaemonMetrics {
  /** This daemon's own registry (never prom-client's global one: a process may run several daemons). */
  readonly registry: Registry;
  /** The exposition of every metric, in the Prometheus text format 0.0.4 (PROMETHEUS_CONTENT_TYPE). */
  render(): Promise<string>;
  /** Adds or replaces probes (the queue and the gate are built after the metrics). */
  setProbes(probes: MetricProbes): void;
  recordReconcile(result: ReconcileMetricResult, durationMs: number): void;
  /** A pass left `count` apps out of the work queue: nothing they are reconciled from moved. */
  recordUnchanged(count: number): void;
  /** Fits MarathonClientOptions.onRequest. Every record function works detached from the object. */
  recordMarathonRequest(sample: MarathonRequestSample): void;
  recordSourceError(source: string): void;
  /** Marathon accepted a write (answered with a deployment). */
  recordWrite(kind: WriteKind): void;
  /** A planned write not sent: the sources changed while it waited (the app is planned again). */
  recordSuperseded(kind: WriteKind): void;
  /** A write Marathon accepted replaced a running deployment of its app (force=true). */
  recordDeploymentReplaced(reason: ReplaceReason): void;
  /** The event stream dropped and reconnected: events in between may be lost. */
  recordEventStreamGap(): void;
  /** A full resync (re-read every source, re-list Marathon, look at every app, queue those whose inputs moved) ended. */
  recordResync(durationMs: number, ok: boolean): void;
}

const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Up to the client's default 10 s timeout, plus one bucket for slower configurations. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A resync re-lists Marathon: seconds for a few apps, minutes for 10,000 on a slow master. */
const RESYNC_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Declares every maracker metric on a fresh registry; the functions returned record them. */
export function createDaemonMetrics(options: DaemonMetricsOptions = {}): DaemonMetrics {
  const registry = new Registry();
  const registers = [registry];
  const store = options.store;
  const probes: MetricProbes = { ...options.probes };
  const onError = options.onProbeError;
  const gauge = <L extends string = never>(name: string, help: string, labelNames: readonly L[], read: () => Reading<L>): void => {
    computedGauge<L>(registry, { name, help, labelNames, read, ...(onError ? { onError } : {}) });
  };

  const reconciles = new Counter<'result'>({
    name: 'maracker_reconciles_total',
    help: 'Reconciles of one app, by how they ended.',
    labelNames: ['result'],
    registers,
  });
  const reconcileSeconds = new Histogram({
    name: 'maracker_reconcile_duration_seconds',
    help: 'Time one reconcile of one app took.',
    buckets: RECONCILE_BUCKETS,
    registers,
  });
  const unchanged = new Counter({
    name: 'maracker_reconciles_unchanged_total',
    help: 'Apps a pass looked at and did not reconcile: nothing they are reconciled from moved since a reconcile found them in sync.',
    registers,
  });
  const requests = new Counter<'method' | 'route' | 'status'>({
    name: 'maracker_marathon_requests_total',
    help: 'HTTP exchanges with Marathon (retries and redirects included), by status; status "error" when no answer arrived.',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const requestSeconds = new Histogram<'method' | 'route'>({
    name: 'maracker_marathon_request_duration_seconds',
    help: 'Time one HTTP exchange with Marathon took.',
    labelNames: ['method', 'route'],
    buckets: REQUEST_BUCKETS,
    registers,
  });
  gauge<'sync'>('maracker_apps', 'Apps maracker reports on, by sync status.', ['sync'], () => {
    const sync = store?.counts().sync;
    return sync && SYNC.map((s) => [{ sync: s }, sync[s]] as const);
  });
  gauge<'health'>('maracker_apps_health', 'Apps maracker reports on, by health status.', ['health'], () => {
    const health = store?.counts().health;
    return health && HEALTH.map((h) => [{ health: h }, health[h]] as const);
  });
  const sourceErrors = new Counter<'source'>({
    name: 'maracker_source_errors_total',
    help: 'Failed reads of a source (the source is then Unknown, never empty).',
    labelNames: ['source'],
    registers,
  });
  gauge<'source'>('maracker_source_up', '1 when the source was read successfully, 0 while it cannot be read.', ['source'], () => {
    const list = probes.sources?.();
    return list && [...list].map((s) => [{ source: s.name } as Labels<'source'>, s.up ? 1 : 0] as const);
  });
  gauge('maracker_queue_depth', 'App ids waiting in the work queue.', [], () => probes.queueDepth?.());
  const writes = new Counter<'kind'>({
    name: 'maracker_writes_total',
    help: 'Writes Marathon accepted, by kind (scale keeps tasks running; update restarts them; restart replaces tasks of an older configuration).',
    labelNames: ['kind'],
    registers,
  });
  const superseded = new Counter<'kind'>({
    name: 'maracker_writes_superseded_total',
    help: 'Writes planned and not sent, by kind: the sources changed, or one was found unreadable, while they waited for leadership or the write rate (the app is planned again).',
    labelNames: ['kind'],
    registers,
  });
  const replaced = new Counter<'reason'>({
    name: 'maracker_deployments_replaced_total',
    help: 'Running Marathon deployments a write replaced (force=true), by reason: "stuck" (it could not finish), "obsolete" (it deployed what the sources no longer declare).',
    labelNames: ['reason'],
    registers,
  });
  gauge('maracker_deployments_in_flight', 'Marathon deployments started by maracker and not finished yet.', [], () => probes.deploymentsInFlight?.());
  gauge('maracker_prune_blocked', '1 while the prune guard holds back deletes awaiting approval.', [], () => bit(probes.pruneBlocked?.()));
  gauge('maracker_leader', '1 when this instance writes to Marathon (leader or standalone), 0 for a follower.', [], () =>
    bit(probes.leader ? probes.leader() : store && store.role !== 'follower'),
  );
  gauge('maracker_foreign_apps', 'Apps of other maracker installations on this Marathon (never written by this one).', [], () =>
    store?.installation.name ? store.installation.foreign.count : undefined,
  );
  gauge<'claimed'>(
    'maracker_legacy_apps',
    'Apps labelled before installations existed: claimed (declared here, relabelled with their next change) or not (never deleted from here).',
    ['claimed'],
    () => {
      const i = store?.installation;
      return i?.name
        ? ([
            [{ claimed: 'true' }, i.legacy.claimed],
            [{ claimed: 'false' }, i.legacy.unclaimed.count],
          ] as const)
        : undefined;
    },
  );
  const gaps = new Counter({
    name: 'maracker_event_stream_gaps_total',
    help: 'Times the Marathon event stream broke off; maracker re-lists Marathon after each.',
    registers,
  });
  const resyncs = new Counter<'result'>({
    name: 'maracker_resyncs_total',
    help: 'Full resyncs, by result ("failed" when Marathon could not be listed).',
    labelNames: ['result'],
    registers,
  });
  const resyncSeconds = new Histogram({
    name: 'maracker_resync_duration_seconds',
    help: 'Time one full resync took, up to looking at every app and queueing those whose inputs moved (not reconciling them).',
    buckets: RESYNC_BUCKETS,
    registers,
  });

  // Known label values start at zero, so the first event of each shows up in rate().
  for (const result of RECONCILE_RESULTS) reconciles.inc({ result }, 0);
  for (const kind of WRITE_KINDS) {
    writes.inc({ kind }, 0);
    superseded.inc({ kind }, 0);
  }
  for (const reason of REPLACE_REASONS) replaced.inc({ reason }, 0);
  for (const result of ['ok', 'failed']) resyncs.inc({ result }, 0);
  if (options.processMetrics) registerProcessMetrics(registry);

  return {
    registry,
    render: () => registry.metrics(),
    setProbes(next) {
      Object.assign(probes, next);
    },
    recordReconcile(result, durationMs) {
      reconciles.inc({ result });
      reconcileSeconds.observe(durationMs / 1000);
    },
    recordUnchanged(count) {
      unchanged.inc(count);
    },
    recordMarathonRequest(sample) {
      const method = sample.method.toUpperCase();
      const status = sample.status === undefined ? 'error' : String(sample.status);
      requests.inc({ method, route: sample.route, status });
      requestSeconds.observe({ method, route: sample.route }, sample.durationMs / 1000);
    },
    recordSourceError(source) {
      sourceErrors.inc({ source });
    },
    recordWrite(kind) {
      writes.inc({ kind });
    },
    recordSuperseded(kind) {
      superseded.inc({ kind });
    },
    recordDeploymentReplaced(reason) {
      replaced.inc({ reason });
    },
    recordEventStreamGap() {
      gaps.inc();
    },
    recordResync(durationMs, ok) {
      resyncs.inc({ result: ok ? 'ok' : 'failed' });
      resyncSeconds.observe(durationMs / 1000);
    },
  };
}

function bit(v: boolean | undefined): number | undefined {
  return v === undefined ? undefined : v ? 1 : 0;
}
