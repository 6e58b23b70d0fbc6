import { describe, expect, it } from 'vitest';
import type { MarathonRequestInfo } from '../../src/marathon/options.js';
import type { ControllerObserver } from '../../src/reconcile/controller.js';
import { createDaemonMetrics, RECONCILE_RESULTS, WRITE_KINDS } from '../../src/status/daemon-metrics.js';
import { metricsObserver } from '../../src/status/metrics-observer.js';
import { parseExposition, sampleValue } from './exposition.js';
import { appStatus, statusStore } from './fixtures.js';

describe('daemon metrics', () => {
  it('declares every metric with HELP and TYPE', async () => {
    const families = parseExposition(await createDaemonMetrics().render());
    expect(Object.fromEntries([...families.values()].map((f) => [f.name, f.type]))).toEqual({
      maracker_reconciles_total: 'counter',
      maracker_reconcile_duration_seconds: 'histogram',
      maracker_reconciles_unchanged_total: 'counter',
      maracker_marathon_requests_total: 'counter',
      maracker_marathon_request_duration_seconds: 'histogram',
      maracker_apps: 'gauge',
      maracker_apps_health: 'gauge',
      maracker_source_errors_total: 'counter',
      maracker_source_up: 'gauge',
      maracker_queue_depth: 'gauge',
      maracker_writes_total: 'counter',
      maracker_writes_superseded_total: 'counter',
      maracker_deployments_replaced_total: 'counter',
      maracker_deployments_in_flight: 'gauge',
      maracker_prune_blocked: 'gauge',
      maracker_leader: 'gauge',
      maracker_foreign_apps: 'gauge',
      maracker_legacy_apps: 'gauge',
      maracker_event_stream_gaps_total: 'counter',
      maracker_resyncs_total: 'counter',
      maracker_resync_duration_seconds: 'histogram',
    });
    for (const f of families.values()) expect(f.help, f.name).not.toBe('');
  });

  it('counts foreign and legacy apps from the store, once the installation is known', async () => {
    const store = statusStore();
    const m = createDaemonMetrics({ store });
    expect(parseExposition(await m.render()).get('maracker_foreign_apps')?.samples).toEqual([]);
    store.setInstallation({ name: 'mip-prod', origin: 'option' });
    store.setOwnership({ foreign: { count: 3, apps: [] }, legacy: { claimed: 2, unclaimed: { count: 1, apps: ['/old'] } } });
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_foreign_apps')).toBe(3);
    expect(sampleValue(f, 'maracker_legacy_apps', { claimed: 'true' })).toBe(2);
    expect(sampleValue(f, 'maracker_legacy_apps', { claimed: 'false' })).toBe(1);
  });

  it('counts apps by sync and by health from the store at scrape time', async () => {
    const store = statusStore();
    const m = createDaemonMetrics({ store });
    store.setApp(appStatus({ id: '/a' }));
    store.setApp(appStatus({ id: '/b', sync: 'OutOfSync', health: 'Progressing' }));
    let f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_apps', { sync: 'Synced' })).toBe(1);
    expect(sampleValue(f, 'maracker_apps', { sync: 'OutOfSync' })).toBe(1);
    expect(sampleValue(f, 'maracker_apps', { sync: 'Conflict' })).toBe(0);
    expect(sampleValue(f, 'maracker_apps_health', { health: 'Progressing' })).toBe(1);
    expect(f.get('maracker_apps_health')?.samples).toHaveLength(6);
    store.removeApp('/b');
    f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_apps', { sync: 'OutOfSync' })).toBe(0);
  });

  it('starts every known reconcile result and write kind at zero', async () => {
    const f = parseExposition(await createDaemonMetrics().render());
    for (const result of RECONCILE_RESULTS) expect(sampleValue(f, 'maracker_reconciles_total', { result })).toBe(0);
    for (const kind of WRITE_KINDS) expect(sampleValue(f, 'maracker_writes_total', { kind })).toBe(0);
    for (const kind of WRITE_KINDS) expect(sampleValue(f, 'maracker_writes_superseded_total', { kind })).toBe(0);
  });

  it('records reconciles with their duration in seconds', async () => {
    const m = createDaemonMetrics();
    m.recordReconcile('applied', 250);
    m.recordReconcile('synced', 2);
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_reconciles_total', { result: 'applied' })).toBe(1);
    expect(sampleValue(f, 'maracker_reconcile_duration_seconds_count')).toBe(2);
    expect(sampleValue(f, 'maracker_reconcile_duration_seconds_sum')).toBeCloseTo(0.252);
    expect(sampleValue(f, 'maracker_reconcile_duration_seconds_bucket', { le: '0.25' })).toBe(2);
  });

  it('labels Marathon requests by method, route and status, "error" when no answer came', async () => {
    const m = createDaemonMetrics();
    // Passed detached, as MarathonClientOptions.onRequest receives it.
    const onRequest = m.recordMarathonRequest;
    onRequest({ method: 'get', route: '/v2/apps', status: 200, durationMs: 40 });
    onRequest({ method: 'PUT', route: '/v2/apps/{id}', status: 409, durationMs: 10 });
    onRequest({ method: 'GET', route: '/v2/apps', durationMs: 10_000 });
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_marathon_requests_total', { method: 'GET', route: '/v2/apps', status: '200' })).toBe(1);
    expect(sampleValue(f, 'maracker_marathon_requests_total', { method: 'PUT', route: '/v2/apps/{id}', status: '409' })).toBe(1);
    expect(sampleValue(f, 'maracker_marathon_requests_total', { method: 'GET', route: '/v2/apps', status: 'error' })).toBe(1);
    expect(sampleValue(f, 'maracker_marathon_request_duration_seconds_count', { method: 'GET', route: '/v2/apps' })).toBe(2);
  });

  it('counts source errors, writes and event stream gaps', async () => {
    const m = createDaemonMetrics();
    m.recordSourceError('database');
    m.recordSourceError('database');
    m.recordWrite('scale');
    m.recordEventStreamGap();
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_source_errors_total', { source: 'database' })).toBe(2);
    expect(sampleValue(f, 'maracker_writes_total', { kind: 'scale' })).toBe(1);
    expect(sampleValue(f, 'maracker_event_stream_gaps_total')).toBe(1);
  });

  it('reads live gauges from probes given after construction, and shows none without them', async () => {
    const m = createDaemonMetrics();
    let f = parseExposition(await m.render());
    for (const name of ['maracker_queue_depth', 'maracker_deployments_in_flight', 'maracker_prune_blocked', 'maracker_leader', 'maracker_source_up']) {
      expect(f.get(name)?.samples, name).toEqual([]);
    }
    let depth = 12;
    m.setProbes({
      queueDepth: () => depth,
      deploymentsInFlight: () => 2,
      pruneBlocked: () => true,
      leader: () => false,
      sources: () => [
        { name: 'folder', up: true },
        { name: 'database', up: false },
      ],
    });
    f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_queue_depth')).toBe(12);
    expect(sampleValue(f, 'maracker_deployments_in_flight')).toBe(2);
    expect(sampleValue(f, 'maracker_prune_blocked')).toBe(1);
    expect(sampleValue(f, 'maracker_leader')).toBe(0);
    expect(sampleValue(f, 'maracker_source_up', { source: 'folder' })).toBe(1);
    expect(sampleValue(f, 'maracker_source_up', { source: 'database' })).toBe(0);
    depth = 0;
    expect(sampleValue(parseExposition(await m.render()), 'maracker_queue_depth')).toBe(0);
  });

  it('takes leadership from the store role unless a probe says otherwise', async () => {
    const store = statusStore();
    const m = createDaemonMetrics({ store });
    expect(sampleValue(parseExposition(await m.render()), 'maracker_leader')).toBe(1);
    store.setRole('follower');
    expect(sampleValue(parseExposition(await m.render()), 'maracker_leader')).toBe(0);
    store.setRole('leader');
    expect(sampleValue(parseExposition(await m.render()), 'maracker_leader')).toBe(1);
  });

  it('reports a probe that throws and leaves only its gauge out', async () => {
    const heard: string[] = [];
    const m = createDaemonMetrics({
      onProbeError: (metric) => heard.push(metric),
      probes: {
        queueDepth: () => {
          throw new Error('gone');
        },
      },
    });
    m.recordWrite('create');
    const f = parseExposition(await m.render());
    expect(f.get('maracker_queue_depth')?.samples).toEqual([]);
    expect(sampleValue(f, 'maracker_writes_total', { kind: 'create' })).toBe(1);
    expect(heard).toEqual(['maracker_queue_depth']);
  });
});

