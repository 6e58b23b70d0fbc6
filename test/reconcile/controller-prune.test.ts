// The controller and reconciler with the prune guard, on a clock the test drives: the exact
// Marathon calls of each step, and nothing deleted that the guard did not let through.

import { afterEach, describe, expect, it } from 'vitest';
import type { AppId } from '../../src/model/app-id.js';
import { Controller, type ControllerOptions } from '../../src/reconcile/controller.js';
import { ALWAYS_LEADER } from '../../src/model/leadership.js';
import type { PruneDeletion } from '../../src/prune/budget.js';
import { DEFAULT_PRUNE_GUARD } from '../../src/prune/guard.js';
import type { PruneLedger } from '../../src/prune/ledger.js';
import { StatusStore } from '../../src/status/store.js';
import { desiredApp, marathonApp, TEST_INSTALLATION_OPTION } from '../helpers/builders.js';
import { FakeMarathon } from '../helpers/fake-marathon.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';
import { MemorySource } from '../helpers/memory-source.js';

const OPTIONS: ControllerOptions = {
  resyncIntervalMs: 3_600_000,
  concurrency: 4,
  maxDeployments: 100,
  writeRatePerSecond: 1000,
  force: false,
  prune: true,
  pruneGuard: DEFAULT_PRUNE_GUARD,
  events: false,
  pruneSettleMs: 2000,
  progressPollMs: 3_600_000,
  lockRetryMs: 1000,
  deploymentsPollMs: 3_600_000,
  initialRetryMs: 1000,
};

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

class SharedLedger implements PruneLedger {
  readonly kind = 'database';
  rows: PruneDeletion[] = [];
  async load(since: number): Promise<PruneDeletion[]> {
    return this.rows.filter((r) => r.at >= since);
  }
  async record(d: PruneDeletion, dropBefore: number): Promise<void> {
    this.rows = [...this.rows.filter((r) => r.at >= dropBefore), d];
  }
}

const appIds = (n: number): AppId[] => Array.from({ length: n }, (_, i) => `/fleet/app${String(i).padStart(2, '0')}`);

function setup(o: { apps: AppId[]; clock?: ManualClock; marathon?: FakeMarathon; ledger?: PruneLedger; options?: Partial<ControllerOptions> }) {
  const clock = o.clock ?? new ManualClock();
  const marathon = o.marathon ?? new FakeMarathon().seed(...o.apps.map((id) => marathonApp({ id })));
  const source = new MemorySource('folder');
  const status = new StatusStore({ instance: 't', marathonUrl: 'http://marathon', now: () => new Date(clock.now()) });
  const log = recordingLogger();
  const controller = new Controller({
    sources: [source],
    marathon,
    marathonUrl: 'http://marathon',
    status,
    leadership: ALWAYS_LEADER,
    installation: TEST_INSTALLATION_OPTION,
    logger: log.logger,
    timers: clock,
    random: () => 0.5,
    ...(o.ledger ? { pruneLedger: o.ledger } : {}),
    options: { ...OPTIONS, ...o.options },
  });
  stops.push(() => controller.stop(1000));
  const declared = new Set(o.apps);
  const declare = (): void => source.set({ apps: [...declared].sort().map((id) => desiredApp({ id })) });
  return {
    clock,
    marathon,
    status,
    controller,
    log,
    async start(): Promise<void> {
      declare();
      await controller.start();
      await flush();
    },
    /** Removes these apps from the source, as deleting their manifests does. */
    async remove(ids: readonly AppId[]): Promise<void> {
      for (const id of ids) declared.delete(id);
      declare();
      await flush();
    },
    async add(ids: readonly AppId[]): Promise<void> {
      for (const id of ids) declared.add(id);
      declare();
      await flush();
    },
    async advance(ms: number): Promise<void> {
      clock.advance(ms);
      await flush();
    },
    /** Calls made since `mark()`. */
    since: (() => {
      let from = 0;
      return { mark: () => void (from = marathon.calls.length), calls: () => marathon.calls.slice(from) };
    })(),
  };
}

const deletes = (calls: readonly string[]): string[] => calls.filter((c) => c.startsWith('DELETE')).sort();

