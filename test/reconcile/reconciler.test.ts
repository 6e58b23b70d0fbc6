// The reconciler, one app at a time, with its real collaborators on a clock the test drives:
// every way a reconcile can end (controller-runtime's contract: done, maybe again after N;
// retry; terminal), the exact Marathon calls it made (sample-controller's TestDoNothing,
// TestNotControlledByUs), and the status record it left.
//
// Each world is listed once, as a resync would, before the reconcile: what a reconcile reads
// from the cache costs no call, and a decision to write is taken again on a fresh read.

import { describe, expect, it } from 'vitest';
import type { AppId } from '../../src/model/app-id.js';
import type { DesiredApp } from '../../src/model/desired.js';
import { LABEL_MANAGED_BY, LEGACY_MANAGED_BY, managedByValue } from '../../src/model/labels.js';
import type { Leadership } from '../../src/model/leadership.js';
import type { MarathonApp, MarathonTask } from '../../src/model/marathon.js';
import type { Route } from '../../src/model/route.js';
import { PruneCandidates } from '../../src/prune/candidates.js';
import { DEFAULT_PRUNE_GUARD, PruneGuard, type PruneGuardOptions } from '../../src/prune/guard.js';
import type { PruneLedger } from '../../src/prune/ledger.js';
import { ActualCache } from '../../src/reconcile/actual-cache.js';
import { DeploymentGate } from '../../src/reconcile/deployment-gate.js';
import { DesiredState } from '../../src/reconcile/desired-state.js';
import { MarathonListing } from '../../src/reconcile/marathon-listing.js';
import { MarathonReachability } from '../../src/reconcile/marathon-reachability.js';
import { OwnershipReport } from '../../src/reconcile/ownership-report.js';
import { Reconciler, type ReconcilerOptions } from '../../src/reconcile/reconciler.js';
import { TokenBucket } from '../../src/reconcile/token-bucket.js';
import { Writer } from '../../src/reconcile/writer.js';
import { StatusStore } from '../../src/status/store.js';
import type { AppStatus } from '../../src/status/model.js';
import { DEMO_FILE, desiredApp, foreignApp, legacyApp, marathonApp, TEST_INSTALLATION, unownedApp } from '../helpers/builders.js';
import { FakeMarathon, FakeMarathonError } from '../helpers/fake-marathon.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';
import { MemorySource } from '../helpers/memory-source.js';
import { RouteMemory } from '../../src/status/route-memory.js';

const PROGRESS_POLL_MS = 5000;
const LOCK_RETRY_MS = 1000;

interface WorldOptions {
  /** What Marathon holds. */
  apps?: MarathonApp[];
  /** What the source declares. */
  declare?: Parameters<MemorySource['set']>[0];
  options?: Partial<ReconcilerOptions>;
  maxDeployments?: number;
  leader?: boolean;
  guard?: Partial<PruneGuardOptions>;
  settleMs?: number;
  ledger?: PruneLedger;
  /** Hand the prune guard the pass's candidates before the reconcile (as each resync does). Default true. */
  judge?: boolean;
  /** Apps whose reads say 404 while writes see them (a proxy, a standby Marathon). */
  hidden?: AppId[];
  /** Writes a second (--write-rate). Default 1000: no write waits. */
  rate?: number;
  /** What each app was last served, as a restart finds it (status/route-memory.ts). */
  routes?: RouteMemory;
}

async function world(o: WorldOptions = {}) {
  const clock = new ManualClock();
  const log = recordingLogger();
  const marathon = new FakeMarathon().seed(...(o.apps ?? []));
  for (const id of o.hidden ?? []) marathon.disagree.set(id, 'hidden');
  const status = new StatusStore({ instance: 't', marathonUrl: 'http://marathon', now: () => new Date(clock.now()) });
  const source = new MemorySource('folder');
  source.set(o.declare ?? {});
  const desired = new DesiredState({ sources: [source], status });
  const cache = new ActualCache();
  const reachability = new MarathonReachability({ url: 'http://marathon', status, timers: clock, logger: log.logger });
  const ownership = new OwnershipReport({ logger: log.logger, publish: (r) => status.setOwnership(r) });
  const listing = new MarathonListing({ marathon, cache, reachability, report: ownership, desired, timers: clock, logger: log.logger });
  const admitted: AppId[] = [];
  const gate = new DeploymentGate({ max: o.maxDeployments ?? 10, timers: clock, admit: (id) => admitted.push(id) });
  const guard = new PruneGuard({
    options: { ...DEFAULT_PRUNE_GUARD, ...o.guard },
    settleMs: o.settleMs ?? 0,
    timers: clock,
    logger: log.logger,
    ...(o.ledger ? { ledger: o.ledger } : {}),
  });
  guard.start();
  let leader = o.leader ?? true;
  const leadership: Leadership = { canWrite: async () => leader };
  const abort = new AbortController();
  const options: ReconcilerOptions = { prune: true, force: false, progressPollMs: PROGRESS_POLL_MS, ...o.options };
  const writer = new Writer({
    marathon,
    gate,
    bucket: new TokenBucket({ ratePerSecond: o.rate ?? 1000, timers: clock }),
    leadership,
    cache,
    timers: clock,
    force: options.force,
    lockRetryMs: LOCK_RETRY_MS,
    signal: abort.signal,
  });
  const reconciler = new Reconciler({
    installation: TEST_INSTALLATION,
    marathon,
    desired,
    cache,
    reachability,
    writer,
    gate,
    guard,
    ownership,
    status,
    ...(o.routes ? { routes: o.routes } : {}),
    logger: log.logger,
    timers: clock,
    options,
  });
  // A resync: Marathon listed once, the prune candidates judged.
  await listing.list(TEST_INSTALLATION);
  if (o.judge ?? true) new PruneCandidates({ guard, enabled: options.prune, desired, actual: listing, look: () => undefined }).evaluate();
  marathon.calls.length = 0;
  return {
    clock,
    log,
    marathon,
    status,
    cache,
    desired,
    gate,
    guard,
    admitted,
    abort,
    source,
    setLeader: (l: boolean) => void (leader = l),
    reconcile: (id: AppId) => reconciler.reconcile(id),
    /** A resync's listing: every cached app replaced by what Marathon holds now. */
    relist: () => listing.list(TEST_INSTALLATION),
    memo: () => reconciler.memoCounts,
    skippable: (id: AppId) => reconciler.skippable(id),
    reachability,
    reconciler,
  };
}

/** Marathon's first task of the app is being killed; its version does not move. Listed again. */
async function killFirstTask(w: Awaited<ReturnType<typeof world>>, id: AppId): Promise<void> {
  const app = w.marathon.apps.get(id) as MarathonApp;
  w.marathon.apps.set(id, {
    ...app,
    tasksRunning: 1,
    tasks: [{ ...(app.tasks?.[0] as MarathonTask), state: 'TASK_KILLING' }, app.tasks?.[1] as MarathonTask],
  });
  await w.relist();
}

