import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, silentLogger, type Logger } from '../../src/base/log.js';
import type { Role } from '../../src/model/status.js';
import {
  Controller,
  FIRST_SYNC_READ_MAX_AGE_MS,
  SWEEP_SLICE_KEYS,
  type ControllerDeps,
  type ControllerObserver,
  type ControllerOptions,
} from '../../src/reconcile/controller.js';
import type { Installation } from '../../src/model/installation.js';
import { ALWAYS_LEADER, type Leadership } from '../../src/model/leadership.js';
import { DEFAULT_PRUNE_GUARD } from '../../src/prune/guard.js';
import { StatusStore } from '../../src/status/store.js';
import { NOOP_MEMO_MAX_AGE_MS } from '../../src/reconcile/noop-memo.js';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { desiredApp, foreignApp, legacyApp, marathonApp, TEST_INSTALLATION_OPTION, unownedApp } from '../helpers/builders.js';
import { FakeMarathon, FakeMarathonError } from '../helpers/fake-marathon.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';
import { MemorySource } from '../helpers/memory-source.js';
import { ImageMetadata } from '../../src/sources/image-metadata.js';

const OPTIONS: ControllerOptions = {
  resyncIntervalMs: 3_600_000,
  concurrency: 2,
  maxDeployments: 10,
  writeRatePerSecond: 1000,
  force: false,
  prune: true,
  pruneGuard: DEFAULT_PRUNE_GUARD,
  events: true,
  pruneSettleMs: 0,
  progressPollMs: 3_600_000,
  lockRetryMs: 20,
  deploymentsPollMs: 3_600_000,
  initialRetryMs: 10,
};

const OURS = 'GET /v2/apps?label=maracker.managed-by in (maracker,maracker.test)';

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(
  opts: {
    options?: Partial<ControllerOptions>;
    sources?: MemorySource[];
    leadership?: Leadership;
    role?: Role;
    random?: () => number;
    installation?: ControllerDeps['installation'];
    logger?: Logger;
    timers?: ManualClock;
    observer?: ControllerObserver;
    images?: ControllerDeps['images'];
  } = {},
) {
  const marathon = new FakeMarathon();
  const sources = opts.sources ?? [new MemorySource('folder')];
  const status = new StatusStore({ instance: 't', marathonUrl: 'http://marathon', role: opts.role ?? 'standalone' });
  const controller = new Controller({
    sources,
    installation: opts.installation ?? TEST_INSTALLATION_OPTION,
    marathon,
    marathonUrl: 'http://marathon',
    status,
    leadership: opts.leadership ?? ALWAYS_LEADER,
    logger: opts.logger ?? silentLogger(),
    ...(opts.observer ? { observer: opts.observer } : {}),
    ...(opts.images ? { images: opts.images } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.timers ? { timers: opts.timers, ...(opts.random ? {} : { random: () => 0.5 }) } : {}),
    options: { ...OPTIONS, ...opts.options },
  });
  stops.push(() => controller.stop(1000));
  return { marathon, sources, source: sources[0] as MemorySource, status, controller };
}