describe('Controller with the prune guard', () => {
  it('deletes after the settle time, with a fresh read of each app, and clears the candidates as they go', async () => {
    const t = setup({ apps: appIds(30) });
    await t.start();
    expect(t.status.ready).toBe(true);
    t.since.mark();
    await t.remove(appIds(3));
    expect(t.status.prune).toMatchObject({ blocked: false, candidates: appIds(3) });
    expect(t.marathon.writes()).toEqual([]);
    expect(t.status.getApp('/fleet/app00')).toMatchObject({ sync: 'OutOfSync', pendingChanges: ['(delete)'], lastError: null });

    await t.advance(1999);
    expect(t.marathon.writes()).toEqual([]);
    await t.advance(1);
    for (const id of appIds(3)) {
      const calls = t.since.calls().filter((c) => c.endsWith(id));
      expect(calls, id).toEqual([`GET ${id}`, `DELETE ${id}`]);
    }
    expect(t.status.prune).toMatchObject({ blocked: false, candidates: [], episode: null, budget: { used: 3, limit: 5 } });
    expect(t.status.getApp('/fleet/app00')).toBeUndefined();
  });

  it('stops a slow trickle once the budget is spent: removing 5 of 30 apps every 3.5 s deletes 5', async () => {
    const t = setup({ apps: appIds(30) });
    await t.start();
    for (let round = 0; round < 6; round++) {
      await t.remove(appIds(30).slice(round * 5, round * 5 + 5));
      await t.advance(3500);
    }
    expect(deletes(t.marathon.calls)).toEqual(appIds(5).map((id) => `DELETE ${id}`));
    expect(t.status.snapshot()).toMatchObject({
      phase: 'Blocked',
      prune: { blocked: true, candidates: appIds(30).slice(5), budget: { used: 5, limit: 5, windowSeconds: 3600 } },
    });
    expect(t.status.getApp('/fleet/app05')?.lastError).toMatchObject({ code: 'prune-blocked' });
  });

  it('deletes exactly the approved list; the same apps re-created and removed again block as a new episode', async () => {
    const t = setup({ apps: appIds(30) });
    await t.start();
    await t.remove(appIds(20));
    await t.advance(2000);
    expect(t.marathon.writes()).toEqual([]);
    const first = t.status.prune.episode;
    expect(first).toMatchObject({ candidates: appIds(20), approvedBy: null });
    expect(t.status.snapshot().phase).toBe('Blocked');

    expect(t.controller.approvePrune({ by: 'alice from 127.0.0.1', episode: first?.id as string })).toEqual({ approved: appIds(20), episode: first?.id });
    await flush();
    expect(deletes(t.marathon.calls)).toEqual(appIds(20).map((id) => `DELETE ${id}`));
    expect(t.status.prune).toMatchObject({ blocked: false, candidates: [], episode: null, budget: { used: 0 } });
    expect(t.log.messages()).toContain(`prune approved by alice from 127.0.0.1: episode ${first?.id}, 20 apps will be deleted`);

    // Re-created from their files, then the files removed again: the old approval is spent.
    t.since.mark();
    await t.add(appIds(20));
    expect(t.since.calls().filter((c) => c.startsWith('POST'))).toHaveLength(20);
    t.since.mark();
    await t.remove(appIds(20));
    await t.advance(2000);
    expect(t.since.calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
    const second = t.status.prune.episode;
    expect(second).toMatchObject({ candidates: appIds(20), approvedBy: null });
    expect(second?.id).not.toBe(first?.id);
    expect(() => t.controller.approvePrune({ by: 'portal', episode: first?.id as string })).toThrow(
      expect.objectContaining({ code: 'MRK_PRUNE_EPISODE_STALE' }),
    );
    await t.advance(60_000);
    expect(t.since.calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
    expect(t.status.snapshot().phase).toBe('Blocked');
  });

  it("does not count an app twice while Marathon's deployment removes it, nor delete it again", async () => {
    const t = setup({ apps: appIds(30), options: { progressPollMs: 1000 } });
    // Marathon removes an app with a deployment: it stays listed until that finishes.
    const removing = new Set<AppId>();
    t.marathon.deleteApp = async (id: string) => {
      t.marathon.calls.push(`DELETE ${id}`);
      const app = t.marathon.apps.get(id);
      if (app) app.deployments = [{ id: `dep-${id}` }];
      removing.add(id);
      return { deploymentId: `dep-${id}`, version: 'v' };
    };
    await t.start();
    await t.remove(appIds(5));
    await t.advance(2000);
    expect(deletes(t.marathon.calls)).toHaveLength(5);
    await t.controller.resync('test');
    await t.advance(5000);
    expect(deletes(t.marathon.calls)).toHaveLength(5);
    expect(t.status.prune).toMatchObject({ blocked: false, candidates: [], budget: { used: 5 } });
    for (const id of removing) t.marathon.apps.delete(id);
    await t.controller.resync('test');
    await t.advance(1000);
    expect(t.status.prune).toMatchObject({ blocked: false, candidates: [], budget: { used: 5 } });
    expect(appIds(5).map((id) => t.status.getApp(id))).toEqual(Array(5).fill(undefined));
  });

  it('deletes nothing until the history is read, then goes on by itself', async () => {
    const ledger = new SharedLedger();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const load = ledger.load.bind(ledger);
    ledger.load = async (since) => {
      await gate;
      return load(since);
    };
    const t = setup({ apps: appIds(30), ledger });
    await t.start();
    await t.remove(appIds(2));
    await t.advance(5000);
    expect(t.marathon.writes()).toEqual([]);
    expect(t.status.prune).toMatchObject({ candidates: appIds(2), budget: { history: 'database', loaded: false } });
    expect(t.status.getApp('/fleet/app00')?.lastError).toMatchObject({ code: 'prune-waiting' });
    release();
    await flush();
    expect(deletes(t.marathon.calls)).toEqual(appIds(2).map((id) => `DELETE ${id}`));
    expect(t.status.prune).toMatchObject({ candidates: [], budget: { used: 2, loaded: true } });
  });

  it('counts the deletions of the previous start when its history is kept: a restart does not refill the budget', async () => {
    const ledger = new SharedLedger();
    const clock = new ManualClock();
    const marathon = new FakeMarathon().seed(...appIds(30).map((id) => marathonApp({ id })));
    const first = setup({ apps: appIds(30), clock, marathon, ledger });
    await first.start();
    await first.remove(appIds(5));
    await first.advance(2000);
    expect(deletes(marathon.calls)).toHaveLength(5);
    await first.controller.stop(1000);
    expect(ledger.rows.map((r) => r.id).sort()).toEqual(appIds(5));

    await first.advance(5 * 60_000);
    const second = setup({ apps: appIds(30).slice(5), clock, marathon, ledger });
    await second.start();
    second.since.mark();
    await second.remove(appIds(30).slice(5, 7));
    await second.advance(2000);
    expect(second.since.calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
    expect(second.status.prune).toMatchObject({ blocked: true, candidates: appIds(30).slice(5, 7), budget: { used: 5, history: 'database', loaded: true } });
  });
});