describe('Reconciler: nothing to write', () => {
  it('does nothing when Marathon already runs what is declared: no call at all (TestDoNothing)', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Healthy', lastError: null, pendingChanges: [], source: 'demo.yaml:1' });
  });

  it('keeps watching an app Marathon is still deploying, so its health reaches Healthy without a resync', async () => {
    const w = await world({ apps: [marathonApp({ tasksRunning: 1, tasksHealthy: 1, deployments: [{ id: 'd1' }] })], declare: { apps: [desiredApp()] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Progressing' });
    // The deployment ends and no event tells (lost, or sent before the app was known): the
    // look it asked for reads Marathon again rather than the cached read that said Progressing.
    w.marathon.apps.set('/demo/web', marathonApp());
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Healthy' });
  });

  it('looks at an app that stays Progressing less and less often, up to the longest delay, and soon again once it waits anew', async () => {
    // Tasks that keep failing their health checks keep an app Progressing for good: a look a
    // second would read it, with its tasks, from Marathon forever.
    const unhealthy = () => marathonApp({ tasksRunning: 2, tasksHealthy: 0 });
    const w = await world({ apps: [unhealthy()], declare: { apps: [desiredApp()] }, options: { progressPollMs: 1000, progressPollMaxMs: 10_000 } });
    const delays: Array<number | undefined> = [];
    for (let i = 0; i < 7; i++) {
      const result = await w.reconcile('/demo/web');
      delays.push(result.kind === 'done' ? result.requeueAfterMs : -1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    // Every look after the first read Marathon (the cached read said Progressing).
    expect(w.marathon.calls).toEqual(Array(6).fill('GET /demo/web'));
    expect(w.reconciler.waiting).toBe(1);
    // Healthy at last: no look asked, and nothing kept for the app.
    w.marathon.apps.set('/demo/web', marathonApp());
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.reconciler.waiting).toBe(0);
    // A new wait (a task lost) starts from the first delay again.
    w.marathon.apps.set('/demo/web', unhealthy());
    w.cache.markStale('/demo/web');
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 1000 });
  });

  it('reads Degraded once the deployment it waits on has run past --deployment-timeout, and Healthy when it ends', async () => {
    // One task of two placed; no offer will ever take the other: Marathon deploys for good.
    const stuck = () => marathonApp({ tasksRunning: 1, tasksHealthy: 1, deployments: [{ id: 'd1' }] });
    const w = await world({ apps: [stuck()], declare: { apps: [desiredApp()] }, options: { deploymentDeadlineMs: 60_000 } });
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Progressing' });
    w.clock.advance(59_000);
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')?.health).toBe('Progressing');
    w.clock.advance(1000);
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.status.getApp('/demo/web')).toMatchObject({
      sync: 'Synced',
      health: 'Degraded',
      lastError: { message: 'deployment still running after 60 s (--deployment-timeout): 1 of 2 task(s) running, 1 healthy' },
    });
    // Nothing written for it: it is in sync; the deployment is Marathon's to finish.
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
    // It ends (an event or a resync brings the news): Healthy, and its age forgotten.
    w.marathon.apps.set('/demo/web', marathonApp());
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ health: 'Healthy', lastError: null });
    // A new deployment later starts counting from zero.
    w.marathon.apps.set('/demo/web', stuck());
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')?.health).toBe('Progressing');
  });

  it('reads Degraded once it has been short of tasks past --deployment-timeout with no deployment, and Healthy once the task is back', async () => {
    // A task lost with its agent; Marathon relaunches it when an offer fits, which none does.
    const w = await world({
      apps: [marathonApp({ tasksRunning: 1, tasksHealthy: 1 })],
      declare: { apps: [desiredApp()] },
      options: { deploymentDeadlineMs: 60_000 },
    });
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')?.health).toBe('Progressing');
    w.clock.advance(60_000);
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({
      health: 'Degraded',
      lastError: { message: 'fewer tasks running and healthy than wanted for 60 s (--deployment-timeout): 1 of 2 task(s) running, 1 healthy' },
    });
    w.marathon.apps.set('/demo/web', marathonApp());
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ health: 'Healthy', lastError: null });
  });

  it('looks soon after its own write, however long the app waited before it', async () => {
    const w = await world({
      apps: [marathonApp({ deployments: [{ id: 'theirs' }] })],
      declare: { apps: [desiredApp({ mem: 512 })] },
      options: { progressPollMs: 1000, progressPollMaxMs: 10_000 },
    });
    // Waits for a deployment someone else started: the looks grow apart.
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 1000 });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 2000 });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 4000 });
    // Their deployment ends: maracker writes, and the deployment it started is looked at after the first delay.
    w.marathon.apps.set('/demo/web', marathonApp());
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 1000 });
    expect(w.marathon.calls.at(-1)).toBe('PUT /demo/web');
  });

  it('accepts a legacy app it declares as it is: the old label alone is no difference', async () => {
    const w = await world({ apps: [legacyApp()], declare: { apps: [desiredApp()] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced' });
  });

  it('forgets an id nobody declares and Marathon does not have, after reading it once', async () => {
    const w = await world({});
    w.status.setApp({
      id: '/demo/gone',
      source: null,
      sync: 'OutOfSync',
      health: 'Missing',
      instances: { desired: 1, running: 0, healthy: 0 },
      url: null,
      lastAppliedAt: null,
      lastError: null,
      pendingChanges: [],
      problems: [],
      tasks: [],
      route: null,
    });
    expect(await w.reconcile('/demo/gone')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual(['GET /demo/gone']);
    expect(w.status.getApp('/demo/gone')).toBeUndefined();
  });
});

describe('Reconciler: writes, each decided again on a fresh read', () => {
  it.each([
    ['creates a declared app Marathon does not have', [], desiredApp({ id: '/demo/new' }), ['GET /demo/new', 'POST /demo/new'], ['(create)'], []],
    [
      'scales when only the instance count differs (no restart)',
      [marathonApp()],
      desiredApp({ instances: 5 }),
      ['GET /demo/web', 'SCALE /demo/web 5'],
      ['instances'],
      [{ path: 'instances', before: '2', after: '5' }],
    ],
    [
      'updates when anything else differs (a rolling restart)',
      [marathonApp()],
      desiredApp({ mem: 512 }),
      ['GET /demo/web', 'PUT /demo/web'],
      ['mem'],
      [{ path: 'mem', before: '256', after: '512' }],
    ],
  ] as const)('%s', async (_what, apps, app, calls, pending, diff) => {
    const w = await world({ apps: [...apps], declare: { apps: [app] } });
    expect(await w.reconcile(app.id)).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(calls);
    expect(w.status.getApp(app.id)).toMatchObject({ sync: 'OutOfSync', pendingChanges: pending, lastAppliedAt: '2026-03-02T08:00:00.000Z', lastError: null });
    expect(w.status.getApp(app.id)?.pendingDiff).toEqual(diff);
    expect(w.gate.heldDeployments()).toEqual(['dep-1']);
  });

  it('logs one line per write, with its app and reconcile ids', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp({ instances: 5 })] } });
    await w.reconcile('/demo/web');
    expect(w.log.lines().filter((l) => l.level >= 30 && l.appId !== undefined)).toEqual([
      expect.objectContaining({ appId: '/demo/web', reconcileId: 'r1', action: 'update', mode: 'scale', deploymentId: 'dep-1', msg: 'scale applied' }),
    ]);
  });

  it('overrides a running deployment only with --force', async () => {
    const w = await world({
      apps: [marathonApp({ deployments: [{ id: 'theirs' }] })],
      declare: { apps: [desiredApp({ mem: 512 })] },
      options: { force: true },
    });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'PUT /demo/web force']);
  });
});