describe('Controller', () => {
  it('keeps resyncing the other sources when one never finishes a read', async () => {
    const timers = new ManualClock();
    const folder = new MemorySource('folder');
    const database = new MemorySource('database');
    const { status, controller } = setup({ timers, sources: [folder, database], options: { resyncIntervalMs: 1000, sourceReadTimeoutMs: 5000 } });
    await controller.start();
    await until(() => status.ready, 'first sync');
    folder.hangResyncs = true;
    const before = database.resyncs;
    // The first periodic resync hangs in the folder; the deadline lets the pass go on and
    // the next ones happen.
    for (let i = 0; i < 40 && database.resyncs < before + 3; i++) {
      timers.advance(1000);
      await flush();
    }
    expect(database.resyncs).toBeGreaterThanOrEqual(before + 3);
    expect(folder.resyncs).toBeGreaterThanOrEqual(3);
  });

  it('does nothing when Marathon already matches the sources', async () => {
    let firstSyncs = 0;
    const { marathon, source, status, controller } = setup({ observer: { firstSync: () => firstSyncs++ } });
    marathon.seed(marathonApp());
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready, 'first sync');
    await controller.resync('test');
    expect(firstSyncs, 'told once, with the status Ready').toBe(1);
    expect(marathon.writes()).toEqual([]);
    expect(status.getApp('/demo/web')).toMatchObject({ sync: 'Synced', health: 'Healthy', source: 'demo.yaml:1' });
  });

  it('creates a declared app after checking no unowned app holds its id', async () => {
    const { marathon, source, status, controller } = setup();
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.calls).toEqual([
      'GET /v2/apps?label=maracker.managed-by in (maracker,maracker.test)',
      'GET /v2/apps?label=maracker.managed-by notin (maracker,maracker.test)',
      'GET /demo/web',
      'POST /demo/web',
    ]);
    expect(status.getApp('/demo/web')).toMatchObject({ sync: 'OutOfSync', pendingChanges: ['(create)'] });
    expect(status.getApp('/demo/web')?.lastAppliedAt).not.toBeNull();
  });

  it('scales without restart when only instances change', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(marathonApp());
    source.set({ apps: [desiredApp({ instances: 5 })] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual(['SCALE /demo/web 5']);
  });

  it('updates with a full definition when anything else changes', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(marathonApp());
    source.set({ apps: [desiredApp({ mem: 512 })] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual(['PUT /demo/web']);
    expect(marathon.apps.get('/demo/web')?.mem).toBe(512);
  });

  it('never touches an app it does not own, declared or not', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(unownedApp(), unownedApp({ id: '/other/app' }));
    source.set({ apps: [desiredApp({ mem: 999 })] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual([]);
    expect(status.getApp('/demo/web')).toMatchObject({ sync: 'Conflict', lastError: { code: 'unowned' } });
    expect(status.getApp('/other/app')).toBeUndefined();
  });

  it('adopts an unowned app when the manifest asks for it', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(unownedApp());
    source.set({ apps: [desiredApp({}, { adopt: true })] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual(['PUT /demo/web']);
  });

  it('writes nothing before every source has loaded once', async () => {
    const timers = new ManualClock();
    const folder = new MemorySource('folder');
    const database = new MemorySource('database', 'Pending');
    const { marathon, status, controller } = setup({ timers, sources: [folder, database] });
    folder.set({ apps: [desiredApp()] });
    await controller.start();
    // Marathon is listed again and again while the database is still pending: each time the
    // controller could act, and does not.
    const listings = () => marathon.calls.filter((c) => c.startsWith('GET /v2/apps?')).length;
    for (let listed = 1; listed <= 3; listed++) {
      while (listings() < listed) {
        timers.advance(OPTIONS.initialRetryMs as number);
        await until(() => listings() >= listed || timers.pending > 0, `listing ${listed} or its retry`);
        if (listings() < listed) await new Promise((r) => setTimeout(r, 1));
      }
      expect(marathon.writes()).toEqual([]);
      expect(controller.began).toBe(false);
    }
    database.set({ apps: [] });
    await until(() => status.ready);
    expect(marathon.writes()).toEqual(['POST /demo/web']);
  });

  it('deletes an owned app no source declares any more', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(marathonApp(), marathonApp({ id: '/demo/old' }));
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => marathon.writes().length > 0);
    await until(() => status.getApp('/demo/old') === undefined, 'status of the deleted app to go');
    expect(marathon.writes()).toEqual(['DELETE /demo/old']);
  });

  it('deletes nothing while a source cannot be read', async () => {
    const folder = new MemorySource('folder');
    const database = new MemorySource('database');
    const { marathon, status, controller } = setup({ sources: [folder, database] });
    marathon.seed(marathonApp({ id: '/db/app' }));
    folder.set({ apps: [] });
    database.set({ apps: [desiredApp({ id: '/db/app' })] });
    await controller.start();
    await until(() => status.ready);
    database.set({ state: 'Unknown' });
    // The change queued the app and the prune guard judged the pass: wait for both to be done.
    await until(() => status.getApp('/db/app')?.sync === 'Unknown', 'the app reconciled as unknown');
    await controller.whenIdle();
    expect(marathon.writes()).toEqual([]);
    expect(status.getApp('/db/app')).toMatchObject({ sync: 'Unknown' });
    expect(status.snapshot().phase).toBe('Degraded');
  });

  it('blocks a pass that would delete more than the prune guard allows, until approved', async () => {
    const { marathon, source, status, controller } = setup();
    const ids = Array.from({ length: 8 }, (_, i) => `/demo/app${i}`);
    marathon.seed(...ids.map((id) => marathonApp({ id })));
    source.set({ apps: [] });
    await controller.start();
    await until(() => status.ready);
    await controller.whenIdle();
    expect(marathon.writes()).toEqual([]);
    expect(status.snapshot()).toMatchObject({ phase: 'Blocked', prune: { blocked: true, limit: 5, candidates: ids } });
    expect(controller.approvePrune({ by: 'test' })).toEqual({ approved: ids, episode: status.prune.episode?.id });
    await until(() => marathon.writes().length === 8, 'approved deletes');
    expect(marathon.apps.size).toBe(0);
    await until(() => status.prune.candidates.length === 0, 'the candidates cleared');
    expect(status.snapshot()).toMatchObject({ prune: { blocked: false, episode: null, candidates: [] } });
  });

  it('leaves the apps of an invalid declaration untouched and reports where the problem is', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(marathonApp());
    source.set({ invalid: [['/demo/web', [{ code: 'schema', message: 'unknown field "instaces"', location: { file: 'web.yaml', line: 7, column: 3 } }]]] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual([]);
    expect(status.getApp('/demo/web')).toMatchObject({
      sync: 'Invalid',
      health: 'Healthy',
      source: 'web.yaml:7',
      lastError: { message: 'unknown field "instaces"', file: 'web.yaml', line: 7, column: 3 },
    });
  });

  it('applies neither declaration of an id declared twice', async () => {
    const folder = new MemorySource('folder');
    const database = new MemorySource('database');
    const { marathon, status, controller } = setup({ sources: [folder, database] });
    folder.set({ apps: [desiredApp({ mem: 1 })] });
    database.set({ apps: [desiredApp({ mem: 2 }, { source: { kind: 'database', row: '/demo/web' } })] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual([]);
    expect(status.getApp('/demo/web')).toMatchObject({ sync: 'Conflict', source: 'demo.yaml:1, database row /demo/web' });
  });

  it('waits for a running deployment when Marathon says the app is locked, then applies', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(marathonApp());
    marathon.failNext('PUT /demo/web', new FakeMarathonError('MRK_MARATHON_DEPLOYMENT_LOCKED', 'locked'));
    source.set({ apps: [desiredApp({ mem: 300 })] });
    await controller.start();
    await until(() => marathon.writes().length === 2, 'retry after the lock');
    expect(marathon.writes()).toEqual(['PUT /demo/web', 'PUT /demo/web']);
    expect(status.getApp('/demo/web')?.lastError).toBeNull();
  });

  it('begins once when a source finishes loading while the other installations are being listed', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const folder = new MemorySource('folder', 'Pending');
    const { marathon, status, controller } = setup({ sources: [folder], logger: createLogger({ level: 'info', destination }) });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const list = marathon.listApps.bind(marathon);
    let othersAsked = false;
    marathon.listApps = async (o) => {
      // The second listing of the first sync: this installation's apps are known by now.
      if (o?.label?.includes('notin')) {
        othersAsked = true;
        await held;
      }
      return list(o);
    };
    await controller.start();
    await until(() => othersAsked, 'the listing of the other installations');
    folder.set({ apps: [desiredApp()] });
    await until(() => controller.began, 'begun by the source');
    release();
    await until(() => status.ready);
    await controller.whenIdle();
    const begun = lines.filter((l) => l.includes('sources loaded and Marathon listed'));
    expect(begun).toHaveLength(1);
    expect(marathon.writes()).toEqual(['POST /demo/web']);
  });

  it('reconciles the apps a sync names against a fresh read, and answers once they ran', async () => {
    const { marathon, source, status, controller } = setup({ options: { events: false } });
    marathon.seed(marathonApp());
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready);
    // A change nobody told the daemon about: no event, no resync.
    (marathon.apps.get('/demo/web') as { instances: number }).instances = 7;
    const answer = await controller.requestSync(['/demo/web', '/demo/nothing'], 'alice');
    expect(answer).toEqual({
      queued: ['/demo/web'],
      unknown: ['/demo/nothing'],
      message: '1 app(s) reconciled; not declared by any source nor in Marathon: /demo/nothing',
    });
    expect(marathon.writes()).toEqual(['SCALE /demo/web 2']);
  });

  it("leaves an app whose image's labels cannot be read Unknown, neither created nor deleted, and creates it with their resources once read", async () => {
    let registryUp = false;
    const metadata = new ImageMetadata({
      inspector: {
        inspect: async () => {
          if (!registryUp) throw new Error('connect ECONNREFUSED 127.0.0.1:5000');
          return {
            digest: `sha256:${'a'.repeat(64)}`,
            labels: { 'org.maracker.resources.mem': '1Gi', 'org.maracker.resources.cpus': '0.5' },
            exposedPorts: [],
          };
        },
      },
      logger: silentLogger(),
      backoff: { baseMs: 20, maxMs: 20, factor: 1, jitter: 0 },
    });
    const { marathon, source, status, controller } = setup({ images: { metadata, pin: false } });
    const image = { type: 'DOCKER' as const, docker: { image: '127.0.0.1:5000/demo/api:1' } };
    // /demo/old runs already and is declared again now, without resources: it must not go.
    marathon.seed(marathonApp({ id: '/demo/old' }));
    source.set({
      apps: [
        desiredApp({ id: '/demo/api', cpus: undefined, mem: undefined, container: image }),
        desiredApp({ id: '/demo/old', cpus: undefined, mem: undefined, container: image }),
      ],
    });
    await controller.start();
    await until(() => status.getApp('/demo/api')?.sync === 'Unknown', 'api unknown');
    expect(status.getApp('/demo/api')?.lastError?.message).toContain('cannot read the labels of image 127.0.0.1:5000/demo/api:1: connect ECONNREFUSED');
    await controller.whenIdle();
    expect(marathon.writes()).toEqual([]);
    registryUp = true;
    await until(() => marathon.writes().length === 2, 'both written once the image is read');
    expect(marathon.writes().sort()).toEqual(['POST /demo/api', 'PUT /demo/old']);
    const created = marathon.apps.get('/demo/api') as { mem: number; cpus: number };
    expect([created.cpus, created.mem]).toEqual([0.5, 1024]);
    await until(() => status.getApp('/demo/api')?.image !== undefined, 'status shows the image');
    expect(status.getApp('/demo/api')?.image?.filled).toEqual({ cpus: 'org.maracker.resources.cpus', mem: 'org.maracker.resources.mem' });
  });

  it('repairs an out-of-band scale as soon as an event names the app', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(marathonApp());
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready);
    (marathon.apps.get('/demo/web') as { instances: number }).instances = 7;
    marathon.emit({ eventType: 'api_post_event', appDefinition: { id: '/demo/web' } });
    await until(() => marathon.writes().length === 1, 'self-heal');
    expect(marathon.writes()).toEqual(['SCALE /demo/web 2']);
  });

  it('does not write when another daemon leads, but keeps status current', async () => {
    const { marathon, source, status, controller } = setup({ leadership: { canWrite: async () => false } });
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual([]);
    expect(status.getApp('/demo/web')).toMatchObject({ sync: 'OutOfSync', health: 'Missing' });
  });

  it('re-lists Marathon at once after an event stream gap', async () => {
    const { marathon, source, status, controller } = setup();
    source.set({ apps: [] });
    await controller.start();
    await until(() => status.ready);
    const lists = () => marathon.calls.filter((c) => c.startsWith('GET /v2/apps?label=maracker.managed-by in')).length;
    const before = lists();
    marathon.gap('stream reconnected');
    await until(() => lists() === before + 1, 'resync after gap');
    expect(source.resyncs).toBe(1);
  });

  it('re-reads a source that could not be read at start (a folder mounted late) until it can, then converges', async () => {
    const late = new MemorySource('folder', 'Unknown');
    let mounted = false;
    late.resync = async () => {
      late.resyncs++;
      if (mounted) late.set({ apps: [desiredApp()] });
    };
    const { marathon, status, controller } = setup({ sources: [late] });
    await controller.start();
    await until(() => late.resyncs >= 2, 'the unknown source read again');
    expect(status.ready).toBe(false);
    expect(marathon.writes()).toEqual([]);
    mounted = true;
    await until(() => status.ready, 'first sync once the folder can be read');
    expect(marathon.writes()).toEqual(['POST /demo/web']);
  });

  it('keeps retrying the first listing while Marathon is down, then converges', async () => {
    const { marathon, source, status, controller } = setup();
    const down = new FakeMarathonError('MRK_MARATHON_CONNECTION', 'connect ECONNREFUSED');
    for (let i = 0; i < 3; i++) marathon.failNext('LIST', down);
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.snapshot().marathon.lastError !== null);
    expect(status.snapshot()).toMatchObject({ phase: 'Degraded', marathon: { reachable: false, lastError: { code: 'MRK_MARATHON_CONNECTION' } } });
    await until(() => status.ready, 'convergence after Marathon returns');
    expect(marathon.writes()).toEqual(['POST /demo/web']);
  });
});

