// One listing of this installation's apps per pass: the exact calls, what lands in the
// cache, and what the listing says of ownership and reachability.

import { describe, expect, it } from 'vitest';
import { othersSelector } from '../../src/model/labels.js';
import { ActualCache } from '../../src/reconcile/actual-cache.js';
import { DesiredState } from '../../src/reconcile/desired-state.js';
import { MarathonListing } from '../../src/reconcile/marathon-listing.js';
import { MarathonReachability } from '../../src/reconcile/marathon-reachability.js';
import { OwnershipReport } from '../../src/reconcile/ownership-report.js';
import { StatusStore } from '../../src/status/store.js';
import { desiredApp, foreignApp, legacyApp, marathonApp, TEST_INSTALLATION, unownedApp } from '../helpers/builders.js';
import { FakeMarathon, FakeMarathonError } from '../helpers/fake-marathon.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';
import { MemorySource } from '../helpers/memory-source.js';

const OURS = 'GET /v2/apps?label=maracker.managed-by in (maracker,maracker.test)';
const OTHERS = 'GET /v2/apps?label=maracker.managed-by notin (maracker,maracker.test)';

function setup() {
  const clock = new ManualClock();
  const marathon = new FakeMarathon();
  const status = new StatusStore({ instance: 't', marathonUrl: 'http://marathon' });
  const log = recordingLogger();
  const cache = new ActualCache();
  const reachability = new MarathonReachability({ url: 'http://marathon', status, timers: clock, logger: log.logger });
  const report = new OwnershipReport({ logger: log.logger, publish: (r) => status.setOwnership(r) });
  const source = new MemorySource('folder');
  const desired = new DesiredState({ sources: [source], status });
  const listing = new MarathonListing({ marathon, cache, reachability, report, desired, timers: clock, logger: log.logger });
  return { clock, marathon, status, log, cache, reachability, source, listing };
}

describe('MarathonListing', () => {
  it('knows nothing before the first listing', () => {
    const t = setup();
    t.marathon.seed(marathonApp());
    expect(t.listing.listed).toBe(false);
    expect(t.listing.ours()).toEqual([]);
    expect(t.listing.listedIds()).toEqual([]);
    expect(t.marathon.calls).toEqual([]);
  });

  it("lists this installation's and the legacy apps into the cache, then the other installations' for the report: two requests", async () => {
    const t = setup();
    t.marathon.seed(marathonApp({ id: '/mine' }), legacyApp({ id: '/old' }), foreignApp('staging', { id: '/theirs' }), unownedApp({ id: '/by-hand' }));
    t.source.set({ apps: [desiredApp({ id: '/theirs' })] });
    expect(await t.listing.list(TEST_INSTALLATION)).toBe(true);
    expect(t.marathon.calls).toEqual([OURS, OTHERS]);
    expect(t.listing.listed).toBe(true);
    expect(t.listing.ours().map((a) => a.id)).toEqual(['/mine']);
    expect(t.listing.listedIds().sort()).toEqual(['/mine', '/old']);
    expect(t.cache.get('/theirs')).toBeUndefined();
    expect(t.reachability.known).toBe(true);
    await flush();
    expect(t.status.installation.foreign).toEqual({ count: 1, apps: [{ id: '/theirs', installation: 'staging' }] });
    expect(
      t.log
        .lines()
        .filter((l) => l.appId === '/theirs')
        .map((l) => l.level),
    ).toEqual([40]);
  });

  it('answers false when Marathon cannot be listed, warns once per outage, and leaves the cache unlisted', async () => {
    const t = setup();
    const down = new FakeMarathonError('MRK_MARATHON_CONNECTION', 'connect ECONNREFUSED');
    t.marathon.failNext('LIST', down);
    t.marathon.failNext('LIST', down);
    expect(await t.listing.list(TEST_INSTALLATION)).toBe(false);
    expect(await t.listing.list(TEST_INSTALLATION)).toBe(false);
    expect(t.listing.listed).toBe(false);
    expect(t.marathon.calls).toEqual([OURS, OURS]);
    expect(t.status.marathon).toMatchObject({ reachable: false, lastError: { code: 'MRK_MARATHON_CONNECTION' } });
    expect(
      t.log
        .lines()
        .filter((l) => l.msg === 'cannot list Marathon apps')
        .map((l) => l.level),
    ).toEqual([40, 20]);
  });

  it("still answers true when only the other installations' apps cannot be listed: the report stays as it was", async () => {
    const t = setup();
    t.marathon.seed(marathonApp({ id: '/mine' }), foreignApp('staging', { id: '/theirs' }));
    await t.listing.list(TEST_INSTALLATION);
    t.marathon.apps.delete('/theirs');
    // The second listing (the others') fails; the first (ours) answers.
    const list = t.marathon.listApps.bind(t.marathon);
    t.marathon.listApps = async (opts) => {
      if (opts?.label === othersSelector(TEST_INSTALLATION)) throw new FakeMarathonError('MRK_MARATHON_SERVER_ERROR', '503');
      return list(opts);
    };
    expect(await t.listing.list(TEST_INSTALLATION)).toBe(true);
    await flush();
    expect(t.status.installation.foreign.count).toBe(1);
    expect(t.reachability.known).toBe(true);
  });
});

describe('DesiredState', () => {
  it("merges the sources' snapshots once per change, and publishes the sources and the declared ids", () => {
    const status = new StatusStore({ instance: 't', marathonUrl: 'http://marathon' });
    const source = new MemorySource('folder');
    const desired = new DesiredState({ sources: [source], status });
    const before = desired.view();
    expect(desired.view()).toBe(before);
    source.set({ apps: [desiredApp()] });
    desired.changed();
    expect(desired.view()).not.toBe(before);
    expect(desired.view().get('/demo/web').kind).toBe('app');
    expect(status.snapshot().sources).toEqual([expect.objectContaining({ name: 'folder', state: 'Ready', apps: 1 })]);
  });
});