describe('Reconciler: apps that are not ours (TestNotControlledByUs)', () => {
  it.each([
    ['an app deployed by hand (no ownership label): unowned', unownedApp(), 'unowned', 'set metadata.adopt: true'],
    ["another installation's app: foreign", foreignApp('staging'), 'foreign', 'belongs to maracker installation "staging"'],
  ] as const)('reports %s as a Conflict, and writes nothing', async (_what, app, code, message) => {
    const w = await world({ apps: [app], declare: { apps: [desiredApp({ mem: 999 })] } });
    expect(await w.reconcile('/demo/web')).toMatchObject({ kind: 'terminal' });
    // The listing of this installation's apps cannot show it: the fresh read before the write does.
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Conflict', lastError: { code } });
    expect(w.status.getApp('/demo/web')?.lastError?.message).toContain(message);
  });

  it('adopts an unowned app when the declaration asks for it', async () => {
    const w = await world({ apps: [unownedApp()], declare: { apps: [desiredApp({}, { adopt: true })] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'PUT /demo/web']);
  });

  it("never deletes a legacy app no source declares (it may be another installation's), and reports it", async () => {
    const w = await world({ apps: [legacyApp({ id: '/old' })] });
    expect(await w.reconcile('/old')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/old')).toBeUndefined();
    await flush();
    expect(w.status.installation.legacy.unclaimed).toEqual({ count: 1, apps: ['/old'] });
  });

  it("never deletes another installation's app, declared nowhere here", async () => {
    const w = await world({ apps: [foreignApp('staging', { id: '/theirs' })] });
    expect(await w.reconcile('/theirs')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual(['GET /theirs']);
    expect(w.status.getApp('/theirs')).toBeUndefined();
  });
});

describe('Reconciler: declarations that cannot be applied', () => {
  it('leaves the app of an invalid declaration running as it is, and says where the problem is', async () => {
    const problem = { code: 'schema', message: 'unknown field "instaces"', location: { file: 'web.yaml', line: 7, column: 3 } };
    const w = await world({ apps: [marathonApp()], declare: { invalid: [['/demo/web', [problem]]] } });
    expect(await w.reconcile('/demo/web')).toMatchObject({ kind: 'terminal' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/web')).toMatchObject({
      sync: 'Invalid',
      health: 'Healthy',
      source: 'web.yaml:7',
      lastError: { code: 'schema', file: 'web.yaml', line: 7, column: 3 },
    });
  });

  it('shows every problem of an invalid declaration at once, each where it is', async () => {
    const first = { code: 'schema', message: 'unknown field "instaces"', location: { file: 'web.yaml', line: 7, column: 3 } };
    const second = { code: 'schema', message: 'must be >= 0.01', location: { file: 'web.yaml', line: 9, column: 8 } };
    const w = await world({ apps: [marathonApp()], declare: { invalid: [['/demo/web', [first, second]]] } });
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')?.problems).toEqual([
      { code: 'schema', message: 'unknown field "instaces"', file: 'web.yaml', line: 7, column: 3 },
      { code: 'schema', message: 'must be >= 0.01', file: 'web.yaml', line: 9, column: 8 },
    ]);
    expect(w.status.getApp('/demo/web')?.lastError).toMatchObject({ line: 7 });
  });

  it('applies neither declaration of an id declared twice', async () => {
    const refs = [
      { kind: 'file' as const, path: 'a.yaml', line: 1 },
      { kind: 'file' as const, path: 'b.yaml', line: 4 },
    ];
    const w = await world({ apps: [marathonApp()], declare: { conflicts: [['/demo/web', refs]] } });
    expect(await w.reconcile('/demo/web')).toMatchObject({ kind: 'terminal' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/web')).toMatchObject({
      sync: 'Conflict',
      lastError: { code: 'duplicate-id', message: 'declared more than once: a.yaml:1 and b.yaml:4' },
    });
  });

  it('neither writes nor deletes an app while its source cannot be read', async () => {
    const w = await world({ apps: [marathonApp()], declare: { state: 'Unknown' } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Unknown', lastError: { message: 'source folder not read' } });
  });
});

describe('Reconciler: a write that waited goes out only as the sources say now', () => {
  // One write a second: /demo/first takes this second's token, the write under test waits
  // for the next one, and the sources change meanwhile (a second commit, a row edited again).
  // Declared as the manifest translator hands apps out: labelled for no installation yet, so
  // what is sent (claimed for the installation) is never the very object the source declared.
  const asTranslated = (app: DesiredApp): DesiredApp => ({
    ...app,
    definition: { ...app.definition, labels: { ...app.definition.labels, [LABEL_MANAGED_BY]: LEGACY_MANAGED_BY } },
  });
  const first = asTranslated(desiredApp({ id: '/demo/first' }));
  const web = (o: Parameters<typeof desiredApp>[0] = {}) => asTranslated(desiredApp(o));

  it('sends the new declaration, never the one the waiting write was planned from', async () => {
    const w = await world({ declare: { apps: [first, web({ mem: 256 })] }, rate: 1 });
    await w.reconcile('/demo/first');
    const waiting = w.reconcile('/demo/web');
    await flush();
    expect(w.marathon.calls).toEqual(['GET /demo/first', 'POST /demo/first', 'GET /demo/web']);
    w.source.set({ apps: [first, web({ mem: 512 })] });
    w.desired.changed();
    w.clock.advance(1000);
    // Not sent; planned again at once (the change queued the app as well).
    expect(await waiting).toEqual({ kind: 'done', requeueAfterMs: 0 });
    expect(w.marathon.calls).toEqual(['GET /demo/first', 'POST /demo/first', 'GET /demo/web']);
    expect(w.status.outcomes('/demo/web')).toEqual([]);
    w.clock.advance(1000);
    await w.reconcile('/demo/web');
    expect(w.marathon.calls.slice(3)).toEqual(['GET /demo/web', 'POST /demo/web']);
    expect(w.marathon.apps.get('/demo/web')?.mem).toBe(512);
  });

  it.each<[string, MarathonApp[], Parameters<typeof desiredApp>[0], string]>([
    ['a create', [], {}, 'POST /demo/web'],
    ['an update', [marathonApp()], { mem: 512 }, 'PUT /demo/web'],
    ['a scale', [marathonApp()], { instances: 5 }, 'SCALE /demo/web 5'],
  ])('sends %s whose declaration was read again unchanged meanwhile (a new object, the same definition)', async (_what, apps, declared, call) => {
    const w = await world({ apps, declare: { apps: [first, web(declared)] }, rate: 1 });
    await w.reconcile('/demo/first');
    const waiting = w.reconcile('/demo/web');
    await flush();
    w.source.set({ apps: [first, web(declared)] });
    w.desired.changed();
    w.clock.advance(1000);
    expect(await waiting).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls.slice(2)).toEqual(['GET /demo/web', call]);
    expect(w.marathon.apps.get('/demo/web')?.labels?.[LABEL_MANAGED_BY]).toBe(managedByValue(TEST_INSTALLATION));
  });

  it.each<[string, (w: Awaited<ReturnType<typeof world>>) => void]>([
    ['it is declared again', (w) => w.source.set({ apps: [first, web({ id: '/demo/old' })] })],
    ['its source becomes unreadable', (w) => w.source.set({ state: 'Unknown', lastKnownIds: ['/demo/first'] })],
    [
      'the prune guard blocks deletions (a mass deletion came)',
      (w) => w.guard.observe(['/demo/old', ...Array.from({ length: 20 }, (_, i) => `/demo/gone${i}`)], 22),
    ],
  ])('does not delete an app when, while its delete waited, %s', async (_what, change) => {
    const w = await world({ apps: [marathonApp({ id: '/demo/old' })], declare: { apps: [first] }, rate: 1 });
    await w.reconcile('/demo/first');
    const waiting = w.reconcile('/demo/old');
    await flush();
    expect(w.marathon.calls).toEqual(['GET /demo/first', 'POST /demo/first', 'GET /demo/old']);
    change(w);
    w.desired.changed();
    w.clock.advance(1000);
    expect(await waiting).toEqual({ kind: 'done', requeueAfterMs: 0 });
    expect(w.marathon.calls).not.toContain('DELETE /demo/old');
    expect(w.marathon.apps.has('/demo/old')).toBe(true);
    expect(w.guard.status().budget.used).toBe(0);
  });
});

describe('Reconciler: a manifest being written again', () => {
  // The folder source keeps a file's previous content in force while the file is being
  // written (src/sources/settle.ts) and says it is changing: what it declares now is about to
  // be replaced, so writing it would roll the app twice (maracker started mid-checkout).

  it('writes nothing for an app of a changing file, says why, and looks again; writes once the file is complete', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp({ mem: 512 })], changing: [DEMO_FILE] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
    expect(w.status.getApp('/demo/web')).toMatchObject({
      sync: 'OutOfSync',
      pendingChanges: ['mem'],
      lastError: { code: 'manifest-changing', message: 'demo.yaml is being written: its new content is applied once it is complete' },
    });
    // Complete now (with what it declared before, or anything else): written.
    w.source.set({ apps: [desiredApp({ mem: 1024 })] });
    w.desired.changed();
    await w.reconcile('/demo/web');
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual(['PUT /demo/web']);
    expect(w.marathon.apps.get('/demo/web')?.mem).toBe(1024);
  });

  it('creates nothing for a changing file either, and leaves an app in sync as it is', async () => {
    const w = await world({
      apps: [marathonApp()],
      declare: { apps: [desiredApp(), desiredApp({ id: '/demo/new' })], changing: [DEMO_FILE] },
    });
    expect(await w.reconcile('/demo/new')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual(['GET /demo/new']);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', lastError: null });
  });

  it('does not send a write planned before its file began to change', async () => {
    const w = await world({ declare: { apps: [desiredApp({ id: '/demo/first' }), desiredApp()] }, rate: 1 });
    await w.reconcile('/demo/first');
    const waiting = w.reconcile('/demo/web');
    await flush();
    w.source.set({ apps: [desiredApp({ id: '/demo/first' }), desiredApp()], changing: [DEMO_FILE] });
    w.desired.changed();
    w.clock.advance(1000);
    expect(await waiting).toEqual({ kind: 'done', requeueAfterMs: 0 });
    expect(w.marathon.calls).not.toContain('POST /demo/web');
  });
});

describe('Reconciler: deletes, as the prune guard allows', () => {
  const undeclared = { apps: [marathonApp({ id: '/demo/old' })] };

  it('deletes an app of this installation no source declares, on a fresh read, and forgets its status', async () => {
    const w = await world(undeclared);
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/old', 'DELETE /demo/old']);
    expect(w.status.getApp('/demo/old')).toBeUndefined();
    expect(w.guard.status().budget.used).toBe(1);
  });

  it('waits for the settle time first, and says a delete is pending', async () => {
    const w = await world({ ...undeclared, settleMs: 2000 });
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done', requeueAfterMs: 2000 });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/old')).toMatchObject({ sync: 'OutOfSync', pendingChanges: ['(delete)'], lastError: null });
    w.clock.advance(2000);
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/old', 'DELETE /demo/old']);
  });

  it('holds back a delete the guard blocks (prune-blocked), until its episode is approved', async () => {
    const w = await world({ ...undeclared, guard: { minApps: 0, share: 0 } });
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/old')).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'prune-blocked' } });
    w.guard.approve({ by: 'test' });
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/old', 'DELETE /demo/old']);
  });

  it('holds back a delete the guard has not judged yet (prune-waiting)', async () => {
    const w = await world({ ...undeclared, judge: false });
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/old')).toMatchObject({ lastError: { code: 'prune-waiting', message: 'waiting to be judged by the prune guard' } });
  });

  it('holds back every delete while the guard reads its history (prune-waiting)', async () => {
    const never: PruneLedger = { kind: 'database', load: () => new Promise(() => undefined), record: async () => undefined };
    const w = await world({ ...undeclared, ledger: never });
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/old')?.lastError).toMatchObject({ code: 'prune-waiting' });
    expect(w.status.getApp('/demo/old')?.lastError?.message).toContain('deletion history');
  });

  it('says so, and deletes nothing, when pruning is disabled', async () => {
    const w = await world({ ...undeclared, options: { prune: false } });
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual([]);
    expect(w.status.getApp('/demo/old')).toMatchObject({ sync: 'OutOfSync', lastError: { message: 'no source declares this app; pruning is disabled' } });
  });

  it("after the delete, looks again while Marathon's deployment removes the app, without deleting it twice", async () => {
    const w = await world(undeclared);
    // Marathon removes an app with a deployment: it stays listed until that finishes.
    w.marathon.deleteApp = async (id) => {
      w.marathon.calls.push(`DELETE ${id}`);
      (w.marathon.apps.get(id) as MarathonApp).deployments = [{ id: 'removal' }];
      return { deploymentId: 'removal', version: 'v' };
    };
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    // Still being removed: the next look comes later (./progress-pace.ts).
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done', requeueAfterMs: 2 * PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/old', 'DELETE /demo/old', 'GET /demo/old']);
    expect(w.status.getApp('/demo/old')).toMatchObject({ pendingChanges: ['(delete)'] });
  });

  it('deletes again an app whose delete did not take (still there, nothing removing it): it is judged anew', async () => {
    const w = await world(undeclared);
    w.marathon.deleteApp = async (id) => {
      w.marathon.calls.push(`DELETE ${id}`);
      return { deploymentId: 'lost', version: 'v' };
    };
    await w.reconcile('/demo/old');
    w.clock.advance(1000);
    expect(await w.reconcile('/demo/old')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/old', 'DELETE /demo/old', 'GET /demo/old', 'DELETE /demo/old']);
    expect(w.guard.status().budget.used).toBe(2);
  });
});