describe('Controller and leadership', () => {
  it('reconciles everything as soon as it becomes leader', async () => {
    let leader = false;
    const listeners: Array<(l: boolean) => void> = [];
    const leadership = {
      canWrite: async () => leader,
      subscribe: (l: (x: boolean) => void) => (listeners.push(l), () => undefined),
    };
    const { marathon, source, status, controller } = setup({ leadership });
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual([]);
    leader = true;
    for (const l of listeners) l(true);
    await until(() => marathon.writes().length === 1, 'the new leader to write');
    expect(marathon.writes()).toEqual(['POST /demo/web']);
  });
});

describe('Controller write discipline', () => {
  it('re-reads the app before writing and writes nothing when that read fails', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(marathonApp());
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready);
    marathon.failNext('GET /demo/web', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '500'));
    source.set({ apps: [desiredApp({ instances: 4 })] });
    await until(() => status.getApp('/demo/web')?.sync === 'Unknown', 'the failed read reported');
    expect(marathon.writes()).toEqual([]);
    await until(() => marathon.writes().length === 1, 'the write after a good read');
    expect(marathon.writes()).toEqual(['SCALE /demo/web 4']);
  });

  it('waits for a deployment in progress instead of drawing a 409', async () => {
    const { marathon, source, status, controller } = setup({ options: { progressPollMs: 30 } });
    marathon.seed(marathonApp({ deployments: [{ id: 'theirs' }] }));
    source.set({ apps: [desiredApp({ mem: 300 })] });
    await controller.start();
    await until(() => status.getApp('/demo/web')?.lastError?.code === 'deployment-in-progress', 'waiting reported');
    expect(status.getApp('/demo/web')?.lastError?.message).toBe('waiting for Marathon deployment theirs to finish');
    expect(marathon.writes()).toEqual([]);
    (marathon.apps.get('/demo/web') as { deployments: unknown[] }).deployments = [];
    await until(() => marathon.writes().length === 1, 'the write once the deployment ended');
    expect(marathon.writes()).toEqual(['PUT /demo/web']);
  });

  it('overrides a running deployment only with --force', async () => {
    const { marathon, source, status, controller } = setup({ options: { force: true } });
    marathon.seed(marathonApp({ deployments: [{ id: 'theirs' }] }));
    source.set({ apps: [desiredApp({ mem: 300 })] });
    await controller.start();
    await until(() => status.ready);
    expect(marathon.writes()).toEqual(['PUT /demo/web force']);
  });
});