describe('metricsObserver', () => {
  it('fits the controller observer and the Marathon client hook', () => {
    const m = createDaemonMetrics();
    const observer: ControllerObserver = metricsObserver(m);
    const onRequest: (info: MarathonRequestInfo) => void = m.recordMarathonRequest;
    expect(typeof observer.reconciled).toBe('function');
    expect(typeof onRequest).toBe('function');
  });

  it('counts the apps a pass left out of the queue apart from reconciles: they were not reconciled', async () => {
    const m = createDaemonMetrics();
    const o = metricsObserver(m);
    o.unchanged(['/a', '/b', '/c']);
    o.reconciled('/d', { kind: 'done' }, 1);
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_reconciles_unchanged_total')).toBe(3);
    expect(sampleValue(f, 'maracker_reconciles_total', { result: 'synced' })).toBe(1);
    expect(sampleValue(f, 'maracker_reconcile_duration_seconds_count')).toBe(1);
  });

  it('tells reconciles that wrote from those that found nothing to do', async () => {
    const m = createDaemonMetrics();
    const o = metricsObserver(m);
    o.beforeWrite({ id: '/a' });
    o.wrote('scale', 'applied');
    o.reconciled('/a', { kind: 'done' }, 5);
    o.reconciled('/a', { kind: 'done' }, 1);
    o.beforeWrite({ id: '/b' });
    o.wrote('update', 'retry');
    o.reconciled('/b', { kind: 'retry' }, 3);
    o.reconciled('/c', { kind: 'terminal' }, 1);
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_reconciles_total', { result: 'applied' })).toBe(1);
    expect(sampleValue(f, 'maracker_reconciles_total', { result: 'synced' })).toBe(1);
    expect(sampleValue(f, 'maracker_reconciles_total', { result: 'retry' })).toBe(1);
    expect(sampleValue(f, 'maracker_reconciles_total', { result: 'terminal' })).toBe(1);
    expect(sampleValue(f, 'maracker_writes_total', { kind: 'scale' })).toBe(1);
    expect(sampleValue(f, 'maracker_writes_total', { kind: 'update' })).toBe(0);
  });

  it('counts apart the writes not sent because the sources changed while they waited', async () => {
    const m = createDaemonMetrics();
    const o = metricsObserver(m);
    o.wrote('delete', 'superseded');
    o.wrote('update', 'superseded');
    o.wrote('update', 'applied');
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_writes_superseded_total', { kind: 'delete' })).toBe(1);
    expect(sampleValue(f, 'maracker_writes_superseded_total', { kind: 'update' })).toBe(1);
    expect(sampleValue(f, 'maracker_writes_total', { kind: 'delete' })).toBe(0);
    expect(sampleValue(f, 'maracker_writes_total', { kind: 'update' })).toBe(1);
  });

  it('counts the running deployments writes replaced (force=true), by reason, once Marathon accepted them', async () => {
    const m = createDaemonMetrics();
    const o = metricsObserver(m);
    expect(sampleValue(parseExposition(await m.render()), 'maracker_deployments_replaced_total', { reason: 'obsolete' })).toBe(0);
    o.wrote('update', 'applied', 'obsolete');
    o.wrote('scale', 'applied', 'stuck');
    o.wrote('update', 'retry', 'obsolete');
    o.wrote('update', 'applied');
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_deployments_replaced_total', { reason: 'obsolete' })).toBe(1);
    expect(sampleValue(f, 'maracker_deployments_replaced_total', { reason: 'stuck' })).toBe(1);
  });

  it('records source errors, event gaps and resyncs, and passes every hook on to an inner observer', async () => {
    const m = createDaemonMetrics();
    const heard: string[] = [];
    const o = metricsObserver(m, {
      sourceError: (s) => heard.push(`source ${s}`),
      eventGap: () => heard.push('gap'),
      resynced: (ms, ok) => heard.push(`resync ${ms} ${ok}`),
      beforeWrite: (a) => heard.push(`write ${a.id}`),
      unchanged: (ids) => heard.push(`unchanged ${ids.join(' ')}`),
    });
    o.sourceError('folder');
    o.eventGap();
    o.resynced(1500, false);
    o.beforeWrite({ id: '/a' });
    o.unchanged(['/b', '/c']);
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'maracker_source_errors_total', { source: 'folder' })).toBe(1);
    expect(sampleValue(f, 'maracker_event_stream_gaps_total')).toBe(1);
    expect(sampleValue(f, 'maracker_resyncs_total', { result: 'failed' })).toBe(1);
    expect(sampleValue(f, 'maracker_resync_duration_seconds_sum')).toBe(1.5);
    expect(heard).toEqual(['source folder', 'gap', 'resync 1500 false', 'write /a', 'unchanged /b /c']);
  });
});