describe('Reconciler: deletes that went out unconfirmed', () => {
  const undeclared = { apps: [marathonApp({ id: '/demo/old' })] };

  it('counts a delete whose answer was lost against the prune budget, once, and lets its retry through', async () => {
    const w = await world(undeclared);
    w.marathon.failNext('DELETE /demo/old', new FakeMarathonError('MRK_MARATHON_TIMEOUT', 'no complete answer'));
    expect(await w.reconcile('/demo/old')).toMatchObject({ kind: 'retry' });
    expect(w.guard.status().budget.used).toBe(1);
    expect(w.guard.status().candidates).toEqual(['/demo/old']);
    w.clock.advance(1000);
    await w.reconcile('/demo/old');
    expect(w.marathon.writes()).toEqual(['DELETE /demo/old', 'DELETE /demo/old']);
    expect(w.guard.status().budget.used).toBe(1);
  });

  it('counts a delete once, before it goes out, whatever comes back: refused, rejected, or even never sent (the guard errs on the side of deleting less)', async () => {
    const refused = await world(undeclared);
    refused.marathon.failNext('DELETE /demo/old', new FakeMarathonError('MRK_MARATHON_DEPLOYMENT_LOCKED', 'locked'));
    expect(await refused.reconcile('/demo/old')).toMatchObject({ kind: 'retry' });
    expect(refused.guard.status().budget.used).toBe(1);
    const unsent = await world(undeclared);
    unsent.marathon.failNext('DELETE /demo/old', Object.assign(new FakeMarathonError('MRK_MARATHON_CONNECTION', 'refused'), { systemCode: 'ECONNREFUSED' }));
    expect(await unsent.reconcile('/demo/old')).toMatchObject({ kind: 'retry' });
    expect(unsent.guard.status().budget.used).toBe(1);
    // Its retry spends nothing more.
    expect(await unsent.reconcile('/demo/old')).toMatchObject({ kind: 'done' });
    expect(unsent.marathon.calls.filter((c) => c.startsWith('DELETE'))).toEqual(['DELETE /demo/old', 'DELETE /demo/old']);
    expect(unsent.guard.status().budget.used).toBe(1);
    const rejected = await world(undeclared);
    rejected.marathon.failNext('DELETE /demo/old', new FakeMarathonError('MRK_MARATHON_VALIDATION', 'no'));
    expect(await rejected.reconcile('/demo/old')).toMatchObject({ kind: 'terminal' });
    expect(rejected.guard.status().budget.used).toBe(1);
  });
});

describe('Reconciler: a delete is on record before it goes out (write-ahead)', () => {
  const undeclared = { apps: [marathonApp({ id: '/demo/old' })] };

  it('sends the DELETE only once the deletion history holds it', async () => {
    let release: () => void = () => undefined;
    const recorded: string[] = [];
    const slow: PruneLedger = {
      kind: 'file',
      load: async () => [],
      record: (d) =>
        new Promise<void>((r) => {
          release = () => {
            recorded.push(d.id);
            r();
          };
        }),
    };
    const w = await world({ ...undeclared, ledger: slow });
    await flush();
    const done = w.reconcile('/demo/old');
    await flush();
    expect(w.marathon.calls).toEqual(['GET /demo/old']);
    expect(w.guard.status().budget.used).toBe(1);
    release();
    await done;
    expect(recorded).toEqual(['/demo/old']);
    expect(w.marathon.calls).toEqual(['GET /demo/old', 'DELETE /demo/old']);
    // Confirmed by Marathon: not counted again.
    expect(w.guard.status().budget.used).toBe(1);
  });

  it('sends nothing while the history cannot record it, says why, and sends it once it can', async () => {
    let failing = true;
    const rows: string[] = [];
    const flaky: PruneLedger = {
      kind: 'database',
      load: async () => [],
      record: async (d) => {
        if (failing) throw new Error('connection terminated');
        rows.push(d.id);
      },
    };
    const w = await world({ ...undeclared, ledger: flaky });
    await flush();
    expect(await w.reconcile('/demo/old')).toMatchObject({ kind: 'retry', error: { code: 'prune-waiting' } });
    expect(w.marathon.calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);
    expect(w.status.getApp('/demo/old')?.lastError?.message).toBe(
      'delete of /demo/old not sent: the prune guard could not record it in its deletion history (database); it is tried again',
    );
    // Counted in memory meanwhile; written with the next deletion, or the retry's.
    expect(w.guard.status().budget.used).toBe(1);
    failing = false;
    expect(await w.reconcile('/demo/old')).toMatchObject({ kind: 'done' });
    expect(w.marathon.calls.filter((c) => c.startsWith('DELETE'))).toEqual(['DELETE /demo/old']);
    expect(rows).toEqual(['/demo/old']);
  });
});