describe('Controller under a full deployment cap', () => {
  it('keeps reconciling and reporting every app while writes wait for a deployment slot, then writes them in turn', async () => {
    const { marathon, source, status, controller } = setup({ options: { maxDeployments: 2, concurrency: 2 } });
    const ids = Array.from({ length: 6 }, (_, i) => `/demo/app${i}`);
    source.set({ apps: ids.map((id) => desiredApp({ id })) });
    await controller.start();
    await until(() => marathon.writes().length === 2, 'two creates');
    // The others are reported, not starved: waiting for a slot.
    await until(() => ids.every((id) => status.getApp(id) !== undefined), 'every app in status');
    expect(ids.slice(2).map((id) => status.getApp(id)?.lastError?.code)).toEqual(Array(4).fill('deployment-slot'));
    expect(marathon.writes()).toHaveLength(2);
    // The fake's deployments finish when Marathon no longer lists them; lost events are covered by the poll.
    marathon.emit({ eventType: 'deployment_success', plan: { id: 'dep-1' } });
    marathon.emit({ eventType: 'deployment_success', plan: { id: 'dep-2' } });
    await until(() => marathon.writes().length === 4, 'the next two, in order');
    expect(marathon.writes()).toEqual(ids.slice(0, 4).map((id) => `POST ${id}`));
  });
});

describe('Controller and a deployment that never finishes', () => {
  it('stops counting it after the deployment timeout, so other writes go on', async () => {
    const { marathon, source, controller } = setup({ options: { maxDeployments: 1, deploymentsPollMs: 20, deploymentTimeoutMs: 200 } });
    source.set({ apps: [desiredApp({ id: '/demo/a' }), desiredApp({ id: '/demo/b' })] });
    // The first write's deployment (dep-1) never finishes: Marathon keeps listing it.
    marathon.deployments = [{ id: 'dep-1', version: 'v', affectedApps: ['/demo/a'] }];
    await controller.start();
    await until(() => marathon.writes().length === 2, 'the second write once the stuck deployment timed out');
    expect(marathon.writes()).toEqual(['POST /demo/a', 'POST /demo/b']);
  });
});

describe("Controller when Marathon's reads and writes of one app disagree", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // A proxy or a standby Marathon: the read says 404 and the create says 409 "already exists"
  // (or the read finds the app and the update says 404). Seen: 260 POSTs in 12 s, forever.
  it.each([
    ['a read says 404, the create says "already exists"', 'hidden', 'POST /demo/bad', desiredApp({ id: '/demo/bad' })],
    ['a read finds the app, the update says 404', 'missing-on-write', 'PUT /demo/bad', desiredApp({ id: '/demo/bad', mem: 999 })],
  ] as const)('%s: re-reads once at once, then backs off, while other apps converge', async (_, fault, write, bad) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { marathon, source, status, controller } = setup({ random: () => 0.5 });
    marathon.seed(marathonApp({ id: '/demo/bad' }));
    marathon.disagree.set('/demo/bad', fault);
    source.set({ apps: [bad, desiredApp({ id: '/demo/good' })] });
    await controller.start();
    await vi.advanceTimersByTimeAsync(600_000);
    const attempts = marathon.writes().filter((w) => w === write).length;
    // At 0 s, again at once, then after 2, 4, 8 … s of backoff (capped at 5 min): 10 in 10 min.
    expect(attempts).toBe(10);
    expect(marathon.writes().filter((w) => w !== write)).toEqual(['POST /demo/good']);
    expect(status.getApp('/demo/bad')).toMatchObject({
      sync: 'OutOfSync',
      lastError: { code: fault === 'hidden' ? 'MRK_MARATHON_ALREADY_EXISTS' : 'MRK_MARATHON_NOT_FOUND' },
    });
    await controller.stop(0);
  });

  it('backs off an error it cannot classify from the first failure on', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { marathon, source, controller } = setup({ random: () => 0.5 });
    for (let i = 0; i < 100; i++) marathon.failNext('POST /demo/bad', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '500 from a proxy'));
    source.set({ apps: [desiredApp({ id: '/demo/bad' }), desiredApp({ id: '/demo/good' })] });
    await controller.start();
    await vi.advanceTimersByTimeAsync(600_000);
    // At 0 s, then after 1, 2, 4 … s (capped at 5 min): 10 in 10 min.
    expect(marathon.writes().filter((w) => w === 'POST /demo/bad')).toHaveLength(10);
    expect(marathon.writes().filter((w) => w !== 'POST /demo/bad')).toEqual(['POST /demo/good']);
    await controller.stop(0);
  });
});

/** A logger whose lines the test reads. */
function recordingLogger(): { logger: Logger; lines: () => Array<{ msg: string; appId?: string; level: number }> } {
  const text: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      text.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ level: 'debug', destination }),
    lines: () =>
      text
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

/** A source whose first read finishes only when released (a large folder being read). */
class SlowFirstRead extends MemorySource {
  release = (): void => undefined;
  readonly #read = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  override async start(onChange: Parameters<MemorySource['start']>[0]): Promise<void> {
    await super.start(onChange);
    await this.#read;
  }
}