describe('Reconciler: waits that give the worker back', () => {
  it('waits for a deployment in progress instead of drawing a 409 (deployment-in-progress)', async () => {
    const w = await world({ apps: [marathonApp({ deployments: [{ id: 'theirs' }] })], declare: { apps: [desiredApp({ mem: 512 })] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
    expect(w.status.getApp('/demo/web')).toMatchObject({
      sync: 'OutOfSync',
      pendingChanges: ['mem'],
      lastError: { code: 'deployment-in-progress', message: 'waiting for Marathon deployment theirs to finish' },
    });
  });

  /** The version deployed keeps exiting: Marathon's deployment of it (`broken`) would never finish. */
  const crashing = () =>
    marathonApp({
      tasksRunning: 0,
      tasksHealthy: 0,
      deployments: [{ id: 'broken' }],
      lastTaskFailure: { message: 'Command exited with status 3', state: 'TASK_FAILED', version: marathonApp().version as string },
    });

  it('replaces a deployment whose tasks crash (force=true) instead of waiting for good: the fixed manifest is applied', async () => {
    const w = await world({ apps: [crashing()], declare: { apps: [desiredApp({ mem: 512 })] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'PUT /demo/web force']);
    expect(w.log.lines().some((l) => l.msg === 'replaced Marathon deployment that could not finish: Command exited with status 3')).toBe(true);
  });

  it('reads its new deployment once the write is in, not the failure Marathon reports for the one it replaced', async () => {
    const w = await world({ apps: [crashing()], declare: { apps: [desiredApp({ mem: 512 })] } });
    await w.reconcile('/demo/web');
    // Marathon tells the end of the replaced (cancelled) deployment as deployment_failed.
    w.gate.ended('broken', false, ['/demo/web']);
    w.marathon.apps.set('/demo/web', marathonApp({ mem: 512, tasksRunning: 0, tasksHealthy: 0, deployments: [{ id: 'dep-1' }] }));
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Progressing' });
  });

  it('replaces at once a deployment of a spec the sources no longer declare (a new commit during a rollout)', async () => {
    // Marathon deploys what maracker wrote (its spec-hash label); the manifest changed since.
    const w = await world({
      apps: [marathonApp({ deployments: [{ id: 'rollout' }] })],
      declare: { apps: [desiredApp({ mem: 512 }, { specHash: 'sha256:beef' })] },
    });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'PUT /demo/web force']);
    expect(
      w.log
        .lines()
        .some(
          (l) =>
            l.msg ===
            'replaced Marathon deployment of what the sources no longer declare: it deploys spec sha256:d0d0, and the sources now declare sha256:beef',
        ),
    ).toBe(true);
  });

  const task = (version: string) => ({ id: `web.${version}`, appId: '/demo/web', state: 'TASK_RUNNING', version });
  const config = marathonApp().versionInfo?.lastConfigChangeAt as string;

  it('waits for a rolling restart when only instances differ: a scale forced over it would leave tasks of the old version', async () => {
    const restarting = marathonApp({ deployments: [{ id: 'rollout' }], tasks: [task('2024-02-01T10:00:00.000Z'), task(config)] });
    const w = await world({ apps: [restarting], declare: { apps: [desiredApp({ instances: 5 })] } });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
    expect(w.status.getApp('/demo/web')?.lastError?.code).toBe('deployment-in-progress');
  });

  it('replaces at once a deployment scaling to a count no longer declared once every task runs the current configuration', async () => {
    // Two instances wanted, room for one: the deployment waits for an offer; the fix declares one.
    const placing = marathonApp({ instances: 2, deployments: [{ id: 'scale-up' }], tasks: [task(config)] });
    const w = await world({ apps: [placing], declare: { apps: [desiredApp({ instances: 1 })] } });
    await w.reconcile('/demo/web');
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'SCALE /demo/web 1 force']);
    expect(
      w.log
        .lines()
        .some((l) => l.msg === 'replaced Marathon deployment of what the sources no longer declare: it scales to 2 instance(s), and the sources now declare 1'),
    ).toBe(true);
  });

  it('restarts an app in sync whose tasks of an older configuration have run on for the grace period with no deployment', async () => {
    const mixed = marathonApp({ taskKillGracePeriodSeconds: 5, tasks: [task('2024-02-01T10:00:00.000Z'), task(config)] });
    const w = await world({ apps: [mixed], declare: { apps: [desiredApp({ taskKillGracePeriodSeconds: 5 })] }, options: { olderTasksGraceMs: 30_000 } });
    // 30 s plus the app's kill grace period: a deployment just finished may still be killing them.
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 35_000 });
    const waiting = w.status.getApp('/demo/web');
    expect(waiting).toMatchObject({ sync: 'OutOfSync', pendingChanges: ['tasks'], lastError: { code: 'older-tasks' } });
    expect(waiting?.lastError?.message).toBe(`1 of 2 launched before the configuration of ${config}: restarted if they still run in 35 s`);
    w.clock.advance(20_000);
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 15_000 });
    w.clock.advance(15_000);
    await w.reconcile('/demo/web');
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual(['RESTART /demo/web']);
    expect(w.status.outcomes('/demo/web')[0]).toMatchObject({ action: 'restart', result: 'ok' });
  });

  it('restarts once only for the same tasks: a restart Marathon could not replace them with is not repeated', async () => {
    const old = task('2024-02-01T10:00:00.000Z');
    const w = await world({ apps: [marathonApp({ tasks: [old, task(config)] })], declare: { apps: [desiredApp()] }, options: { olderTasksGraceMs: 0 } });
    await w.reconcile('/demo/web');
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual(['RESTART /demo/web']);
    // Its deployment runs, then ends with the old task still there (an agent Marathon waits for).
    const restartedAt = '2024-03-02T10:00:00.000Z';
    const after = { versionInfo: { lastScalingAt: restartedAt, lastConfigChangeAt: restartedAt }, version: restartedAt };
    w.marathon.apps.set('/demo/web', marathonApp({ ...after, deployments: [{ id: 'restart' }], tasks: [old, task(restartedAt)] }));
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    w.marathon.apps.set('/demo/web', marathonApp({ ...after, tasks: [old, task(restartedAt)] }));
    w.cache.markStale('/demo/web');
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual(['RESTART /demo/web']);
    const blocked = w.status.getApp('/demo/web');
    expect(blocked).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'older-tasks' } });
    expect(blocked?.lastError?.message).toContain('still run after maracker restarted the app for them');
    // Once that task is gone, other older tasks get a restart of their own again.
    w.marathon.apps.set('/demo/web', marathonApp({ ...after, tasks: [task(restartedAt)] }));
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    w.marathon.apps.set('/demo/web', marathonApp({ ...after, tasks: [task('2024-03-01T12:00:00.000Z'), task(restartedAt)] }));
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual(['RESTART /demo/web', 'RESTART /demo/web']);
  });

  it('restarts nothing for tasks a finished deployment is still killing: gone within the grace period', async () => {
    const killing = marathonApp({ tasks: [task('2024-02-01T10:00:00.000Z'), task(config)] });
    const w = await world({ apps: [killing], declare: { apps: [desiredApp()] }, options: { olderTasksGraceMs: 30_000 } });
    await w.reconcile('/demo/web');
    w.clock.advance(10_000);
    w.marathon.apps.set('/demo/web', marathonApp({ tasks: [task(config), task(config)] }));
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', lastError: null });
    // Other tasks of an older configuration, seen later, wait a whole grace period of their own.
    w.clock.advance(60_000);
    w.marathon.apps.set('/demo/web', marathonApp({ tasks: [task('2024-02-02T10:00:00.000Z'), task(config)] }));
    w.cache.markStale('/demo/web');
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: 30_000 });
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  it('replaces a deployment still running past --deployment-timeout, and only then', async () => {
    const stuck = () => marathonApp({ tasksRunning: 1, tasksHealthy: 1, deployments: [{ id: 'theirs' }] });
    const w = await world({ apps: [stuck()], declare: { apps: [desiredApp({ mem: 512 })] }, options: { deploymentDeadlineMs: 60_000 } });
    await w.reconcile('/demo/web');
    w.clock.advance(59_000);
    await w.reconcile('/demo/web');
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
    expect(w.status.getApp('/demo/web')?.lastError?.code).toBe('deployment-in-progress');
    w.clock.advance(1000);
    await w.reconcile('/demo/web');
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual(['PUT /demo/web force']);
  });

  it("joins the deployment gate's queue when no slot is free (deployment-slot), and is handed back when one frees", async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp({ mem: 512 })] }, maxDeployments: 1 });
    w.gate.tryAcquire()?.bind('other');
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
    expect(w.status.getApp('/demo/web')?.lastError).toEqual({ code: 'deployment-slot', message: 'waiting for a deployment slot (1 of 1 in use)' });
    expect(w.admitted).toEqual([]);
    w.gate.settle('other');
    expect(w.admitted).toEqual(['/demo/web']);
  });
});