/** A source without a watcher: what changed on disk is seen at its next read (resync) only. */
class ReadOnResync extends MemorySource {
  #disk: Parameters<MemorySource['set']>[0] | undefined;
  onDisk(fields: Parameters<MemorySource['set']>[0]): void {
    this.#disk = fields;
  }
  override resync(): Promise<void> {
    if (this.#disk) this.set(this.#disk);
    this.#disk = undefined;
    return super.resync();
  }
}

describe('Controller start-up', () => {
  it('reads the sources again before a first sync that begins long after they were read: it never writes what they said then', async () => {
    const timers = new ManualClock();
    const folder = new ReadOnResync('folder');
    let named: (i: Installation) => void = () => undefined;
    const installation = new Promise<Installation | undefined>((resolve) => (named = resolve));
    const { marathon, status, controller } = setup({ timers, sources: [folder], installation });
    marathon.seed(marathonApp({ id: '/mine' }));
    folder.set({ apps: [desiredApp({ id: '/mine', instances: 5 })] });
    await controller.start();
    // The installation's name comes late (the database was down); the file changed meanwhile.
    folder.onDisk({ apps: [desiredApp({ id: '/mine', instances: 7 })] });
    timers.advance(FIRST_SYNC_READ_MAX_AGE_MS + 1);
    named(TEST_INSTALLATION_OPTION);
    await until(() => status.ready, 'first sync');
    await until(() => marathon.writes().length > 0, 'the write of the first sync');
    await controller.whenIdle();
    expect(marathon.writes()).toEqual(['SCALE /mine 7']);
  });

  it('begins the first sync on the sources as just read, without reading them again', async () => {
    const timers = new ManualClock();
    const folder = new ReadOnResync('folder');
    const { marathon, status, controller } = setup({ timers, sources: [folder] });
    marathon.seed(marathonApp({ id: '/mine' }));
    folder.set({ apps: [desiredApp({ id: '/mine', instances: 5 })] });
    await controller.start();
    await until(() => status.ready, 'first sync');
    expect(folder.resyncs).toBe(0);
    await until(() => marathon.writes().length > 0, 'the write of the first sync');
    expect(marathon.writes()).toEqual(['SCALE /mine 5']);
  });

  it('lists Marathon while the sources are first read, reconciles nothing before both are done, and judges foreign apps on what the sources declare', async () => {
    const folder = new SlowFirstRead('folder');
    const log = recordingLogger();
    const { marathon, status, controller } = setup({ sources: [folder], logger: log.logger });
    marathon.seed(marathonApp({ id: '/mine' }), foreignApp('staging', { id: '/shared' }));
    folder.set({ apps: [desiredApp({ id: '/mine', instances: 5 }), desiredApp({ id: '/shared' })] });
    const started = controller.start();
    const listings = () => marathon.calls.filter((c) => c.startsWith('GET /v2/apps'));
    await until(() => listings().length === 2, 'both listings, before the folder was read');
    await flush();
    expect(status.ready).toBe(false);
    expect(status.getApp('/mine')).toBeUndefined();
    expect(marathon.writes()).toEqual([]);
    // Which foreign apps are declared here waits for the sources: nothing said of /shared yet.
    expect(log.lines().filter((l) => l.appId === '/shared')).toEqual([]);
    folder.release();
    await started;
    await until(() => status.ready, 'first sync');
    await until(() => marathon.writes().length > 0, 'the write of the first sync');
    expect(marathon.writes()).toEqual(['SCALE /mine 5']);
    expect(status.getApp('/shared')).toMatchObject({ sync: 'Conflict' });
    expect(log.lines().find((l) => l.appId === '/shared' && l.msg.includes('is declared here but belongs to'))).toBeDefined();
    // The listing made while the folder was read is the first sync's: Marathon is not listed again.
    expect(listings()).toHaveLength(2);
  });
});

describe('Controller and other installations on the same Marathon', () => {
  // sample-controller's TestNotControlledByUs: a fixture of apps owned by someone else, and
  // the exact list of calls made, which must contain no write to them.
  it("writes only its own apps: another installation's are never changed nor deleted, an id declared by both is a Conflict", async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(
      marathonApp({ id: '/mine' }),
      marathonApp({ id: '/mine/undeclared' }),
      foreignApp('staging', { id: '/shared', instances: 9 }),
      foreignApp('staging', { id: '/theirs' }),
      foreignApp('team-b', { id: '/team-b/api' }),
    );
    source.set({ apps: [desiredApp({ id: '/mine' }), desiredApp({ id: '/shared' })] });
    await controller.start();
    await until(() => status.ready);
    await until(() => marathon.writes().length === 1, "the prune of this installation's undeclared app");
    await controller.whenIdle();
    await flush();
    expect(marathon.writes()).toEqual(['DELETE /mine/undeclared']);
    expect(marathon.calls.filter((c) => c.startsWith('GET /v2/apps'))).toEqual([
      'GET /v2/apps?label=maracker.managed-by in (maracker,maracker.test)',
      'GET /v2/apps?label=maracker.managed-by notin (maracker,maracker.test)',
    ]);
    expect(status.getApp('/shared')).toMatchObject({ sync: 'Conflict', lastError: { code: 'foreign' } });
    expect(status.getApp('/shared')?.lastError?.message).toContain('belongs to maracker installation "staging"');
    expect(status.getApp('/theirs')).toBeUndefined();
    expect(status.snapshot().installation).toEqual({
      name: 'test',
      origin: 'option',
      foreign: {
        count: 3,
        apps: [
          { id: '/shared', installation: 'staging' },
          { id: '/team-b/api', installation: 'team-b' },
          { id: '/theirs', installation: 'staging' },
        ],
      },
      legacy: { claimed: 0, unclaimed: { count: 0, apps: [] } },
    });
    // A resync and an event naming a foreign app change nothing.
    await controller.resync('test');
    marathon.emit({ eventType: 'api_post_event', appDefinition: { id: '/shared' } });
    await controller.whenIdle();
    expect(marathon.writes()).toEqual(['DELETE /mine/undeclared']);
  });

  it('accepts a legacy app (labelled before installations) only while it declares it, without rewriting it, and never deletes one', async () => {
    const { marathon, source, status, controller } = setup();
    marathon.seed(legacyApp({ id: '/old/declared' }), legacyApp({ id: '/old/scaled' }), legacyApp({ id: '/old/undeclared' }));
    source.set({ apps: [desiredApp({ id: '/old/declared' }), desiredApp({ id: '/old/scaled', instances: 3 })] });
    await controller.start();
    await until(() => status.ready);
    await controller.whenIdle();
    await flush();
    // Scaling keeps tasks (and the old label); the label alone is no reason to restart.
    expect(marathon.writes()).toEqual(['SCALE /old/scaled 3']);
    expect(status.getApp('/old/declared')).toMatchObject({ sync: 'Synced' });
    expect(status.getApp('/old/undeclared')).toBeUndefined();
    expect(marathon.apps.get('/old/declared')?.labels?.['maracker.managed-by']).toBe('maracker');
    expect(status.snapshot().installation.legacy).toEqual({ claimed: 2, unclaimed: { count: 1, apps: ['/old/undeclared'] } });
    // A real change moves the label to the installation.
    source.set({ apps: [desiredApp({ id: '/old/declared', mem: 512 }), desiredApp({ id: '/old/scaled', instances: 3 })] });
    await until(() => marathon.writes().length === 2, 'the update');
    expect(marathon.writes()).toEqual(['SCALE /old/scaled 3', 'PUT /old/declared']);
    expect(marathon.apps.get('/old/declared')?.labels?.['maracker.managed-by']).toBe('maracker.test');
    await controller.resync('test');
    await controller.whenIdle();
    await flush(); // the ownership report is published once per turn of the event loop
    expect(status.snapshot().installation.legacy).toEqual({ claimed: 1, unclaimed: { count: 1, apps: ['/old/undeclared'] } });
    // No longer declared: the legacy app stays (it may be someone else's); our own goes.
    source.set({ apps: [] });
    await until(() => marathon.writes().length === 3, 'the prune of the relabelled app');
    await controller.whenIdle();
    expect(marathon.writes()).toEqual(['SCALE /old/scaled 3', 'PUT /old/declared', 'DELETE /old/declared']);
    expect(marathon.apps.has('/old/scaled')).toBe(true);
  });

  it('logs each foreign app once, not once per pass', async () => {
    const { logger, lines } = recordingLogger();
    const { marathon, source, status, controller } = setup({ logger });
    marathon.seed(foreignApp('staging', { id: '/theirs' }), foreignApp('staging', { id: '/shared' }));
    source.set({ apps: [desiredApp({ id: '/shared' })] });
    await controller.start();
    await until(() => status.ready);
    for (let i = 0; i < 3; i++) await controller.resync('test');
    await controller.whenIdle();
    const about = (id: string) => lines().filter((l) => l.appId === id && /installation "staging"/.test(l.msg));
    expect(about('/theirs')).toHaveLength(1);
    expect(about('/shared')).toHaveLength(1);
    expect(about('/shared')[0]?.msg).toContain('Conflict');
    expect(marathon.writes()).toEqual([]);
  });

  it('lists and writes nothing before it knows its installation (read from the database)', async () => {
    let resolve: (i: { name: string; origin: 'database' }) => void = () => undefined;
    const installation = new Promise<{ name: string; origin: 'database' }>((r) => (resolve = r));
    const { marathon, source, status, controller } = setup({ installation });
    marathon.seed(foreignApp('db-other', { id: '/demo/web' }), marathonApp({ id: '/demo/gone', labels: { 'maracker.managed-by': 'maracker.db-1234' } }));
    source.set({ apps: [desiredApp()] });
    await controller.start();
    // Only the installation's name can start the listing: everything else has run.
    await flush();
    expect(marathon.calls).toEqual([]);
    expect(status.snapshot().installation).toMatchObject({ name: null, origin: null });
    resolve({ name: 'db-1234', origin: 'database' });
    await until(() => status.ready);
    await until(() => marathon.writes().length === 1);
    expect(marathon.writes()).toEqual(['DELETE /demo/gone']);
    expect(status.snapshot().installation).toMatchObject({ name: 'db-1234', origin: 'database' });
    expect(status.getApp('/demo/web')).toMatchObject({ sync: 'Conflict' });
  });
});

describe('Controller: a pass queues only the apps whose inputs moved (issue 20)', () => {
  const INTERVAL = 60_000;

  /** Two apps in sync after the first sync, a clock the test drives, and what the observer heard. */
  async function inSync() {
    const timers = new ManualClock();
    const reconciled: string[] = [];
    const unchanged: string[][] = [];
    let passes = 0;
    const observer: ControllerObserver = {
      reconciled: (id) => reconciled.push(id),
      unchanged: (ids) => unchanged.push([...ids]),
      resynced: () => void passes++,
    };
    const s = setup({ timers, observer, options: { resyncIntervalMs: INTERVAL } });
    s.marathon.seed(marathonApp({ id: '/a' }), marathonApp({ id: '/b' }));
    s.source.set({ apps: [desiredApp({ id: '/a' }), desiredApp({ id: '/b' })] });
    await s.controller.start();
    await until(() => s.status.ready, 'first sync');
    const heard = () => ({ reconciled: [...reconciled].sort(), unchanged: unchanged.flat().sort() });
    /** One resync (random 0.5: exactly the interval), until its reconciles are done; what it did. */
    const pass = async () => {
      reconciled.length = 0;
      unchanged.length = 0;
      const before = passes;
      timers.advance(INTERVAL);
      await until(() => passes > before, 'the resync');
      await s.controller.whenIdle();
      return heard();
    };
    return { ...s, timers, pass, heard, reconciled };
  }

  it('reconciles every app at the first sync, as none was found in sync yet', async () => {
    const w = await inSync();
    expect(w.heard()).toEqual({ reconciled: ['/a', '/b'], unchanged: [] });
  });

  it('leaves every app in sync out of the queue, tells the observer which, and makes no call but the listings', async () => {
    const w = await inSync();
    const from = w.marathon.calls.length;
    const records = [w.status.getApp('/a'), w.status.getApp('/b')];
    expect(await w.pass()).toEqual({ reconciled: [], unchanged: ['/a', '/b'] });
    expect(await w.pass()).toEqual({ reconciled: [], unchanged: ['/a', '/b'] });
    expect(w.marathon.calls.slice(from).every((c) => c.startsWith('GET /v2/apps?'))).toBe(true);
    expect([w.status.getApp('/a'), w.status.getApp('/b')]).toEqual(records);
  });

  it('queues the app Marathon changed under it (a hand scale) and repairs it; the other stays out', async () => {
    const w = await inSync();
    const a = w.marathon.apps.get('/a') as MarathonApp;
    w.marathon.apps.set('/a', { ...a, instances: 5, version: '2026-03-02T09:00:00.000Z' });
    expect(await w.pass()).toEqual({ reconciled: ['/a'], unchanged: ['/b'] });
    expect(w.marathon.writes()).toEqual(['SCALE /a 2']);
  });

  it('queues the app whose declaration changed, and keeps queueing it while Marathon deploys it (a later look is due)', async () => {
    const w = await inSync();
    w.source.set({ apps: [desiredApp({ id: '/a', instances: 3 }), w.source.snapshot().apps.get('/b') as DesiredApp] });
    await w.controller.whenIdle();
    expect(w.marathon.writes()).toEqual(['SCALE /a 3']);
    // The fake starts no tasks: /a stays Progressing, never remembered, always looked at.
    expect(await w.pass()).toEqual({ reconciled: ['/a'], unchanged: ['/b'] });
    expect(w.status.getApp('/a')?.health).toBe('Progressing');
    expect(await w.pass()).toEqual({ reconciled: ['/a'], unchanged: ['/b'] });
  });

  it('queues every app when Marathon could not be listed: their health and sync are judged anew, Unknown, not as last read', async () => {
    const w = await inSync();
    w.marathon.failNext('LIST', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    expect(await w.pass()).toEqual({ reconciled: ['/a', '/b'], unchanged: [] });
    expect(w.status.getApp('/a')?.health).toBe('Unknown');
    // Not Synced from the last listing: a portal must not read "in sync" during an outage.
    expect(w.status.getApp('/a')).toMatchObject({
      sync: 'Unknown',
      lastError: { message: 'Marathon cannot be read: whether this app is in sync is not known' },
      pendingChanges: [],
    });
    // Found in sync while Marathon is unknown: remembered as such, until it answers again
    // (then every app is queued as Marathon becomes known, and by the pass if still running).
    const back = await w.pass();
    expect({ ...back, reconciled: [...new Set(back.reconciled)] }).toEqual({ reconciled: ['/a', '/b'], unchanged: [] });
    expect(w.status.getApp('/a')).toMatchObject({ sync: 'Synced', health: 'Healthy', lastError: null });
    expect(await w.pass()).toEqual({ reconciled: [], unchanged: ['/a', '/b'] });
  });

  it('an app out of sync when Marathon stops answering reads Unknown too, with nothing written, and is repaired once it answers', async () => {
    const w = await inSync();
    const a = w.marathon.apps.get('/a') as MarathonApp;
    w.marathon.apps.set('/a', { ...a, instances: 5, version: '2026-03-02T09:00:00.000Z' });
    w.marathon.failNext('LIST', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    w.marathon.failNext('GET /a', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    await w.pass();
    expect(w.marathon.writes()).toEqual([]);
    expect(w.status.getApp('/a')?.sync).toBe('Unknown');
    await w.pass();
    expect(w.marathon.writes()).toEqual(['SCALE /a 2']);
  });

  it('looks at many apps in slices that let the event loop turn, each app once, and a newer sweep takes over from an older one', async () => {
    const timers = new ManualClock();
    const unchanged: string[][] = [];
    let passes = 0;
    let onFirstSlice: (() => void) | undefined;
    const observer: ControllerObserver = {
      unchanged: (ids) => {
        unchanged.push([...ids]);
        const then = onFirstSlice;
        onFirstSlice = undefined;
        if (then) queueMicrotask(then);
      },
      resynced: () => void passes++,
    };
    const s = setup({ timers, observer, options: { resyncIntervalMs: INTERVAL } });
    const n = 2 * SWEEP_SLICE_KEYS + 10;
    const ids = Array.from({ length: n }, (_, i) => `/many/app-${String(i).padStart(4, '0')}`);
    s.marathon.seed(...ids.map((id) => marathonApp({ id })));
    s.source.set({ apps: ids.map((id) => desiredApp({ id })) });
    await s.controller.start();
    await until(() => s.status.ready, 'first sync');
    let turns = 0;
    const turn = (): void => {
      turns++;
      if (turns < 100) setImmediate(turn);
    };
    setImmediate(turn);
    timers.advance(INTERVAL);
    await until(() => passes === 1, 'the resync');
    expect(unchanged.map((slice) => slice.length)).toEqual([SWEEP_SLICE_KEYS, SWEEP_SLICE_KEYS, 10]);
    expect(unchanged.flat()).toEqual(ids);
    expect(turns).toBeGreaterThanOrEqual(2);
    // A source says "everything" while the pass looks: the older sweep stops after its first
    // slice, the newer one looks at every id.
    unchanged.length = 0;
    onFirstSlice = () => s.source.everything();
    timers.advance(INTERVAL);
    await until(() => passes === 2, 'the second resync');
    await s.controller.whenIdle();
    await flush();
    expect(unchanged.map((slice) => slice.length)).toEqual([SWEEP_SLICE_KEYS, SWEEP_SLICE_KEYS, SWEEP_SLICE_KEYS, 10]);
    expect(unchanged.slice(1).flat()).toEqual(ids);
  });

  it('plans every app again once its memo is NOOP_MEMO_MAX_AGE_MS old, so a change no fingerprint shows is repaired within that (the backstop)', async () => {
    const w = await inSync();
    // A change that keeps Marathon's version (no real Marathon does; the backstop is for what a fingerprint might miss).
    const a = w.marathon.apps.get('/a') as MarathonApp;
    w.marathon.apps.set('/a', { ...a, mem: 512 });
    const passes = NOOP_MEMO_MAX_AGE_MS / INTERVAL;
    for (let i = 1; i < passes; i++) expect(await w.pass(), `pass ${i}`).toEqual({ reconciled: [], unchanged: ['/a', '/b'] });
    expect(w.marathon.writes()).toEqual([]);
    expect(await w.pass()).toEqual({ reconciled: ['/a', '/b'], unchanged: [] });
    expect(w.marathon.writes()).toEqual(['PUT /a']);
  });
});

describe('Controller wiring, on a clock the test drives', () => {
  const OTHERS = 'GET /v2/apps?label=maracker.managed-by notin (maracker,maracker.test)';

  it('resyncs once per interval (jittered), re-reading the sources and listing Marathon: no other call when nothing changed', async () => {
    const timers = new ManualClock();
    const { marathon, source, status, controller } = setup({ timers, options: { resyncIntervalMs: 10_000 } });
    marathon.seed(marathonApp());
    source.set({ apps: [desiredApp()] });
    await controller.start();
    await until(() => status.ready, 'first sync');
    const from = marathon.calls.length;
    const reads = source.resyncs;
    // random 0.5: exactly the interval.
    timers.advance(9_999);
    await flush();
    expect(marathon.calls.slice(from)).toEqual([]);
    timers.advance(1);
    await until(() => marathon.calls.length === from + 2, "the resync's listings");
    await controller.whenIdle();
    expect(marathon.calls.slice(from)).toEqual([OURS, OTHERS]);
    expect(source.resyncs).toBe(reads + 1);
  });

  it('looks at every app again when Marathon answers after a failed read: their health was judged while it could not be read', async () => {
    const timers = new ManualClock();
    const reconciled: string[] = [];
    const { marathon, source, status, controller } = setup({ timers, observer: { reconciled: (id) => reconciled.push(id) } });
    marathon.seed(marathonApp({ id: '/a' }), marathonApp({ id: '/b' }));
    source.set({ apps: [desiredApp({ id: '/a' }), desiredApp({ id: '/b' })] });
    await controller.start();
    await until(() => status.ready, 'first sync');
    const from = marathon.calls.length;
    reconciled.length = 0;
    marathon.failNext('GET /a', new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503'));
    marathon.emit({ eventType: 'api_post_event', appDefinition: { id: '/a' } });
    await controller.whenIdle();
    expect(reconciled).toEqual(['/a']);
    expect(status.snapshot().marathon.reachable).toBe(false);
    // The retry's backoff (1 s, jitter 0.5): the read answers, and every app is looked at.
    timers.advance(1000);
    await until(() => reconciled.includes('/b'), 'every app looked at again');
    await controller.whenIdle();
    // /a was queued again while its retry ran: it runs once more, from the cache.
    expect(reconciled.slice(1).sort()).toEqual(['/a', '/a', '/b']);
    expect(marathon.calls.slice(from)).toEqual(['GET /a', 'GET /a']);
    expect(status.snapshot().marathon.reachable).toBe(true);
  });
});