describe('Reconciler: each way a write ends', () => {
  const scaled = { apps: [marathonApp()], declare: { apps: [desiredApp({ instances: 5 })] } };

  it('another daemon leads: nothing written, status kept current', async () => {
    const w = await world({ ...scaled, leader: false });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'OutOfSync', pendingChanges: ['instances'], lastError: null });
  });

  it('the daemon stops: nothing written', async () => {
    const w = await world(scaled);
    w.abort.abort();
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done' });
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
  });

  it('Marathon fails the write (5xx): retried with backoff, the failure in status', async () => {
    const w = await world(scaled);
    w.marathon.failNext('SCALE /demo/web', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'retry', error: { code: 'MRK_MARATHON_SERVER_ERROR', message: '503' } });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'SCALE /demo/web 5']);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'MRK_MARATHON_SERVER_ERROR' } });
  });

  it('the app is locked by a deployment the read did not show: again after the lock delay', async () => {
    const w = await world(scaled);
    w.marathon.failNext('SCALE /demo/web', new FakeMarathonError('MRK_MARATHON_DEPLOYMENT_LOCKED', 'locked'));
    expect(await w.reconcile('/demo/web')).toEqual({
      kind: 'retry',
      error: { code: 'MRK_MARATHON_DEPLOYMENT_LOCKED', message: 'locked' },
      afterMs: LOCK_RETRY_MS,
    });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'SCALE /demo/web 5']);
  });

  it('the write contradicts its read ("already exists" after a 404): re-read at once, once', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] }, hidden: ['/demo/web'] });
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'retry', error: { code: 'MRK_MARATHON_ALREADY_EXISTS', message: 'exists' }, afterMs: 0 });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'POST /demo/web']);
  });

  it('Marathon rejects the definition (422): terminal until the declaration changes, and Degraded', async () => {
    const w = await world(scaled);
    w.marathon.failNext('SCALE /demo/web', new FakeMarathonError('MRK_MARATHON_VALIDATION', 'Object is not valid'));
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'terminal', error: { code: 'MRK_MARATHON_VALIDATION', message: 'Object is not valid' } });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'SCALE /demo/web 5']);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'OutOfSync', health: 'Degraded', lastError: { code: 'MRK_MARATHON_VALIDATION' } });
  });
});

describe('Reconciler: reads', () => {
  it('writes nothing when the fresh read fails: retried, the app Unknown, Marathon unreachable', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp({ instances: 5 })] } });
    w.marathon.failNext('GET /demo/web', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    expect(await w.reconcile('/demo/web')).toMatchObject({ kind: 'retry', error: { code: 'MRK_MARATHON_SERVER_ERROR' } });
    expect(w.marathon.calls).toEqual(['GET /demo/web']);
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Unknown', health: 'Unknown', lastError: { code: 'MRK_MARATHON_SERVER_ERROR' } });
    expect(w.status.marathon.reachable).toBe(false);
    // The next look reads again, and Marathon is known again.
    expect(await w.reconcile('/demo/web')).toEqual({ kind: 'done', requeueAfterMs: PROGRESS_POLL_MS });
    expect(w.marathon.calls).toEqual(['GET /demo/web', 'GET /demo/web', 'SCALE /demo/web 5']);
    expect(w.status.marathon.reachable).toBe(true);
  });

  it('never reads Marathon for a key that cannot be an app id: the row stays Invalid, Marathon readable', async () => {
    // `/a/../b` and `/demo/tasks` would name another resource in a URL; no app of Marathon has
    // either id. Once, reading them threw before any request and turned every app Unknown.
    const problem = { code: 'invalid-id', message: 'not a valid Marathon app id', location: { row: '/a/../b', jsonPath: 'id' } };
    const w = await world({
      apps: [marathonApp()],
      declare: {
        apps: [desiredApp()],
        invalid: [
          ['/a/../b', [problem]],
          ['/demo/tasks', [problem]],
        ],
      },
    });
    await w.reconcile('/demo/web');
    for (const id of ['/a/../b', '/demo/tasks']) {
      expect(await w.reconcile(id)).toMatchObject({ kind: 'terminal', error: { message: 'not a valid Marathon app id' } });
      expect(w.status.getApp(id)).toMatchObject({ sync: 'Invalid' });
    }
    expect(w.marathon.calls.filter((c) => !c.endsWith('/demo/web'))).toEqual([]);
    expect(w.status.marathon).toMatchObject({ reachable: true, lastError: null });
    // Its row deleted, the key is looked at once more: gone from the status, still no request.
    w.source.set({ apps: [desiredApp()] });
    w.desired.changed();
    expect(await w.reconcile('/a/../b')).toEqual({ kind: 'done' });
    expect(w.status.getApp('/a/../b')).toBeUndefined();
    expect(w.marathon.calls.filter((c) => !c.endsWith('/demo/web'))).toEqual([]);
  });

  it('keeps Marathon readable when reading one app fails for a reason of its own', async () => {
    const w = await world({ apps: [marathonApp(), marathonApp({ id: '/demo/api' })], declare: { apps: [desiredApp(), desiredApp({ id: '/demo/api' })] } });
    await w.reconcile('/demo/web');
    w.cache.markStale('/demo/api');
    w.marathon.failNext('GET /demo/api', new FakeMarathonError('MRK_MARATHON_VALIDATION', 'Object is not valid'));
    expect(await w.reconcile('/demo/api')).toMatchObject({ kind: 'retry', error: { code: 'MRK_MARATHON_VALIDATION' } });
    expect(w.status.getApp('/demo/api')).toMatchObject({ sync: 'Unknown', lastError: { code: 'MRK_MARATHON_VALIDATION' } });
    expect(w.status.marathon).toMatchObject({ reachable: true });
    w.cache.markStale('/demo/api');
    w.marathon.failNext('GET /demo/api', new TypeError('Expected an app id'));
    expect(await w.reconcile('/demo/api')).toMatchObject({ kind: 'retry' });
    expect(w.status.marathon).toMatchObject({ reachable: true });
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Healthy' });
  });

  it('shows a failed deployment of the app as Degraded, until one succeeds', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    w.gate.ended('d9', false, ['/demo/web']);
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Degraded', lastError: { message: 'Marathon deployment d9 failed' } });
    w.gate.ended('d10', true, ['/demo/web']);
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Healthy', lastError: null });
    expect(w.marathon.calls).toEqual([]);
  });
});

describe('Reconciler: where the tasks listen, and the route served to Traefik v3', () => {
  const route: Route = { name: 'demo_web', rule: 'Host(`web.localhost`)', port: { index: 0 } };
  const task = (n: number, alive: boolean): MarathonTask => ({
    id: `demo_web.${n}`,
    appId: '/demo/web',
    host: `10.0.0.${n}`,
    ports: [31000 + n],
    state: 'TASK_RUNNING',
    healthCheckResults: [{ alive }],
  });

  it('shows every task with its address and health, and gives Traefik the running, healthy ones', async () => {
    const w = await world({ apps: [marathonApp({ tasks: [task(2, false), task(1, true)] })], declare: { apps: [desiredApp({}, { route })] } });
    await w.reconcile('/demo/web');
    const app = w.status.getApp('/demo/web');
    expect(app?.tasks.map((t) => [t.id, t.address, t.healthy, t.ready])).toEqual([
      ['demo_web.1', '10.0.0.1:31001', true, true],
      ['demo_web.2', '10.0.0.2:31002', false, false],
    ]);
    expect(app?.route).toEqual({ ...route, servers: ['http://10.0.0.1:31001'] });
    expect(w.marathon.calls).toEqual([]);
  });

  it('shows the tasks but no route when the app is not served to Traefik v3 (labels, or no expose)', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ route: null, tasks: [{ address: '10.0.0.7:31001' }, { address: '10.0.0.8:31002' }] });
  });

  it('keeps the tasks and servers it had while Marathon cannot be read: an outage of Marathon is not one of the apps', async () => {
    const w = await world({ apps: [marathonApp({ tasks: [task(1, true)] })], declare: { apps: [desiredApp({}, { route })] } });
    await w.reconcile('/demo/web');
    const before = w.status.getApp('/demo/web');
    w.cache.markStale('/demo/web');
    w.marathon.failNext('GET /demo/web', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Unknown', tasks: before?.tasks, route: { servers: ['http://10.0.0.1:31001'] } });
  });

  it('keeps the route of an app whose declaration turned invalid, with the servers its tasks have now', async () => {
    const w = await world({ apps: [marathonApp({ tasks: [task(1, true)] })], declare: { apps: [desiredApp({}, { route })] } });
    await w.reconcile('/demo/web');
    w.source.set({ invalid: [['/demo/web', [{ code: 'schema', message: 'bad', location: { file: 'demo.yaml', line: 3 } }]]] });
    w.desired.changed();
    (w.marathon.apps.get('/demo/web') as MarathonApp).tasks = [task(3, true)];
    w.cache.markStale('/demo/web');
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'Invalid', route: { ...route, servers: ['http://10.0.0.3:31003'] } });
    // and drops it once a valid declaration no longer exposes the app (below)
    w.source.set({ apps: [desiredApp()] });
    w.desired.changed();
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')?.route).toBeNull();
  });

  it("drops the route and the URL of a running row once a manifest's app is routed at its host (the row held back); a row held back by another row keeps both", async () => {
    const at = (host: string): DesiredApp['exposes'] => [{ host, path: '' }];
    const rowApp = (id: string, host: string, r: Route) =>
      desiredApp({ id }, { source: { kind: 'database', row: id }, exposes: at(host), route: r, url: `http://${host}` });
    const shop: Route = { name: 'rows_shop', rule: 'Host(`shop.example`)', port: { index: 0 } };
    const other: Route = { name: 'rows_other', rule: 'Host(`other.example`)', port: { index: 0 } };
    const w = await world({
      apps: [marathonApp({ id: '/rows/shop', tasks: [task(1, true)] }), marathonApp({ id: '/rows/other', tasks: [task(2, true)] })],
      declare: { apps: [rowApp('/rows/shop', 'shop.example', shop), rowApp('/rows/other', 'other.example', other)] },
    });
    await w.reconcile('/rows/shop');
    await w.reconcile('/rows/other');
    expect(w.status.getApp('/rows/shop')).toMatchObject({ url: 'http://shop.example', route: { name: 'rows_shop' } });
    // A manifest now routes its app at shop.example; another row at other.example.
    const portal = desiredApp(
      { id: '/web/portal' },
      { exposes: at('shop.example'), route: { name: 'web_portal', rule: 'Host(`shop.example`)', port: { index: 0 } }, url: 'http://shop.example' },
    );
    w.source.set({
      apps: [rowApp('/rows/shop', 'shop.example', shop), rowApp('/rows/other', 'other.example', other), rowApp('/rows/copy', 'other.example', other), portal],
    });
    w.desired.changed();
    await w.reconcile('/rows/shop');
    await w.reconcile('/rows/other');
    expect(w.status.getApp('/rows/shop')).toMatchObject({ sync: 'Invalid', problems: [{ code: 'route-conflict' }], url: null, route: null });
    expect(w.status.getApp('/rows/other')).toMatchObject({
      sync: 'Invalid',
      problems: [{ code: 'route-conflict' }],
      url: 'http://other.example',
      route: { name: 'rows_other' },
    });
    // Nothing written: a held-back app is left running as it is.
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  it('after a restart, serves an app whose declaration is invalid the route and URL it was last served (the route memory), and remembers those of valid ones', async () => {
    const log = recordingLogger();
    const routes = new RouteMemory({ path: null, logger: log.logger, timers: new ManualClock() });
    // What the daemon before the restart served; no status record remembers it now.
    routes.remember('/demo/web', { route, url: 'http://web.localhost' });
    const broken = [{ code: 'schema', message: 'bad', location: { file: 'demo.yaml', line: 3 } }];
    const w = await world({ apps: [marathonApp({ tasks: [task(1, true)] })], declare: { invalid: [['/demo/web', broken]] }, routes });
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({
      sync: 'Invalid',
      url: 'http://web.localhost',
      route: { ...route, servers: ['http://10.0.0.1:31001'] },
    });
    // Fixed without expose: the memory forgets the route with the declaration.
    w.source.set({ apps: [desiredApp()] });
    w.desired.changed();
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')?.route).toBeNull();
    expect(routes.get('/demo/web')).toBeUndefined();
    // A valid exposed declaration is remembered as it is served.
    w.source.set({ apps: [desiredApp({}, { route, url: 'http://web.localhost' })] });
    w.desired.changed();
    await w.reconcile('/demo/web');
    expect(routes.get('/demo/web')).toEqual({ route, url: 'http://web.localhost' });
  });

  it('keeps the route of an app no source declares any more while it runs (the prune guard may hold its delete)', async () => {
    const w = await world({ apps: [marathonApp({ tasks: [task(1, true)] })], declare: { apps: [desiredApp({}, { route })] }, options: { prune: false } });
    await w.reconcile('/demo/web');
    w.source.set({ apps: [] });
    w.desired.changed();
    await w.reconcile('/demo/web');
    expect(w.status.getApp('/demo/web')).toMatchObject({ sync: 'OutOfSync', route: { ...route, servers: ['http://10.0.0.1:31001'] } });
  });
});

describe('Reconciler: a pass whose inputs did not move (issue 20)', () => {
  const ID = '/demo/web';

  it('skips the plan and the status record of an app in sync whose inputs are the same, and still makes no call', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    const record = w.status.getApp(ID);
    await w.relist();
    expect(await w.reconcile(ID)).toEqual({ kind: 'done' });
    expect(w.memo()).toEqual({ hits: 1, misses: 1 });
    expect(w.status.getApp(ID)).toBe(record);
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET /v2/apps'))).toEqual([]);
  });

  it('plans again when Marathon has a new version of the app (a hand edit), and repairs it', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    const edited = w.marathon.apps.get(ID) as MarathonApp;
    w.marathon.apps.set(ID, { ...edited, mem: 512, version: '2024-03-02T10:00:00.000Z' });
    await w.relist();
    await w.reconcile(ID);
    expect(w.marathon.calls).toContain(`PUT ${ID}`);
    expect(w.memo().hits).toBe(0);
  });

  it('looks again at the tasks: a task being killed shows, though the version did not move', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    expect(w.status.getApp(ID)?.tasks.map((t) => t.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);
    await killFirstTask(w, ID);
    await w.reconcile(ID);
    expect(w.status.getApp(ID)?.tasks.map((t) => t.state)).toEqual(['TASK_KILLING', 'TASK_RUNNING']);
  });

  it("looks again when something else the record is made of moved: a failed deployment, Marathon's reachability, the record", async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    w.gate.ended('d9', false, [ID]);
    await w.reconcile(ID);
    expect(w.status.getApp(ID)).toMatchObject({ health: 'Degraded', lastError: { message: 'Marathon deployment d9 failed' } });
    w.status.removeApp(ID);
    await w.reconcile(ID);
    expect(w.status.getApp(ID)).toMatchObject({ sync: 'Synced', health: 'Degraded' });
    expect(w.memo().hits).toBe(0);
  });

  it('plans again when the source hands out a new declaration', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    w.source.set({ apps: [desiredApp({ instances: 3 })] });
    w.desired.changed();
    await w.reconcile(ID);
    expect(w.marathon.calls).toContain(`SCALE ${ID} 3`);
  });

  it('plans everything again after ten minutes whatever the fingerprints say (the backstop)', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    w.clock.advance(9 * 60_000);
    await w.reconcile(ID);
    expect(w.memo()).toEqual({ hits: 1, misses: 1 });
    w.clock.advance(60_000);
    await w.reconcile(ID);
    expect(w.memo()).toEqual({ hits: 1, misses: 2 });
  });

  it('never skips an app Marathon gives no version for', async () => {
    const w = await world({ apps: [marathonApp({ version: undefined as unknown as string })], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    await w.reconcile(ID);
    expect(w.memo()).toEqual({ hits: 0, misses: 2 });
  });
});

describe('Reconciler.skippable: the memo asked before a pass queues a key (issue 20)', () => {
  const ID = '/demo/web';
  /** An app found in sync by one reconcile, then a resync's listing of the same Marathon. */
  async function inSync(o: WorldOptions = {}) {
    const app = desiredApp();
    const w = await world({ apps: [marathonApp()], declare: { apps: [app] }, ...o });
    await w.reconcile(ID);
    await w.relist();
    return { ...w, app };
  }

  it('is skippable when nothing the reconcile would read moved: counted as a memo hit, with no call and no record', async () => {
    const w = await inSync();
    const record = w.status.getApp(ID);
    expect(w.skippable(ID)).toBe(true);
    expect(w.skippable(ID)).toBe(true);
    expect(w.memo()).toEqual({ hits: 2, misses: 1 });
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET /v2/apps?'))).toEqual([]);
    expect(w.status.getApp(ID)).toBe(record);
  });

  it('is never skippable before a reconcile found the app in sync', async () => {
    const w = await world({ apps: [marathonApp()], declare: { apps: [desiredApp()] } });
    expect(w.skippable(ID)).toBe(false);
    expect(w.memo()).toEqual({ hits: 0, misses: 0 });
  });

  const moved: Array<[string, (w: Awaited<ReturnType<typeof inSync>>) => Promise<void> | void]> = [
    ['the source hands out a new declaration object (even an equal one)', (w) => (w.source.set({ apps: [desiredApp()] }), w.desired.changed())],
    [
      "Marathon's app has a new version (a hand edit)",
      async (w) => {
        const app = w.marathon.apps.get(ID) as MarathonApp;
        w.marathon.apps.set(ID, { ...app, mem: 512, version: '2024-03-02T10:00:00.000Z' });
        await w.relist();
      },
    ],
    ["Marathon's tasks moved (the version did not)", (w) => killFirstTask(w, ID)],
    ['the status record was replaced', (w) => w.status.setApp({ ...(w.status.getApp(ID) as AppStatus), lastError: { message: 'written by someone else' } })],
    ['the status record was removed', (w) => w.status.removeApp(ID)],
    ["the deployment gate's verdict moved (a failed deployment)", (w) => w.gate.ended('d9', false, [ID])],
    ['Marathon cannot be reached', (w) => void w.reachability.failed(new Error('ECONNREFUSED'))],
    ['the source cannot be read (the entry is unknown)', (w) => (w.source.set({ state: 'Unknown', lastKnownIds: [ID] }), w.desired.changed())],
    ['no source declares it any more (the prune guard judges it)', (w) => (w.source.set({ apps: [] }), w.desired.changed())],
  ];
  for (const [what, change] of moved) {
    it(`is not skippable when ${what}, and its reconcile then plans it`, async () => {
      const w = await inSync();
      await change(w);
      expect(w.skippable(ID)).toBe(false);
      const { hits } = w.memo();
      await w.reconcile(ID);
      expect(w.memo().hits).toBe(hits);
    });
  }

  it('is not skippable when an event marked the cached app stale: the reconcile reads it afresh (and may find it unchanged)', async () => {
    const w = await inSync();
    w.cache.markStale(ID);
    expect(w.skippable(ID)).toBe(false);
    expect(w.memo()).toEqual({ hits: 0, misses: 1 });
    await w.reconcile(ID);
    expect(w.marathon.calls).toContain(`GET ${ID}`);
    expect(w.memo()).toEqual({ hits: 1, misses: 1 });
  });

  it('forgets the entry on a miss, so the reconcile plans even when the input moved back meanwhile', async () => {
    const w = await inSync();
    w.reachability.failed(new Error('ECONNREFUSED'));
    expect(w.skippable(ID)).toBe(false);
    w.reachability.answered();
    expect(w.skippable(ID)).toBe(false);
    await w.reconcile(ID);
    // One miss per look that planned: the first reconcile's and this one's (the pre-checks' misses are theirs).
    expect(w.memo()).toEqual({ hits: 0, misses: 2 });
    expect(w.skippable(ID)).toBe(true);
  });

  it('is not skippable once the memo reaches its maximum age (the backstop), and the reconcile plans again', async () => {
    const w = await inSync({ options: { noopMemoMaxAgeMs: 60_000 } });
    w.clock.advance(59_999);
    expect(w.skippable(ID)).toBe(true);
    w.clock.advance(1);
    expect(w.skippable(ID)).toBe(false);
    await w.reconcile(ID);
    expect(w.memo()).toEqual({ hits: 1, misses: 2 });
    expect(w.skippable(ID)).toBe(true);
  });

  it('is never skippable for an app waiting for a deployment or being deployed (never remembered)', async () => {
    const w = await world({ apps: [marathonApp({ deployments: [{ id: 'd1' }] })], declare: { apps: [desiredApp()] } });
    await w.reconcile(ID);
    await w.relist();
    expect(w.skippable(ID)).toBe(false);
  });
});

describe('Reconciler: recent outcomes (what GET /status/apps/{id} shows)', () => {
  const scaled = { apps: [marathonApp()], declare: { apps: [desiredApp({ instances: 5 })] } };
  const outcomes = (w: Awaited<ReturnType<typeof world>>) => w.status.outcomes('/demo/web');

  it('records an accepted write with its deployment, version and fields changed; the passes after it, in sync, record nothing', async () => {
    const w = await world(scaled);
    await w.reconcile('/demo/web');
    expect(outcomes(w)).toEqual([
      {
        at: '2026-03-02T08:00:00.000Z',
        lastAt: '2026-03-02T08:00:00.000Z',
        count: 1,
        action: 'scale',
        result: 'ok',
        deploymentId: 'dep-1',
        version: '1970-01-01T00:00:00.000Z',
        changes: ['instances: 2 → 5'],
      },
    ]);
    await w.reconcile('/demo/web');
    const detail = w.status.appDetailJson('/demo/web');
    for (let pass = 0; pass < 5; pass++) {
      w.clock.advance(60_000);
      w.cache.markStale('/demo/web');
      await w.reconcile('/demo/web');
    }
    expect(w.marathon.calls.filter((c) => !c.startsWith('GET'))).toEqual(['SCALE /demo/web 5']);
    expect(w.status.appDetailJson('/demo/web'), 'steady in sync: the reply and its ETag stay as they are').toBe(detail);
  });

  it('counts a write failing again and again on one entry, then records the write that succeeds', async () => {
    const w = await world(scaled);
    for (let attempt = 0; attempt < 3; attempt++) {
      w.marathon.failNext('SCALE /demo/web', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
      w.clock.advance(1000);
      expect(await w.reconcile('/demo/web')).toMatchObject({ kind: 'retry' });
    }
    w.clock.advance(1000);
    await w.reconcile('/demo/web');
    expect(outcomes(w)).toEqual([
      expect.objectContaining({ action: 'scale', result: 'ok', at: '2026-03-02T08:00:04.000Z' }),
      {
        at: '2026-03-02T08:00:01.000Z',
        lastAt: '2026-03-02T08:00:03.000Z',
        count: 3,
        action: 'scale',
        result: 'failed',
        code: 'MRK_MARATHON_SERVER_ERROR',
        message: '503',
        changes: ['instances: 2 → 5'],
      },
    ]);
  });

  it("records Marathon's rejection with its code and message", async () => {
    const w = await world(scaled);
    w.marathon.failNext('SCALE /demo/web', new FakeMarathonError('MRK_MARATHON_VALIDATION', 'Object is not valid'));
    await w.reconcile('/demo/web');
    expect(outcomes(w)).toEqual([
      expect.objectContaining({ action: 'scale', result: 'rejected', code: 'MRK_MARATHON_VALIDATION', message: 'Object is not valid', count: 1 }),
    ]);
  });

  it('records a block once, however many passes it lasts, and the return to sync that ends it', async () => {
    const refs = [
      { kind: 'file' as const, path: 'a.yaml', line: 1 },
      { kind: 'file' as const, path: 'b.yaml', line: 4 },
    ];
    const w = await world({ apps: [marathonApp()], declare: { conflicts: [['/demo/web', refs]] } });
    for (let pass = 0; pass < 3; pass++) await w.reconcile('/demo/web');
    expect(outcomes(w)).toEqual([
      expect.objectContaining({ action: 'none', result: 'blocked', code: 'duplicate-id', message: 'declared more than once: a.yaml:1 and b.yaml:4', count: 1 }),
    ]);
    w.source.set({ apps: [desiredApp()] });
    w.desired.changed();
    await w.reconcile('/demo/web');
    await w.reconcile('/demo/web');
    expect(outcomes(w).map((o) => o.result)).toEqual(['synced', 'blocked']);
  });

  it('records a delete the prune guard holds back as blocked (prune-blocked) or waiting (prune-waiting), once each', async () => {
    const blocked = await world({ apps: [marathonApp({ id: '/demo/old' })], guard: { minApps: 0, share: 0 } });
    await blocked.reconcile('/demo/old');
    await blocked.reconcile('/demo/old');
    expect(blocked.status.outcomes('/demo/old').map((o) => [o.action, o.result, o.code, o.count])).toEqual([['delete', 'blocked', 'prune-blocked', 1]]);
    const unjudged = await world({ apps: [marathonApp({ id: '/demo/old' })], judge: false });
    await unjudged.reconcile('/demo/old');
    expect(unjudged.status.outcomes('/demo/old').map((o) => [o.action, o.result, o.code])).toEqual([['delete', 'waiting', 'prune-waiting']]);
  });

  it('records a failed read of the app, and a wait for a deployment in progress once', async () => {
    const w = await world({ apps: [marathonApp({ deployments: [{ id: 'd1' }] })], declare: { apps: [desiredApp({ instances: 5 })] } });
    w.marathon.failNext('GET /demo/web', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    await w.reconcile('/demo/web');
    await w.reconcile('/demo/web');
    await w.reconcile('/demo/web');
    expect(outcomes(w).map((o) => [o.action, o.result, o.code])).toEqual([
      ['scale', 'waiting', 'deployment-in-progress'],
      ['read', 'failed', 'MRK_MARATHON_SERVER_ERROR'],
    ]);
  });
});
